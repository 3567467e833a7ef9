// kill -9 during a save never leaves a truncated model: a child process (kill-child.ts, bundled once with esbuild
// so that each start takes ~0.1 s instead of tsx's ~0.5 s) saves two different large models over one target,
// alternately, without pause; the parent SIGKILLs it at random moments, then checks that the target holds exactly
// one of the two complete models and decodes.
//
// Stale temporary files: a killed child cannot remove its `.model.onnx.<pid>.<hex>.tmp`. The next save into the
// folder removes every such file whose pid is no longer running (sweepStaleTemps in atomic.ts; also those older
// than a day, in case a pid was reused), so they never pile up: at most the last killed child's remain, and one
// more save removes them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { buildSync } from 'esbuild';
import { onnx } from '../../../src/core/codec/pb';
import { decodeModel, decodeModelProto } from '../../../src/core/codec/decode';
import { saveModel } from '../../../src/core/codec/save';
import { parseTempName } from '../../../src/core/codec/atomic';
import { DataType } from '../../../src/core/ir/dtype';
import { cleanup, tempFiles, tmpDir } from './helpers';

after(cleanup);

const MiB = 1024 * 1024;
const KILLS = 24;
const A_MIB = 16;
const B_MIB = 24;

/** A model with one UINT8 initializer of `bytes` random bytes (a different size per model). */
function bigModel(bytes: number, tag: string): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: `kill-test-${tag}`,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: tag,
      initializer: [{ name: 'W', dims: [bytes], dataType: DataType.UINT8, rawData: randomBytes(bytes) }],
      node: [{ opType: 'Identity', input: ['W'], output: ['y'] }],
      output: [{ name: 'y' }],
    },
  }).finish();
}

function lines(stream: NodeJS.ReadableStream, onLine: (l: string) => void): void {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

test(`kill -9 at ${KILLS} random moments during saves of a ${A_MIB}-${B_MIB} MiB model never leaves a truncated file`, async (t) => {
  const work = tmpDir('kill-work');
  const dir = tmpDir('kill-target');
  const bundle = join(work, 'kill-child.js');
  buildSync({ entryPoints: [join(__dirname, 'kill-child.ts')], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error' });

  const A = bigModel(A_MIB * MiB, 'A');
  const B = bigModel(B_MIB * MiB, 'B');
  const aPath = join(work, 'a.onnx');
  const bPath = join(work, 'b.onnx');
  writeFileSync(aPath, A);
  writeFileSync(bPath, B);
  const target = join(dir, 'model.onnx');
  saveModel({ bytes: A, model: decodeModel(A, { path: target }), targetPath: target });
  // How long one save takes here: kills are spread over about two of them.
  const t0 = performance.now();
  saveModel({ bytes: B, model: decodeModel(B, { path: target }), targetPath: target });
  const saveMs = Math.max(20, performance.now() - t0);

  let midWrite = 0;
  let afterSaves = 0;
  let sawA = 0;
  let sawB = 0;
  for (let k = 0; k < KILLS; k++) {
    const child = spawn(process.execPath, [bundle, target, aPath, bPath, String(k % 2)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let saved = 0;
    let err = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => (err += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
    await new Promise<void>((res, rej) => {
      lines(child.stdout!, (l) => {
        if (l === 'ready') res();
        else if (l.startsWith('saved ')) saved++;
      });
      void exited.then((x) => rej(new Error(`the child exited before it was ready (${JSON.stringify(x)}): ${err}`)));
    });
    await new Promise((res) => setTimeout(res, Math.random() * 2 * saveMs));
    child.kill('SIGKILL');
    const how = await exited;
    assert.equal(how.signal, 'SIGKILL', `the child should still be saving when killed; it exited with ${how.code}: ${err}`);
    if (saved > 0) afterSaves++;

    const temps = tempFiles(dir).filter((p) => parseTempName(basename(p))?.pid === child.pid);
    if (temps.length) midWrite++;
    const now = readFileSync(target);
    const isA = now.equals(A);
    const isB = now.equals(B);
    assert.ok(isA || isB, `kill ${k + 1}: the target has ${now.byteLength} bytes, neither model A (${A.byteLength}) nor B (${B.byteLength})`);
    if (isA) sawA++;
    else sawB++;
    assert.equal(decodeModelProto(now).graph?.initializer?.[0]?.rawData?.byteLength, isA ? A_MIB * MiB : B_MIB * MiB);
    // Leftovers never pile up: each child's first save sweeps those of the children killed before it.
    assert.ok(tempFiles(dir).length <= 2, `temporary files pile up: ${tempFiles(dir).join(', ')}`);
  }
  t.diagnostic(`${KILLS} kills: ${midWrite} landed while a temporary file was being written, ${afterSaves} after at least one complete save; target held A ${sawA}x, B ${sawB}x; one save takes ~${Math.round(saveMs)} ms`);
  assert.ok(midWrite >= 3, `only ${midWrite} of ${KILLS} kills hit a save in progress: the test did not exercise the window`);
  assert.ok(sawA > 0 && sawB > 0, 'both contents should have been seen on disk');

  // One more save sweeps whatever the last killed children left.
  saveModel({ bytes: A, model: decodeModel(A, { path: target }), targetPath: target });
  assert.deepEqual(tempFiles(dir), []);
  assert.ok(readFileSync(target).equals(A));
});
