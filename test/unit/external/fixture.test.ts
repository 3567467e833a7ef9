// A model that onnx itself saved with external data (test/fixtures/external/make_fixture.py:
// save_as_external_data=True, all_tensors_to_one_file=True, size_threshold=0), read back and compared with the
// bytes and values numpy held (basic/expected.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from '../../../src/core/codec/pb';
import { DataType } from '../../../src/core/ir/dtype';
import { ExternalDataError, ExternalDataStore, parseExternalInfo } from '../../../src/core/codec/external';

const dir = join(__dirname, '../../fixtures/external/basic');
const modelPath = join(dir, 'model.onnx');

interface Expected {
  data_file: string;
  data_file_size: number;
  tensors: {
    name: string;
    data_type: number;
    dims: number[];
    data_location: number;
    external_data: { key: string; value: string }[];
    hex: string;
    values: (number | string | boolean)[];
  }[];
}
const expected: Expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));

function half(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const f = bits & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Element values of little-endian raw bytes, in the form expected.json uses. */
function values(dtype: number, b: Uint8Array): (number | string | boolean)[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: (number | string | boolean)[] = [];
  const step: Record<number, number> = { 1: 4, 7: 8, 10: 2, 2: 1, 11: 8, 9: 1, 3: 1 };
  for (let o = 0; o < b.length; o += step[dtype]) {
    switch (dtype) {
      case DataType.FLOAT: out.push(dv.getFloat32(o, true)); break;
      case DataType.DOUBLE: out.push(dv.getFloat64(o, true)); break;
      case DataType.INT64: out.push(dv.getBigInt64(o, true).toString()); break;
      case DataType.FLOAT16: out.push(half(dv.getUint16(o, true))); break;
      case DataType.UINT8: out.push(dv.getUint8(o)); break;
      case DataType.INT8: out.push(dv.getInt8(o)); break;
      case DataType.BOOL: out.push(dv.getUint8(o) !== 0); break;
      default: throw new Error(`no decoder for dtype ${dtype} in this test`);
    }
  }
  return out;
}

const model = onnx.ModelProto.decode(readFileSync(modelPath));
const inits = (model.graph?.initializer ?? []) as onnx.TensorProto[];

test('the fixture is what the script says: every initializer external, in one file', () => {
  assert.equal(inits.length, expected.tensors.length);
  assert.ok(inits.length >= 9);
  assert.equal(statSync(join(dir, expected.data_file)).size, expected.data_file_size);
  for (const t of inits) {
    assert.equal(t.dataLocation, onnx.TensorProto.DataLocation.EXTERNAL, t.name);
    assert.ok(!Object.prototype.hasOwnProperty.call(t, 'rawData'), `${t.name} keeps no inline raw_data`);
  }
});

test('parseExternalInfo reads the entries onnx wrote', () => {
  for (const [i, t] of inits.entries()) {
    const e = expected.tensors[i];
    assert.equal(t.name, e.name);
    const info = parseExternalInfo(t);
    const kv = Object.fromEntries(e.external_data.map((x) => [x.key, x.value]));
    assert.equal(info.location, kv.location);
    assert.equal(info.location, expected.data_file);
    assert.equal(info.offset, Number(kv.offset ?? 0));
    assert.equal(info.length, kv.length === undefined ? undefined : Number(kv.length));
    assert.equal(info.extra, undefined);
  }
});

test('every tensor reads back as numpy\'s bytes and values (sync and async)', async () => {
  const store = new ExternalDataStore(modelPath);
  for (const [i, t] of inits.entries()) {
    const e = expected.tensors[i];
    assert.equal(t.dataType, e.data_type);
    assert.deepEqual((t.dims ?? []).map(Number), e.dims);
    const bytes = store.readTensor(t);
    assert.equal(Buffer.from(bytes).toString('hex'), e.hex, e.name);
    assert.deepEqual(values(e.data_type, bytes), e.values, e.name);
    assert.deepEqual(await store.readTensorAsync(t), bytes, e.name);
  }
  assert.equal(store.io.opens, 1, 'one data file, opened once');
  store.close();
});

test('the inline attribute tensor (Constant) is not external and is refused as such', () => {
  const c = model.graph?.node?.find((n) => n.opType === 'Constant');
  const t = c?.attribute?.[0]?.t as onnx.TensorProto;
  assert.ok(t && Object.prototype.hasOwnProperty.call(t, 'rawData'));
  assert.throws(() => parseExternalInfo(t), (e: unknown) => e instanceof ExternalDataError && e.reason === 'not-external');
});
