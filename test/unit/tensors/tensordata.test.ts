// TensorProto <-> HostTensor and value decoding, checked against what numpy / onnx.numpy_helper / ml_dtypes
// say (test/fixtures/tensors/make_fixtures.py wrote the expected values).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from '../../../src/core/codec/pb';
import { DataType } from '../../../src/core/ir/dtype';
import type { HostTensor } from '../../../src/core/ir/hosttensor';
import {
  decodeBFloat16, decodeFloat16, decodeMiniFloat, encodeBFloat16, encodeFloat16, forEachNumberChunk, hostFromNumbers,
  hostFromStrings, hostToBigInts, hostToNumbers, hostToStrings, hostToTensorProto, tensorProtoToHost, TensorDataError,
} from '../../../src/core/codec/tensordata';
import { assertValues, fixtureJson, TENSORS } from './expect';

interface Case {
  file: string;
  name: string;
  dtype: number;
  dims: number[];
  values: (number | string)[];
  exact?: string[];
  note?: string;
}

function decodeFile(file: string): onnx.TensorProto {
  return onnx.TensorProto.decode(readFileSync(join(TENSORS, file)));
}

function checkCase(c: Case, h: HostTensor): void {
  const where = `${c.file} (${c.note ?? c.name})`;
  assert.equal(h.dtype, c.dtype, `${where}: dtype`);
  assert.deepEqual(h.dims, c.dims, `${where}: dims`);
  if (c.dtype === DataType.STRING) {
    assert.deepEqual(hostToStrings(h), c.values, `${where}: strings`);
  } else {
    assertValues(hostToNumbers(h), c.values, where);
  }
  if (c.exact) assert.deepEqual(Array.from(hostToBigInts(h), String), c.exact, `${where}: exact 64-bit values`);
}

test('the backend test cases decode to what onnx.numpy_helper says, for every dtype they hold', () => {
  const cases = fixtureJson<Case[]>('backend.json');
  const dtypes = new Set(cases.map((c) => c.dtype));
  for (const d of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]) assert.ok(dtypes.has(d), `backend.json covers dtype ${d}`);
  for (const c of cases) checkCase(c, tensorProtoToHost(decodeFile(c.file)));
});

test('extra tensors: float8 x4, e8m0, float4, int4/uint4/int2/uint2, bfloat16, complex, uint64, typed fields', () => {
  const cases = fixtureJson<Case[]>('pb.json');
  const dtypes = new Set(cases.map((c) => c.dtype));
  for (const d of [14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26]) assert.ok(dtypes.has(d), `pb.json covers dtype ${d}`);
  for (const c of cases) checkCase(c, tensorProtoToHost(decodeFile(c.file)));
});

test('every fixture tensor survives hostToTensorProto -> encode -> decode with identical bytes', () => {
  for (const c of [...fixtureJson<Case[]>('backend.json'), ...fixtureJson<Case[]>('pb.json')]) {
    const h = tensorProtoToHost(decodeFile(c.file));
    const bytes = onnx.TensorProto.encode(hostToTensorProto(h)).finish();
    const back = tensorProtoToHost(onnx.TensorProto.decode(bytes));
    assert.equal(back.name, h.name || undefined, c.file);
    assert.deepEqual(back.dims, h.dims, c.file);
    assert.equal(back.dtype, h.dtype, c.file);
    assert.deepEqual(Buffer.from(back.data), Buffer.from(h.data), c.file);
    assert.deepEqual(back.strings?.map((s) => Buffer.from(s)), h.strings?.map((s) => Buffer.from(s)), c.file);
  }
});

test('raw_data stays a view into the decoded bytes (no copy)', () => {
  const file = readFileSync(join(TENSORS, 'pb/float16_raw.pb'));
  const h = tensorProtoToHost(onnx.TensorProto.decode(file));
  assert.equal(h.data.buffer, file.buffer, 'same ArrayBuffer as the file bytes');
  assert.equal(Object.getPrototypeOf(h.data), Uint8Array.prototype);
});

test('complex values: interleaved by default, magnitude on request', () => {
  const h = hostFromNumbers(DataType.COMPLEX64, [2], [3, 4, -5, 12]);
  assert.deepEqual(Array.from(hostToNumbers(h)), [3, 4, -5, 12]);
  assert.deepEqual(Array.from(hostToNumbers(h, { complex: 'magnitude' })), [5, 13]);
});

test('float16: every bit pattern decodes and re-encodes to itself; rounding is to nearest even', () => {
  for (let b = 0; b < 65536; b++) {
    const v = decodeFloat16(b);
    if (Number.isNaN(v)) continue;
    assert.equal(encodeFloat16(v), b, `bits 0x${b.toString(16)} -> ${v}`);
  }
  assert.equal(encodeFloat16(1 + 2 ** -11), 0x3c00); // halfway: ties to even (1.0)
  assert.equal(encodeFloat16(1 + 3 * 2 ** -11), 0x3c02); // halfway: ties to even (1 + 2^-9)
  assert.equal(encodeFloat16(1 + 2 ** -11 + 2 ** -30), 0x3c01); // just above halfway
  assert.equal(encodeFloat16(65519.99), 0x7bff); // rounds down to max
  assert.equal(encodeFloat16(65520), 0x7c00); // rounds to inf, like numpy
  assert.equal(encodeFloat16(2 ** -25), 0x0000); // halfway to the smallest subnormal: even is 0
  assert.equal(encodeFloat16(2 ** -25 * 1.5), 0x0001);
  assert.equal(encodeFloat16(-0), 0x8000);
  assert.equal(encodeFloat16(NaN) & 0x7c00, 0x7c00);
  assert.equal(encodeFloat16(2 ** -14 - 2 ** -26), 0x0400); // subnormal rounding up into the smallest normal
});

test('bfloat16 encode rounds to nearest even from float32 and decodes back', () => {
  assert.equal(encodeBFloat16(1), 0x3f80);
  assert.equal(decodeBFloat16(0x3f80), 1);
  assert.equal(encodeBFloat16(1 + 2 ** -8), 0x3f80); // halfway, even
  assert.equal(encodeBFloat16(1 + 3 * 2 ** -8), 0x3f82);
  assert.ok(Number.isNaN(decodeBFloat16(encodeBFloat16(NaN))));
  assert.equal(decodeBFloat16(encodeBFloat16(-Infinity)), -Infinity);
});

test('small float formats: named values', () => {
  assert.equal(decodeMiniFloat(DataType.FLOAT8E4M3FN, 0x7e), 448);
  assert.ok(Number.isNaN(decodeMiniFloat(DataType.FLOAT8E4M3FN, 0xff)));
  assert.equal(decodeMiniFloat(DataType.FLOAT8E5M2, 0x7c), Infinity);
  assert.equal(decodeMiniFloat(DataType.FLOAT8E5M2FNUZ, 0x7f), 57344);
  assert.ok(Number.isNaN(decodeMiniFloat(DataType.FLOAT8E4M3FNUZ, 0x80)));
  assert.equal(decodeMiniFloat(DataType.FLOAT8E8M0, 127), 1);
  assert.equal(decodeMiniFloat(DataType.FLOAT4E2M1, 0xf), -6);
});

test('hostFromNumbers packs sub-byte types LSB first and round-trips every integer type', () => {
  const i4 = hostFromNumbers(DataType.INT4, [3], [-1, 7, -8]);
  assert.deepEqual(Array.from(i4.data), [0x7f, 0x08]);
  assert.deepEqual(Array.from(hostToNumbers(i4)), [-1, 7, -8]);
  const u2 = hostFromNumbers(DataType.UINT2, [5], [1, 2, 3, 0, 3]);
  assert.deepEqual(Array.from(u2.data), [0b00111001, 0b11]);
  for (const [dt, vals] of [
    [DataType.INT8, [-128, 127]], [DataType.UINT16, [0, 65535]], [DataType.INT32, [-(2 ** 31), 2 ** 31 - 1]],
    [DataType.UINT32, [2 ** 32 - 1]], [DataType.INT2, [-2, 1, 0]], [DataType.BOOL, [1, 0]],
    [DataType.FLOAT16, [0.5, -2]], [DataType.BFLOAT16, [1.5]], [DataType.DOUBLE, [Math.PI]],
  ] as [DataType, number[]][]) {
    assert.deepEqual(Array.from(hostToNumbers(hostFromNumbers(dt, [vals.length], vals))), vals, `dtype ${dt}`);
  }
  const big = hostFromNumbers(DataType.UINT64, [2], [2n ** 64n - 1n, 5]);
  assert.deepEqual(Array.from(hostToBigInts(big)), [2n ** 64n - 1n, 5n]);
  const neg = hostFromNumbers(DataType.INT64, [3], [-(2n ** 63n), -1, 2 ** 53 - 1]);
  assert.deepEqual(Array.from(hostToBigInts(neg)), [-(2n ** 63n), -1n, 2n ** 53n - 1n]);
  assert.throws(() => hostFromNumbers(DataType.INT8, [1], [128]), /not a int8 \(integers -128\.\.127\)/);
  assert.throws(() => hostFromNumbers(DataType.INT64, [1], [2 ** 60]), /pass a bigint/);
  assert.throws(() => hostFromNumbers(DataType.FLOAT8E4M3FN, [1], [1]), /bit patterns/);
  assert.throws(() => hostFromNumbers(DataType.FLOAT, [2, 2], [1, 2, 3]), /needs 4 values; got 3/);
});

test('strings round-trip as UTF-8', () => {
  const h = hostFromStrings([2], ['grüße', '']);
  assert.deepEqual(hostToStrings(h), ['grüße', '']);
  assert.throws(() => hostToNumbers(h), /STRING tensor has no numeric values/);
});

test('chunked reading covers every value once, in order, with bounded buffers', () => {
  const n = 1000;
  const h = hostFromNumbers(DataType.INT16, [n], Array.from({ length: n }, (_, i) => i - 500));
  const seen: number[] = [];
  let maxLen = 0;
  forEachNumberChunk(h, (v, start) => {
    assert.equal(start, seen.length);
    maxLen = Math.max(maxLen, v.length);
    seen.push(...v);
  }, { chunk: 64 });
  assert.equal(maxLen, 64);
  assert.deepEqual(seen, Array.from({ length: n }, (_, i) => i - 500));
});

test('unaligned raw data decodes through the slow path with the same values', () => {
  const h = hostFromNumbers(DataType.FLOAT, [3], [1.5, -2, 3.25]);
  const shifted = new Uint8Array(13);
  shifted.set(h.data, 1);
  const u: HostTensor = { ...h, data: shifted.subarray(1) };
  assert.deepEqual(Array.from(hostToNumbers(u)), [1.5, -2, 3.25]);
});

// --- errors -------------------------------------------------------------------------------------------

function proto(p: onnx.TensorProto.$Properties): onnx.TensorProto {
  // Through the real wire format, so field presence is as a file would have it.
  return onnx.TensorProto.decode(onnx.TensorProto.encode(new onnx.TensorProto(p)).finish());
}

test('invalid tensors give errors naming the tensor, what was expected and what was found', () => {
  const cases: [onnx.TensorProto.$Properties, RegExp][] = [
    [{ name: 'w', dims: [2, -3] as any, dataType: 1, rawData: new Uint8Array(24) }, /tensor 'w': invalid dims \[2, -3\]: dim 1 is negative/],
    [{ name: 'w', dims: [2 ** 40, 2 ** 20] as any, dataType: 1, rawData: new Uint8Array(4) }, /overflows/],
    [{ name: 'w', dims: [2, 3] as any, dataType: 1, rawData: new Uint8Array(20) }, /float\[2,3\] needs 24 bytes of raw_data; found 20/],
    [{ name: 'w', dims: [3] as any, dataType: 1 }, /has 3 elements but no values/],
    [{ name: 'w', dims: [3] as any, dataType: 1, floatData: [1, 2] }, /needs 3 entries in float_data; found 2/],
    [{ name: 'w', dims: [3] as any, dataType: 22, int32Data: [1, 2, 3] }, /needs 2 entries in int32_data \(2 packed elements per entry\); found 3/],
    [{ name: 'w', dims: [2] as any, dataType: 14, floatData: [1, 2] }, /needs 4 entries in float_data \(two per complex element\)/],
    [{ name: 'w', dims: [2] as any, dataType: 7, floatData: [1, 2] }, /keeps values in float_data, which onnx.proto does not allow for int64/],
    [{ name: 's', dims: [2] as any, dataType: 8, stringData: [new Uint8Array(1)] }, /needs 2 entries in string_data; found 1/],
    [{ name: 'u', dims: [1] as any, dataType: 0 }, /data_type 0 \(undefined\) is not a tensor element type/],
    [{ name: 'u', dims: [1] as any, dataType: 99, rawData: new Uint8Array(1) }, /data_type 99/],
    [{ name: 'g', dims: [1] as any, dataType: 1, segment: { begin: 0, end: 1 } }, /segments/],
    [{ name: 'x', dims: [1] as any, dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] }, /external data \('w.bin'\), and no reader/],
  ];
  for (const [p, re] of cases) {
    assert.throws(() => tensorProtoToHost(proto(p)), (e: unknown) => e instanceof TensorDataError && re.test(e.message), `expected ${re}`);
  }
});

test('external data comes through the callback and is size-checked', () => {
  const t = proto({ name: 'x', dims: [2], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] } as any);
  const bytes = new Uint8Array(new Float32Array([1, 2]).buffer);
  let asked: onnx.TensorProto | undefined;
  const h = tensorProtoToHost(t, (tp) => ((asked = tp), bytes));
  assert.equal(asked, t);
  assert.deepEqual(Array.from(hostToNumbers(h)), [1, 2]);
  assert.throws(() => tensorProtoToHost(t, () => new Uint8Array(7)), /needs 8 bytes of external data; found 7/);
});

test('hostToTensorProto refuses an inconsistent HostTensor', () => {
  assert.throws(() => hostToTensorProto({ dtype: DataType.FLOAT, dims: [2], data: new Uint8Array(4), name: 'bad' }), /tensor 'bad': float\[2\] needs 8 bytes; found 4/);
  assert.throws(() => hostToBigInts(hostFromNumbers(DataType.FLOAT, [1], [1])), /not an integer type/);
});
