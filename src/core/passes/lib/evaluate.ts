/**
 * A TypeScript evaluator for the operators constant folding meets most: shape glue (Shape, Gather, Unsqueeze,
 * Squeeze, Concat, Slice, Reshape, Range, ConstantOfShape, Expand, Tile, Split, Where, Equal, ...), data movement
 * of any element type (Transpose, Flatten, Identity, ...), integer arithmetic, and the float operations whose
 * result is exactly what onnxruntime computes (one correctly rounded IEEE operation per element: Add, Sub, Mul,
 * Div, Sqrt, Neg, Abs, Min, Max, Floor, Ceil, Relu, Reciprocal, comparisons, casts between float widths).
 *
 * Everything else (MatMul, Conv, Exp, Pow, Erf, float reductions: results that depend on summation order or on
 * a libm) is left to onnxruntime: `evaluateNode` answers `unsupported` and the caller folds it in the runtime
 * child, or not at all.
 *
 * Int64 is computed with bigint (exact, wrapping like C++), 32-bit and narrower integers with numbers (wrapping).
 * Nothing here recurses over the graph.
 */
import type { Node } from '../../ir/model';
import type { HostTensor } from '../../ir/hosttensor';
import { DataType, dtypeBits } from '../../ir/dtype';
import { hostFromNumbers, hostToBigInts, hostToNumbers } from '../../codec/tensordata';

export type EvalOutcome =
  | { ok: true; outputs: HostTensor[] }
  /** unsupported: not implemented here (try onnxruntime); too-large: the result would pass the size limit; invalid: inputs the op rejects. */
  | { ok: false; reason: 'unsupported' | 'too-large' | 'invalid'; detail?: string };

export interface EvalOptions {
  /** The ai.onnx opset in effect (attribute vs input forms of Squeeze, Slice, Split, ...). */
  opset: number;
  /** Outputs of growing ops (Expand, Tile, ConstantOfShape, Range) above this many bytes are not built. */
  maxBytes: number;
}

class Bail extends Error {
  constructor(readonly reason: 'unsupported' | 'too-large' | 'invalid', detail: string) {
    super(detail);
  }
}
const unsupported = (d: string): never => {
  throw new Bail('unsupported', d);
};
const invalid = (d: string): never => {
  throw new Bail('invalid', d);
};

/** Evaluates one node on constant inputs (undefined for absent optional inputs). Never throws. */
export function evaluateNode(node: Node, inputs: (HostTensor | undefined)[], opts: EvalOptions): EvalOutcome {
  if (node.domain !== '' && node.domain !== 'ai.onnx') return { ok: false, reason: 'unsupported', detail: `domain ${node.domain}` };
  const fn = OPS[node.opType];
  if (!fn) return { ok: false, reason: 'unsupported', detail: node.opType };
  try {
    const out = fn(new Ev(node, inputs, opts));
    return { ok: true, outputs: Array.isArray(out) ? out : [out] };
  } catch (e) {
    if (e instanceof Bail) return { ok: false, reason: e.reason, detail: e.message };
    return { ok: false, reason: 'invalid', detail: e instanceof Error ? e.message : String(e) };
  }
}

/** The op types `evaluateNode` knows (some only for some element types). */
export function evaluableOps(): string[] {
  return Object.keys(OPS).sort();
}

// ---------------------------------------------------------------------------------------------------------------

class Ev {
  constructor(
    readonly node: Node,
    readonly inputs: (HostTensor | undefined)[],
    readonly opts: EvalOptions,
  ) {}
  get opset(): number {
    return this.opts.opset;
  }
  in(i: number): HostTensor {
    const t = this.inputs[i];
    if (!t) invalid(`${this.node.opType} needs input ${i}`);
    return t!;
  }
  has(i: number): boolean {
    return !!this.inputs[i];
  }
  int(name: string, def: number): number {
    const a = this.node.attr(name);
    if (!a || a.proto.i === undefined || a.proto.i === null) return def;
    return Number(a.proto.i);
  }
  ints(name: string): number[] | undefined {
    const a = this.node.attr(name);
    return a ? (a.proto.ints ?? []).map(Number) : undefined;
  }
  float(name: string, def: number): number {
    const a = this.node.attr(name);
    return a && a.proto.f !== undefined && a.proto.f !== null ? a.proto.f : def;
  }
  hasAttr(name: string): boolean {
    return !!this.node.attr(name);
  }
  /** Input i as an exact list of integers (int32/int64 tensors), as numbers clamped to +-2^53. */
  intList(i: number): number[] {
    const t = this.in(i);
    if (!isInt(t.dtype)) invalid(`input ${i} of ${this.node.opType} must be an integer tensor`);
    return Array.from(hostToBigInts(t), clampBig);
  }
  checkSize(dtype: number, dims: number[]): void {
    const bytes = byteSize(dtype, count(dims));
    if (bytes > this.opts.maxBytes) throw new Bail('too-large', `${bytes} bytes`);
  }
}

type OpFn = (e: Ev) => HostTensor | HostTensor[];

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
function clampBig(b: bigint | number): number {
  const n = Number(b);
  return n > MAX_SAFE ? MAX_SAFE : n < -MAX_SAFE ? -MAX_SAFE : n;
}

function isInt(t: number): boolean {
  switch (t) {
    case DataType.INT8: case DataType.INT16: case DataType.INT32: case DataType.INT64:
    case DataType.UINT8: case DataType.UINT16: case DataType.UINT32: case DataType.UINT64:
      return true;
    default:
      return false;
  }
}
function isFloat(t: number): boolean {
  return t === DataType.FLOAT || t === DataType.DOUBLE || t === DataType.FLOAT16;
}
const isBig = (t: number) => t === DataType.INT64 || t === DataType.UINT64;

export function count(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

function byteSize(dtype: number, n: number): number {
  if (dtype === DataType.STRING) return n * 16;
  return Math.ceil((n * (dtypeBits(dtype) ?? 8)) / 8);
}

function normAxis(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) invalid(`${what}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}

function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let o = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = o;
    o *= dims[i];
  }
  return s;
}

/** A tensor with the same bytes and new dims. */
function withDims(t: HostTensor, dims: number[]): HostTensor {
  const out: HostTensor = { dtype: t.dtype, dims, data: t.data };
  if (t.strings) out.strings = t.strings;
  return out;
}

/** Bytes per element, or bails for sub-byte packed types (int4, float4, ...). */
function elemSize(dtype: number): number {
  if (dtype === DataType.STRING) return 0;
  const b = dtypeBits(dtype);
  if (b === undefined || b % 8 !== 0) unsupported(`element type ${dtype} is packed below one byte`);
  return b! / 8;
}

/** out[i] = t[index[i]] for any element type (bit patterns copied, never reinterpreted as numbers). */
function gather(t: HostTensor, dims: number[], index: ArrayLike<number>): HostTensor {
  const n = index.length;
  if (t.dtype === DataType.STRING) {
    const s = t.strings ?? [];
    const out: Uint8Array[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = s[index[i]];
    return { dtype: t.dtype, dims, data: new Uint8Array(0), strings: out };
  }
  const size = elemSize(t.dtype);
  let src = t.data;
  const data = new Uint8Array(n * size);
  // Views into a model file are often unaligned: one copy makes the word-wise path possible.
  if (size === 4 && src.byteOffset % 4 !== 0) src = new Uint8Array(src); // a copy (Buffer#slice would be a view)
  if (size === 4) {
    const s32 = new Uint32Array(src.buffer, src.byteOffset, src.byteLength / 4);
    const d32 = new Uint32Array(data.buffer);
    for (let i = 0; i < n; i++) d32[i] = s32[index[i]];
  } else if (size === 1) {
    for (let i = 0; i < n; i++) data[i] = src[index[i]];
  } else {
    for (let i = 0; i < n; i++) {
      const so = index[i] * size;
      const d = i * size;
      for (let k = 0; k < size; k++) data[d + k] = src[so + k];
    }
  }
  return { dtype: t.dtype, dims, data };
}

/** For each element of `outDims`, the flat index into a tensor of `inDims` that broadcasting reads. */
function broadcastIndex(inDims: readonly number[], outDims: readonly number[]): Float64Array {
  const n = count(outDims);
  const r = outDims.length;
  const off = r - inDims.length;
  const inStr = new Array<number>(r).fill(0);
  const s = stridesOf(inDims);
  for (let i = 0; i < inDims.length; i++) inStr[i + off] = inDims[i] === 1 ? 0 : s[i];
  const out = new Float64Array(n);
  const idx = new Array<number>(r).fill(0);
  let flat = 0;
  for (let i = 0; i < n; i++) {
    out[i] = flat;
    // odometer increment
    for (let a = r - 1; a >= 0; a--) {
      idx[a]++;
      flat += inStr[a];
      if (idx[a] < outDims[a]) break;
      flat -= inStr[a] * idx[a];
      idx[a] = 0;
    }
  }
  return out;
}

function broadcastDims(list: readonly (readonly number[])[]): number[] {
  const r = Math.max(0, ...list.map((d) => d.length));
  const out = new Array<number>(r).fill(1);
  for (const d of list) {
    const off = r - d.length;
    for (let i = 0; i < d.length; i++) {
      const x = d[i];
      const y = out[i + off];
      if (x === y || x === 1) continue;
      if (y === 1) out[i + off] = x;
      else invalid(`shapes [${list.map((l) => l.join(',')).join('] and [')}] do not broadcast`);
    }
  }
  return out;
}

const sameDims = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

// ---------------------------------------------------------------------------------------------------------------
// Numbers

type NumArr = Float64Array | BigInt64Array | BigUint64Array;

function nums(t: HostTensor): NumArr {
  if (isBig(t.dtype)) return hostToBigInts(t);
  if (!isInt(t.dtype) && !isFloat(t.dtype) && t.dtype !== DataType.BOOL) {
    unsupported(`arithmetic on element type ${t.dtype} (string, bfloat16, float8, 4-bit, complex)`);
  }
  return hostToNumbers(t);
}

/** Wraps an integer to the range of `dtype` as a C++ cast does. */
function wrapInt(x: number, dtype: number): number {
  switch (dtype) {
    case DataType.INT8: return (x << 24) >> 24;
    case DataType.UINT8: return x & 0xff;
    case DataType.INT16: return (x << 16) >> 16;
    case DataType.UINT16: return x & 0xffff;
    case DataType.INT32: return x | 0;
    case DataType.UINT32: return x >>> 0;
    default: return x;
  }
}

/** Builds a tensor of `dtype` from computed values (numbers for floats/small ints/bool, bigint for 64-bit ints). */
function fromValues(dtype: number, dims: number[], vals: ArrayLike<number | bigint>): HostTensor {
  const n = vals.length;
  if (isBig(dtype)) {
    const out = dtype === DataType.INT64 ? new BigInt64Array(n) : new BigUint64Array(n);
    for (let i = 0; i < n; i++) {
      const v = vals[i];
      out[i] = typeof v === 'bigint' ? v : BigInt(v);
    }
    return { dtype, dims, data: new Uint8Array(out.buffer) };
  }
  if (isInt(dtype)) {
    const w = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const v = Number(vals[i]);
      // 32-bit ops wrap through |0; larger values (from bigint inputs) are reduced modulo 2^32 first
      w[i] = wrapInt(Math.abs(v) > 2 ** 52 ? Number(BigInt.asIntN(32, BigInt(vals[i]))) : v, dtype);
    }
    return hostFromNumbers(dtype, dims, w);
  }
  if (dtype === DataType.FLOAT) {
    const f = new Float32Array(n);
    for (let i = 0; i < n; i++) f[i] = Number(vals[i]);
    return { dtype, dims, data: new Uint8Array(f.buffer) };
  }
  if (dtype === DataType.DOUBLE) {
    const f = new Float64Array(n);
    for (let i = 0; i < n; i++) f[i] = Number(vals[i]);
    return { dtype, dims, data: new Uint8Array(f.buffer) };
  }
  if (dtype === DataType.BOOL || dtype === DataType.FLOAT16) {
    const a = new Array<number>(n);
    for (let i = 0; i < n; i++) a[i] = Number(vals[i]);
    return hostFromNumbers(dtype, dims, a);
  }
  return unsupported(`building ${dtype} tensors`);
}

type Scalar = number | bigint;

/** Elementwise over broadcast inputs: numbers for non-64-bit types, bigint for int64/uint64. */
function elementwise(inputs: HostTensor[], outType: number, fn: (xs: Scalar[]) => Scalar, e: Ev): HostTensor {
  const dims = broadcastDims(inputs.map((t) => t.dims));
  const n = count(dims);
  if (byteSize(outType, n) > e.opts.maxBytes && inputs.every((t) => count(t.dims) < n)) throw new Bail('too-large', `${n} elements`);
  const arrs = inputs.map(nums);
  const maps = inputs.map((t) => (sameDims(t.dims, dims) ? null : broadcastIndex(t.dims, dims)));
  const out: Scalar[] = new Array(n);
  const xs: Scalar[] = new Array(inputs.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < arrs.length; k++) {
      const m = maps[k];
      xs[k] = arrs[k][m ? m[i] : i];
    }
    out[i] = fn(xs);
  }
  return fromValues(outType, dims, out);
}

function sameType(ts: HostTensor[], op: string): number {
  const t = ts[0].dtype;
  for (const x of ts) if (x.dtype !== t) invalid(`${op} inputs have different element types`);
  return t;
}

/** Arithmetic that is exact for the type: integers (wrapping) and float/double/float16 (one rounding). */
function arith(op: string, f: (a: number, b: number) => number, big: (a: bigint, b: bigint) => bigint): OpFn {
  return (e) => {
    const ins = e.inputs.filter((x): x is HostTensor => !!x);
    if (ins.length < 1) invalid(`${op} needs inputs`);
    const t = sameType(ins, op);
    if (!isInt(t) && !isFloat(t)) unsupported(`${op} on type ${t}`);
    // Variadic float ops beyond two inputs depend on the order of accumulation: leave them to onnxruntime.
    if (ins.length > 2 && isFloat(t) && (op === 'Sum' || op === 'Mean')) unsupported(`${op} of floats`);
    const bigOp = (a: bigint, b: bigint) => (t === DataType.INT64 ? BigInt.asIntN(64, big(a, b)) : BigInt.asUintN(64, big(a, b)));
    let acc = ins[0];
    if (ins.length === 1) return elementwise([acc], t, (xs) => xs[0], e);
    for (let k = 1; k < ins.length; k++) {
      acc = elementwise([acc, ins[k]], t, (xs) => {
        if (isBig(t)) return bigOp(xs[0] as bigint, xs[1] as bigint);
        const a = xs[0] as number;
        const b = xs[1] as number;
        // 32-bit products can pass 2^53 as doubles: multiply them the way C++ does.
        if (op === 'Mul' && (t === DataType.INT32 || t === DataType.UINT32)) return Math.imul(a, b);
        return f(a, b);
      }, e);
    }
    return acc;
  };
}

function intDiv(a: number, b: number): number {
  if (b === 0) invalid('integer division by zero');
  return Math.trunc(a / b);
}
function bigDiv(a: bigint, b: bigint): bigint {
  if (b === 0n) invalid('integer division by zero');
  return a / b;
}

function unary(op: string, f: (x: number) => number, opts: { floatOnly?: boolean; big?: (x: bigint) => bigint } = {}): OpFn {
  return (e) => {
    const x = e.in(0);
    const t = x.dtype;
    if (opts.floatOnly ? !isFloat(t) : !isInt(t) && !isFloat(t)) unsupported(`${op} on type ${t}`);
    if (isBig(t)) {
      if (!opts.big) unsupported(`${op} on int64`);
      const g = opts.big!;
      return elementwise([x], t, (xs) => (t === DataType.INT64 ? BigInt.asIntN(64, g(xs[0] as bigint)) : BigInt.asUintN(64, g(xs[0] as bigint))), e);
    }
    return elementwise([x], t, (xs) => f(xs[0] as number), e);
  };
}

function compare(op: string, f: (a: Scalar, b: Scalar) => boolean): OpFn {
  return (e) => {
    const a = e.in(0);
    const b = e.in(1);
    sameType([a, b], op);
    if (a.dtype === DataType.STRING) unsupported(`${op} on strings`);
    if (a.dtype === DataType.BOOL && op !== 'Equal') invalid(`${op} on bool`);
    return elementwise([a, b], DataType.BOOL, (xs) => (f(xs[0], xs[1]) ? 1 : 0), e);
  };
}

function logical(f: (a: boolean, b: boolean) => boolean): OpFn {
  return (e) => {
    const a = e.in(0);
    const b = e.in(1);
    if (a.dtype !== DataType.BOOL || b.dtype !== DataType.BOOL) invalid('logical ops take bool tensors');
    return elementwise([a, b], DataType.BOOL, (xs) => (f(xs[0] !== 0, xs[1] !== 0) ? 1 : 0), e);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Casts

function castTo(x: HostTensor, to: number, e: Ev): HostTensor {
  const from = x.dtype;
  if (from === to) return x;
  if (from === DataType.STRING || to === DataType.STRING) unsupported('casts to or from string');
  const okType = (t: number) => isInt(t) || isFloat(t) || t === DataType.BOOL;
  if (!okType(from) || !okType(to)) unsupported(`cast ${from} -> ${to}`);
  const src = nums(x);
  const n = src.length;
  const out: Scalar[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = src[i];
    if (to === DataType.BOOL) {
      out[i] = typeof v === 'bigint' ? (v !== 0n ? 1 : 0) : v !== 0 ? 1 : 0; // NaN is true, as in C++
    } else if (isInt(to)) {
      if (typeof v === 'bigint') {
        out[i] = to === DataType.INT64 ? BigInt.asIntN(64, v) : to === DataType.UINT64 ? BigInt.asUintN(64, v) : Number(BigInt.asIntN(32, v));
      } else {
        if (!Number.isFinite(v)) unsupported('cast of NaN or infinity to an integer type (undefined behaviour)');
        const tv = Math.trunc(v);
        if (isFloat(from)) {
          // Out of range float -> int is undefined behaviour in C++: leave it to onnxruntime.
          const [lo, hi] = intRange(to);
          if (tv < lo || tv > hi) unsupported('cast of an out-of-range float to an integer type');
        }
        out[i] = isBig(to) ? BigInt(tv) : tv;
      }
    } else {
      // to a float type
      if (typeof v === 'bigint') {
        if (v > 2n ** 53n || v < -(2n ** 53n)) unsupported('cast of a 64-bit integer beyond 2^53 to a float type');
        out[i] = Number(v);
      } else out[i] = v;
    }
  }
  return fromValues(to, x.dims.slice(), out);
}

function intRange(t: number): [number, number] {
  switch (t) {
    case DataType.INT8: return [-128, 127];
    case DataType.UINT8: return [0, 255];
    case DataType.INT16: return [-32768, 32767];
    case DataType.UINT16: return [0, 65535];
    case DataType.INT32: return [-(2 ** 31), 2 ** 31 - 1];
    case DataType.UINT32: return [0, 2 ** 32 - 1];
    case DataType.INT64: return [-(2 ** 63), 2 ** 63 - 1024];
    default: return [0, 2 ** 64 - 2048];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Shape and data movement

function reshapeDims(input: readonly number[], shape: number[], allowzero: boolean): number[] {
  const total = count(input);
  const out = shape.slice();
  let infer = -1;
  let known = 1;
  for (let i = 0; i < out.length; i++) {
    if (out[i] === 0 && !allowzero) {
      if (i >= input.length) invalid(`Reshape copies dim ${i} of a rank ${input.length} input`);
      out[i] = input[i];
    }
    if (out[i] === -1) {
      if (infer >= 0) invalid('Reshape has two -1 dims');
      infer = i;
    } else if (out[i] < 0) invalid(`Reshape dim ${out[i]}`);
    else known *= out[i];
  }
  if (infer >= 0) {
    if (known === 0 || total % known !== 0) invalid(`cannot reshape [${input.join(',')}] to [${shape.join(',')}]`);
    out[infer] = total / known;
  } else if (known !== total) invalid(`cannot reshape [${input.join(',')}] to [${shape.join(',')}]`);
  return out;
}

function transpose(x: HostTensor, perm: number[]): HostTensor {
  const r = x.dims.length;
  if (perm.length !== r || new Set(perm).size !== r || perm.some((p) => p < 0 || p >= r)) invalid(`perm [${perm.join(',')}] for rank ${r}`);
  const outDims = perm.map((p) => x.dims[p]);
  if (r === 2 && perm[0] === 1) {
    // The common case (a MatMul weight exported as W with Transpose): two plain loops.
    const [R, C] = x.dims;
    const index = new Float64Array(R * C);
    for (let j = 0, k = 0; j < C; j++) for (let i = 0; i < R; i++) index[k++] = i * C + j;
    return gather(x, outDims, index);
  }
  const inStr = stridesOf(x.dims);
  const str = perm.map((p) => inStr[p]);
  const n = count(outDims);
  const index = new Float64Array(n);
  const idx = new Array<number>(r).fill(0);
  let flat = 0;
  for (let i = 0; i < n; i++) {
    index[i] = flat;
    for (let a = r - 1; a >= 0; a--) {
      idx[a]++;
      flat += str[a];
      if (idx[a] < outDims[a]) break;
      flat -= str[a] * idx[a];
      idx[a] = 0;
    }
  }
  return gather(x, outDims, index);
}

/** Slices along axes with ONNX's clamping rules. */
function slice(x: HostTensor, starts: number[], ends: number[], axes: number[], steps: number[]): HostTensor {
  const r = x.dims.length;
  const st = new Array<number>(r).fill(0);
  const sz = x.dims.slice();
  const sp = new Array<number>(r).fill(1);
  const seen = new Set<number>();
  for (let k = 0; k < axes.length; k++) {
    const a = normAxis(axes[k], r, 'Slice');
    if (seen.has(a)) invalid('Slice repeats an axis');
    seen.add(a);
    const d = x.dims[a];
    const step = steps[k] ?? 1;
    if (step === 0) invalid('Slice step 0');
    let s = starts[k];
    let en = ends[k];
    if (s < 0) s += d;
    if (en < 0) en += d;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), d);
      en = Math.min(Math.max(en, 0), d);
      sz[a] = Math.max(0, Math.ceil((en - s) / step));
    } else {
      s = Math.min(Math.max(s, 0), d - 1);
      en = Math.min(Math.max(en, -1), d - 1);
      sz[a] = Math.max(0, Math.ceil((en - s) / step));
    }
    st[a] = s;
    sp[a] = step;
  }
  const inStr = stridesOf(x.dims);
  const n = count(sz);
  const index = new Float64Array(n);
  const idx = new Array<number>(r).fill(0);
  let base = 0;
  for (let a = 0; a < r; a++) base += st[a] * inStr[a];
  let flat = base;
  for (let i = 0; i < n; i++) {
    index[i] = flat;
    for (let a = r - 1; a >= 0; a--) {
      idx[a]++;
      flat += sp[a] * inStr[a];
      if (idx[a] < sz[a]) break;
      flat -= sp[a] * inStr[a] * idx[a];
      idx[a] = 0;
    }
  }
  return gather(x, sz, index);
}

function concat(ins: HostTensor[], axis: number): HostTensor {
  const r = ins[0].dims.length;
  const a = normAxis(axis, r, 'Concat');
  const t = sameType(ins, 'Concat');
  for (const x of ins) {
    if (x.dims.length !== r || x.dims.some((d, i) => i !== a && d !== ins[0].dims[i])) invalid('Concat inputs differ outside the axis');
  }
  const outDims = ins[0].dims.slice();
  outDims[a] = ins.reduce((s, x) => s + x.dims[a], 0);
  const outer = count(outDims.slice(0, a));
  if (t === DataType.STRING) {
    const out: Uint8Array[] = [];
    for (let o = 0; o < outer; o++) {
      for (const x of ins) {
        const blk = count(x.dims.slice(a));
        for (let k = 0; k < blk; k++) out.push(x.strings![o * blk + k]);
      }
    }
    return { dtype: t, dims: outDims, data: new Uint8Array(0), strings: out };
  }
  const size = elemSize(t);
  const data = new Uint8Array(count(outDims) * size);
  let off = 0;
  for (let o = 0; o < outer; o++) {
    for (const x of ins) {
      const blk = count(x.dims.slice(a)) * size;
      data.set(x.data.subarray(o * blk, (o + 1) * blk), off);
      off += blk;
    }
  }
  return { dtype: t, dims: outDims, data };
}

function squeezeAxes(e: Ev): number[] | undefined {
  if (e.opset >= 13) return e.has(1) ? e.intList(1) : undefined;
  return e.ints('axes');
}

function tensorAttrValue(e: Ev): HostTensor | undefined {
  const a = e.node.attr('value');
  const t = a?.proto.t;
  if (!t) return undefined;
  const dtype = t.dataType ?? 0;
  // ConstantOfShape's value is a one-element tensor: read the element through the numbers path.
  if (t.rawData && t.rawData.byteLength) return { dtype, dims: [1], data: t.rawData };
  const vals = (t.floatData?.length ? t.floatData : t.int64Data?.length ? t.int64Data : t.int32Data?.length ? t.int32Data : t.doubleData?.length ? t.doubleData : t.uint64Data) ?? [];
  if (vals.length !== 1) return unsupported('ConstantOfShape value in an unusual field');
  return hostFromNumbers(dtype, [1], [vals[0] as number]);
}

const OPS: Record<string, OpFn> = {
  Identity: (e) => e.in(0),
  Dropout: (e) => {
    // Inference: the output is the input; the mask (if asked for) is all true.
    if (e.has(2)) {
      const tm = e.in(2);
      if (tm.dtype !== DataType.BOOL || tm.data.some((b) => b !== 0)) unsupported('Dropout in training mode');
    }
    if (e.hasAttr('is_test') && e.int('is_test', 0) === 0 && e.opset < 7) unsupported('Dropout in training mode');
    const x = e.in(0);
    const outs = [x];
    if (e.node.outputs.length > 1) outs.push({ dtype: DataType.BOOL, dims: x.dims.slice(), data: new Uint8Array(count(x.dims)).fill(1) });
    return outs;
  },
  Reshape: (e) => {
    const x = e.in(0);
    const shape = e.opset >= 5 ? e.intList(1) : (e.ints('shape') ?? invalid('Reshape without shape'));
    return withDims(x, reshapeDims(x.dims, shape, e.int('allowzero', 0) === 1));
  },
  Flatten: (e) => {
    const x = e.in(0);
    const r = x.dims.length;
    let axis = e.int('axis', 1);
    if (axis < 0) axis += r;
    if (axis < 0 || axis > r) invalid(`Flatten axis ${axis}`);
    return withDims(x, [count(x.dims.slice(0, axis)), count(x.dims.slice(axis))]);
  },
  Squeeze: (e) => {
    const x = e.in(0);
    const axes = squeezeAxes(e);
    const r = x.dims.length;
    const drop = new Set((axes ?? x.dims.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)).map((a) => normAxis(a, r, 'Squeeze')));
    for (const a of drop) if (x.dims[a] !== 1) invalid(`Squeeze of dim ${a} = ${x.dims[a]}`);
    return withDims(x, x.dims.filter((_, i) => !drop.has(i)));
  },
  Unsqueeze: (e) => {
    const x = e.in(0);
    const axes = squeezeAxes(e) ?? invalid('Unsqueeze without axes');
    const r = x.dims.length + axes.length;
    const ins = new Set(axes.map((a) => normAxis(a, r, 'Unsqueeze')));
    if (ins.size !== axes.length) invalid('Unsqueeze repeats an axis');
    const out: number[] = [];
    let k = 0;
    for (let i = 0; i < r; i++) out.push(ins.has(i) ? 1 : x.dims[k++]);
    return withDims(x, out);
  },
  Transpose: (e) => {
    const x = e.in(0);
    const perm = e.ints('perm') ?? x.dims.map((_, i) => x.dims.length - 1 - i);
    return transpose(x, perm);
  },
  Concat: (e) => {
    const ins = e.inputs.filter((x): x is HostTensor => !!x);
    if (!ins.length) invalid('Concat without inputs');
    // Empty 1-D inputs are allowed beside others of any rank by onnxruntime; keep it simple: same rank only.
    return concat(ins, e.int('axis', 0));
  },
  Shape: (e) => {
    const x = e.in(0);
    const r = x.dims.length;
    let s = e.int('start', 0);
    let en = e.hasAttr('end') ? e.int('end', r) : r;
    if (s < 0) s += r;
    if (en < 0) en += r;
    s = Math.min(Math.max(s, 0), r);
    en = Math.min(Math.max(en, 0), r);
    const dims = x.dims.slice(s, Math.max(s, en));
    return fromValues(DataType.INT64, [dims.length], dims.map(BigInt));
  },
  Size: (e) => fromValues(DataType.INT64, [], [BigInt(count(e.in(0).dims))]),
  Gather: (e) => {
    const x = e.in(0);
    const ind = e.in(1);
    const r = x.dims.length;
    const a = normAxis(e.int('axis', 0), r, 'Gather');
    const idx = e.intList(1);
    const d = x.dims[a];
    const outDims = [...x.dims.slice(0, a), ...ind.dims, ...x.dims.slice(a + 1)];
    const inner = count(x.dims.slice(a + 1));
    const outer = count(x.dims.slice(0, a));
    const index = new Float64Array(count(outDims));
    let p = 0;
    for (let o = 0; o < outer; o++) {
      for (const i0 of idx) {
        const i = i0 < 0 ? i0 + d : i0;
        if (i < 0 || i >= d) invalid(`Gather index ${i0} out of range for dim ${d}`);
        const base = (o * d + i) * inner;
        for (let k = 0; k < inner; k++) index[p++] = base + k;
      }
    }
    return gather(x, outDims, index);
  },
  Slice: (e) => {
    const x = e.in(0);
    let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
    if (e.opset < 10) {
      starts = e.ints('starts') ?? invalid('Slice without starts');
      ends = e.ints('ends') ?? invalid('Slice without ends');
      axes = e.ints('axes');
    } else {
      starts = e.intList(1);
      ends = e.intList(2);
      axes = e.has(3) ? e.intList(3) : undefined;
      steps = e.has(4) ? e.intList(4) : undefined;
    }
    if (starts.length !== ends.length) invalid('Slice starts and ends differ in length');
    return slice(x, starts, ends, axes ?? starts.map((_, i) => i), steps ?? starts.map(() => 1));
  },
  Expand: (e) => {
    const x = e.in(0);
    const shape = e.intList(1);
    const dims = broadcastDims([x.dims, shape]);
    if (count(dims) > count(x.dims)) e.checkSize(x.dtype, dims);
    return gather(x, dims, broadcastIndex(x.dims, dims));
  },
  Tile: (e) => {
    const x = e.in(0);
    const reps = e.intList(1);
    if (reps.length !== x.dims.length || reps.some((r) => r < 0)) invalid('Tile repeats do not match the rank');
    const dims = x.dims.map((d, i) => d * reps[i]);
    if (count(dims) > count(x.dims)) e.checkSize(x.dtype, dims);
    const r = dims.length;
    const inStr = stridesOf(x.dims);
    const n = count(dims);
    const index = new Float64Array(n);
    const idx = new Array<number>(r).fill(0);
    for (let i = 0; i < n; i++) {
      let f = 0;
      for (let a = 0; a < r; a++) f += (idx[a] % x.dims[a]) * inStr[a];
      index[i] = f;
      for (let a = r - 1; a >= 0; a--) {
        if (++idx[a] < dims[a]) break;
        idx[a] = 0;
      }
    }
    return gather(x, dims, index);
  },
  Split: (e) => {
    const x = e.in(0);
    const r = x.dims.length;
    const a = normAxis(e.int('axis', 0), r, 'Split');
    const nOut = e.node.outputs.length;
    let split: number[] | undefined = e.opset >= 13 ? (e.has(1) ? e.intList(1) : undefined) : e.ints('split');
    const d = x.dims[a];
    if (!split) {
      if (e.opset >= 18 && e.hasAttr('num_outputs')) {
        const k = e.int('num_outputs', nOut);
        const c = Math.ceil(d / k);
        split = Array.from({ length: k }, (_, i) => Math.max(0, Math.min(c, d - i * c)));
      } else {
        if (d % nOut !== 0) invalid(`Split of ${d} into ${nOut} equal parts`);
        split = new Array(nOut).fill(d / nOut);
      }
    }
    if (split.length !== nOut || split.reduce((s, v) => s + v, 0) !== d) invalid('Split sizes do not add up');
    const outs: HostTensor[] = [];
    let start = 0;
    const axesAll = x.dims.map((_, i) => i);
    for (const s of split) {
      const starts = x.dims.map(() => 0);
      const ends = x.dims.slice();
      starts[a] = start;
      ends[a] = start + s;
      outs.push(slice(x, starts, ends, axesAll, axesAll.map(() => 1)));
      start += s;
    }
    return outs;
  },
  ConstantOfShape: (e) => {
    const shape = e.intList(0);
    if (shape.some((s) => s < 0)) invalid('ConstantOfShape with a negative dim');
    const v = tensorAttrValue(e) ?? hostFromNumbers(DataType.FLOAT, [1], [0]);
    e.checkSize(v.dtype, shape);
    return gather(v, shape, new Float64Array(count(shape)));
  },
  Range: (e) => {
    const [s, l, d] = [e.in(0), e.in(1), e.in(2)];
    if (!isInt(s.dtype)) unsupported('Range of floats');
    const start = Number(hostToBigInts(s)[0]);
    const limit = Number(hostToBigInts(l)[0]);
    const delta = Number(hostToBigInts(d)[0]);
    if (delta === 0) invalid('Range with delta 0');
    const n = Math.max(0, Math.ceil((limit - start) / delta));
    e.checkSize(s.dtype, [n]);
    const vals: Scalar[] = new Array(n);
    for (let i = 0; i < n; i++) vals[i] = isBig(s.dtype) ? BigInt(start + i * delta) : start + i * delta;
    return fromValues(s.dtype, [n], vals);
  },
  Cast: (e) => {
    const to = e.int('to', 0);
    if (e.hasAttr('saturate') && to >= DataType.FLOAT8E4M3FN) unsupported('saturating casts');
    return castTo(e.in(0), to, e);
  },
  CastLike: (e) => castTo(e.in(0), e.in(1).dtype, e),
  Where: (e) => {
    const c = e.in(0);
    const x = e.in(1);
    const y = e.in(2);
    if (c.dtype !== DataType.BOOL) invalid('Where condition must be bool');
    sameType([x, y], 'Where');
    const dims = broadcastDims([c.dims, x.dims, y.dims]);
    const n = count(dims);
    const ci = broadcastIndex(c.dims, dims);
    const xi = broadcastIndex(x.dims, dims);
    const yi = broadcastIndex(y.dims, dims);
    // Concatenate x and y, then pick from one or the other.
    const both = concat([withDims(x, [count(x.dims)]), withDims(y, [count(y.dims)])], 0);
    const nx = count(x.dims);
    const index = new Float64Array(n);
    for (let i = 0; i < n; i++) index[i] = c.data[ci[i]] ? xi[i] : nx + yi[i];
    return gather(both, dims, index);
  },
  Equal: compare('Equal', (a, b) => a === b),
  Less: compare('Less', (a, b) => a < b),
  Greater: compare('Greater', (a, b) => a > b),
  LessOrEqual: compare('LessOrEqual', (a, b) => a <= b),
  GreaterOrEqual: compare('GreaterOrEqual', (a, b) => a >= b),
  Not: (e) => {
    const x = e.in(0);
    if (x.dtype !== DataType.BOOL) invalid('Not takes bool');
    return elementwise([x], DataType.BOOL, (xs) => (xs[0] ? 0 : 1), e);
  },
  And: logical((a, b) => a && b),
  Or: logical((a, b) => a || b),
  Xor: logical((a, b) => a !== b),
  Add: arith('Add', (a, b) => a + b, (a, b) => a + b),
  Sub: arith('Sub', (a, b) => a - b, (a, b) => a - b),
  Mul: arith('Mul', (a, b) => a * b, (a, b) => a * b),
  Div: (e) => {
    const t = e.in(0).dtype;
    return arith('Div', isInt(t) ? intDiv : (a, b) => a / b, bigDiv)(e);
  },
  Sum: arith('Sum', (a, b) => a + b, (a, b) => a + b),
  Min: arith('Min', (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)), (a, b) => (a < b ? a : b)),
  Max: arith('Max', (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)), (a, b) => (a > b ? a : b)),
  Mod: (e) => {
    const t = e.in(0).dtype;
    if (!isInt(t)) unsupported('Mod of floats');
    const fmod = e.int('fmod', 0) === 1;
    const m = (a: number, b: number) => {
      if (b === 0) invalid('Mod by zero');
      const r = a % b;
      return fmod || r === 0 || Math.sign(r) === Math.sign(b) ? r : r + b;
    };
    const mb = (a: bigint, b: bigint) => {
      if (b === 0n) invalid('Mod by zero');
      const r = a % b;
      return fmod || r === 0n || r < 0n === b < 0n ? r : r + b;
    };
    return arith('Mod', m, mb)(e);
  },
  Neg: unary('Neg', (x) => -x, { big: (x) => -x }),
  Abs: unary('Abs', (x) => Math.abs(x), { big: (x) => (x < 0n ? -x : x) }),
  Sign: unary('Sign', (x) => (Number.isNaN(x) ? NaN : Math.sign(x)), { big: (x) => (x > 0n ? 1n : x < 0n ? -1n : 0n) }),
  Relu: unary('Relu', (x) => (x > 0 ? x : Number.isNaN(x) ? x : 0), { big: (x) => (x > 0n ? x : 0n) }),
  Floor: unary('Floor', Math.floor, { floatOnly: true }),
  Ceil: unary('Ceil', Math.ceil, { floatOnly: true }),
  Sqrt: unary('Sqrt', Math.sqrt, { floatOnly: true }),
  Reciprocal: unary('Reciprocal', (x) => 1 / x, { floatOnly: true }),
  ReduceProd: reduce('ReduceProd'),
  ReduceSum: reduce('ReduceSum'),
  ReduceMin: reduce('ReduceMin'),
  ReduceMax: reduce('ReduceMax'),
};

/** Integer reductions (exact); Min/Max also for floats. Float sums and products are order-dependent: onnxruntime. */
function reduce(op: 'ReduceProd' | 'ReduceSum' | 'ReduceMin' | 'ReduceMax'): OpFn {
  return (e) => {
    const x = e.in(0);
    const t = x.dtype;
    if (!isInt(t) && !(isFloat(t) && (op === 'ReduceMin' || op === 'ReduceMax'))) unsupported(`${op} on type ${t}`);
    const r = x.dims.length;
    const axesFromInput = op === 'ReduceSum' ? e.opset >= 13 : e.opset >= 18;
    let axes = axesFromInput ? (e.has(1) ? e.intList(1) : undefined) : e.ints('axes');
    if (axes && axes.length === 0) axes = undefined;
    if (!axes && e.int('noop_with_empty_axes', 0) === 1) return x;
    const keep = e.int('keepdims', 1) === 1;
    const red = new Set((axes ?? x.dims.map((_, i) => i)).map((a) => normAxis(a, r, op)));
    const outDims = x.dims.map((d, i) => (red.has(i) ? 1 : d));
    const n = count(outDims);
    const src = nums(x);
    const big = typeof src[0] === 'bigint' || isBig(t);
    const acc: Scalar[] = new Array(n).fill(undefined);
    const outStr = stridesOf(outDims);
    const idx = new Array<number>(r).fill(0);
    for (let i = 0; i < src.length; i++) {
      let o = 0;
      for (let a = 0; a < r; a++) if (!red.has(a)) o += idx[a] * outStr[a];
      const v = src[i];
      const cur = acc[o];
      if (cur === undefined) acc[o] = v;
      else if (big) {
        const a = cur as bigint;
        const b = v as bigint;
        acc[o] = op === 'ReduceSum' ? a + b : op === 'ReduceProd' ? a * b : op === 'ReduceMin' ? (b < a ? b : a) : b > a ? b : a;
      } else {
        const a = cur as number;
        const b = v as number;
        acc[o] = op === 'ReduceSum' ? a + b : op === 'ReduceProd' ? a * b : op === 'ReduceMin' ? Math.min(a, b) : Math.max(a, b);
      }
      for (let a = r - 1; a >= 0; a--) {
        if (++idx[a] < x.dims[a]) break;
        idx[a] = 0;
      }
    }
    for (let o = 0; o < n; o++) {
      if (acc[o] === undefined) {
        if (op === 'ReduceMin' || op === 'ReduceMax') invalid(`${op} over an empty axis`);
        acc[o] = big ? (op === 'ReduceProd' ? 1n : 0n) : op === 'ReduceProd' ? 1 : 0;
      }
    }
    if (big && t === DataType.INT64) for (let o = 0; o < n; o++) acc[o] = BigInt.asIntN(64, acc[o] as bigint);
    const dims = keep ? outDims : x.dims.filter((_, i) => !red.has(i));
    return fromValues(t, dims, acc);
  };
}

