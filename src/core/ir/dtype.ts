/** ONNX element types (TensorProto.DataType) and their storage facts. */
export enum DataType {
  UNDEFINED = 0,
  FLOAT = 1,
  UINT8 = 2,
  INT8 = 3,
  UINT16 = 4,
  INT16 = 5,
  INT32 = 6,
  INT64 = 7,
  STRING = 8,
  BOOL = 9,
  FLOAT16 = 10,
  DOUBLE = 11,
  UINT32 = 12,
  UINT64 = 13,
  COMPLEX64 = 14,
  COMPLEX128 = 15,
  BFLOAT16 = 16,
  FLOAT8E4M3FN = 17,
  FLOAT8E4M3FNUZ = 18,
  FLOAT8E5M2 = 19,
  FLOAT8E5M2FNUZ = 20,
  UINT4 = 21,
  INT4 = 22,
  FLOAT4E2M1 = 23,
  FLOAT8E8M0 = 24,
  UINT2 = 25,
  INT2 = 26,
}

/** Lower-case names as ONNX's textual syntax and numpy-ish tools print them. */
export const DTYPE_NAMES: Record<number, string> = {
  0: 'undefined', 1: 'float', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64',
  8: 'string', 9: 'bool', 10: 'float16', 11: 'double', 12: 'uint32', 13: 'uint64', 14: 'complex64',
  15: 'complex128', 16: 'bfloat16', 17: 'float8e4m3fn', 18: 'float8e4m3fnuz', 19: 'float8e5m2',
  20: 'float8e5m2fnuz', 21: 'uint4', 22: 'int4', 23: 'float4e2m1', 24: 'float8e8m0', 25: 'uint2', 26: 'int2',
};

export function dtypeName(t: number): string {
  return DTYPE_NAMES[t] ?? `dtype(${t})`;
}

/** Bits per element in raw_data (string has none: it is stored in string_data). */
export function dtypeBits(t: number): number | undefined {
  switch (t) {
    case DataType.FLOAT: case DataType.INT32: case DataType.UINT32: return 32;
    case DataType.UINT8: case DataType.INT8: case DataType.BOOL:
    case DataType.FLOAT8E4M3FN: case DataType.FLOAT8E4M3FNUZ: case DataType.FLOAT8E5M2:
    case DataType.FLOAT8E5M2FNUZ: case DataType.FLOAT8E8M0: return 8;
    case DataType.UINT16: case DataType.INT16: case DataType.FLOAT16: case DataType.BFLOAT16: return 16;
    case DataType.INT64: case DataType.DOUBLE: case DataType.UINT64: case DataType.COMPLEX64: return 64;
    case DataType.COMPLEX128: return 128;
    case DataType.UINT4: case DataType.INT4: case DataType.FLOAT4E2M1: return 4;
    case DataType.UINT2: case DataType.INT2: return 2;
    default: return undefined;
  }
}

/** Bytes that `count` elements take in raw_data (sub-byte types are packed, rounded up). */
export function rawByteLength(t: number, count: number): number | undefined {
  const bits = dtypeBits(t);
  if (bits === undefined) return undefined;
  return Math.ceil((count * bits) / 8);
}

/**
 * Element count of a shape, checked: every dim must be a non-negative safe integer and the product must
 * stay a safe integer. Returns an error string instead of throwing so callers can name the tensor.
 */
export function checkedElementCount(dims: readonly (number | bigint)[]): number | string {
  let n = 1;
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i];
    if (typeof d === 'bigint') return `dim ${i} is ${d}, beyond any tensor size`;
    if (!Number.isSafeInteger(d)) return `dim ${i} is ${d}, not an integer`;
    if (d < 0) return `dim ${i} is negative (${d})`;
    n *= d;
    if (!Number.isSafeInteger(n)) return `the product of dims [${dims.join(', ')}] overflows`;
  }
  return n;
}
