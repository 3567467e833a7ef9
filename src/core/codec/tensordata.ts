/**
 * Tensor values: TensorProto <-> HostTensor, and reading values as JS numbers.
 *
 * A HostTensor holds the little-endian raw bytes exactly as ONNX raw_data lays them out (see
 * ../ir/hosttensor.ts). `tensorProtoToHost` accepts every way onnx.proto allows values to be stored
 * (raw_data, the typed *_data fields, external data through a callback) and validates sizes; raw_data
 * stays a view into the decoded buffer (no copy). `hostToTensorProto` always writes raw_data (string_data
 * for STRING).
 *
 * Numbers: `hostToNumbers` decodes any numeric dtype to a Float64Array, including float16, bfloat16, the
 * four float8 variants, float8e8m0, float4e2m1 and the packed int4/uint4/int2/uint2. Complex tensors
 * decode interleaved (re0, im0, re1, im1, ...: twice the element count) unless `{ complex: 'magnitude' }`
 * is asked for (|z| per element). int64/uint64 beyond 2^53 lose precision as JS numbers: use
 * `hostToBigInts` for exact values. `forEachNumberChunk` decodes in bounded chunks so that statistics over
 * a large tensor never materialize a full Float64Array copy.
 */
import { onnx } from './pb';
import { checkedElementCount, DataType, dtypeBits, dtypeName, rawByteLength } from '../ir/dtype';
import type { HostTensor } from '../ir/hosttensor';

export class TensorDataError extends Error {
  constructor(
    /** The tensor's name (or a stand-in such as `<unnamed tensor>`). */
    readonly tensor: string,
    readonly detail: string,
  ) {
    super(`tensor '${tensor}': ${detail}`);
    this.name = 'TensorDataError';
  }
}

/** Returns the bytes of an EXTERNAL tensor (data_location = 1): the caller knows the model's folder. */
export type ExternalBytes = (t: onnx.TensorProto) => Uint8Array;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const EMPTY = new Uint8Array(0);

function label(name: string | undefined | null): string {
  return name ? name : '<unnamed tensor>';
}

function describe(dtype: number, dims: readonly (number | bigint)[]): string {
  return `${dtypeName(dtype)}[${dims.join(',')}]`;
}

/** A plain Uint8Array view over the same memory (a Buffer becomes a Uint8Array; nothing is copied). */
function plainView(b: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(b) === Uint8Array.prototype ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function nonEmpty<T>(a: readonly T[] | null | undefined): a is readonly T[] {
  return !!a && a.length > 0;
}

/** Which typed field holds values for a dtype, and how many entries `count` elements need there. */
function typedFieldFor(dtype: number): 'floatData' | 'int32Data' | 'int64Data' | 'doubleData' | 'uint64Data' | 'stringData' | undefined {
  switch (dtype) {
    case DataType.FLOAT: case DataType.COMPLEX64: return 'floatData';
    case DataType.DOUBLE: case DataType.COMPLEX128: return 'doubleData';
    case DataType.INT64: return 'int64Data';
    case DataType.UINT32: case DataType.UINT64: return 'uint64Data';
    case DataType.STRING: return 'stringData';
    case DataType.INT32: case DataType.INT16: case DataType.INT8: case DataType.UINT16: case DataType.UINT8:
    case DataType.BOOL: case DataType.FLOAT16: case DataType.BFLOAT16: case DataType.FLOAT8E4M3FN:
    case DataType.FLOAT8E4M3FNUZ: case DataType.FLOAT8E5M2: case DataType.FLOAT8E5M2FNUZ: case DataType.FLOAT8E8M0:
    case DataType.INT4: case DataType.UINT4: case DataType.FLOAT4E2M1: case DataType.INT2: case DataType.UINT2:
      return 'int32Data';
    default: return undefined;
  }
}

const FIELD_NAMES: Record<string, string> = {
  floatData: 'float_data', int32Data: 'int32_data', int64Data: 'int64_data', doubleData: 'double_data',
  uint64Data: 'uint64_data', stringData: 'string_data',
};

/** Writes a 64-bit integer (number or bigint) little-endian at `off`. */
function setInt64(dv: DataView, off: number, v: number | bigint, unsigned: boolean): void {
  if (typeof v === 'bigint') {
    if (unsigned) dv.setBigUint64(off, BigInt.asUintN(64, v), true);
    else dv.setBigInt64(off, BigInt.asIntN(64, v), true);
    return;
  }
  const hi = Math.floor(v / 4294967296);
  const lo = v - hi * 4294967296;
  dv.setUint32(off, lo >>> 0, true);
  dv.setUint32(off + 4, hi >>> 0, true);
}

/**
 * Converts a decoded TensorProto to a HostTensor, whichever field holds its values. Throws TensorDataError
 * naming the tensor when dims are invalid, the dtype is unknown, the values are missing, or their count or
 * byte length does not match the dims.
 */
export function tensorProtoToHost(t: onnx.TensorProto | onnx.TensorProto.$Properties, externalBytes?: ExternalBytes): HostTensor {
  const name = t.name ?? undefined;
  const who = label(name);
  const dtype = t.dataType ?? 0;
  const dimsIn = (t.dims ?? []) as unknown as (number | bigint)[];
  const count = checkedElementCount(dimsIn);
  if (typeof count === 'string') {
    throw new TensorDataError(who, `invalid dims [${dimsIn.join(', ')}]: ${count}; dims must be non-negative integers whose product fits in 2^53`);
  }
  const dims = dimsIn.map(Number);
  const out = (data: Uint8Array, strings?: Uint8Array[]): HostTensor => {
    const h: HostTensor = { dtype, dims, data };
    if (name) h.name = name;
    if (strings) h.strings = strings;
    return h;
  };
  if (dtype === DataType.UNDEFINED || (dtype !== DataType.STRING && dtypeBits(dtype) === undefined)) {
    throw new TensorDataError(who, `data_type ${dtype} (${dtypeName(dtype)}) is not a tensor element type ONNX defines (1-26); the file is corrupt or from a newer ONNX`);
  }
  if (t.segment) {
    throw new TensorDataError(who, 'the tensor is split into segments (TensorProto.segment), which is not supported: save it as one tensor');
  }
  const kind = describe(dtype, dims);

  if (t.dataLocation === 1) {
    if (dtype === DataType.STRING) throw new TensorDataError(who, 'a STRING tensor cannot be stored as external data (onnx.proto allows only raw bytes there)');
    if (!externalBytes) {
      const loc = (t.externalData ?? []).find((e) => e.key === 'location')?.value ?? '?';
      throw new TensorDataError(who, `${kind} is stored in external data ('${loc}'), and no reader for external data was given: load it through the model so its folder is known`);
    }
    const bytes = externalBytes(t as onnx.TensorProto);
    const expected = rawByteLength(dtype, count)!;
    if (bytes.byteLength !== expected) {
      throw new TensorDataError(who, `${kind} needs ${expected} bytes of external data; found ${bytes.byteLength}: the external file is truncated or its offset/length entries are wrong`);
    }
    return out(plainView(bytes));
  }

  if (dtype === DataType.STRING) {
    if (hasOwn(t, 'rawData') && t.rawData && t.rawData.byteLength > 0) {
      throw new TensorDataError(who, 'STRING tensors keep their values in string_data; found raw_data instead (onnx.proto forbids raw_data for STRING)');
    }
    const s = (t.stringData ?? []) as Uint8Array[];
    if (s.length !== count) {
      throw new TensorDataError(who, `${kind} needs ${count} entries in string_data; found ${s.length}`);
    }
    return out(EMPTY, s.map(plainView));
  }

  const expectedBytes = rawByteLength(dtype, count)!;
  if (t.rawData && (hasOwn(t, 'rawData') || t.rawData.byteLength > 0)) {
    const raw = t.rawData;
    if (raw.byteLength !== expectedBytes) {
      throw new TensorDataError(who, `${kind} needs ${expectedBytes} bytes of raw_data; found ${raw.byteLength}: the data is truncated or the dims are wrong`);
    }
    // raw_data is little-endian by definition, which is what HostTensor holds: keep the view.
    return out(plainView(raw));
  }

  const field = typedFieldFor(dtype)!;
  // Any other typed field holding values is a mismatch onnx.proto forbids; say which.
  for (const f of ['floatData', 'int32Data', 'int64Data', 'doubleData', 'uint64Data', 'stringData'] as const) {
    if (f !== field && nonEmpty((t as any)[f])) {
      throw new TensorDataError(who, `${kind} keeps values in ${FIELD_NAMES[f]}, which onnx.proto does not allow for ${dtypeName(dtype)} (expected raw_data or ${FIELD_NAMES[field]})`);
    }
  }
  const values = ((t as any)[field] ?? []) as readonly (number | bigint)[];
  const bits = dtypeBits(dtype)!;
  const isComplex = dtype === DataType.COMPLEX64 || dtype === DataType.COMPLEX128;
  // Sub-byte types pack several elements in each int32_data entry (one packed byte per entry).
  const expectedEntries = bits < 8 ? expectedBytes : isComplex ? count * 2 : count;
  if (values.length !== expectedEntries) {
    if (values.length === 0) {
      throw new TensorDataError(who, `${kind} has ${count} elements but no values (neither raw_data nor ${FIELD_NAMES[field]} is set)`);
    }
    const unit = bits < 8 ? ` (${8 / bits} packed elements per entry)` : isComplex ? ' (two per complex element)' : '';
    throw new TensorDataError(who, `${kind} needs ${expectedEntries} entries in ${FIELD_NAMES[field]}${unit}; found ${values.length}`);
  }
  const data = new Uint8Array(expectedBytes);
  const dv = new DataView(data.buffer);
  switch (field) {
    case 'floatData':
      for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i] as number, true);
      break;
    case 'doubleData':
      for (let i = 0; i < values.length; i++) dv.setFloat64(i * 8, values[i] as number, true);
      break;
    case 'int64Data':
      for (let i = 0; i < values.length; i++) setInt64(dv, i * 8, values[i], false);
      break;
    case 'uint64Data':
      if (dtype === DataType.UINT32) {
        for (let i = 0; i < values.length; i++) {
          const v = values[i];
          const n = typeof v === 'bigint' ? Number(BigInt.asUintN(32, v)) : v;
          if (!(n >= 0 && n <= 0xffffffff)) throw new TensorDataError(who, `uint64_data[${i}] = ${v} does not fit in uint32`);
          dv.setUint32(i * 4, n, true);
        }
      } else {
        for (let i = 0; i < values.length; i++) setInt64(dv, i * 8, values[i], true);
      }
      break;
    case 'int32Data': {
      // One element per entry for types of 8 bits or more (bit patterns for float16/bfloat16/float8),
      // one packed byte per entry for 4-bit and 2-bit types.
      const width = bits < 8 ? 1 : bits / 8;
      for (let i = 0; i < values.length; i++) {
        const v = Number(values[i]);
        if (width === 4) dv.setInt32(i * 4, v, true);
        else if (width === 2) dv.setUint16(i * 2, v & 0xffff, true);
        else data[i] = dtype === DataType.BOOL ? (v ? 1 : 0) : v & 0xff;
      }
      break;
    }
    default:
      throw new TensorDataError(who, `internal: no reader for ${FIELD_NAMES[field]}`);
  }
  return out(data);
}

/** Element count and byte checks of a HostTensor; returns the element count or throws TensorDataError. */
export function validateHost(h: HostTensor, name = h.name): number {
  const who = label(name);
  const count = checkedElementCount(h.dims);
  if (typeof count === 'string') throw new TensorDataError(who, `invalid dims [${h.dims.join(', ')}]: ${count}`);
  if (h.dtype === DataType.STRING) {
    const n = h.strings?.length ?? 0;
    if (n !== count) throw new TensorDataError(who, `${describe(h.dtype, h.dims)} needs ${count} strings; found ${n}`);
    return count;
  }
  const expected = rawByteLength(h.dtype, count);
  if (expected === undefined) throw new TensorDataError(who, `data type ${h.dtype} (${dtypeName(h.dtype)}) is not a tensor element type`);
  if (h.data.byteLength !== expected) {
    throw new TensorDataError(who, `${describe(h.dtype, h.dims)} needs ${expected} bytes; found ${h.data.byteLength}`);
  }
  return count;
}

/** A TensorProto holding `h` in raw_data (string_data for STRING). The bytes are shared, not copied. */
export function hostToTensorProto(h: HostTensor, name: string | undefined = h.name): onnx.TensorProto {
  validateHost(h, name);
  const p: onnx.TensorProto.$Properties = { dims: h.dims as any, dataType: h.dtype };
  if (name !== undefined && name !== '') p.name = name;
  if (h.dtype === DataType.STRING) p.stringData = h.strings ?? [];
  else p.rawData = h.data;
  return new onnx.TensorProto(p);
}

// ---------------------------------------------------------------------------------------------------
// Scalar codecs

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);
const f64Scratch = new Float64Array(1);
const u32OfF64 = new Uint32Array(f64Scratch.buffer);
const HI = LITTLE_ENDIAN_HOST ? 1 : 0;

/** IEEE 754 half precision bits -> number. */
export function decodeFloat16(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1024 + m) * 2 ** (e - 25);
}

/** bfloat16 bits (the upper half of a float32) -> number. */
export function decodeBFloat16(bits: number): number {
  u32Scratch[0] = (bits & 0xffff) << 16;
  return f32Scratch[0];
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5 || (d === 0.5 && f % 2 !== 0)) return f + 1;
  return f;
}

/** number -> IEEE 754 half precision bits, rounding to nearest even (as numpy's astype(float16)); overflow gives inf. */
export function encodeFloat16(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a === Infinity) return sign | 0x7c00;
  if (a < 2 ** -14) {
    // Subnormal (or zero): a multiple of 2^-24; scaling by a power of two is exact.
    const m = roundHalfEven(a * 2 ** 24);
    return sign | m; // m === 1024 rolls over into the smallest normal, which is the right encoding
  }
  f64Scratch[0] = a;
  let e = ((u32OfF64[HI] >>> 20) & 0x7ff) - 1023; // unbiased exponent of a normal double
  let m = roundHalfEven(a * 2 ** (10 - e)); // in [1024, 2048]
  if (m === 2048) {
    m = 1024;
    e += 1;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | (m - 1024);
}

/** number -> bfloat16 bits: to float32 first, then round to nearest even on the dropped 16 bits (ml_dtypes, PyTorch). */
export function encodeBFloat16(x: number): number {
  f32Scratch[0] = x;
  const b = u32Scratch[0];
  if (Number.isNaN(f32Scratch[0])) return ((b >>> 16) | 0x40) & 0xffff;
  const lsb = (b >>> 16) & 1;
  return ((b + 0x7fff + lsb) >>> 16) & 0xffff;
}

type MiniFloat = { exp: number; man: number; bias: number; nan: (b: number) => boolean; inf: (b: number) => boolean; signed: boolean };

function miniFloatTable(f: MiniFloat): Float64Array {
  const bits = 1 + f.exp + f.man;
  const n = 1 << (f.signed ? bits : bits - 1);
  const t = new Float64Array(n);
  for (let b = 0; b < n; b++) {
    const s = f.signed && b & (1 << (f.exp + f.man)) ? -1 : 1;
    const e = (b >> f.man) & ((1 << f.exp) - 1);
    const m = b & ((1 << f.man) - 1);
    if (f.nan(b)) t[b] = NaN;
    else if (f.inf(b)) t[b] = s * Infinity;
    else if (e === 0) t[b] = s * m * 2 ** (1 - f.bias - f.man);
    else t[b] = s * ((1 << f.man) + m) * 2 ** (e - f.bias - f.man);
  }
  return t;
}

const never = () => false;
let fp8Tables: Record<number, Float64Array> | undefined;
/** 256-entry (16 for float4e2m1) tables of every small float format ONNX defines, built on first use. */
function miniTables(): Record<number, Float64Array> {
  if (fp8Tables) return fp8Tables;
  const e8m0 = new Float64Array(256);
  for (let b = 0; b < 256; b++) e8m0[b] = b === 255 ? NaN : 2 ** (b - 127);
  fp8Tables = {
    // E4M3FN: no inf; S.1111.111 is NaN; max 448.
    [DataType.FLOAT8E4M3FN]: miniFloatTable({ exp: 4, man: 3, bias: 7, signed: true, nan: (b) => (b & 0x7f) === 0x7f, inf: never }),
    // E4M3FNUZ: no inf, no negative zero; 0x80 is the only NaN; bias 8.
    [DataType.FLOAT8E4M3FNUZ]: miniFloatTable({ exp: 4, man: 3, bias: 8, signed: true, nan: (b) => b === 0x80, inf: never }),
    // E5M2: IEEE-like with inf and NaN.
    [DataType.FLOAT8E5M2]: miniFloatTable({
      exp: 5, man: 2, bias: 15, signed: true,
      nan: (b) => (b & 0x7c) === 0x7c && (b & 3) !== 0, inf: (b) => (b & 0x7f) === 0x7c,
    }),
    // E5M2FNUZ: no inf, no negative zero; 0x80 is NaN; bias 16.
    [DataType.FLOAT8E5M2FNUZ]: miniFloatTable({ exp: 5, man: 2, bias: 16, signed: true, nan: (b) => b === 0x80, inf: never }),
    // E2M1: 0, 0.5, 1, 1.5, 2, 3, 4, 6 and their negatives; no inf or NaN.
    [DataType.FLOAT4E2M1]: miniFloatTable({ exp: 2, man: 1, bias: 1, signed: true, nan: never, inf: never }),
    // E8M0: unsigned powers of two 2^(b-127); 0xFF is NaN; no zero.
    [DataType.FLOAT8E8M0]: e8m0,
  };
  return fp8Tables;
}

/** Bits of one float8/float4/e8m0 element -> number. */
export function decodeMiniFloat(dtype: DataType, bits: number): number {
  const t = miniTables()[dtype];
  if (!t) throw new Error(`${dtypeName(dtype)} is not a float8/float4 type`);
  return t[bits & (t.length - 1)];
}

// ---------------------------------------------------------------------------------------------------
// Reading values

export interface NumberOptions {
  /** COMPLEX64/COMPLEX128: 'interleaved' (default) gives re, im pairs (2 numbers per element); 'magnitude' gives |z|. */
  complex?: 'interleaved' | 'magnitude';
}

function isComplex(dtype: number): boolean {
  return dtype === DataType.COMPLEX64 || dtype === DataType.COMPLEX128;
}

/** How many numbers `hostToNumbers` produces for `h` with these options. */
export function numberCount(h: HostTensor, opts: NumberOptions = {}): number {
  const count = validateHost(h);
  return isComplex(h.dtype) && opts.complex !== 'magnitude' ? count * 2 : count;
}

type AnyTypedCtor = { new (buf: ArrayBufferLike, off: number, len: number): ArrayLike<number>; BYTES_PER_ELEMENT: number };

function alignedView(C: AnyTypedCtor, data: Uint8Array): ArrayLike<number> | undefined {
  const n = C.BYTES_PER_ELEMENT;
  if (!LITTLE_ENDIAN_HOST || data.byteOffset % n !== 0 || data.byteLength % n !== 0) return undefined;
  return new C(data.buffer, data.byteOffset, data.byteLength / n);
}

/**
 * A function that writes numbers [start, end) (in the units `numberCount` counts) into `out` from `outOff`.
 * Views the bytes in place when aligned; otherwise reads through a DataView. No full copy is made.
 */
function numberReader(h: HostTensor, opts: NumberOptions): (start: number, end: number, out: Float64Array, outOff: number) => void {
  const d = h.data;
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const who = label(h.name);
  const simple = (C: AnyTypedCtor, get: (i: number) => number) => {
    const v = alignedView(C, d);
    if (v) return (s: number, e: number, out: Float64Array, o: number) => { for (let i = s; i < e; i++) out[o++] = v[i]; };
    return (s: number, e: number, out: Float64Array, o: number) => { for (let i = s; i < e; i++) out[o++] = get(i); };
  };
  const table = (t: ArrayLike<number>, get: (i: number) => number) =>
    (s: number, e: number, out: Float64Array, o: number) => { for (let i = s; i < e; i++) out[o++] = t[get(i)]; };
  switch (h.dtype) {
    case DataType.FLOAT: return simple(Float32Array, (i) => dv.getFloat32(i * 4, true));
    case DataType.DOUBLE: return simple(Float64Array, (i) => dv.getFloat64(i * 8, true));
    case DataType.INT8: return simple(Int8Array, (i) => dv.getInt8(i));
    case DataType.UINT8: return simple(Uint8Array, (i) => d[i]);
    case DataType.BOOL: return (s, e, out, o) => { for (let i = s; i < e; i++) out[o++] = d[i] ? 1 : 0; };
    case DataType.INT16: return simple(Int16Array, (i) => dv.getInt16(i * 2, true));
    case DataType.UINT16: return simple(Uint16Array, (i) => dv.getUint16(i * 2, true));
    case DataType.INT32: return simple(Int32Array, (i) => dv.getInt32(i * 4, true));
    case DataType.UINT32: return simple(Uint32Array, (i) => dv.getUint32(i * 4, true));
    case DataType.INT64: return (s, e, out, o) => {
      for (let i = s; i < e; i++) out[o++] = dv.getInt32(i * 8 + 4, true) * 4294967296 + dv.getUint32(i * 8, true);
    };
    case DataType.UINT64: return (s, e, out, o) => {
      for (let i = s; i < e; i++) out[o++] = dv.getUint32(i * 8 + 4, true) * 4294967296 + dv.getUint32(i * 8, true);
    };
    case DataType.FLOAT16: return table(float16Table(), (i) => dv.getUint16(i * 2, true));
    case DataType.BFLOAT16: return (s, e, out, o) => { for (let i = s; i < e; i++) out[o++] = decodeBFloat16(dv.getUint16(i * 2, true)); };
    case DataType.FLOAT8E4M3FN: case DataType.FLOAT8E4M3FNUZ: case DataType.FLOAT8E5M2: case DataType.FLOAT8E5M2FNUZ:
    case DataType.FLOAT8E8M0:
      return table(miniTables()[h.dtype], (i) => d[i]);
    case DataType.FLOAT4E2M1: return table(miniTables()[h.dtype], (i) => (i & 1 ? d[i >> 1] >> 4 : d[i >> 1]) & 15);
    case DataType.UINT4: return (s, e, out, o) => { for (let i = s; i < e; i++) out[o++] = (i & 1 ? d[i >> 1] >> 4 : d[i >> 1]) & 15; };
    case DataType.INT4: return (s, e, out, o) => {
      for (let i = s; i < e; i++) out[o++] = ((((i & 1 ? d[i >> 1] >> 4 : d[i >> 1]) & 15) << 28) >> 28);
    };
    case DataType.UINT2: return (s, e, out, o) => { for (let i = s; i < e; i++) out[o++] = (d[i >> 2] >> ((i & 3) * 2)) & 3; };
    case DataType.INT2: return (s, e, out, o) => {
      for (let i = s; i < e; i++) out[o++] = ((((d[i >> 2] >> ((i & 3) * 2)) & 3) << 30) >> 30);
    };
    case DataType.COMPLEX64: case DataType.COMPLEX128: {
      const w = h.dtype === DataType.COMPLEX64 ? 4 : 8;
      const get = w === 4 ? (k: number) => dv.getFloat32(k * 4, true) : (k: number) => dv.getFloat64(k * 8, true);
      if (opts.complex === 'magnitude') {
        return (s, e, out, o) => { for (let i = s; i < e; i++) out[o++] = Math.hypot(get(2 * i), get(2 * i + 1)); };
      }
      return (s, e, out, o) => { for (let i = s; i < e; i++) out[o++] = get(i); };
    }
    case DataType.STRING:
      throw new TensorDataError(who, 'a STRING tensor has no numeric values');
    default:
      throw new TensorDataError(who, `data type ${h.dtype} (${dtypeName(h.dtype)}) has no numeric reader`);
  }
}

let f16Table: Float64Array | undefined;
function float16Table(): Float64Array {
  if (!f16Table) {
    f16Table = new Float64Array(65536);
    for (let b = 0; b < 65536; b++) f16Table[b] = decodeFloat16(b);
  }
  return f16Table;
}

/** Every value of a numeric tensor as a JS number (see the module comment for complex and 64-bit integers). */
export function hostToNumbers(h: HostTensor, opts: NumberOptions = {}): Float64Array {
  const n = numberCount(h, opts);
  const out = new Float64Array(n);
  numberReader(h, opts)(0, n, out, 0);
  return out;
}

/**
 * Calls `fn` with consecutive chunks of at most `chunk` numbers (the same Float64Array reused: copy what
 * you keep) and the index of the chunk's first number. Memory stays bounded whatever the tensor's size.
 */
export function forEachNumberChunk(
  h: HostTensor,
  fn: (values: Float64Array, start: number) => void,
  opts: NumberOptions & { chunk?: number } = {},
): void {
  const n = numberCount(h, opts);
  const size = Math.max(1, Math.min(opts.chunk ?? 65536, n));
  const read = numberReader(h, opts);
  const buf = new Float64Array(size);
  for (let s = 0; s < n; s += size) {
    const e = Math.min(n, s + size);
    read(s, e, buf, 0);
    fn(e - s === size ? buf : buf.subarray(0, e - s), s);
  }
}

/** Exact integer values: BigUint64Array for UINT64, BigInt64Array for every other integer (and bool) type. */
export function hostToBigInts(h: HostTensor): BigInt64Array | BigUint64Array {
  const count = validateHost(h);
  const d = h.data;
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  if (h.dtype === DataType.UINT64) {
    const out = new BigUint64Array(count);
    for (let i = 0; i < count; i++) out[i] = dv.getBigUint64(i * 8, true);
    return out;
  }
  if (h.dtype === DataType.INT64) {
    const out = new BigInt64Array(count);
    for (let i = 0; i < count; i++) out[i] = dv.getBigInt64(i * 8, true);
    return out;
  }
  switch (h.dtype) {
    case DataType.INT8: case DataType.UINT8: case DataType.INT16: case DataType.UINT16: case DataType.INT32:
    case DataType.UINT32: case DataType.BOOL: case DataType.INT4: case DataType.UINT4: case DataType.INT2: case DataType.UINT2: {
      const nums = hostToNumbers(h);
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i++) out[i] = BigInt(nums[i]);
      return out;
    }
    default:
      throw new TensorDataError(label(h.name), `${dtypeName(h.dtype)} is not an integer type: read it with hostToNumbers`);
  }
}

/** The UTF-8 strings of a STRING tensor. */
export function hostToStrings(h: HostTensor): string[] {
  if (h.dtype !== DataType.STRING) throw new TensorDataError(label(h.name), `${dtypeName(h.dtype)} is not a STRING tensor`);
  validateHost(h);
  const dec = new TextDecoder();
  return (h.strings ?? []).map((s) => dec.decode(s));
}

/** A STRING HostTensor from JS strings (UTF-8 encoded). */
export function hostFromStrings(dims: number[], values: readonly string[], name?: string): HostTensor {
  const enc = new TextEncoder();
  const h: HostTensor = { dtype: DataType.STRING, dims: [...dims], data: EMPTY, strings: values.map((s) => enc.encode(s)) };
  if (name !== undefined) h.name = name;
  validateHost(h);
  return h;
}

/**
 * A HostTensor of `dtype` from JS values (complex: interleaved re, im). Values are converted as numpy's
 * astype would for in-range values: floats round to nearest even, integers must be integral and in range
 * (otherwise TensorDataError). float8/float4/e8m0 are not encoded here (their saturation rules depend on
 * the producer): build those from bit patterns.
 */
export function hostFromNumbers(dtype: DataType, dims: number[], values: ArrayLike<number | bigint>, name?: string): HostTensor {
  const who = label(name);
  const count = checkedElementCount(dims);
  if (typeof count === 'string') throw new TensorDataError(who, `invalid dims [${dims.join(', ')}]: ${count}`);
  const need = isComplex(dtype) ? count * 2 : count;
  if (values.length !== need) throw new TensorDataError(who, `${describe(dtype, dims)} needs ${need} values; got ${values.length}`);
  const bytes = rawByteLength(dtype, count);
  if (bytes === undefined || dtype === DataType.STRING) throw new TensorDataError(who, `${dtypeName(dtype)} cannot be built from numbers`);
  const data = new Uint8Array(bytes);
  const dv = new DataView(data.buffer);
  const int = (i: number, lo: number, hi: number): number => {
    const v = Number(values[i]);
    if (!Number.isInteger(v) || v < lo || v > hi) throw new TensorDataError(who, `value ${values[i]} at ${i} is not a ${dtypeName(dtype)} (integers ${lo}..${hi})`);
    return v;
  };
  switch (dtype) {
    case DataType.FLOAT: case DataType.COMPLEX64: for (let i = 0; i < need; i++) dv.setFloat32(i * 4, Number(values[i]), true); break;
    case DataType.DOUBLE: case DataType.COMPLEX128: for (let i = 0; i < need; i++) dv.setFloat64(i * 8, Number(values[i]), true); break;
    case DataType.FLOAT16: for (let i = 0; i < need; i++) dv.setUint16(i * 2, encodeFloat16(Number(values[i])), true); break;
    case DataType.BFLOAT16: for (let i = 0; i < need; i++) dv.setUint16(i * 2, encodeBFloat16(Number(values[i])), true); break;
    case DataType.BOOL: for (let i = 0; i < need; i++) data[i] = Number(values[i]) ? 1 : 0; break;
    case DataType.INT8: for (let i = 0; i < need; i++) dv.setInt8(i, int(i, -128, 127)); break;
    case DataType.UINT8: for (let i = 0; i < need; i++) data[i] = int(i, 0, 255); break;
    case DataType.INT16: for (let i = 0; i < need; i++) dv.setInt16(i * 2, int(i, -32768, 32767), true); break;
    case DataType.UINT16: for (let i = 0; i < need; i++) dv.setUint16(i * 2, int(i, 0, 65535), true); break;
    case DataType.INT32: for (let i = 0; i < need; i++) dv.setInt32(i * 4, int(i, -(2 ** 31), 2 ** 31 - 1), true); break;
    case DataType.UINT32: for (let i = 0; i < need; i++) dv.setUint32(i * 4, int(i, 0, 2 ** 32 - 1), true); break;
    case DataType.INT64: case DataType.UINT64: {
      const unsigned = dtype === DataType.UINT64;
      for (let i = 0; i < need; i++) {
        const v = values[i];
        if (typeof v === 'bigint') {
          const ok = unsigned ? v >= 0n && v < 2n ** 64n : v >= -(2n ** 63n) && v < 2n ** 63n;
          if (!ok) throw new TensorDataError(who, `value ${v} at ${i} does not fit in ${dtypeName(dtype)}`);
          setInt64(dv, i * 8, v, unsigned);
        } else {
          if (!Number.isSafeInteger(v) || (unsigned && v < 0)) {
            throw new TensorDataError(who, `value ${v} at ${i} is not an exact ${dtypeName(dtype)}: pass a bigint beyond 2^53`);
          }
          setInt64(dv, i * 8, v, unsigned);
        }
      }
      break;
    }
    case DataType.INT4: case DataType.UINT4: case DataType.INT2: case DataType.UINT2: {
      const b = dtypeBits(dtype)!;
      const signed = dtype === DataType.INT4 || dtype === DataType.INT2;
      const lo = signed ? -(1 << (b - 1)) : 0;
      const hi = signed ? (1 << (b - 1)) - 1 : (1 << b) - 1;
      const per = 8 / b;
      for (let i = 0; i < need; i++) {
        const v = int(i, lo, hi) & ((1 << b) - 1);
        data[Math.floor(i / per)] |= v << ((i % per) * b);
      }
      break;
    }
    default:
      throw new TensorDataError(who, `${dtypeName(dtype)} values are not encoded from numbers: build the tensor from its bit patterns`);
  }
  const h: HostTensor = { dtype, dims: [...dims], data };
  if (name !== undefined) h.name = name;
  return h;
}
