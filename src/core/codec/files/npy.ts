/**
 * NumPy `.npy` files <-> HostTensor.
 *
 * Reads format versions 1.0, 2.0 and 3.0 (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 * dtypes <f2 <f4 <f8 <i1..<i8 <u1..<u8 |b1 <c8 <c16 (big-endian variants are byte-swapped), Fortran-order
 * arrays are transposed to C order, unicode `<U`/`>U` and bytes `|S` arrays become STRING tensors (trailing
 * NULs stripped, as numpy does). Object arrays are refused (they are pickles), as are structured, void and
 * datetime dtypes. The header is parsed as the small Python literal it is: nothing is evaluated. Little-endian
 * C-order data stays a view into the input bytes.
 *
 * Writes version 1.0 (2.0 when the header would exceed 65535 bytes), header padded to a multiple of 64 bytes
 * like numpy >= 1.24. Types npy cannot express (bfloat16, float8, 4-bit and 2-bit) are refused unless
 * `widen: true` converts them to float32 / int8 / uint8.
 */
import { checkedElementCount, DataType, dtypeName } from '../../ir/dtype';
import type { HostTensor } from '../../ir/hosttensor';
import { hostToNumbers, validateHost } from '../tensordata';

export class TensorFileError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'TensorFileError';
  }
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function isNpy(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 6 && MAGIC.every((b, i) => bytes[i] === b);
}

// ---------------------------------------------------------------------------------------------------
// Header literal: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }

type PyValue = string | boolean | number | PyValue[] | { [k: string]: PyValue } | null;

class HeaderParser {
  private i = 0;
  constructor(
    private s: string,
    private fail: (msg: string) => never,
  ) {}

  parse(): PyValue {
    const v = this.value(0);
    this.ws();
    if (this.i !== this.s.length) this.fail(`unexpected text after the header dictionary at character ${this.i}: '${this.s.slice(this.i, this.i + 20)}'`);
    return v;
  }

  private ws(): void {
    while (this.i < this.s.length && ' \t\r\n'.includes(this.s[this.i])) this.i++;
  }

  private value(depth: number): PyValue {
    if (depth > 16) this.fail('the header nests deeper than any numpy header does');
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.dict(depth);
    if (c === '(' || c === '[') return this.seq(depth, c === '(' ? ')' : ']');
    if (c === "'" || c === '"') return this.str();
    if (this.s.startsWith('True', this.i)) return (this.i += 4), true;
    if (this.s.startsWith('False', this.i)) return (this.i += 5), false;
    if (this.s.startsWith('None', this.i)) return (this.i += 4), null;
    const m = /^-?[0-9]+L?/.exec(this.s.slice(this.i, this.i + 40));
    if (m) {
      this.i += m[0].length;
      const digits = m[0].replace(/L$/, '');
      const n = Number(digits);
      if (!Number.isSafeInteger(n)) this.fail(`the number ${digits} in the header is too large for any array`);
      return n;
    }
    this.fail(c === undefined ? 'the header ends in the middle of a value' : `unexpected '${c}' at character ${this.i} of the header`);
  }

  private str(): string {
    const q = this.s[this.i++];
    let out = '';
    while (this.i < this.s.length && this.s[this.i] !== q) {
      if (this.s[this.i] === '\\') {
        const n = this.s[this.i + 1];
        out += n === 'n' ? '\n' : n === 't' ? '\t' : n;
        this.i += 2;
      } else out += this.s[this.i++];
    }
    if (this.i >= this.s.length) this.fail('a string in the header is not closed');
    this.i++;
    return out;
  }

  private seq(depth: number, close: string): PyValue[] {
    this.i++;
    const out: PyValue[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) return this.i++, out;
      out.push(this.value(depth + 1));
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) this.fail(`expected ',' or '${close}' at character ${this.i} of the header`);
    }
  }

  private dict(depth: number): { [k: string]: PyValue } {
    this.i++;
    const out: { [k: string]: PyValue } = Object.create(null);
    for (;;) {
      this.ws();
      if (this.s[this.i] === '}') return this.i++, out;
      const k = this.value(depth + 1);
      if (typeof k !== 'string') this.fail('header dictionary keys must be strings');
      this.ws();
      if (this.s[this.i] !== ':') this.fail(`expected ':' after '${k}' in the header`);
      this.i++;
      out[k] = this.value(depth + 1);
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') this.fail(`expected ',' or '}' at character ${this.i} of the header`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// dtypes

interface Descr {
  dtype: DataType;
  /** Bytes per element in the file. */
  itemsize: number;
  bigEndian: boolean;
  /** Size of the units to byte-swap (complex swaps each half; unicode each UCS-4 code unit). */
  swapUnit: number;
  /** 'U': UCS-4 strings of itemsize/4 characters; 'S': byte strings. */
  text?: 'U' | 'S';
}

const NUMERIC: Record<string, DataType> = {
  f2: DataType.FLOAT16, f4: DataType.FLOAT, f8: DataType.DOUBLE,
  i1: DataType.INT8, i2: DataType.INT16, i4: DataType.INT32, i8: DataType.INT64,
  u1: DataType.UINT8, u2: DataType.UINT16, u4: DataType.UINT32, u8: DataType.UINT64,
  b1: DataType.BOOL, c8: DataType.COMPLEX64, c16: DataType.COMPLEX128,
};

function parseDescr(descr: PyValue, fail: (m: string) => never): Descr {
  if (typeof descr !== 'string') {
    fail(`the array has a structured dtype (descr ${JSON.stringify(descr)}); only plain numeric, bool and string arrays can be tensors: save each field as its own array`);
  }
  const m = /^([<>|=]?)([a-zA-Z?])(\d*)$/.exec(descr);
  if (!m) fail(`unrecognized dtype descr '${descr}'`);
  const [, order, kind, sizeText] = m;
  const size = sizeText === '' ? undefined : Number(sizeText);
  const bigEndian = order === '>';
  if (kind === 'O') fail('object arrays need pickle, which is refused: save with allow_pickle=False (convert the array to a numeric or string dtype first)');
  if (kind === 'U' || kind === 'S') {
    if (size === undefined) fail(`string dtype '${descr}' has no length`);
    return { dtype: DataType.STRING, itemsize: kind === 'U' ? size * 4 : size, bigEndian, swapUnit: kind === 'U' ? 4 : 1, text: kind };
  }
  if (kind === '?') return { dtype: DataType.BOOL, itemsize: 1, bigEndian: false, swapUnit: 1 };
  const dt = NUMERIC[`${kind}${size ?? ''}`];
  if (dt === undefined) {
    const what = kind === 'V' ? 'raw void bytes (ml_dtypes types such as bfloat16 save as void: convert to float32 before saving)'
      : kind === 'M' || kind === 'm' ? 'datetime/timedelta values' : `dtype '${descr}'`;
    fail(`${what} cannot be read as a tensor; supported: <f2 <f4 <f8 <i1..<i8 <u1..<u8 |b1 <c8 <c16 <U |S`);
  }
  const itemsize = dt === DataType.COMPLEX64 ? 8 : dt === DataType.COMPLEX128 ? 16 : size!;
  const swapUnit = dt === DataType.COMPLEX64 ? 4 : dt === DataType.COMPLEX128 ? 8 : itemsize;
  return { dtype: dt, itemsize, bigEndian, swapUnit };
}

function byteswap(src: Uint8Array, unit: number): Uint8Array {
  const out = new Uint8Array(src.byteLength);
  for (let i = 0; i < src.byteLength; i += unit) {
    for (let k = 0; k < unit; k++) out[i + k] = src[i + unit - 1 - k];
  }
  return out;
}

/** Fortran-order bytes (first index fastest) -> C order (last index fastest), for elements of `size` bytes. */
function fortranToC(src: Uint8Array, dims: number[], size: number): Uint8Array {
  const n = dims.length;
  const count = src.byteLength / size;
  if (n <= 1 || count <= 1) return src;
  const out = new Uint8Array(src.byteLength);
  // Fortran strides, in elements.
  const fstride = new Array<number>(n);
  let s = 1;
  for (let k = 0; k < n; k++) {
    fstride[k] = s;
    s *= dims[k];
  }
  const idx = new Array<number>(n).fill(0);
  let f = 0; // Fortran offset of the current C-order index
  for (let c = 0; c < count; c++) {
    out.set(src.subarray(f * size, f * size + size), c * size);
    // Increment the C-order index (last dim fastest), keeping the Fortran offset in step.
    for (let k = n - 1; k >= 0; k--) {
      idx[k]++;
      f += fstride[k];
      if (idx[k] < dims[k]) break;
      f -= fstride[k] * dims[k];
      idx[k] = 0;
    }
  }
  return out;
}

function decodeStrings(data: Uint8Array, count: number, d: Descr): Uint8Array[] {
  const out: Uint8Array[] = [];
  const enc = new TextEncoder();
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < count; i++) {
    const off = i * d.itemsize;
    if (d.text === 'S') {
      let end = d.itemsize;
      while (end > 0 && data[off + end - 1] === 0) end--;
      out.push(data.slice(off, off + end));
    } else {
      const chars = d.itemsize / 4;
      let end = chars;
      while (end > 0 && dv.getUint32(off + (end - 1) * 4, !d.bigEndian) === 0) end--;
      let s = '';
      for (let k = 0; k < end; k++) {
        const cp = dv.getUint32(off + k * 4, !d.bigEndian);
        s += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
      }
      out.push(enc.encode(s));
    }
  }
  return out;
}

export interface NpyHeader {
  version: [number, number];
  descr: string;
  fortranOrder: boolean;
  dims: number[];
  /** Where the array data starts. */
  dataOffset: number;
}

/** Parses and validates the header only (no data is read): what `inspect` needs for a quick look. */
export function readNpyHeader(bytes: Uint8Array, file = '<npy>'): NpyHeader {
  return parseHeader(bytes, file).header;
}

function parseHeader(bytes: Uint8Array, file: string): { header: NpyHeader; descr: PyValue } {
  const fail = (msg: string): never => {
    throw new TensorFileError(file, msg);
  };
  if (!isNpy(bytes)) {
    fail(`not a .npy file: it does not start with the magic bytes \\x93NUMPY (found ${JSON.stringify(Array.from(bytes.subarray(0, 6)))})`);
  }
  if (bytes.byteLength < 10) fail(`the file is truncated: ${bytes.byteLength} bytes, shorter than the smallest .npy header`);
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3) fail(`.npy format version ${major}.${minor} is not supported (versions 1.0, 2.0, 3.0 are)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let hlen: number;
  let start: number;
  if (major === 1) {
    hlen = dv.getUint16(8, true);
    start = 10;
  } else {
    if (bytes.byteLength < 12) fail('the file is truncated inside the header length');
    hlen = dv.getUint32(8, true);
    start = 12;
  }
  if (start + hlen > bytes.byteLength) {
    fail(`the file is truncated: the header says it is ${hlen} bytes long, but only ${bytes.byteLength - start} bytes follow`);
  }
  const raw = bytes.subarray(start, start + hlen);
  const text = major === 3 ? new TextDecoder('utf-8', { fatal: false }).decode(raw) : latin1(raw);
  const hfail = (msg: string): never => fail(`malformed header (${msg}): ${JSON.stringify(text.slice(0, 200))}`);
  const parsed = new HeaderParser(text, hfail).parse();
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) hfail('expected a dictionary');
  const dict = parsed as { [k: string]: PyValue };
  const keys = Object.keys(dict).sort();
  if (keys.join(',') !== 'descr,fortran_order,shape') {
    hfail(`expected exactly the keys 'descr', 'fortran_order', 'shape'; found ${keys.map((k) => `'${k}'`).join(', ') || 'none'}`);
  }
  const shape = dict.shape;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number')) hfail("'shape' must be a tuple of integers");
  const dims = shape as number[];
  const count = checkedElementCount(dims);
  if (typeof count === 'string') hfail(`invalid shape: ${count}`);
  if (typeof dict.fortran_order !== 'boolean') hfail("'fortran_order' must be True or False");
  const descr = dict.descr;
  const header: NpyHeader = {
    version: [major, minor],
    descr: typeof descr === 'string' ? descr : JSON.stringify(descr),
    fortranOrder: dict.fortran_order as boolean,
    dims,
    dataOffset: start + hlen,
  };
  return { header, descr };
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.byteLength; i += 8192) s += String.fromCharCode(...b.subarray(i, Math.min(b.byteLength, i + 8192)));
  return s;
}

/** Reads a whole .npy file. `file` names it in errors. */
export function readNpy(bytes: Uint8Array, file = '<npy>', name?: string): HostTensor {
  const fail = (msg: string): never => {
    throw new TensorFileError(file, msg);
  };
  const { header, descr } = parseHeader(bytes, file);
  const d = parseDescr(descr, fail);
  const count = checkedElementCount(header.dims) as number;
  const need = count * d.itemsize;
  const have = bytes.byteLength - header.dataOffset;
  if (!Number.isSafeInteger(need) || have < need) {
    fail(`the file is truncated or the header lies: shape (${header.dims.join(', ')}) of ${header.descr} needs ${need} bytes of data; the file has ${have}`);
  }
  if (have > need) {
    fail(`the header says shape (${header.dims.join(', ')}) of ${header.descr} (${need} bytes of data), but ${have} bytes follow: the header does not describe this data`);
  }
  let data = bytes.subarray(header.dataOffset, header.dataOffset + need);
  if (header.fortranOrder) data = fortranToC(data, header.dims, d.itemsize);
  const h: HostTensor = { dtype: d.dtype, dims: [...header.dims], data: new Uint8Array(0) };
  if (name !== undefined) h.name = name;
  if (d.text) {
    h.strings = decodeStrings(data, count, d);
    return h;
  }
  if (d.bigEndian && d.swapUnit > 1) data = byteswap(data, d.swapUnit);
  h.data = Object.getPrototypeOf(data) === Uint8Array.prototype ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return h;
}

// ---------------------------------------------------------------------------------------------------
// Writing

const DESCR_OF: Partial<Record<DataType, string>> = {
  [DataType.FLOAT16]: '<f2', [DataType.FLOAT]: '<f4', [DataType.DOUBLE]: '<f8',
  [DataType.INT8]: '|i1', [DataType.INT16]: '<i2', [DataType.INT32]: '<i4', [DataType.INT64]: '<i8',
  [DataType.UINT8]: '|u1', [DataType.UINT16]: '<u2', [DataType.UINT32]: '<u4', [DataType.UINT64]: '<u8',
  [DataType.BOOL]: '|b1', [DataType.COMPLEX64]: '<c8', [DataType.COMPLEX128]: '<c16',
};

export interface NpyWriteOptions {
  /** Convert types .npy has no dtype for: bfloat16/float8/float4 -> float32, int4/int2 -> int8, uint4/uint2 -> uint8. */
  widen?: boolean;
}

/** The tensor to write: as is, or widened to a type npy can express (or a clear refusal). */
function npyCompatible(h: HostTensor, opts: NpyWriteOptions): HostTensor {
  if (h.dtype === DataType.STRING || DESCR_OF[h.dtype]) return h;
  const name = `tensor '${h.name ?? '<unnamed>'}'`;
  const target =
    h.dtype === DataType.INT4 || h.dtype === DataType.INT2 ? DataType.INT8
      : h.dtype === DataType.UINT4 || h.dtype === DataType.UINT2 ? DataType.UINT8
        : DataType.FLOAT;
  if (!opts.widen) {
    throw new TensorFileError(name, `.npy has no ${dtypeName(h.dtype)} dtype: write with widen: true to store it as ${dtypeName(target)}, or save as .pb which keeps every ONNX type`);
  }
  const nums = hostToNumbers(h);
  const out = new Uint8Array(nums.length * (target === DataType.FLOAT ? 4 : 1));
  if (target === DataType.FLOAT) new Float32Array(out.buffer).set(nums);
  else if (target === DataType.INT8) new Int8Array(out.buffer).set(nums);
  else out.set(nums);
  return { ...h, dtype: target, data: out };
}

function npyHeader(descr: string, dims: number[]): Uint8Array {
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Version 1.0 has a 2-byte header length; pad magic + version + length + header + '\n' to a multiple of 64.
  let version = 1;
  let pre = 10;
  let total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  if (total - pre > 0xffff) {
    version = 2;
    pre = 12;
    total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  }
  const hlen = total - pre;
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, hlen, true);
  else dv.setUint32(8, hlen, true);
  const text = dict + ' '.repeat(hlen - dict.length - 1) + '\n';
  for (let i = 0; i < text.length; i++) out[pre + i] = text.charCodeAt(i);
  return out;
}

/** The .npy file as [header, data] pieces (data shared with the tensor, not copied) for streamed writes. */
export function npyChunks(h: HostTensor, opts: NpyWriteOptions = {}): Uint8Array[] {
  validateHost(h);
  const t = npyCompatible(h, opts);
  if (t.dtype === DataType.STRING) {
    const dec = new TextDecoder();
    const strs = (t.strings ?? []).map((s) => Array.from(dec.decode(s), (ch) => ch.codePointAt(0)!));
    const width = Math.max(1, ...strs.map((cps) => cps.length));
    const data = new Uint8Array(strs.length * width * 4);
    const dv = new DataView(data.buffer);
    strs.forEach((cps, i) => cps.forEach((cp, k) => dv.setUint32((i * width + k) * 4, cp, true)));
    return [npyHeader(`<U${width}`, t.dims), data];
  }
  return [npyHeader(DESCR_OF[t.dtype]!, t.dims), t.data];
}

/** A whole .npy file in one buffer. */
export function writeNpy(h: HostTensor, opts: NpyWriteOptions = {}): Uint8Array {
  return concat(npyChunks(h, opts));
}

export function concat(chunks: Uint8Array[]): Uint8Array {
  const n = chunks.reduce((a, c) => a + c.byteLength, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}
