// Helpers for the runtime tests: tensors from ONNX .pb and .npy files, and value comparison.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from '../../../src/core/codec/pb';
import { DataType, dtypeName, rawByteLength } from '../../../src/core/ir/dtype';
import type { HostTensor } from '../../../src/core/ir/hosttensor';
import { RuntimeError, type RuntimeClient } from '../../../src/runtime/client';
import { addMul } from '../../fixtures/runtime/models';

export const REPO = join(__dirname, '..', '..', '..');
export const BACKEND = join(REPO, 'test', 'fixtures', 'onnx-backend-node');
export const MODELS = join(REPO, 'test', 'fixtures', 'models');

/** A serialized TensorProto as a HostTensor (raw_data, or the typed *_data fields packed little-endian). */
export function tensorFromPb(bytes: Uint8Array): HostTensor {
  const t = onnx.TensorProto.decode(bytes);
  const dtype = t.dataType as DataType;
  const dims = (t.dims ?? []).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const out: HostTensor = { name: t.name || undefined, dtype, dims, data: new Uint8Array(0) };
  if (dtype === DataType.STRING) {
    out.strings = (t.stringData ?? []).map((s) => Uint8Array.from(s));
    return out;
  }
  if (t.rawData && t.rawData.length > 0) {
    out.data = Uint8Array.from(t.rawData);
    return out;
  }
  const n = rawByteLength(dtype, count)!;
  const data = new Uint8Array(n);
  const dv = new DataView(data.buffer);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case DataType.FLOAT: dv.setFloat32(i * 4, t.floatData![i], true); break;
      case DataType.DOUBLE: dv.setFloat64(i * 8, t.doubleData![i], true); break;
      case DataType.INT32: dv.setInt32(i * 4, t.int32Data![i], true); break;
      case DataType.INT16: dv.setInt16(i * 2, t.int32Data![i], true); break;
      case DataType.UINT16: case DataType.FLOAT16: dv.setUint16(i * 2, t.int32Data![i], true); break;
      case DataType.INT8: dv.setInt8(i, t.int32Data![i]); break;
      case DataType.UINT8: case DataType.BOOL: dv.setUint8(i, t.int32Data![i]); break;
      case DataType.INT64: dv.setBigInt64(i * 8, BigInt(t.int64Data![i]), true); break;
      case DataType.UINT32: dv.setUint32(i * 4, Number(t.uint64Data![i]), true); break;
      case DataType.UINT64: dv.setBigUint64(i * 8, BigInt(t.uint64Data![i]), true); break;
      default: throw new Error(`tensorFromPb: ${dtypeName(dtype)} without raw_data is not handled by this test helper`);
    }
  }
  out.data = data;
  return out;
}

/** A little-endian, C-order .npy file (format 1.x-3.x) of a plain numeric dtype as a HostTensor. */
export function readNpy(path: string): HostTensor {
  const b = readFileSync(path);
  assert.equal(b.subarray(0, 6).toString('latin1'), '\x93NUMPY', `${path} is not a .npy file`);
  const major = b[6];
  const headerLen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = b.subarray(start, start + headerLen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  assert.ok(!/'fortran_order':\s*True/.test(header), `${path} is Fortran-ordered`);
  const types: Record<string, DataType> = { '<f4': DataType.FLOAT, '<f8': DataType.DOUBLE, '<i8': DataType.INT64, '<i4': DataType.INT32, '|u1': DataType.UINT8, '|b1': DataType.BOOL };
  const dtype = types[descr ?? ''];
  assert.ok(dtype !== undefined, `${path}: dtype ${descr} not handled by this test helper`);
  const dims = (shape ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  return { dtype, dims, data: Uint8Array.from(b.subarray(start + headerLen)) };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** The elements as numbers/bigints/strings, for comparison. */
export function values(t: HostTensor): (number | bigint | string)[] {
  if (t.dtype === DataType.STRING) return (t.strings ?? []).map((s) => new TextDecoder().decode(s));
  const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const n = t.dims.reduce((a, b) => a * b, 1);
  const out: (number | bigint)[] = [];
  for (let i = 0; i < n; i++) {
    switch (t.dtype) {
      case DataType.FLOAT: out.push(dv.getFloat32(i * 4, true)); break;
      case DataType.DOUBLE: out.push(dv.getFloat64(i * 8, true)); break;
      case DataType.FLOAT16: out.push(halfToFloat(dv.getUint16(i * 2, true))); break;
      case DataType.INT8: out.push(dv.getInt8(i)); break;
      case DataType.UINT8: case DataType.BOOL: out.push(dv.getUint8(i)); break;
      case DataType.INT16: out.push(dv.getInt16(i * 2, true)); break;
      case DataType.UINT16: out.push(dv.getUint16(i * 2, true)); break;
      case DataType.INT32: out.push(dv.getInt32(i * 4, true)); break;
      case DataType.UINT32: out.push(dv.getUint32(i * 4, true)); break;
      case DataType.INT64: out.push(dv.getBigInt64(i * 8, true)); break;
      case DataType.UINT64: out.push(dv.getBigUint64(i * 8, true)); break;
      default: throw new Error(`values: ${dtypeName(t.dtype)} not handled`);
    }
  }
  return out;
}

/** ONNX backend-test comparison: same dtype and dims; floats within rtol/atol (NaN matches NaN), others exact. */
export function assertTensorClose(actual: HostTensor, expected: HostTensor, what: string, rtol = 1e-3, atol = 1e-7): void {
  assert.equal(dtypeName(actual.dtype), dtypeName(expected.dtype), `${what}: dtype`);
  assert.deepEqual(actual.dims, expected.dims, `${what}: dims`);
  const a = values(actual);
  const e = values(expected);
  assert.equal(a.length, e.length, `${what}: element count`);
  const float = [DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16].includes(actual.dtype);
  for (let i = 0; i < a.length; i++) {
    if (float) {
      const x = a[i] as number;
      const y = e[i] as number;
      if (Number.isNaN(y)) {
        assert.ok(Number.isNaN(x), `${what}[${i}]: expected NaN, got ${x}`);
        continue;
      }
      if (x === y) continue;
      assert.ok(Math.abs(x - y) <= atol + rtol * Math.abs(y), `${what}[${i}]: expected ${y}, got ${x} (rtol ${rtol}, atol ${atol})`);
    } else {
      assert.equal(a[i], e[i], `${what}[${i}]`);
    }
  }
}

/** A float32 HostTensor. */
export function f32(name: string, dims: number[], vals: number[] | Float32Array): HostTensor {
  return { name, dtype: DataType.FLOAT, dims, data: new Uint8Array(Float32Array.from(vals).buffer) };
}

/** Milliseconds a promise takes to settle, and its outcome. */
export async function timed<T>(p: Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const t0 = performance.now();
  try {
    const value = await p;
    return { ms: performance.now() - t0, value };
  } catch (error) {
    return { ms: performance.now() - t0, error };
  }
}

/** A fresh child answers a load and a run: the client recovered. Returns the child's pid. */
export async function works(c: RuntimeClient): Promise<number> {
  const s = await c.load({ modelBytes: addMul() });
  const r = await c.run(s.sessionId, [f32('a', [2], [1, 2]), f32('b', [2], [3, 4])]);
  assert.deepEqual(values(r.outputs[0]), [4, 6]);
  return (await c.info()).pid;
}

export function assertRuntimeError(e: unknown, kind: string, message?: RegExp): RuntimeError {
  assert.ok(e instanceof RuntimeError, `expected a RuntimeError of kind ${kind}, got ${e === undefined ? 'success' : String(e)}`);
  assert.equal(e.kind, kind, `kind of: ${e.message}`);
  if (message) assert.match(e.message, message);
  return e;
}
