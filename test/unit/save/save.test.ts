// saveModel (src/core/codec/save.ts): modes, failures at every step leaving every original untouched (fault
// injection through the fs seam, and a real full / read-only tmpfs when mount is allowed), Save As carrying the
// weights, hostile locations and links, and the external-data pass's files.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs, {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { SaveError, externalReferences, saveModel, type SaveRequest } from '../../../src/core/codec/save';
import { parseTempName, writeFileAtomic } from '../../../src/core/codec/atomic';
import { decodeModel } from '../../../src/core/codec/decode';
import { encodeModel } from '../../../src/core/codec/encode';
import { readModelFile } from '../../../src/core/codec/file';
import { ORT_MEM_ADDR_TAG } from '../../../src/core/codec/external';
import { closeExternal, readTensor } from '../../../src/core/weights';
import { runPass } from '../../../src/core/passes/index';
import type { Model } from '../../../src/core/ir/model';
import type { PassFile } from '../../../src/core/passes/types';
import { buildModel, floatTensor } from '../../helpers/build';
import { cleanup, extModelBytes, f32, fsError, ramp, snapshot, tempFiles, tmpDir, writeData, type ExtSpec } from './helpers';

after(cleanup);

const enc = (s: string) => new TextEncoder().encode(s);

/** Every tensor of the model (initializers of all graphs, tensor attributes) read through its external store. */
function weights(model: Model): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const g of model.allGraphs()) {
    for (const t of g.initializers) out.set(t.name, [...new Float32Array(readTensor(model, t).data.slice().buffer)]);
    for (const n of g.nodes) {
      const a = n.attr('value');
      if (a?.tensor) out.set(a.tensor.name, [...new Float32Array(readTensor(model, a.tensor).data.slice().buffer)]);
    }
  }
  closeExternal(model);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// A source folder with a model whose weights are in three external files (one in a subfolder), and the tensors.
//
//   src/model.onnx   A, B -> w.bin (offsets 0 and 512)   C (Constant attribute) -> c.bin   V (If branches) -> sub/deeper/v.bin
const A: ExtSpec = { name: 'A', location: 'w.bin', offset: 0, values: ramp(100, 1) };
const B: ExtSpec = { name: 'B', location: 'w.bin', offset: 512, values: ramp(60, 1000) };
const C: ExtSpec = { name: 'C', location: 'c.bin', values: ramp(40, 2000) };
const V: ExtSpec = { name: 'V', location: 'sub/deeper/v.bin', values: ramp(90, 3000) };

function sourceFolder(tag = 'src'): { dir: string; model: string; bytes: Uint8Array } {
  const dir = tmpDir(tag);
  const bytes = extModelBytes({ main: [A, B], constant: C, sub: V });
  writeData(dir, [A, B, C, V]);
  writeFileSync(join(dir, 'model.onnx'), bytes);
  return { dir, model: join(dir, 'model.onnx'), bytes };
}

function request(src: { model: string; bytes: Uint8Array }, targetPath: string, files?: PassFile[]): SaveRequest {
  return { bytes: src.bytes, model: decodeModel(src.bytes, { path: src.model }), sourcePath: src.model, targetPath, ...(files ? { files } : {}) };
}

const file = (location: string, text: string, pieces = 1): PassFile => {
  const b = enc(text);
  const step = Math.ceil(b.byteLength / pieces);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < b.byteLength; i += step) chunks.push(b.subarray(i, i + step));
  return { location, chunks, byteLength: b.byteLength };
};

const mode = (p: string) => statSync(p).mode & 0o7777;

// ---------------------------------------------------------------------------------------------------------------

test('a save keeps the mode (and owner) of the file it replaces; new files get 0o644 minus the umask', () => {
  const src = sourceFolder();
  const dst = tmpDir('mode');
  const target = join(dst, 'model.onnx');
  writeFileSync(target, 'old model');
  chmodSync(target, 0o640);
  writeFileSync(join(dst, 'w.bin'), 'old weights');
  chmodSync(join(dst, 'w.bin'), 0o600);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(target, 1234, 2345);
  const oldMask = process.umask(0o022);
  try {
    const r = saveModel(request(src, target, [file('new.bin', 'fresh data')]));
    assert.deepEqual(readFileSync(target), Buffer.from(src.bytes));
    assert.equal(mode(target).toString(8), '640', 'the model keeps 0o640');
    if (asRoot) assert.deepEqual([statSync(target).uid, statSync(target).gid], [1234, 2345], 'the owner is kept');
    assert.equal(mode(join(dst, 'w.bin')).toString(8), '600', 'a copied file over an existing one keeps its 0o600');
    assert.equal(mode(join(dst, 'c.bin')).toString(8), '644', 'a new copied file: 0o644 under umask 022');
    assert.equal(mode(join(dst, 'new.bin')).toString(8), '644');
    assert.deepEqual(r.written, [join(dst, 'new.bin'), target]);
    process.umask(0o077);
    const lone = join(dst, 'private.onnx');
    saveModel({ ...request(src, lone), bytes: enc('x') });
    assert.equal(mode(lone).toString(8), '600', 'umask 077: a new model is 0o600');
    chmodSync(lone, 0o664);
    saveModel({ ...request(src, lone), bytes: enc('y') });
    assert.equal(mode(lone).toString(8), '664', 'the umask does not narrow an existing file');
  } finally {
    process.umask(oldMask);
  }
  assert.deepEqual(tempFiles(dst), []);
});

test('Save As to another folder copies every referenced external file (subfolders too) and the model reads its weights there', () => {
  const src = sourceFolder();
  const dst = tmpDir('saveas');
  const target = join(dst, 'copy.onnx');
  const r = saveModel(request(src, target));
  assert.deepEqual(r.written, [target]);
  assert.deepEqual(r.copied.sort(), [join(dst, 'c.bin'), join(dst, 'sub/deeper/v.bin'), join(dst, 'w.bin')].sort());
  assert.match(r.notes.join('\n'), /copied 3 external data files/);
  for (const loc of ['w.bin', 'c.bin', 'sub/deeper/v.bin']) assert.deepEqual(readFileSync(join(dst, loc)), readFileSync(join(src.dir, loc)), loc);
  const want = weights(readModelFile(src.model));
  // The source folder goes away: the saved model must read everything from its own folder.
  rmSync(src.dir, { recursive: true, force: true });
  const got = weights(readModelFile(target));
  assert.deepEqual([...got.keys()].sort(), ['A', 'B', 'C', 'V']);
  assert.deepEqual(got, want);
  assert.deepEqual(got.get('B'), B.values.map((v) => Math.fround(v)));
  assert.deepEqual(tempFiles(dst), []);
});

test('Save As in the same folder (however the path is spelt) copies nothing', () => {
  const src = sourceFolder();
  const before = snapshot(src.dir);
  const r = saveModel(request(src, join(src.dir, 'renamed.onnx')));
  assert.deepEqual(r.copied, []);
  const alias = join(tmpDir('alias'), 'link-to-src');
  symlinkSync(src.dir, alias);
  const r2 = saveModel(request(src, join(alias, 'again.onnx')));
  assert.deepEqual(r2.copied, [], 'a folder reached through a link is the same folder');
  const now = snapshot(src.dir);
  assert.ok(now.has('renamed.onnx') && now.has('again.onnx'));
  now.delete('renamed.onnx');
  now.delete('again.onnx');
  assert.deepEqual(now, before, 'nothing else changed');
  // Save over itself: nothing is copied, the model is rewritten.
  const r3 = saveModel(request(src, src.model));
  assert.deepEqual([r3.written, r3.copied], [[src.model], []]);
});

test('a missing source data file is refused, naming the tensor and the file; nothing is written', () => {
  const src = sourceFolder();
  rmSync(join(src.dir, 'c.bin'));
  const dst = tmpDir('missing');
  writeFileSync(join(dst, 'model.onnx'), 'old');
  const before = snapshot(dst);
  assert.throws(
    () => saveModel(request(src, join(dst, 'model.onnx'))),
    (e: unknown) => {
      assert.ok(e instanceof SaveError);
      assert.match(e.message, /tensor 'C'/);
      assert.match(e.message, /c\.bin/);
      assert.match(e.message, /does not exist/);
      assert.match(e.message, /would have lost these weights/);
      assert.match(e.message, /untouched/);
      return true;
    },
  );
  assert.deepEqual(snapshot(dst), before);
});

// ---------------------------------------------------------------------------------------------------------------
// Failures at every step: a counting fs seam learns how many calls a save makes, then each call in turn fails.

type Fn = (...args: never[]) => unknown;

/** An fs seam where the `nth` call of `name` (counting only calls `when` accepts) throws `err`. */
function failOn(name: 'writeSync' | 'openSync' | 'fsyncSync' | 'closeSync' | 'renameSync' | 'mkdirSync' | 'linkSync', nth: number, err: Error, when: (...args: unknown[]) => boolean = () => true) {
  let n = 0;
  const real = (fs as unknown as Record<string, Fn>)[name];
  return {
    calls: () => n,
    fs: {
      [name]: (...args: unknown[]) => {
        if (when(...args) && ++n === nth) throw err;
        return (real as (...a: unknown[]) => unknown)(...args);
      },
    } as Partial<typeof fs>,
  };
}

const isTempPath = (p: unknown) => typeof p === 'string' && parseTempName(basename(p)) !== undefined;

/**
 * dst holds an older model (0o640), older copies of w.bin (0o600) and e.bin; the save writes files e.bin
 * (existing) and new/extra.bin (new folder), copies w.bin, c.bin, sub/deeper/v.bin, then the model.
 */
function faultScenario() {
  const src = sourceFolder('fsrc');
  const dst = tmpDir('fdst');
  const target = join(dst, 'model.onnx');
  const reset = () => {
    rmSync(dst, { recursive: true, force: true });
    mkdirSync(dst);
    writeFileSync(target, 'the original model');
    chmodSync(target, 0o640);
    writeFileSync(join(dst, 'w.bin'), 'original weights');
    chmodSync(join(dst, 'w.bin'), 0o600);
    writeFileSync(join(dst, 'e.bin'), 'original e');
  };
  const req = () => request(src, target, [file('e.bin', 'new e '.repeat(50), 3), file('new/extra.bin', 'extra '.repeat(40), 2)]);
  return { src, dst, target, reset, req };
}

function checkUntouched(s: ReturnType<typeof faultScenario>, before: Map<string, unknown>, srcBefore: Map<string, unknown>, e: unknown, why: RegExp, label: string) {
  assert.ok(e instanceof SaveError, `${label}: expected a SaveError, got ${String(e)}`);
  assert.match(e.message, why, label);
  assert.match(e.message, /The original model '.*model\.onnx' and its external data files are untouched/, label);
  assert.match(e.message, /temporary files were removed/, label);
  assert.deepEqual(snapshot(s.dst), before, `${label}: the target folder changed`);
  assert.deepEqual(snapshot(s.src.dir), srcBefore, `${label}: the source folder changed`);
  assert.deepEqual(tempFiles(s.dst), [], `${label}: temporary files left`);
}

test('ENOSPC on any write (data files, copies, the model): every original untouched, temp files and new folders removed', () => {
  const s = faultScenario();
  s.reset();
  const count = failOn('writeSync', 0, new Error('never'));
  saveModel(s.req(), { fs: count.fs, copyChunkBytes: 128 });
  const writes = count.calls();
  assert.ok(writes >= 12, `the save should write in many pieces; made ${writes} writes`);
  s.reset();
  const before = snapshot(s.dst);
  const srcBefore = snapshot(s.src.dir);
  for (let n = 1; n <= writes; n++) {
    s.reset();
    const seam = failOn('writeSync', n, fsError('ENOSPC', 'write'));
    let err: unknown;
    try {
      saveModel(s.req(), { fs: seam.fs, copyChunkBytes: 128 });
    } catch (e) {
      err = e;
    }
    checkUntouched(s, before, srcBefore, err, /the disk is full \(ENOSPC\)/, `write ${n}/${writes}`);
    assert.match((err as Error).message, /Free some space/);
    assert.equal((err as SaveError).code, 'ENOSPC');
  }
});

test('EROFS, EIO and EACCES on creating, flushing or closing any temporary file, or creating a folder: originals untouched', () => {
  const s = faultScenario();
  const cases: { name: Parameters<typeof failOn>[0]; err: NodeJS.ErrnoException; why: RegExp; when?: (...a: unknown[]) => boolean }[] = [
    { name: 'openSync', err: fsError('EROFS', 'open'), why: /read-only \(EROFS\)/, when: (p) => isTempPath(p) },
    { name: 'fsyncSync', err: fsError('EIO', 'fsync'), why: /input\/output error/ },
    { name: 'closeSync', err: fsError('EIO', 'close'), why: /input\/output error/ },
    { name: 'mkdirSync', err: fsError('EACCES', 'mkdir'), why: /permission denied \(EACCES\)/ },
  ];
  s.reset();
  const before = snapshot(s.dst);
  const srcBefore = snapshot(s.src.dir);
  const staged = 6; // e.bin, new/extra.bin, w.bin, c.bin, sub/deeper/v.bin, model.onnx
  for (const c of cases) {
    // The first `staged` fsync/close calls are the temporary files'; later ones (folders, after the renames) may fail quietly.
    const max = c.name === 'mkdirSync' ? 3 : staged;
    for (let n = 1; n <= max; n++) {
      s.reset();
      const seam = failOn(c.name, n, c.err, c.when);
      let err: unknown;
      try {
        saveModel(s.req(), { fs: seam.fs, copyChunkBytes: 128 });
      } catch (e) {
        err = e;
      }
      checkUntouched(s, before, srcBefore, err, c.why, `${c.name} #${n}`);
    }
  }
});

test('a rename that fails after others succeeded puts the replaced files back from their backups', () => {
  const s = faultScenario();
  s.reset();
  const count = failOn('renameSync', 0, new Error('never'));
  saveModel(s.req(), { fs: count.fs });
  assert.equal(count.calls(), 6, 'one rename per file');
  s.reset();
  const before = snapshot(s.dst);
  const srcBefore = snapshot(s.src.dir);
  for (let n = 1; n <= 6; n++) {
    s.reset();
    const seam = failOn('renameSync', n, fsError('EIO', 'rename'));
    let err: unknown;
    try {
      saveModel(s.req(), { fs: seam.fs });
    } catch (e) {
      err = e;
    }
    checkUntouched(s, before, srcBefore, err, /replacing '.*' failed: an input\/output error/, `rename ${n}`);
  }
  // Without hard links there is no backup: the error says which file already holds the new data, and that the
  // model file itself is untouched.
  s.reset();
  const noLinks = { ...failOn('renameSync', 6, fsError('EIO', 'rename')).fs, linkSync: () => { throw fsError('EPERM', 'link'); } };
  assert.throws(() => saveModel(s.req(), { fs: noLinks as Partial<typeof fs> }), (e: unknown) => {
    assert.ok(e instanceof SaveError);
    assert.match(e.message, /'.*e\.bin', '.*w\.bin' could not be put back and hold the new data; the model file '.*model\.onnx' is untouched/);
    return true;
  });
  assert.equal(readFileSync(s.target, 'utf8'), 'the original model');
  assert.equal(existsSync(join(s.dst, 'new/extra.bin')), false, 'a file that did not exist before is removed again');
  assert.deepEqual(tempFiles(s.dst), []);
});

test('a Save (same folder) that fails leaves the model and its data files untouched', () => {
  const src = sourceFolder('same');
  const before = snapshot(src.dir);
  const req = () => request(src, src.model, [file('w.bin', 'rewritten weights '.repeat(30), 4)]);
  const count = failOn('writeSync', 0, new Error('never'));
  assert.throws(() => saveModel(req(), { fs: { ...count.fs, renameSync: () => { throw fsError('EIO', 'rename'); } } }), /untouched/);
  const writes = count.calls();
  assert.deepEqual(snapshot(src.dir), before);
  for (let n = 1; n <= writes; n++) {
    const seam = failOn('writeSync', n, fsError('ENOSPC', 'write'));
    assert.throws(() => saveModel(req(), { fs: seam.fs }), /disk is full.*The original model '.*model\.onnx' and its external data files are untouched/s);
    assert.deepEqual(snapshot(src.dir), before, `write ${n}`);
  }
});

test('a real full and read-only file system (tmpfs; skipped when mount is not allowed)', (t) => {
  const mnt = tmpDir('tmpfs');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0755', 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (e) {
    const why = String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim().split('\n')[0];
    t.skip(`mount -t tmpfs was refused (needs CAP_SYS_ADMIN): ${why}`);
    return;
  }
  try {
    // A model with 64 KiB of external weights fits; a model of 300 KB does not.
    const W: ExtSpec = { name: 'W', location: 'w.bin', values: ramp(16384, 7) };
    const bytes = extModelBytes({ main: [W] });
    writeData(mnt, [W]);
    writeFileSync(join(mnt, 'model.onnx'), bytes);
    const model = join(mnt, 'model.onnx');
    const before = snapshot(mnt);
    const big = new Uint8Array(300 * 1024).fill(7);
    assert.throws(
      () => saveModel({ bytes: [bytes, big], model: decodeModel(bytes, { path: model }), targetPath: model, files: [{ location: 'w.bin', chunks: [f32(W.values)], byteLength: W.values.length * 4 }] }),
      (e: unknown) => {
        assert.ok(e instanceof SaveError, String(e));
        assert.match(e.message, /the disk is full \(ENOSPC\)/);
        assert.match(e.message, /untouched/);
        return true;
      },
    );
    assert.deepEqual(snapshot(mnt), before, 'ENOSPC: the model and w.bin are as they were, no temporary file is left');
    assert.deepEqual(weights(readModelFile(model)).get('W'), W.values.map(Math.fround));
    execFileSync('mount', ['-o', 'remount,ro', mnt], { stdio: 'pipe' });
    assert.throws(
      () => saveModel({ bytes, model: decodeModel(bytes, { path: model }), targetPath: model }),
      (e: unknown) => e instanceof SaveError && /read-only \(EROFS\)/.test(e.message) && /untouched/.test(e.message),
    );
    assert.deepEqual(snapshot(mnt), before);
  } finally {
    execFileSync('umount', [mnt], { stdio: 'pipe' });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Hostile models and folders: nothing is ever written outside the target's folder.

test('hostile locations, links in the source and links at the destination are refused; the outside is untouched', () => {
  const outside = tmpDir('outside');
  writeFileSync(join(outside, 'secret.bin'), f32(ramp(10, 5)));
  writeFileSync(join(outside, 'victim.bin'), 'do not overwrite me');
  mkdirSync(join(outside, 'sub'));
  writeFileSync(join(outside, 'sub/w.bin'), f32(ramp(10, 5)));
  const outsideBefore = snapshot(outside);
  const Wt = (location: string): ExtSpec => ({ name: 'W', location, values: ramp(10, 5) });

  const cases: { label: string; location?: string; setupSrc?: (d: string) => void; setupDst?: (d: string) => void; files?: PassFile[]; target?: string; why: RegExp }[] = [
    { label: '..', location: `../${basename(outside)}/secret.bin`, why: /climbs out of the model's folder/ },
    { label: 'absolute', location: join(outside, 'secret.bin'), why: /absolute path/ },
    { label: 'URL', location: 'https://example.com/w.bin', why: /URL/ },
    { label: 'ORT marker', location: ORT_MEM_ADDR_TAG, why: /in-memory marker/ },
    { label: 'symlinked source file', location: 'w.bin', setupSrc: (d) => symlinkSync(join(outside, 'secret.bin'), join(d, 'w.bin')), why: /is a symbolic link/ },
    { label: 'symlinked source folder', location: 'sub/w.bin', setupSrc: (d) => symlinkSync(join(outside, 'sub'), join(d, 'sub')), why: /'sub' is a symbolic link/ },
    { label: 'hard-linked source file', location: 'w.bin', setupSrc: (d) => linkSync(join(outside, 'secret.bin'), join(d, 'w.bin')), why: /hard links/ },
    {
      label: 'symlink at the destination file',
      location: 'w.bin',
      setupSrc: (d) => writeFileSync(join(d, 'w.bin'), f32(ramp(10, 5))),
      setupDst: (d) => symlinkSync(join(outside, 'victim.bin'), join(d, 'w.bin')),
      why: /through 'w\.bin' .* which is a symbolic link .*victim\.bin/,
    },
    {
      label: 'symlink at a destination folder',
      location: 'sub/w.bin',
      setupSrc: (d) => {
        mkdirSync(join(d, 'sub'));
        writeFileSync(join(d, 'sub/w.bin'), f32(ramp(10, 5)));
      },
      setupDst: (d) => symlinkSync(join(outside, 'sub'), join(d, 'sub')),
      why: /through 'sub' .* which is a symbolic link/,
    },
    { label: 'files: ..', files: [file('../escape.bin', 'x')], why: /climbs out/ },
    { label: 'files: absolute', files: [file(join(outside, 'victim.bin'), 'x')], why: /absolute path/ },
    { label: 'files: through a link', files: [file('sub/x.bin', 'x')], setupDst: (d) => symlinkSync(join(outside, 'sub'), join(d, 'sub')), why: /symbolic link/ },
    { label: 'files: the model itself', files: [file('model.onnx', 'x')], why: /would replace the model file itself/ },
    { label: 'files: twice', files: [file('a.bin', 'x'), file('./a.bin', 'y')], why: /would both be written to 'a\.bin'/ },
    { label: 'files: a file where a folder is needed', files: [file('a', 'x'), file('a/b.bin', 'y')], why: /needs 'a' to be a folder/ },
    { label: 'target is a symlink', target: 'link.onnx', setupDst: (d) => symlinkSync(join(outside, 'victim.bin'), join(d, 'link.onnx')), why: /is a symbolic link/ },
  ];
  for (const c of cases) {
    const srcDir = tmpDir('hsrc');
    const dst = tmpDir('hdst');
    c.setupSrc?.(srcDir);
    c.setupDst?.(dst);
    const bytes = c.location ? extModelBytes({ main: [Wt(c.location)] }) : extModelBytes({ main: [], inline: [{ name: 'I', values: [1, 2] }] });
    writeFileSync(join(srcDir, 'model.onnx'), bytes);
    const srcBefore = snapshot(srcDir);
    const dstBefore = snapshot(dst);
    const model = decodeModel(bytes, { path: join(srcDir, 'model.onnx') });
    assert.throws(
      () => saveModel({ bytes, model, sourcePath: join(srcDir, 'model.onnx'), targetPath: join(dst, c.target ?? 'model.onnx'), ...(c.files ? { files: c.files } : {}) }),
      (e: unknown) => {
        assert.ok(e instanceof SaveError, `${c.label}: ${String(e)}`);
        assert.match(e.message, c.why, c.label);
        assert.match(e.message, /Nothing was written/, c.label);
        return true;
      },
      c.label,
    );
    assert.deepEqual(snapshot(outside), outsideBefore, `${c.label}: something outside changed`);
    assert.deepEqual(snapshot(dst), dstBefore, `${c.label}: the target folder changed`);
    assert.deepEqual(snapshot(srcDir), srcBefore, `${c.label}: the source folder changed`);
  }
});

test('Save in the same folder keeps a reference it cannot check as it was, with a note, and writes nothing for it', () => {
  const dir = tmpDir('samebad');
  const bytes = extModelBytes({ main: [{ name: 'W', location: '../elsewhere/w.bin', values: [1] }, { name: 'M', location: 'gone.bin', values: [1] }] });
  const target = join(dir, 'model.onnx');
  writeFileSync(target, bytes);
  const r = saveModel({ bytes, model: decodeModel(bytes, { path: target }), targetPath: target });
  assert.deepEqual(r.written, [target]);
  assert.match(r.notes.join('\n'), /tensor 'W' keeps its data at '\.\.\/elsewhere\/w\.bin', which ONNX Lens will not read/);
  assert.match(r.notes.join('\n'), /tensor 'M' keeps its data in 'gone\.bin', which is not in/);
  assert.deepEqual([...snapshot(dir).keys()], ['model.onnx']);
  assert.deepEqual(externalReferences(decodeModel(bytes)).refs.map((x) => [x.location, x.tensors, !!x.problem]), [
    ['../elsewhere/w.bin', ['W'], true],
    ['gone.bin', ['M'], false],
  ]);
});

test('stale temporary files of dead writers are swept; live ones and unrelated files stay', () => {
  const dir = tmpDir('sweep');
  const target = join(dir, 'model.onnx');
  let dead = 4_000_000;
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  while (alive(dead)) dead++;
  const names = {
    deadTmp: `.model.onnx.${dead}.0123abcd.tmp`,
    deadBak: `.w.bin.${dead}.89abcdef.bak`,
    liveOld: `.model.onnx.${process.ppid}.00000000.tmp`,
    liveNew: `.model.onnx.${process.ppid}.11111111.tmp`,
    unrelated: `.model.onnx.${dead}.tmp`,
  };
  for (const n of Object.values(names)) writeFileSync(join(dir, n), 'x');
  const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
  utimesSync(join(dir, names.liveOld), twoDaysAgo, twoDaysAgo);
  const m = buildModel({ nodes: [], initializers: [floatTensor('I', [1], [1])] });
  saveModel({ bytes: encodeModel(m), model: m, targetPath: target });
  const left = new Set([...snapshot(dir).keys()]);
  assert.deepEqual([...left].sort(), ['model.onnx', names.liveNew, names.unrelated].sort());
  // writeFileAtomic sweeps the same way.
  writeFileSync(join(dir, names.deadTmp), 'x');
  writeFileAtomic(join(dir, 'other.txt'), enc('hi'));
  assert.equal(existsSync(join(dir, names.deadTmp)), false);
});

// ---------------------------------------------------------------------------------------------------------------

test('the external-data pass: its files are written beside the model, which reopens with its weights; then back in', async () => {
  const dir = tmpDir('pass');
  const target = join(dir, 'model.onnx');
  const Wv = Array.from({ length: 64 * 64 }, (_, i) => Math.sin(i));
  const bv = Wv.slice(0, 256);
  const spec = () =>
    buildModel({
      inputs: [{ name: 'x', shape: [1, 64] }],
      outputs: [{ name: 'y' }],
      initializers: [floatTensor('W', [64, 64], Wv), floatTensor('b', [256], bv), floatTensor('tiny', [2], [1, 2])],
      nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['y'] }],
    });
  writeFileSync(target, encodeModel(spec()));
  const opened = readModelFile(target);
  const out = await runPass('external-data', opened, { location: 'data/weights.bin' });
  assert.ok(out.modified);
  assert.equal(out.files!.length, 1);
  const r = saveModel({ bytes: encodeModel(opened), model: opened, sourcePath: target, targetPath: target, files: out.files });
  assert.deepEqual(r.written, [join(dir, 'data/weights.bin'), target]);
  assert.deepEqual(r.copied, []);
  assert.ok(statSync(target).size < 1024, 'the weights left the model file');
  const reopened = readModelFile(target);
  assert.deepEqual(reopened.graph.initializers.map((t) => [t.name, t.isExternal]), [['W', true], ['b', true], ['tiny', false]]);
  const w = weights(reopened);
  assert.deepEqual(w.get('W'), Wv.map(Math.fround));
  assert.deepEqual(w.get('b'), bv.map(Math.fround));

  // Save As elsewhere carries data/weights.bin along.
  const other = tmpDir('pass-other');
  const r2 = saveModel({ bytes: encodeModel(reopened), model: reopened, sourcePath: target, targetPath: join(other, 'm.onnx') });
  assert.deepEqual(r2.copied, [join(other, 'data/weights.bin')]);
  assert.deepEqual(weights(readModelFile(join(other, 'm.onnx'))).get('W'), Wv.map(Math.fround));

  // Back in, and saved again: the model holds its weights, the data file is no longer needed.
  const back = readModelFile(target);
  const rin = await runPass('external-data', back, { direction: 'in' });
  closeExternal(back);
  assert.ok(rin.modified);
  saveModel({ bytes: encodeModel(back), model: back, sourcePath: target, targetPath: target, files: rin.files });
  rmSync(join(dir, 'data'), { recursive: true });
  const inline = readModelFile(target);
  assert.ok(inline.graph.initializers.every((t) => !t.isExternal));
  assert.deepEqual(weights(inline).get('W'), Wv.map(Math.fround));
  assert.deepEqual(tempFiles(dir), []);
});

test('a model not read from a file: references found in the target folder are kept, others refused', () => {
  const dst = tmpDir('nosrc');
  const W: ExtSpec = { name: 'W', location: 'w.bin', values: [1, 2, 3] };
  const bytes = extModelBytes({ main: [W] });
  const model = decodeModel(bytes);
  assert.throws(() => saveModel({ bytes, model, targetPath: join(dst, 'm.onnx') }), /not read from a file, so there is no folder to copy it from/);
  assert.deepEqual([...snapshot(dst).keys()], []);
  writeData(dst, [W]);
  const r = saveModel({ bytes, model, targetPath: join(dst, 'm.onnx') });
  assert.match(r.notes.join('\n'), /already in .* is used as it is/);
  assert.deepEqual(weights(readModelFile(join(dst, 'm.onnx'))).get('W'), [1, 2, 3]);
});
