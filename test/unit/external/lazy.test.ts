// Laziness: a model with 45 MB of external weights. Building the store and parsing every tensor's entries reads
// nothing; reading one weight reads exactly its window. Measured three independent ways: the store's own
// counters, a spy on node:fs, and the kernel's per-process read counter (/proc/self/io rchar) on Linux.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs, { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DataType } from '../../../src/core/ir/dtype';
import { onnx } from '../../../src/core/codec/pb';
import { ExternalDataStore, parseExternalInfo, expectedByteLength } from '../../../src/core/codec/external';
import { externalTensor, loc, pattern, tempRoot, writeModel } from './build';

const { root, cleanup } = tempRoot('ext-lazy');
after(cleanup);

const TENSORS = 12;
const ELEMS = 1_000_000; // float32: 4 MB each, 48 MB in all
const dir = join(root, 'model');
const dataFile = join(dir, 'model.onnx.data');

/*
 * model.onnx  ->  model.onnx.data: [ L0 | L1 | ... | L11 ], each float[1000000] (4,000,000 bytes), back to back
 */
const inits: onnx.TensorProto[] = [];
for (let i = 0; i < TENSORS; i++) {
  inits.push(externalTensor(`layer${i}.weight`, DataType.FLOAT, [ELEMS], loc('model.onnx.data', i * ELEMS * 4, ELEMS * 4)));
}
const { modelPath, tensors } = writeModel(dir, inits);
{
  const fd = openSync(dataFile, 'w');
  for (let i = 0; i < TENSORS; i++) writeSync(fd, pattern(ELEMS * 4, i));
  closeSync(fd);
}

/** The kernel's count of bytes this process has read (read/pread syscalls), or undefined off Linux. */
function rchar(): number | undefined {
  try {
    const m = /rchar:\s*(\d+)/.exec(readFileSync('/proc/self/io', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

type Spy = { calls: string[]; bytes: number; restore: () => void };
/** Counts every data-reading or file-opening call made through node:fs. */
function spyFs(): Spy {
  const spy: Spy = { calls: [], bytes: 0, restore: () => {} };
  const f = fs as unknown as Record<string, (...a: unknown[]) => unknown>;
  const names = ['openSync', 'open', 'readSync', 'read', 'readvSync', 'readv', 'readFileSync', 'readFile', 'createReadStream'];
  const saved = names.map((n) => [n, f[n]] as const);
  for (const [n, orig] of saved) {
    f[n] = (...args: unknown[]) => {
      spy.calls.push(n);
      const r = orig.apply(fs, args);
      if (n === 'readSync' && typeof r === 'number') spy.bytes += r;
      return r;
    };
  }
  spy.restore = () => {
    for (const [n, orig] of saved) f[n] = orig;
  };
  return spy;
}

test('the data file is really 45+ MB (so that a whole-file read would show)', () => {
  assert.ok(fs.statSync(dataFile).size >= 45_000_000);
});

test('constructing the store and parsing every tensor\'s entries reads nothing', () => {
  const before = rchar();
  const spy = spyFs();
  let store: ExternalDataStore;
  let total = 0;
  try {
    store = new ExternalDataStore(modelPath);
    for (const t of tensors) {
      const info = parseExternalInfo(t);
      total += info.length ?? 0;
      assert.equal(expectedByteLength(t), ELEMS * 4);
    }
  } finally {
    spy.restore();
  }
  const delta = before === undefined ? undefined : (rchar() as number) - before;
  assert.equal(total, TENSORS * ELEMS * 4);
  assert.deepEqual(spy.calls, []);
  assert.deepEqual(store.io, { opens: 0, reads: 0, bytesRead: 0 });
  assert.equal(store.openFileCount, 0);
  // Only the two reads of /proc/self/io itself (a few hundred bytes) may show.
  if (delta !== undefined) assert.ok(delta < 64 * 1024, `expected no data read; the process read ${delta} bytes`);
  store.close();
});

test('reading one weight reads exactly its window, with one open and positioned reads', () => {
  const store = new ExternalDataStore(modelPath);
  const k = 7;
  const before = rchar();
  const spy = spyFs();
  let got: Uint8Array;
  try {
    got = store.readTensor(tensors[k]);
  } finally {
    spy.restore();
  }
  const delta = before === undefined ? undefined : (rchar() as number) - before;
  assert.equal(Buffer.compare(Buffer.from(got), Buffer.from(pattern(ELEMS * 4, k))), 0, 'the bytes of layer7, not its neighbours');
  // The spy proves it sees the store's I/O (so that the empty list above means something) ...
  assert.equal(spy.calls.filter((c) => c === 'openSync').length, 1);
  assert.ok(spy.calls.includes('readSync'));
  assert.ok(!spy.calls.includes('readFileSync') && !spy.calls.includes('createReadStream'));
  assert.equal(spy.bytes, ELEMS * 4);
  assert.deepEqual(store.io, { opens: 1, reads: store.io.reads, bytesRead: ELEMS * 4 });
  // ... and the kernel agrees: one window (4 MB), nowhere near the file's 48 MB.
  if (delta !== undefined) {
    assert.ok(delta >= ELEMS * 4 && delta < ELEMS * 4 + 256 * 1024, `expected about ${ELEMS * 4} bytes read; the process read ${delta}`);
  }
  // stat of another tensor reads no data.
  const s = store.stat(parseExternalInfo(tensors[11]), tensors[11].name);
  assert.equal(s.fileSize, TENSORS * ELEMS * 4);
  assert.equal(store.io.bytesRead, ELEMS * 4);
  store.close();
});

test('a preview slice of a big weight reads only the slice', () => {
  const store = new ExternalDataStore(modelPath);
  const before = rchar();
  const head = store.readSlice(tensors[3].name, parseExternalInfo(tensors[3]), 0, 64, ELEMS * 4);
  const delta = before === undefined ? undefined : (rchar() as number) - before;
  assert.deepEqual(head, pattern(ELEMS * 4, 3).subarray(0, 64));
  assert.equal(store.io.bytesRead, 64);
  if (delta !== undefined) assert.ok(delta < 64 * 1024, `the process read ${delta} bytes for a 64-byte slice`);
  store.close();
});
