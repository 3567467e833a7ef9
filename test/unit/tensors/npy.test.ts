// .npy read/write: numpy's own files (every dtype, big-endian, Fortran order, versions 1-3, strings), round
// trips, the sample models' inputs/outputs, and hostile or malformed files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy, readNpyHeader, writeNpy, TensorFileError } from '../../../src/core/codec/files/npy';
import { readNpz } from '../../../src/core/codec/files/npz';
import { decodeModel } from '../../../src/core/codec/decode';
import { DataType } from '../../../src/core/ir/dtype';
import { hostFromNumbers, hostFromStrings, hostToBigInts, hostToNumbers, hostToStrings } from '../../../src/core/codec/tensordata';
import type { HostTensor } from '../../../src/core/ir/hosttensor';
import { assertValues, FIXTURES, fixtureJson, TENSORS } from './expect';

interface NpyCase {
  file: string;
  descr: string;
  dtype: number;
  dims: number[];
  values: (number | string)[];
  exact?: string[];
  note: string;
}

const npyCases = fixtureJson<NpyCase[]>('npy.json');
const read = (file: string) => readFileSync(join(TENSORS, file));

function check(h: HostTensor, c: NpyCase): void {
  const where = `${c.file} (${c.note})`;
  assert.equal(h.dtype, c.dtype, `${where}: dtype`);
  assert.deepEqual(h.dims, c.dims, `${where}: dims`);
  if (c.dtype === DataType.STRING) assert.deepEqual(hostToStrings(h), c.values, where);
  else assertValues(hostToNumbers(h), c.values, where);
  if (c.exact) assert.deepEqual(Array.from(hostToBigInts(h), String), c.exact, `${where}: exact`);
}

test('numpy-written .npy files read with the values numpy has', () => {
  assert.ok(npyCases.length >= 25);
  for (const c of npyCases) check(readNpy(read(c.file), c.file), c);
  const versions = new Set(npyCases.map((c) => readNpyHeader(read(c.file)).version[0]));
  assert.deepEqual([...versions].sort(), [1, 2, 3]);
});

test('write -> read round-trips every case, and numpy-identical bytes for C-order little-endian files', () => {
  for (const c of npyCases) {
    const h = readNpy(read(c.file), c.file);
    const bytes = writeNpy(h);
    check(readNpy(bytes, 'written'), c);
    const header = readNpyHeader(bytes);
    assert.equal(header.dataOffset % 64, 0, `${c.file}: header padded to 64 bytes`);
    const original = readNpyHeader(read(c.file));
    if (original.version[0] === 1 && !original.fortranOrder && !c.descr.startsWith('>') && !/[US]/.test(c.descr)) {
      assert.deepEqual(Buffer.from(bytes), read(c.file), `${c.file}: byte-identical to np.save`);
    }
  }
});

test('little-endian data stays a view into the file bytes', () => {
  const bytes = read('npy/f4.npy');
  const h = readNpy(bytes);
  assert.equal(h.data.buffer, bytes.buffer);
});

test('types npy cannot express are refused, or widened on request', () => {
  const bf = hostFromNumbers(DataType.BFLOAT16, [2], [1.5, -2], 'w');
  assert.throws(() => writeNpy(bf), /'w': \.npy has no bfloat16 dtype: write with widen: true to store it as float, or save as \.pb/);
  const wide = readNpy(writeNpy(bf, { widen: true }));
  assert.equal(wide.dtype, DataType.FLOAT);
  assert.deepEqual(Array.from(hostToNumbers(wide)), [1.5, -2]);
  const i4 = readNpy(writeNpy(hostFromNumbers(DataType.INT4, [3], [-8, 7, 1]), { widen: true }));
  assert.equal(i4.dtype, DataType.INT8);
  assert.deepEqual(Array.from(hostToNumbers(i4)), [-8, 7, 1]);
  const s = readNpy(writeNpy(hostFromStrings([2, 1], ['日本', 'a'])));
  assert.deepEqual(hostToStrings(s), ['日本', 'a']);
  assert.deepEqual(s.dims, [2, 1]);
});

test('a header too long for version 1.0 is written as version 2.0', () => {
  const dims = Array.from({ length: 30000 }, () => 1);
  const h = hostFromNumbers(DataType.UINT8, dims, [9]);
  const bytes = writeNpy(h);
  assert.equal(bytes[6], 2);
  const back = readNpy(bytes);
  assert.deepEqual(back.dims, dims);
  assert.deepEqual(Array.from(back.data), [9]);
});

test('every sample model: input_K.npy / output_K.npy equal refs.npz under the graph names', () => {
  const dir = join(FIXTURES, 'models');
  let checked = 0;
  for (const m of readdirSync(dir).sort()) {
    const refsPath = join(dir, m, 'refs.npz');
    if (!existsSync(refsPath)) continue;
    const refs = readNpz(readFileSync(refsPath), refsPath);
    const model = decodeModel(readFileSync(join(dir, m, 'model.onnx')));
    const g = model.graph;
    const ins = g.inputs.filter((i) => !i.value.initializer).map((i) => i.value.name);
    const outs = g.outputs.map((o) => o.value.name);
    for (const [prefix, names] of [['input', ins], ['output', outs]] as const) {
      names.forEach((name, k) => {
        const p = join(dir, m, `${prefix}_${k}.npy`);
        const h = readNpy(readFileSync(p), p);
        const r = refs.get(name);
        assert.ok(r, `${m}: refs.npz has '${name}' (keys: ${[...refs.keys()].join(', ')})`);
        assert.equal(h.dtype, r.dtype, `${m} ${name}`);
        assert.deepEqual(h.dims, r.dims, `${m} ${name}`);
        assert.deepEqual(Buffer.from(h.data), Buffer.from(r.data), `${m} ${name}`);
        checked++;
      });
    }
  }
  assert.ok(checked >= 20, `checked ${checked} arrays`);
});

// --- hostile and malformed files ---------------------------------------------------------------------

function npyWithHeader(dict: string, data = new Uint8Array(0), version = 1): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  const text = dict + '\n';
  const out = new Uint8Array(pre + text.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, text.length, true);
  else dv.setUint32(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[pre + i] = text.charCodeAt(i);
  out.set(data, pre + text.length);
  return out;
}

function refuses(bytes: Uint8Array, re: RegExp): void {
  assert.throws(() => readNpy(bytes, 'bad.npy'), (e: unknown) => e instanceof TensorFileError && re.test(e.message) && e.message.startsWith('bad.npy: '), `expected ${re}`);
}

test('object and structured arrays are refused with the reason', () => {
  refuses(read('npy/object.npy'), /object arrays need pickle, which is refused: save with allow_pickle=False/);
  refuses(read('npy/structured.npy'), /structured dtype .*save each field as its own array/);
});

test('truncated files and headers that lie about the shape are refused before any allocation', () => {
  const good = read('npy/f4.npy');
  refuses(good.subarray(0, good.byteLength - 3), /truncated or the header lies: shape \(2, 3\) of <f4 needs 24 bytes of data; the file has 21/);
  refuses(good.subarray(0, 40), /the header says it is 118 bytes long, but only 30 bytes follow/);
  refuses(good.subarray(0, 8), /truncated/);
  const f = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000000), }";
  const t0 = Date.now();
  refuses(npyWithHeader(f, new Uint8Array(16)), /needs 4000000000000000 bytes of data; the file has 16/);
  assert.ok(Date.now() - t0 < 1000);
  refuses(npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999), }"), /invalid shape: the product .* overflows/);
  refuses(npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", new Uint8Array(12)), /but 12 bytes follow: the header does not describe this data/);
  refuses(npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }"), /dim 0 is negative/);
});

test('malformed headers give clear errors and nothing is evaluated', () => {
  refuses(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), /not a \.npy file: it does not start with the magic bytes/);
  refuses(npyWithHeader("__import__('os').system('echo pwned')"), /malformed header \(unexpected '_' at character 0/);
  refuses(npyWithHeader("{'descr': '<f4', 'shape': (2,), }"), /expected exactly the keys 'descr', 'fortran_order', 'shape'; found 'descr', 'shape'/);
  refuses(npyWithHeader("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }"), /'fortran_order' must be True or False/);
  refuses(npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': ('a',), }"), /'shape' must be a tuple of integers/);
  refuses(npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,"), /the header ends in the middle of a value|expected ','/);
  refuses(npyWithHeader("{'descr': '<x9', 'fortran_order': False, 'shape': (), }"), /dtype '<x9' cannot be read as a tensor; supported:/);
  refuses(npyWithHeader("{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (), }"), /unrecognized dtype descr/);
  refuses(npyWithHeader("{'descr': '|V2', 'fortran_order': False, 'shape': (), }"), /raw void bytes .*convert to float32/);
  refuses(npyWithHeader("{'descr': '<f4'}", undefined, 9), /format version 9\.0 is not supported/);
  refuses(npyWithHeader('(' .repeat(50) + ')'.repeat(50)), /nests deeper/);
  // Python 2 long suffixes are fine.
  const ok = readNpy(npyWithHeader("{'descr': '<i2', 'fortran_order': False, 'shape': (2L,), }", new Uint8Array([1, 0, 2, 0])), 'py2.npy');
  assert.deepEqual(Array.from(hostToNumbers(ok)), [1, 2]);
});
