// Every way a model can point its external data outside its folder (or at something that is not a data file)
// is refused with an ExternalDataError that names the tensor and the location. Real links, FIFOs, sockets and
// devices are made on disk; nothing outside the model folder is ever returned.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs, { linkSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DataType } from '../../../src/core/ir/dtype';
import { ExternalDataError, ExternalDataStore, ORT_MEM_ADDR_TAG, type ExternalInfo } from '../../../src/core/codec/external';
import { externalTensor, f32, loc, tempRoot, writeBytes, writeModel } from './build';

const { root, cleanup } = tempRoot('ext-refuse');
after(cleanup);

/*
 * root/
 *   outside/secret.bin          the file an attacker wants (8 bytes: float[2] 13, 17)
 *   model/model.onnx            one legit tensor W -> w.bin
 *   model/w.bin                 float[2] 1, 2
 *   model/real/inner.bin        float[2] 3, 4 (a legit subfolder file)
 */
const outside = join(root, 'outside');
const secretFile = join(outside, 'secret.bin');
const SECRET = f32([13, 17]);
const dir = join(root, 'model');
writeBytes(secretFile, SECRET);
writeBytes(join(dir, 'w.bin'), f32([1, 2]));
writeBytes(join(dir, 'real/inner.bin'), f32([3, 4]));
const { modelPath, tensors } = writeModel(dir, [externalTensor('W', DataType.FLOAT, [2], loc('w.bin', 0, 8))]);

function fresh(): ExternalDataStore {
  return new ExternalDataStore(modelPath);
}

/** Asserts that reading `location` for tensor `name` fails with `reason`; returns the error. */
function refuse(
  location: string,
  reason: string,
  opts: { info?: Partial<ExternalInfo>; expected?: number; store?: ExternalDataStore; noOpen?: boolean; name?: string } = {},
): ExternalDataError {
  const store = opts.store ?? fresh();
  const name = opts.name ?? 'victim.weight';
  const info: ExternalInfo = { location, offset: 0, length: 8, ...opts.info };
  let caught: unknown;
  let got: Uint8Array | undefined;
  try {
    got = store.read(name, info, opts.expected);
  } catch (e) {
    caught = e;
  }
  try {
    assert.equal(got, undefined, `expected a refusal ('${reason}') for ${JSON.stringify(location)}, but it read ${got?.length} bytes`);
    assert.ok(caught instanceof ExternalDataError, `expected ExternalDataError for ${JSON.stringify(location)}, got ${String(caught)}`);
    assert.equal(caught.reason, reason, caught.message);
    assert.equal(caught.tensor, name);
    assert.equal(caught.location, location);
    assert.ok(caught.message.includes(`'${name}'`), `message should name the tensor: ${caught.message}`);
    const shown = /[\u0000-\u001f']/.test(location) ? JSON.stringify(location) : `'${location}'`;
    assert.ok(caught.message.includes(shown), `message should name the location ${shown}: ${caught.message}`);
    if (opts.noOpen) assert.equal(store.io.opens, 0, 'refused from the string alone: nothing may be opened');
    assert.equal(store.io.bytesRead, 0);
    return caught;
  } finally {
    if (!opts.store) store.close();
  }
}

test('the legit tensor reads (the refusals below are not a broken setup)', () => {
  const store = fresh();
  assert.deepEqual(store.readTensor(tensors[0]), f32([1, 2]));
  assert.deepEqual(store.read('inner', { location: 'real/inner.bin', offset: 0, length: 8 }), f32([3, 4]));
  store.close();
});

test('absolute paths (POSIX, Windows drive, root-relative and UNC) are refused before any file access', () => {
  const e = refuse(secretFile, 'absolute', { noOpen: true });
  assert.match(e.message, /relative to the model's folder/);
  refuse('C:\\Users\\me\\secret.bin', 'absolute', { noOpen: true });
  refuse('C:secret.bin', 'absolute', { noOpen: true });
  refuse('\\outside\\secret.bin', 'absolute', { noOpen: true });
  refuse('\\\\fileserver\\share\\secret.bin', 'absolute', { noOpen: true });
  refuse('//fileserver/share/secret.bin', 'absolute', { noOpen: true });
});

test('URLs and any scheme: are refused, even file: URLs naming a real file', () => {
  const e = refuse(`file://${secretFile}`, 'url', { noOpen: true });
  assert.match(e.message, /never opens URLs/);
  refuse('http://127.0.0.1:9/w.bin', 'url', { noOpen: true });
  refuse('https://example.com/model.onnx.data', 'url', { noOpen: true });
  refuse('s3://bucket/w.bin', 'url', { noOpen: true });
  refuse('data:application/octet-stream;base64,AAAAAAAAAAA=', 'url', { noOpen: true });
  refuse('w.bin:hidden', 'colon', { noOpen: true });
});

test('.. that leaves the folder after normalisation is refused; .. that stays inside is fine', () => {
  const e = refuse('../outside/secret.bin', 'escape', { noOpen: true });
  assert.match(e.message, /only reads files inside the model's folder/);
  refuse('real/../../outside/secret.bin', 'escape', { noOpen: true });
  refuse('..\\outside\\secret.bin', 'escape', { noOpen: true });
  refuse('./real/./../../outside/secret.bin', 'escape', { noOpen: true });
  const store = fresh();
  assert.deepEqual(store.read('W', { location: 'real/../w.bin', offset: 0, length: 8 }), f32([1, 2]));
  store.close();
});

test('NUL bytes and empty locations are refused', () => {
  const e = refuse('w.bin\0../../outside/secret.bin', 'nul', { noOpen: true });
  assert.match(e.message, /NUL byte at character 5/);
  assert.match(refuse('', 'empty', { noOpen: true }).message, /location is empty/);
  refuse('./', 'empty', { noOpen: true });
  refuse('real/..', 'empty', { noOpen: true });
});

test("onnxruntime's in-memory marker is always refused", () => {
  const e = refuse(ORT_MEM_ADDR_TAG, 'ort-memory', { noOpen: true, info: { offset: 140737488355328, length: 8 } });
  assert.match(e.message, /memory address/);
  assert.match(e.message, /re-export/);
  const { modelPath: mp, tensors: ts } = writeModel(join(root, 'ortmem'), [
    externalTensor('M', DataType.FLOAT, [2], loc(ORT_MEM_ADDR_TAG, 94558301234176, 8)),
  ]);
  const store = new ExternalDataStore(mp);
  assert.throws(() => store.readTensor(ts[0]), (err: unknown) => err instanceof ExternalDataError && err.reason === 'ort-memory' && err.tensor === 'M');
  assert.equal(store.io.opens, 0);
});

test('a symbolic link as the file is refused, wherever it points (outside, inside, nowhere)', () => {
  symlinkSync(secretFile, join(dir, 'to-secret.bin'));
  symlinkSync('w.bin', join(dir, 'to-w.bin'));
  symlinkSync('no-such-target.bin', join(dir, 'dangling.bin'));
  const e = refuse('to-secret.bin', 'symlink');
  assert.match(e.message, /symbolic link/);
  assert.ok(e.message.includes(secretFile), 'names where the link points');
  assert.match(e.message, /cp -L/);
  refuse('to-w.bin', 'symlink');
  refuse('dangling.bin', 'symlink');
});

test('a symbolic link as ANY folder between the model folder and the file is refused, naming the link', () => {
  symlinkSync(outside, join(dir, 'linked-dir'), 'dir');
  mkdirSync(join(dir, 'a/b'), { recursive: true });
  symlinkSync('/', join(dir, 'a/b/root'), 'dir');
  symlinkSync(join(dir, 'real'), join(dir, 'alias'), 'dir');
  const e = refuse('linked-dir/secret.bin', 'symlink');
  assert.match(e.message, /'linked-dir' is a symbolic link/);
  assert.match(refuse('a/b/root/etc/hostname', 'symlink').message, /'a\/b\/root' is a symbolic link/);
  assert.match(refuse('alias/inner.bin', 'symlink').message, /'alias' is a symbolic link/);
  refuse('a\\b\\root\\etc\\hostname', 'symlink');
});

test('hard links are refused with an explanation, even between two files of the folder', () => {
  linkSync(secretFile, join(dir, 'hard-secret.bin'));
  const e = refuse('hard-secret.bin', 'hardlink');
  assert.match(e.message, /has 2 hard links/);
  assert.match(e.message, /appear inside the model's folder/);
  assert.match(e.message, /plain copy/);
  writeBytes(join(dir, 'pair-a.bin'), f32([5, 6]));
  linkSync(join(dir, 'pair-a.bin'), join(dir, 'pair-b.bin'));
  refuse('pair-a.bin', 'hardlink');
});

test('folders are refused as not regular files, and so is a path through a file', () => {
  mkdirSync(join(dir, 'adir.bin'));
  assert.match(refuse('adir.bin', 'not-regular').message, /is a folder; expected a regular file/);
  assert.match(refuse('w.bin/inner.bin', 'not-regular').message, /not a folder/);
});

test('a FIFO is refused without opening it (opening one would block)', { timeout: 10_000 }, (t) => {
  const fifo = join(dir, 'fifo.bin');
  try {
    execFileSync('mkfifo', [fifo], { stdio: 'ignore' });
  } catch {
    t.skip('mkfifo is not available');
    return;
  }
  const e = refuse('fifo.bin', 'not-regular');
  assert.match(e.message, /FIFO/);
});

test('a socket is refused', { timeout: 10_000 }, async () => {
  const sock = join(dir, 'sock.bin');
  const server = createServer();
  await new Promise<void>((res) => server.listen(sock, res));
  try {
    assert.match(refuse('sock.bin', 'not-regular').message, /socket/);
  } finally {
    await new Promise<void>((res) => server.close(() => res()));
  }
});

test('a device is refused', (t) => {
  const dev = join(dir, 'null.bin');
  try {
    execFileSync('mknod', [dev, 'c', '1', '3'], { stdio: 'ignore' });
  } catch {
    t.skip('mknod needs privileges this run does not have');
    return;
  }
  assert.match(refuse('null.bin', 'not-regular').message, /character device/);
});

test('a missing file or folder is "missing", naming the tensor and the file', () => {
  const e = refuse('nothere.bin', 'missing');
  assert.ok(e.message.includes(join(dir, 'nothere.bin')), e.message);
  assert.equal(e.file, join(dir, 'nothere.bin'));
  assert.match(e.message, /copy 'nothere\.bin' into/);
  assert.match(refuse('nodir/x.bin', 'missing').message, /folder .*nodir.* does not exist/);
  const gone = new ExternalDataStore(join(root, 'no-such-folder', 'model.onnx'));
  assert.throws(() => gone.read('W', { location: 'w.bin', offset: 0 }), (err: unknown) => err instanceof ExternalDataError && err.reason === 'missing' && /model's folder/.test(err.message));
  // Through a model: the tensor's name is in the error.
  const { modelPath: mp, tensors: ts } = writeModel(join(root, 'missing-model'), [externalTensor('enc.w', DataType.FLOAT, [2], loc('weights.bin', 0, 8))]);
  assert.throws(() => new ExternalDataStore(mp).readTensor(ts[0]), (err: unknown) => err instanceof ExternalDataError && err.reason === 'missing' && err.message.includes("'enc.w'") && err.message.includes("'weights.bin'"));
});

test('windows past the end of the file are refused before anything is allocated', () => {
  const e = refuse('w.bin', 'out-of-range', { info: { offset: 9 } });
  assert.match(e.message, /offset 9 is past the end of .* which has 8 bytes/);
  assert.match(refuse('w.bin', 'out-of-range', { info: { offset: 4, length: 8 } }).message, /bytes \[4, 12\) are past the end/);
  // A length no buffer could hold is refused by the size check, not by a failed allocation.
  refuse('w.bin', 'out-of-range', { info: { offset: 0, length: 2 ** 52 } });
  refuse('w.bin', 'out-of-range', { info: { offset: 2 ** 52, length: 1 } });
  const store = fresh();
  assert.deepEqual(store.read('end', { location: 'w.bin', offset: 8, length: 0 }), new Uint8Array(0));
  store.close();
});

test('a declared length that disagrees with dims x element size is refused', () => {
  const e = refuse('w.bin', 'length-mismatch', { info: { length: 8 }, expected: 12 });
  assert.match(e.message, /declares length 8 bytes but the tensor needs 12 bytes/);
  const { modelPath: mp, tensors: ts } = writeModel(join(root, 'mismatch'), [
    externalTensor('L', DataType.FLOAT, [3], loc('w.bin', 0, 8)),
  ]);
  writeBytes(join(root, 'mismatch', 'w.bin'), f32([1, 2, 3]));
  const store = new ExternalDataStore(mp);
  assert.throws(() => store.readTensor(ts[0]), (err: unknown) => err instanceof ExternalDataError && err.reason === 'length-mismatch' && /float\[3\] needs 12 bytes/.test(err.message));
  assert.equal(store.io.opens, 0, 'the mismatch is known from the model alone');
  // Without a length entry, the expected size is read, and must fit in the file.
  const short = writeModel(join(root, 'short'), [externalTensor('S', DataType.FLOAT, [4], [['location', 'w.bin']])]);
  writeBytes(join(root, 'short', 'w.bin'), f32([1, 2, 3]));
  assert.throws(() => new ExternalDataStore(short.modelPath).readTensor(short.tensors[0]), (err: unknown) => err instanceof ExternalDataError && err.reason === 'out-of-range');
});

test('offsets and lengths that are not non-negative safe integers are refused', () => {
  for (const offset of [2 ** 53, -1, 1.5, Number.NaN, Infinity, '4' as unknown as number]) {
    assert.match(refuse('w.bin', 'bad-offset', { info: { offset } }).message, /non-negative safe integer/);
  }
  for (const length of [-1, 2 ** 60, 0.5]) refuse('w.bin', 'bad-length', { info: { length } });
  const { modelPath: mp, tensors: ts } = writeModel(join(root, 'bad-offset'), [
    externalTensor('O', DataType.FLOAT, [2], [['location', 'w.bin'], ['offset', '9007199254740993'], ['length', '8']]),
  ]);
  assert.throws(() => new ExternalDataStore(mp).readTensor(ts[0]), (err: unknown) => err instanceof ExternalDataError && err.reason === 'bad-offset' && err.tensor === 'O');
});

test('STRING tensors cannot be external', () => {
  const { modelPath: mp, tensors: ts } = writeModel(join(root, 'strings'), [externalTensor('T', DataType.STRING, [2], loc('w.bin', 0, 8))]);
  assert.throws(() => new ExternalDataStore(mp).readTensor(ts[0]), (err: unknown) => err instanceof ExternalDataError && err.reason === 'bad-tensor' && /string_data/.test(err.message));
});

/** Runs `fn` with fs.openSync replaced by `swap` then the real open: simulates another process racing the checks. */
function withRacingOpen<T>(swap: (file: string) => void, fn: () => T): T {
  const real = fs.openSync;
  let fired = false;
  (fs as { openSync: typeof fs.openSync }).openSync = ((p: fs.PathLike, ...rest: unknown[]) => {
    if (!fired) {
      fired = true;
      swap(String(p));
    }
    return (real as (...a: unknown[]) => number)(p, ...rest);
  }) as typeof fs.openSync;
  try {
    const out = fn();
    assert.ok(fired, 'the race hook must have run (the store opens through fs.openSync)');
    return out;
  } finally {
    (fs as { openSync: typeof fs.openSync }).openSync = real;
  }
}

test('a file swapped between the checks and the open is refused (another file, a link)', () => {
  const race = join(root, 'race');
  writeBytes(join(race, 'w.bin'), f32([1, 2]));
  const { modelPath: mp } = writeModel(race, []);
  const info: ExternalInfo = { location: 'w.bin', offset: 0, length: 8 };

  const other = join(race, 'other.bin');
  writeFileSync(other, f32([66, 77]));
  const a = new ExternalDataStore(mp);
  assert.throws(
    () => withRacingOpen((f) => renameSync(other, f), () => a.read('W', info)),
    (e: unknown) => e instanceof ExternalDataError && e.reason === 'changed' && /replaced while it was being checked/.test(e.message),
  );
  assert.equal(a.openFileCount, 0);

  const b = new ExternalDataStore(mp);
  assert.throws(
    () =>
      withRacingOpen(
        (f) => {
          fs.rmSync(f);
          symlinkSync(secretFile, f);
        },
        () => b.read('W', info),
      ),
    (e: unknown) => e instanceof ExternalDataError && e.reason === 'symlink',
  );
});

test('a FIFO swapped in between the checks and the open is refused without blocking', (t) => {
  try {
    execFileSync('mkfifo', ['--help'], { stdio: 'ignore' });
  } catch {
    t.skip('mkfifo is not available');
    return;
  }
  // In a child with a time limit: a regression (a blocking open) must fail the test, not hang the suite.
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'fifo-race.child.ts')], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.signal, null, `the child was killed (${r.signal}): opening the FIFO blocked`);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop() as string), { swapped: true, reason: 'changed' });
});
