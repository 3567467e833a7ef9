/**
 * Propagated values (PropValue): reading them from tensors, and the small amount of arithmetic that shape
 * glue needs (elementwise with broadcasting, casts), over numbers and symbolic dims alike.
 */
import type { onnx } from '../codec/pb';
import { tensorProtoToHost, hostToNumbers } from '../codec/tensordata';
import { checkedElementCount, DataType } from '../ir/dtype';
import type { KnownValue, PropValue } from './types';
import { canonicalDim, type SymDim } from './symbolic';

export const DEFAULT_MAX_VALUE_ELEMENTS = 1024;

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

export function isIntegerType(t: number): boolean {
  switch (t) {
    case DataType.INT8: case DataType.INT16: case DataType.INT32: case DataType.INT64:
    case DataType.UINT8: case DataType.UINT16: case DataType.UINT32: case DataType.UINT64:
    case DataType.INT4: case DataType.UINT4: case DataType.INT2: case DataType.UINT2:
      return true;
    default:
      return false;
  }
}

export function isFloatType(t: number): boolean {
  switch (t) {
    case DataType.FLOAT: case DataType.DOUBLE: case DataType.FLOAT16: case DataType.BFLOAT16:
    case DataType.FLOAT8E4M3FN: case DataType.FLOAT8E4M3FNUZ: case DataType.FLOAT8E5M2: case DataType.FLOAT8E5M2FNUZ:
    case DataType.FLOAT8E8M0: case DataType.FLOAT4E2M1:
      return true;
    default:
      return false;
  }
}

/** A number read from an int64 value, back as an exact int64 bigint (saturating at the int64 range). */
export function toInt64(x: number): bigint {
  if (!Number.isFinite(x)) return x > 0 ? INT64_MAX : INT64_MIN;
  const b = BigInt(Math.trunc(x));
  return b > INT64_MAX ? INT64_MAX : b < INT64_MIN ? INT64_MIN : b;
}

/** Every element known? */
export function isKnown(v: PropValue | undefined): v is KnownValue {
  if (!v) return false;
  for (const d of v.data) if (typeof d !== 'number') return false;
  return true;
}

/**
 * The value of a tensor (initializer, Constant attribute) when it is numeric, stored inline (not external)
 * and has at most `maxElements` elements; undefined otherwise.
 */
export function tensorValue(t: onnx.TensorProto | onnx.TensorProto.$Properties, maxElements: number): PropValue | undefined {
  const dtype = t.dataType ?? 0;
  if (dtype === DataType.STRING || dtype === DataType.UNDEFINED || dtype === DataType.COMPLEX64 || dtype === DataType.COMPLEX128) return undefined;
  if (t.dataLocation === 1) return undefined;
  const dimsIn = (t.dims ?? []) as (number | bigint)[];
  const count = checkedElementCount(dimsIn);
  if (typeof count !== 'number' || count > maxElements) return undefined;
  const fast = fastValues(t, dtype, count);
  if (fast) return { dtype, dims: dimsIn.map(Number), data: fast };
  try {
    const h = tensorProtoToHost(t);
    const nums = hostToNumbers(h);
    return { dtype, dims: dimsIn.map(Number), data: Array.from(nums) };
  } catch {
    return undefined;
  }
}

/** The common storages of shape glue (raw int64/int32/float32/double, int64_data, float_data), read directly. */
function fastValues(t: onnx.TensorProto | onnx.TensorProto.$Properties, dtype: number, count: number): number[] | undefined {
  const raw = t.rawData;
  if (raw && raw.byteLength) {
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out: number[] = new Array(count);
    switch (dtype) {
      case DataType.INT64:
        if (raw.byteLength !== count * 8) return undefined;
        for (let i = 0; i < count; i++) out[i] = dv.getInt32(i * 8 + 4, true) * 4294967296 + dv.getUint32(i * 8, true);
        return out;
      case DataType.INT32:
        if (raw.byteLength !== count * 4) return undefined;
        for (let i = 0; i < count; i++) out[i] = dv.getInt32(i * 4, true);
        return out;
      case DataType.FLOAT:
        if (raw.byteLength !== count * 4) return undefined;
        for (let i = 0; i < count; i++) out[i] = dv.getFloat32(i * 4, true);
        return out;
      case DataType.DOUBLE:
        if (raw.byteLength !== count * 8) return undefined;
        for (let i = 0; i < count; i++) out[i] = dv.getFloat64(i * 8, true);
        return out;
      default:
        return undefined;
    }
  }
  if (dtype === DataType.INT64 && t.int64Data && t.int64Data.length === count) return t.int64Data.map(Number);
  if (dtype === DataType.FLOAT && t.floatData && t.floatData.length === count) return t.floatData.map(Number);
  return undefined;
}

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** A value of the given type from JS numbers / symbolic dims (canonicalized). */
export function makeValue(dtype: number, dims: number[], data: SymDim[]): PropValue {
  return { dtype, dims, data: data.map((d) => (typeof d === 'string' ? canonicalDim(d) : d)) };
}

/** Rounds a number to what `dtype` can hold, as a cast would (integers truncate toward zero). */
export function castNumber(x: number, to: number): number | null {
  if (Number.isNaN(x)) return isIntegerType(to) ? null : x;
  switch (to) {
    case DataType.FLOAT: return Math.fround(x);
    case DataType.DOUBLE: return x;
    case DataType.BOOL: return x !== 0 ? 1 : 0;
    case DataType.INT64: case DataType.UINT64: case DataType.INT32: case DataType.UINT32:
    case DataType.INT16: case DataType.UINT16: case DataType.INT8: case DataType.UINT8: {
      if (!Number.isFinite(x)) return null;
      const t = Math.trunc(x);
      const bits = to === DataType.INT64 || to === DataType.UINT64 ? 64 : to === DataType.INT32 || to === DataType.UINT32 ? 32 : to === DataType.INT16 || to === DataType.UINT16 ? 16 : 8;
      const signed = to === DataType.INT64 || to === DataType.INT32 || to === DataType.INT16 || to === DataType.INT8;
      if (bits === 64) return t; // exact enough: values beyond 2^53 are approximate anyway
      const lo = signed ? -(2 ** (bits - 1)) : 0;
      const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
      if (t >= lo && t <= hi) return t;
      // wrap-around as C casts do
      const m = 2 ** bits;
      let w = ((t % m) + m) % m;
      if (signed && w > hi) w -= m;
      return w;
    }
    default:
      return isFloatType(to) ? x : null; // float16 & co: not rounded here (shape glue never needs it)
  }
}

/** Cast of a propagated element: numbers convert, symbolic integers stay symbolic between numeric types. */
export function castElement(x: SymDim, to: number): SymDim {
  if (x === null) return null;
  if (typeof x === 'number') return castNumber(x, to);
  if (to === DataType.BOOL || to === DataType.STRING) return null;
  if (isIntegerType(to) && to !== DataType.INT64 && to !== DataType.INT32 && to !== DataType.UINT64 && to !== DataType.UINT32) return null;
  return x;
}

/** Multidirectional (numpy) broadcasting of two static shapes; undefined when they do not broadcast. */
export function broadcastStatic(a: readonly number[], b: readonly number[]): number[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const x = i < n - a.length ? 1 : a[i - (n - a.length)];
    const y = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (x === y || y === 1) out[i] = x;
    else if (x === 1) out[i] = y;
    else return undefined;
  }
  return out;
}

/** Index of the element of `dims` that the output index `flat` (over `outDims`) reads under broadcasting. */
function broadcastIndexer(dims: readonly number[], outDims: readonly number[]): (flat: number) => number {
  const n = outDims.length;
  const off = n - dims.length;
  const strides: number[] = new Array(n).fill(0);
  let s = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    strides[i + off] = dims[i] === 1 ? 0 : s;
    s *= dims[i];
  }
  const outStrides: number[] = new Array(n);
  let o = 1;
  for (let i = n - 1; i >= 0; i--) {
    outStrides[i] = o;
    o *= outDims[i];
  }
  return (flat: number) => {
    let idx = 0;
    let rem = flat;
    for (let i = 0; i < n; i++) {
      const q = Math.floor(rem / outStrides[i]);
      rem -= q * outStrides[i];
      idx += q * strides[i];
    }
    return idx;
  };
}

/** Elementwise over any number of propagated values with broadcasting; undefined when shapes do not broadcast. */
export function mapBroadcast(
  inputs: readonly PropValue[],
  dtype: number,
  fn: (xs: SymDim[]) => SymDim,
  maxElements: number,
): PropValue | undefined {
  let dims: number[] = [];
  for (const v of inputs) {
    const b = broadcastStatic(dims, v.dims);
    if (!b) return undefined;
    dims = b;
  }
  const count = elementCount(dims);
  if (count > maxElements) return undefined;
  const idx = inputs.map((v) => broadcastIndexer(v.dims, dims));
  const data: SymDim[] = new Array(count);
  const xs: SymDim[] = new Array(inputs.length);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < inputs.length; k++) xs[k] = inputs[k].data[idx[k](i)];
    data[i] = fn(xs);
  }
  return { dtype, dims, data };
}

/** Row-major strides of static dims. */
export function stridesOf(dims: readonly number[]): number[] {
  const s: number[] = new Array(dims.length);
  let o = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = o;
    o *= dims[i];
  }
  return s;
}
