// ExternalDataStore on legitimate models: exact windows, the per-file descriptor cache, close, async reads,
// slices, files beyond 2 GiB, and models whose own folder is reached through a link.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, truncateSync, mkdirSync, openSync, readdirSync, readlinkSync, statSync, symlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DataType } from '../../../src/core/ir/dtype';
import { ExternalDataError, ExternalDataStore, parseExternalInfo } from '../../../src/core/codec/external';
import { concat, externalTensor, f32, loc, pattern, tempRoot, writeBytes, writeModel } from './build';

const { root, cleanup } = tempRoot('ext-store');
after(cleanup);

/** Files of this process's open descriptors that lie under `dir` (Linux /proc; undefined elsewhere). */
function openFilesUnder(dir: string): string[] | undefined {
  try {
    const out: string[] = [];
    for (const fd of readdirSync('/proc/self/fd')) {
      try {
        const target = readlinkSync(`/proc/self/fd/${fd}`);
        if (target.startsWith(dir + '/')) out.push(target);
      } catch {
        // the descriptor readdir itself used is gone by now
      }
    }
    return out.sort();
  } catch (e) {
    if (process.platform === 'linux') throw e; // must work here, or the descriptor checks below would be vacuous
    return undefined;
  }
}

/*
 * model.onnx                       weights.bin: [ W (float[2,3]) | pad 5 | B (float[4]) | U (uint8[3]) ]
 *   W, B, U  -> weights.bin        sub/dir/more.bin: [ M (float[2]) ] (location written with '\', Windows style)
 *   M        -> sub\dir\more.bin   rest.bin: [ 3 junk bytes | R (float[2]) ], R has no length entry
 *   R        -> rest.bin
 */
function buildLegit(dir: string) {
  const W = f32([1, 2, 3, 4, 5, 6]);
  const B = f32([-1.5, 0, 1e-3, 65504]);
  const U = new Uint8Array([0, 128, 255]);
  writeBytes(join(dir, 'weights.bin'), concat([W, new Uint8Array(5), B, U]));
  writeBytes(join(dir, 'sub/dir/more.bin'), f32([7, 8]));
  writeBytes(join(dir, 'rest.bin'), concat([new Uint8Array([9, 9, 9]), f32([0.25, -0.5])]));
  const m = writeModel(dir, [
    externalTensor('W', DataType.FLOAT, [2, 3], loc('weights.bin', 0, 24)),
    externalTensor('B', DataType.FLOAT, [4], loc('weights.bin', 29, 16)),
    externalTensor('U', DataType.UINT8, [3], [...loc('weights.bin', 45, 3), ['checksum', 'not-verified'], ['basepath', 'x']]),
    externalTensor('M', DataType.FLOAT, [2], [['location', 'sub\\dir\\more.bin']]),
    externalTensor('R', DataType.FLOAT, [2], [['location', 'rest.bin'], ['offset', '3']]),
  ]);
  return { ...m, W, B, U };
}

test('reads each tensor\'s exact window, from one shared file and from files in subfolders', () => {
  const dir = join(root, 'legit');
  const { modelPath, tensors, W, B, U } = buildLegit(dir);
  const store = new ExternalDataStore(modelPath);
  assert.equal(store.folder, dir);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  assert.deepEqual(store.readTensor(byName.get('W')!), W);
  assert.deepEqual(store.readTensor(byName.get('B')!), B);
  assert.deepEqual(store.readTensor(byName.get('U')!), U);
  const w = store.readTensor(byName.get('W')!);
  assert.equal(w.byteOffset, 0);
  assert.deepEqual([...new Float32Array(w.buffer)], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...new Float32Array(store.readTensor(byName.get('M')!).buffer)], [7, 8]);
  // No length entry: the tensor's own size is read (not the rest of the file).
  assert.deepEqual([...new Float32Array(store.readTensor(byName.get('R')!).buffer)], [0.25, -0.5]);
  // One descriptor per file, whatever the number of tensors in it.
  assert.equal(store.io.opens, 3);
  assert.equal(store.openFileCount, 3);
  store.close();
});

test('without a declared length or an expected size, the window runs to the end of the file', () => {
  const dir = join(root, 'legit-rest');
  const { modelPath, tensors } = buildLegit(dir);
  const store = new ExternalDataStore(modelPath);
  const R = parseExternalInfo(tensors.find((t) => t.name === 'R')!);
  assert.deepEqual(store.read('R', R), f32([0.25, -0.5]));
  assert.deepEqual(store.stat(R, 'R'), { file: join(dir, 'rest.bin'), fileSize: 11, offset: 3, length: 8, lengthDeclared: false });
  assert.deepEqual(store.stat(R, 'R', 4), { file: join(dir, 'rest.bin'), fileSize: 11, offset: 3, length: 4, lengthDeclared: false });
  store.close();
});

test('the store can be built from the folder as well as from the model file; reads are equal', () => {
  const dir = join(root, 'legit-folder');
  const { modelPath, tensors } = buildLegit(dir);
  const a = new ExternalDataStore(modelPath);
  const b = new ExternalDataStore(dir, { chunkBytes: 5 });
  assert.equal(a.folder, b.folder);
  for (const t of tensors) assert.deepEqual(a.readTensor(t), b.readTensor(t), t.name);
  assert.ok(b.io.reads > a.io.reads, 'the 5-byte chunks took more reads for the same bytes');
  assert.equal(b.io.bytesRead, a.io.bytesRead);
  a.close();
  b.close();
});

test('a file that shrinks after it was opened gives an I/O error, not short data', async () => {
  const dir = join(root, 'shrink');
  const { modelPath, tensors } = buildLegit(dir);
  const store = new ExternalDataStore(modelPath);
  const B = tensors.find((t) => t.name === 'B')!;
  store.stat(parseExternalInfo(B), 'B'); // opened: size 48 remembered
  truncateSync(join(dir, 'weights.bin'), 30);
  assert.throws(() => store.readTensor(B), (e: unknown) => e instanceof ExternalDataError && e.reason === 'io' && /ended at byte 30 although it had 48 bytes/.test(e.message));
  await assert.rejects(store.readTensorAsync(B), (e: unknown) => e instanceof ExternalDataError && e.reason === 'io');
  store.close();
});

test('stat gives the size facts without reading any data', () => {
  const dir = join(root, 'legit-stat');
  const { modelPath, tensors } = buildLegit(dir);
  const store = new ExternalDataStore(modelPath);
  const B = parseExternalInfo(tensors.find((t) => t.name === 'B')!);
  assert.deepEqual(store.stat(B, 'B'), { file: join(dir, 'weights.bin'), fileSize: 48, offset: 29, length: 16, lengthDeclared: true });
  assert.equal(store.io.bytesRead, 0);
  assert.equal(store.io.reads, 0);
  store.close();
});

test('close releases every descriptor; the store reopens (and re-checks) files when used again', () => {
  const dir = join(root, 'legit-close');
  const { modelPath, tensors } = buildLegit(dir);
  const store = new ExternalDataStore(modelPath);
  for (const t of tensors) store.readTensor(t);
  const open = openFilesUnder(dir);
  if (open) assert.deepEqual(open, [join(dir, 'rest.bin'), join(dir, 'sub/dir/more.bin'), join(dir, 'weights.bin')]);
  store.close();
  assert.equal(store.openFileCount, 0);
  if (open) assert.deepEqual(openFilesUnder(dir), []);
  store.readTensor(tensors[0]);
  assert.equal(store.io.opens, 4);
  store.close();
  if (open) assert.deepEqual(openFilesUnder(dir), []);
});

test('the descriptor cache is bounded: least recently used files are closed first', () => {
  const dir = join(root, 'many');
  const inits = [];
  for (let i = 0; i < 6; i++) {
    writeBytes(join(dir, `t${i}.bin`), f32([i, i + 0.5]));
    inits.push(externalTensor(`T${i}`, DataType.FLOAT, [2], loc(`t${i}.bin`, 0, 8)));
  }
  const { modelPath, tensors } = writeModel(dir, inits);
  const store = new ExternalDataStore(modelPath, { maxOpenFiles: 2 });
  for (const t of tensors) assert.deepEqual(store.readTensor(t), f32([Number(t.name.slice(1)), Number(t.name.slice(1)) + 0.5]));
  assert.equal(store.openFileCount, 2);
  const open = openFilesUnder(dir);
  if (open) assert.deepEqual(open, [join(dir, 't4.bin'), join(dir, 't5.bin')]);
  store.readTensor(tensors[4]); // cached: no new open
  assert.equal(store.io.opens, 6);
  store.close();
  if (open) assert.deepEqual(openFilesUnder(dir), []);
});

test('readAsync and readTensorAsync give the same bytes as read', async () => {
  const dir = join(root, 'async');
  const { modelPath, tensors } = buildLegit(dir);
  const store = new ExternalDataStore(modelPath);
  for (const t of tensors) assert.deepEqual(await store.readTensorAsync(t), store.readTensor(t), t.name);
  store.close();
});

test('close during an async read defers the descriptor\'s close until the read is done', async () => {
  const dir = join(root, 'async-close');
  const big = pattern(8 << 20, 3);
  writeBytes(join(dir, 'big.bin'), big);
  const { modelPath, tensors } = writeModel(dir, [externalTensor('BIG', DataType.UINT8, [big.length], loc('big.bin', 0, big.length))]);
  // Small chunks: the read is still going (many requests) when close() is called.
  const store = new ExternalDataStore(modelPath, { chunkBytes: 64 * 1024 });
  const pending = store.readTensorAsync(tensors[0]);
  store.close();
  assert.equal(store.openFileCount, 0);
  const got = await pending;
  assert.ok(store.io.reads >= 128, `expected the read in 64 KiB pieces; ${store.io.reads} reads`);
  assert.equal(Buffer.compare(Buffer.from(got), Buffer.from(big)), 0);
  const open = openFilesUnder(dir);
  if (open) assert.deepEqual(open, []);
});

test('readSlice reads part of a tensor and refuses slices outside it', () => {
  const dir = join(root, 'slice');
  const { modelPath, tensors, B } = buildLegit(dir);
  const store = new ExternalDataStore(modelPath);
  const info = parseExternalInfo(tensors.find((t) => t.name === 'B')!);
  assert.deepEqual(store.readSlice('B', info, 4, 8), B.slice(4, 12));
  assert.equal(store.io.bytesRead, 8);
  assert.deepEqual(store.readSlice('B', info, 16, 0), new Uint8Array(0));
  assert.throws(() => store.readSlice('B', info, 12, 8), (e: unknown) => e instanceof ExternalDataError && e.reason === 'out-of-range' && /outside the tensor's 16 bytes/.test(e.message));
  assert.throws(() => store.readSlice('B', info, -1, 2), (e: unknown) => e instanceof ExternalDataError && e.reason === 'out-of-range');
  store.close();
});

test('windows beyond 2 GiB are read with positioned reads (sparse 3 GiB file)', (t) => {
  const dir = join(root, 'huge');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'huge.bin');
  const size = 3 * 2 ** 30 + 64;
  const offset = 2.5 * 2 ** 30 + 12;
  const payload = f32([3.5, -7.25, 1e20, 42]);
  const fd = openSync(file, 'w');
  try {
    ftruncateSync(fd, size);
    writeSync(fd, payload, 0, payload.length, offset);
  } catch (e) {
    closeSync(fd);
    t.skip(`cannot make a sparse 3 GiB file here (${(e as Error).message})`);
    return;
  } finally {
    try {
      closeSync(fd);
    } catch {
      // closed above
    }
  }
  assert.equal(statSync(file).size, size);
  const { modelPath, tensors } = writeModel(dir, [
    externalTensor('FAR', DataType.FLOAT, [4], loc('huge.bin', offset, 16)),
    externalTensor('LAST', DataType.FLOAT, [16], loc('huge.bin', size - 64, 64)),
  ]);
  const store = new ExternalDataStore(modelPath);
  assert.deepEqual(store.readTensor(tensors[0]), payload);
  assert.deepEqual(store.readTensor(tensors[1]), new Uint8Array(64));
  assert.equal(store.io.bytesRead, 16 + 64);
  assert.throws(
    () => store.read('PAST', { location: 'huge.bin', offset: size - 8, length: 16 }),
    (e: unknown) => e instanceof ExternalDataError && e.reason === 'out-of-range' && e.message.includes(String(size)),
  );
  store.close();
});

test('a model folder reached through a link still works: only the path below the folder must be link-free', () => {
  const real = join(root, 'real-folder');
  const { tensors, W } = buildLegit(real);
  const viaLink = join(root, 'linked-folder');
  symlinkSync(real, viaLink, 'dir');
  const store = new ExternalDataStore(join(viaLink, 'model.onnx'));
  assert.equal(store.folder, viaLink);
  assert.deepEqual(store.readTensor(tensors.find((t) => t.name === 'W')!), W);
  store.close();
});

test('a zero-size tensor reads as zero bytes, even at the very end of the file', () => {
  const dir = join(root, 'empty-tensor');
  writeBytes(join(dir, 'w.bin'), f32([1]));
  const { modelPath, tensors } = writeModel(dir, [externalTensor('E', DataType.FLOAT, [0, 3], loc('w.bin', 4, 0))]);
  const store = new ExternalDataStore(modelPath);
  assert.deepEqual(store.readTensor(tensors[0]), new Uint8Array(0));
  store.close();
});
