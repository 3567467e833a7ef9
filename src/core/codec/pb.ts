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
    if (b >= 128) throw new RangeError(`invalid varint at byte ${r.pos}: more than 10 bytes`);
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
  return new RangeError(`index out of range: varint at byte ${r.pos} runs past the end (${pos} >= ${r.len})`);
}

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

export { onnx, $protobuf };
export type ModelProto = onnx.ModelProto;
