/**
 * The one place that configures protobufjs for ONNX.
 *
 * int64/uint64 fields decode to a plain `number` when the value is a safe integer and to a `bigint`
 * otherwise, so values are exact without Long objects on the hot path (dims, ints attributes).
 * The writer accepts number, bigint or Long-like values. Import `onnx` from here, never from the
 * generated module directly, so that this configuration is always in force.
 */
import './pb-config';
import * as $protobuf from 'protobufjs/minimal';
// eslint-disable-next-line @typescript-eslint/no-require-imports
import { onnx } from './generated/onnx.js';

export type Int64 = number | bigint;

const Reader = $protobuf.Reader as any;
const Writer = $protobuf.Writer as any;

/** Reads a base-128 varint of up to 10 bytes as (lo, hi) 32-bit halves; throws on truncation or overlong input. */
function readVarint64(r: any, signed: boolean): Int64 {
  const buf: Uint8Array = r.buf;
  let pos: number = r.pos;
  const len: number = r.len;
  let lo = 0;
  let hi = 0;
  let b = 0;
  let i = 0;
  for (; i < 4; i++) {
    if (pos >= len) throw truncated(r, pos);
    b = buf[pos++];
    lo |= (b & 127) << (i * 7);
    if (b < 128) {
      r.pos = pos;
      return lo >>> 0;
    }
  }
  if (pos >= len) throw truncated(r, pos);
  b = buf[pos++];
  lo |= (b & 127) << 28;
  hi = (b & 127) >> 4;
  if (b >= 128) {
    for (i = 0; i < 5; i++) {
      if (pos >= len) throw truncated(r, pos);
      b = buf[pos++];
      hi |= (b & 127) << (i * 7 + 3);
      if (b < 128) break;
    }
    if (b >= 128) throw wireError(`expected a varint of at most 10 bytes; found one of 11 or more`, r.pos);
  }
  r.pos = pos;
  lo >>>= 0;
  hi >>>= 0;
  if (hi === 0) return lo;
  if (!signed || hi < 0x80000000) {
    if (hi < 0x200000) return hi * 4294967296 + lo;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
  const shi = hi | 0;
  if (shi >= -0x200000) return shi * 4294967296 + lo;
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}

function truncated(r: any, pos: number): RangeError {
  return wireError(`expected a complete varint; found one that runs past ${endOf(r)} at byte ${pos}`, r.pos);
}

/**
 * A wire-format error that knows where it happened: `wireOffset` is the byte offset in the decoded buffer and
 * the message says what was expected and what was found. decode.ts turns it into a ModelDecodeError.
 */
export interface WireError extends RangeError {
  wireOffset: number;
}
function wireError(detail: string, offset: number): WireError {
  const e = new RangeError(detail) as WireError;
  e.wireOffset = offset;
  return e;
}
export function isWireError(e: unknown): e is WireError {
  return e instanceof RangeError && typeof (e as Partial<WireError>).wireOffset === 'number';
}
function endOf(r: any): string {
  return r.len === r.buf.length ? 'the end of the file' : 'the end of the enclosing message';
}
function varintLength(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}
const WIRE_TYPES = ['varint', '64-bit', 'length-delimited', 'start group', 'end group', '32-bit'];
export function wireTypeName(w: number): string {
  return WIRE_TYPES[w] ?? 'no such wire type';
}

// Length prefixes are checked where they are read, so the error says how long the field claims to be and how
// much is left (protobufjs's own checks only say "index out of range").
const readSize = Reader.prototype.size;
Reader.prototype.size = function read_size(this: any) {
  const start: number = this.pos;
  const n: number = readSize.call(this);
  if (n > this.len - this.pos) {
    throw wireError(
      `expected ${n} bytes of a length-delimited field (length prefix at byte ${start}); found only ${this.len - this.pos} before ${endOf(this)} at byte ${this.len}`,
      start,
    );
  }
  return n;
};

// protobufjs skips an unknown varint of any length; protobuf allows at most 10 bytes.
const skipBytes = Reader.prototype.skip;
Reader.prototype.skip = function skip(this: any, length?: number) {
  if (typeof length === 'number') return skipBytes.call(this, length);
  const buf: Uint8Array = this.buf;
  const start: number = this.pos;
  for (let i = 0; i < 10; i++) {
    if (this.pos >= this.len) {
      throw wireError(`expected a complete varint; found one that runs past ${endOf(this)} at byte ${this.len}`, start);
    }
    if (buf[this.pos++] < 128) return this;
  }
  throw wireError(`expected a varint of at most 10 bytes; found one of 11 or more`, start);
};

// Every field a generated decoder does not recognise (unknown number, or a known number with the wrong wire
// type) passes here. Flag the reader so decode.ts knows to look for wrong wire types, and say clearly what is
// wrong with tags protobufjs would only call "invalid".
const skipType = Reader.prototype.skipType;
Reader.prototype.skipType = function skip_type(this: any, wireType: number, depth?: number, field?: number) {
  this.sawUnknownField = true;
  if (field === 0 || wireType === 4 || wireType > 5) {
    const start = this.pos - varintLength((field ?? 0) * 8 + wireType);
    if (field === 0) {
      throw wireError(`expected a field tag with a field number of 1 or more; found field number 0 (wire type ${wireType})`, start);
    }
    if (wireType === 4) {
      throw wireError(`expected a field; found an end-group tag for field ${field} with no group open`, start);
    }
    throw wireError(`expected a wire type 0-5 for field ${field}; found wire type ${wireType}, which does not exist`, start);
  }
  return skipType.call(this, wireType, depth, field);
};

Reader.prototype.int64 = function read_int64(this: any) {
  return readVarint64(this, true);
};
Reader.prototype.uint64 = function read_uint64(this: any) {
  return readVarint64(this, false);
};

const writeUint64 = Writer.prototype.uint64;
function toLongLike(value: unknown): unknown {
  if (typeof value === 'bigint') {
    const v = BigInt.asUintN(64, value);
    return { low: Number(v & 0xffffffffn) | 0, high: Number(v >> 32n) | 0, unsigned: false };
  }
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`int64 value ${value} is not an integer that can be written exactly`);
  }
  return value;
}
Writer.prototype.uint64 = function write_uint64(this: any, value: unknown) {
  return writeUint64.call(this, toLongLike(value));
};
Writer.prototype.int64 = Writer.prototype.uint64;
// Packed lists (int64_data, uint64_data) have their own writer that reads Long-like objects directly: without
// this, every bigint in them would be written as 0.
const writeUint64s = Writer.prototype.uint64s;
Writer.prototype.uint64s = function write_uint64s(this: any, values: unknown[]) {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) return writeUint64s.call(this, values.map(toLongLike));
  }
  return writeUint64s.call(this, values);
};
Writer.prototype.int64s = Writer.prototype.uint64s;

/**
 * Message nesting limit, checked by every generated decode/encode. A subgraph level costs three messages
 * (Graph > Node > Attribute > Graph), so 256 still opens about 80 legitimate levels of If/Loop nesting while a
 * hostile file of 5,000 nested subgraphs is refused long before the stack is at risk.
 */
export const RECURSION_LIMIT = 256;
Reader.recursionLimit = RECURSION_LIMIT;
($protobuf.util as any).recursionLimit = RECURSION_LIMIT;
/** Keep unknown fields (written back at the end of their message) so that nothing a newer ONNX wrote is lost. */
Reader.discardUnknown = false;

/**
 * A faster decoder for NodeProto, the most frequent message of large graphs (22k in a 200-block decoder).
 * It makes the same reader calls in the same order as the generated decoder, field by field (unknown fields and
 * wrong wire types included: skipped, then kept in `$unknowns`), so it builds the same message and fails where
 * and how that one fails. What it adds: input, output and attribute are collected into arrays of their exact
 * length (the generated code's `push` leaves room for 17 entries in every list, and the garbage collector then
 * copies that room for every node). Calls it does not expect (no length, groups, a target message, too deep, a
 * length past the end) go to the generated decoder before anything is read, so nothing is ever decoded twice.
 */
const generatedNodeDecode = onnx.NodeProto.decode as (...a: unknown[]) => onnx.NodeProto;
const makeProp = ($protobuf.util as unknown as { makeProp(o: object, k: string, enumerable?: boolean): void }).makeProp;
function decodeNodeProto(r: any, l?: number, z?: number, q?: number, g?: unknown): onnx.NodeProto {
  if (l === undefined || z !== undefined || g !== undefined || !(r instanceof Reader)) return generatedNodeDecode(r, l, z, q, g);
  const depth = q === undefined ? 0 : q;
  const outer: number = r.len;
  const c: number = r.pos + l;
  if (depth > Reader.recursionLimit || c > outer) return generatedNodeDecode(r, l, z, q, g); // it throws the usual error
  r.len = c;
  const m = new onnx.NodeProto() as onnx.NodeProto & { $unknowns?: Uint8Array[] };
  let input: string[] | undefined;
  let output: string[] | undefined;
  let attribute: onnx.AttributeProto[] | undefined;
  while (r.pos < c) {
    const s: number = r.pos;
    const t: number = r.tag();
    switch (t) {
      case 10: {
        const v: string = r.string();
        if (input === undefined) input = [v];
        else input.push(v);
        continue;
      }
      case 18: {
        const v: string = r.string();
        if (output === undefined) output = [v];
        else output.push(v);
        continue;
      }
      case 26:
        m.name = r.string();
        continue;
      case 34:
        m.opType = r.string();
        continue;
      case 42: {
        const a = (onnx.AttributeProto.decode as (...a: unknown[]) => onnx.AttributeProto)(r, r.size(), undefined, depth + 1);
        if (attribute === undefined) attribute = [a];
        else attribute.push(a);
        continue;
      }
      case 50:
        m.docString = r.string();
        continue;
      case 58:
        m.domain = r.string();
        continue;
      case 66:
        m.overload = r.string();
        continue;
      case 74: {
        const e = (onnx.StringStringEntryProto.decode as (...a: unknown[]) => onnx.StringStringEntryProto)(r, r.size(), undefined, depth + 1);
        if (!(m.metadataProps && m.metadataProps.length)) m.metadataProps = [];
        m.metadataProps.push(e);
        continue;
      }
      case 82: {
        const d = (onnx.NodeDeviceConfigurationProto.decode as (...a: unknown[]) => onnx.NodeDeviceConfigurationProto)(
          r,
          r.size(),
          undefined,
          depth + 1,
        );
        if (!(m.deviceConfigurations && m.deviceConfigurations.length)) m.deviceConfigurations = [];
        m.deviceConfigurations.push(d);
        continue;
      }
    }
    // An unknown field, or a known one with the wrong wire type: skipped and kept, as the generated code does.
    r.skipType(t & 7, depth, t >>> 3);
    if (!r.discardUnknown) {
      makeProp(m, '$unknowns', false);
      (m.$unknowns || (m.$unknowns = [])).push(r.raw(s, r.pos));
    }
  }
  if (r.pos !== c) throw RangeError('index out of range');
  r.len = outer;
  if (input !== undefined) m.input = input.length > 1 ? input.slice() : input;
  if (output !== undefined) m.output = output.length > 1 ? output.slice() : output;
  if (attribute !== undefined) m.attribute = attribute.length > 1 ? attribute.slice() : attribute;
  return m;
}
(onnx.NodeProto as { decode: unknown }).decode = decodeNodeProto;

export { onnx, $protobuf };
export type ModelProto = onnx.ModelProto;
