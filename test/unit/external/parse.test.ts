// parseExternalInfo (the external_data entries) and the location string rules, without touching the disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve, relative, isAbsolute, sep } from 'node:path';
import fc from 'fast-check';
import { onnx } from '../../../src/core/codec/pb';
import { DataType } from '../../../src/core/ir/dtype';
import {
  ExternalDataError,
  checkLocation,
  expectedByteLength,
  isSafeRelativeLocation,
  parseExternalInfo,
  splitLocation,
} from '../../../src/core/codec/external';
import { externalTensor, type Entries } from './build';

function roundTrip(t: onnx.TensorProto): onnx.TensorProto {
  return onnx.TensorProto.decode(onnx.TensorProto.encode(t).finish());
}

function parseErr(entries: Entries, reason: string, name = 'W'): ExternalDataError {
  const t = roundTrip(externalTensor(name, DataType.FLOAT, [2], entries));
  let caught: unknown;
  try {
    parseExternalInfo(t);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ExternalDataError, `expected ExternalDataError '${reason}', got ${String(caught)}`);
  assert.equal(caught.reason, reason, caught.message);
  assert.equal(caught.tensor, name);
  assert.match(caught.message, new RegExp(`'${name}'`));
  return caught;
}

test('parses location, offset, length and checksum as onnx writes them', () => {
  const t = roundTrip(
    externalTensor('W', DataType.FLOAT, [3, 4], [
      ['location', 'model.onnx.data'],
      ['offset', '4096'],
      ['length', '48'],
      ['checksum', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
    ]),
  );
  assert.deepEqual(parseExternalInfo(t), {
    location: 'model.onnx.data',
    offset: 4096,
    length: 48,
    checksum: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
  });
});

test('offset defaults to 0, length stays absent, leading zeros and the largest safe integer are accepted', () => {
  assert.deepEqual(parseExternalInfo(roundTrip(externalTensor('W', DataType.FLOAT, [2], [['location', 'w.bin']]))), {
    location: 'w.bin',
    offset: 0,
  });
  const info = parseExternalInfo(
    roundTrip(externalTensor('W', DataType.FLOAT, [2], [['location', 'w.bin'], ['offset', '007'], ['length', '9007199254740991']])),
  );
  assert.equal(info.offset, 7);
  assert.equal(info.length, Number.MAX_SAFE_INTEGER);
});

test('unknown keys are kept in order (onnx\'s basepath included), not refused', () => {
  const info = parseExternalInfo(
    roundTrip(
      externalTensor('W', DataType.FLOAT, [2], [
        ['basepath', '/somewhere'],
        ['location', 'w.bin'],
        ['vendor.hint', 'mmap'],
        ['', 'empty key'],
      ]),
    ),
  );
  assert.equal(info.location, 'w.bin');
  assert.deepEqual(info.extra, [
    { key: 'basepath', value: '/somewhere' },
    { key: 'vendor.hint', value: 'mmap' },
    { key: '', value: 'empty key' },
  ]);
});

test('a tensor that is not EXTERNAL is refused with a reason', () => {
  const t = new onnx.TensorProto({ name: 'W', dataType: 1, dims: [1], rawData: new Uint8Array(4) });
  assert.throws(() => parseExternalInfo(t), (e: unknown) => e instanceof ExternalDataError && e.reason === 'not-external' && /DEFAULT/.test(e.message));
  const withEntries = new onnx.TensorProto({
    name: 'W',
    dataType: 1,
    dims: [1],
    externalData: [{ key: 'location', value: 'w.bin' }],
  });
  assert.throws(() => parseExternalInfo(withEntries), (e: unknown) => e instanceof ExternalDataError && e.reason === 'not-external' && /ignored/.test(e.message) && e.location === 'w.bin');
});

test('a missing location is refused and the keys that were found are listed', () => {
  const e = parseErr([['offset', '0'], ['length', '8']], 'missing-location');
  assert.match(e.message, /no 'location' entry/);
  assert.match(e.message, /'offset', 'length'/);
  parseErr([], 'missing-location');
});

test('a repeated key is refused (which one would be meant is ambiguous)', () => {
  const e = parseErr([['location', 'a.bin'], ['location', 'b.bin']], 'duplicate-key');
  assert.match(e.message, /'location' appears more than once/);
  parseErr([['location', 'a.bin'], ['offset', '0'], ['offset', '8']], 'duplicate-key');
});

test('offset and length must be non-negative decimal integers within 2^53-1', () => {
  for (const bad of ['abc', '', ' 1', '1 ', '+1', '1e3', '0x10', '1.5', 'Infinity', 'NaN', '１']) {
    const e = parseErr([['location', 'w.bin'], ['offset', bad]], 'bad-offset');
    assert.match(e.message, /not a decimal integer/, bad);
    parseErr([['location', 'w.bin'], ['length', bad]], 'bad-length');
  }
  const neg = parseErr([['location', 'w.bin'], ['offset', '-5']], 'bad-offset');
  assert.match(neg.message, /offset is -5, negative/);
  assert.match(parseErr([['location', 'w.bin'], ['length', '-1']], 'bad-length').message, /negative/);
  for (const big of ['9007199254740992', '18446744073709551615', '99999999999999999999999999']) {
    assert.match(parseErr([['location', 'w.bin'], ['offset', big]], 'bad-offset').message, /beyond 2\^53-1/);
    parseErr([['location', 'w.bin'], ['length', big]], 'bad-length');
  }
});

test('errors name both the tensor and the location', () => {
  const e = parseErr([['location', 'weights/w.bin'], ['offset', 'x']], 'bad-offset', 'encoder.layer.0.weight');
  assert.equal(e.location, 'weights/w.bin');
  assert.match(e.message, /'encoder\.layer\.0\.weight'/);
  assert.match(e.message, /'weights\/w\.bin'/);
});

test('the location rules: each unsafe form gets its reason', () => {
  const cases: [string, string][] = [
    ['', 'empty'],
    ['.', 'empty'],
    ['./', 'empty'],
    ['a/..', 'empty'],
    ['w.bin\0', 'nul'],
    ['w\0/../../etc/passwd', 'nul'],
    ['*/_ORT_MEM_ADDR_/*', 'ort-memory'],
    ['/etc/passwd', 'absolute'],
    ['/', 'absolute'],
    ['\\Windows\\System32\\config\\SAM', 'absolute'],
    ['C:\\Windows\\win.ini', 'absolute'],
    ['c:/data/w.bin', 'absolute'],
    ['C:w.bin', 'absolute'],
    ['\\\\server\\share\\w.bin', 'absolute'],
    ['//server/share/w.bin', 'absolute'],
    ['\\\\?\\C:\\w.bin', 'absolute'],
    ['file:///etc/passwd', 'url'],
    ['file:w.bin', 'url'],
    ['http://example.com/w.bin', 'url'],
    ['https://example.com/w.bin', 'url'],
    ['s3://bucket/w.bin', 'url'],
    ['data:application/octet-stream;base64,AAAA', 'url'],
    ['hf+git:model', 'url'],
    ['w.bin:$DATA', 'colon'],
    ['sub/w.bin:stream', 'colon'],
    ['1:w.bin', 'colon'],
    ['..', 'escape'],
    ['../w.bin', 'escape'],
    ['..\\w.bin', 'escape'],
    ['sub/../../w.bin', 'escape'],
    ['a/b/../../../w.bin', 'escape'],
    ['./../w.bin', 'escape'],
  ];
  for (const [loc, reason] of cases) {
    const c = checkLocation(loc);
    assert.ok(c, `expected ${JSON.stringify(loc)} to be refused as '${reason}'`);
    assert.equal(c.reason, reason, `${JSON.stringify(loc)}: ${c.detail}`);
    assert.equal(isSafeRelativeLocation(loc), c.detail);
  }
});

test('the location rules: ordinary relative paths are safe and normalise as expected', () => {
  const cases: [string, string[]][] = [
    ['model.onnx.data', ['model.onnx.data']],
    ['weights/w.bin', ['weights', 'w.bin']],
    ['weights\\w.bin', ['weights', 'w.bin']],
    ['./w.bin', ['w.bin']],
    ['sub/../w.bin', ['w.bin']],
    ['a//b///c.bin', ['a', 'b', 'c.bin']],
    ['..w.bin', ['..w.bin']],
    ['...', ['...']],
    ['.../w.bin', ['...', 'w.bin']],
    ['w..bin', ['w..bin']],
    ['~/w.bin', ['~', 'w.bin']],
    ['%2e%2e/w.bin', ['%2e%2e', 'w.bin']],
    ['onnx__MatMul_1234', ['onnx__MatMul_1234']],
    ['poids é 重み.bin', ['poids é 重み.bin']],
  ];
  for (const [loc, segs] of cases) {
    assert.equal(isSafeRelativeLocation(loc), undefined, `${JSON.stringify(loc)} should be safe`);
    assert.deepEqual(splitLocation(loc), segs, loc);
  }
});

test('property: a location judged safe always resolves strictly inside the folder', () => {
  const root = resolve('/models/m');
  const piece = fc.constantFrom('a', 'w.bin', '.', '..', '...', '/', '\\', ':', '\0', 'C', 'c:', '_ORT_MEM_ADDR_', '*', 'http', '~', ' ', '%2e', '');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 10 }), (parts) => {
      const loc = parts.join('');
      const reason = isSafeRelativeLocation(loc);
      if (reason !== undefined) return true;
      const segs = splitLocation(loc);
      assert.ok(segs && segs.length > 0, JSON.stringify(loc));
      assert.ok(!segs.includes('..') && !segs.includes('.') && !segs.includes(''), JSON.stringify(loc));
      const p = resolve(root, ...segs);
      const rel = relative(root, p);
      assert.ok(rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel), `${JSON.stringify(loc)} -> ${p}`);
      assert.ok(p.startsWith(root + sep));
      assert.ok(!loc.includes('\0') && !loc.includes(':') && !/^[\\/]/.test(loc));
      return true;
    }),
    { numRuns: 3000 },
  );
});

test('expectedByteLength: dims x element size, sub-byte packing, and refusals', () => {
  const t = (dataType: number, dims: number[]) => new onnx.TensorProto({ dataType, dims });
  assert.equal(expectedByteLength(t(DataType.FLOAT, [3, 4])), 48);
  assert.equal(expectedByteLength(t(DataType.FLOAT16, [5])), 10);
  assert.equal(expectedByteLength(t(DataType.INT4, [3])), 2);
  assert.equal(expectedByteLength(t(DataType.DOUBLE, [])), 8);
  assert.equal(expectedByteLength(t(DataType.FLOAT, [0, 7])), 0);
  assert.match(String(expectedByteLength(t(DataType.STRING, [2]))), /string_data/);
  assert.match(String(expectedByteLength(t(99, [2]))), /unknown data type 99/);
  assert.match(String(expectedByteLength(t(DataType.FLOAT, [-1]))), /negative/);
});
