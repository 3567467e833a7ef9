// The child process as a safety boundary: native crash, memory ceiling, startup failure (timeouts and cancels: cancel.test.ts).
// Every case ends with a request that works again, on a fresh child.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeClient, RuntimeError, type ChildStopEvent } from '../../../src/runtime/client';
import { addMul, bigExpand, constantOfShape, emptyOptionalOutput } from '../../fixtures/runtime/models';
import { REPO, assertRuntimeError, f32, timed, works } from './helpers';

test('a native crash (segfault on an empty optional output) is reported as crashed; its sessions are invalid; the next request works', async () => {
  const stops: ChildStopEvent[] = [];
  const c = new RuntimeClient();
  c.onDidStopChild((e) => stops.push(e));
  try {
    // Without the unsafe flag the model never reaches onnxruntime.
    const refused = await timed(c.load({ modelBytes: emptyOptionalOutput() }));
    assertRuntimeError(refused.error, 'refused', /output 'y' is an optional\(tensor\(float\)\)/);
    assert.equal(c.childrenStarted, 0);

    const s = await c.load({ modelBytes: emptyOptionalOutput(), unsafeSkipTypeCheck: true });
    const other = await c.load({ modelBytes: addMul() });
    const pid = c.pid!;
    const crash = await timed(c.run(s.sessionId, [f32('x', [2], [1, 2])]));
    const e = assertRuntimeError(crash.error, 'crashed', new RegExp(`the onnxruntime process \\(pid ${pid}\\) killed by SIGSEGV`));
    assert.equal(e.signal, 'SIGSEGV');
    assert.equal(e.pid, pid);
    assert.match(e.message, /load the model again/);
    assert.equal(stops.length, 1);
    assert.equal(stops[0].error.kind, 'crashed');

    for (const id of [s.sessionId, other.sessionId]) {
      const stale = await timed(c.run(id, [f32('a', [1], [1]), f32('b', [1], [1])]));
      assertRuntimeError(stale.error, 'invalid-session', /belonged to an onnxruntime process that has stopped \(crashed, killed by SIGSEGV\); its sessions are gone: load the model again/);
    }
    assert.equal(c.childrenStarted, 1, 'a stale session must not start a child');
    assert.equal(await c.release(other.sessionId), false);
    const newPid = await works(c);
    assert.notEqual(newPid, pid);
    assert.equal(c.childrenStarted, 2);
  } finally {
    await c.dispose();
  }
});

test('resident memory over the ceiling kills the child (out-of-memory); an impossible allocation is an ort-error; neither hangs', async () => {
  const lines: string[] = [];
  const c = new RuntimeClient({ memoryLimitMb: 256, timeoutMs: 20_000, log: (l) => lines.push(l) });
  try {
    assert.equal(c.memoryLimitBytes, 256 * 1024 * 1024);
    // 2^29 floats = 2 GiB, written as Expand fills it: the 100 ms poll sees it pass 256 MiB long before the end.
    const big = await c.load({ modelBytes: bigExpand(1 << 29) });
    const pid = c.pid;
    const r = await timed(c.run(big.sessionId, [f32('x', [], [1])]));
    const e = assertRuntimeError(r.error, 'out-of-memory', new RegExp(`the onnxruntime process \\(pid ${pid}\\) used \\d+ MiB of memory, over the 256 MiB limit, and was stopped during request \\d+ \\(run\\)`));
    assert.equal(e.signal, 'SIGKILL');
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);

    // 10^12 floats: onnxruntime's allocator refuses at once, and says so on stderr too.
    const huge = await c.load({ modelBytes: constantOfShape([1_000_000, 1_000_000]) });
    const h = await timed(c.run(huge.sessionId, []));
    const he = h.error as RuntimeError;
    assert.ok(he instanceof RuntimeError && ['out-of-memory', 'ort-error'].includes(he.kind), String(h.error));
    if (he.kind === 'ort-error') assert.match(he.message, /Failed to allocate memory/);
    assert.ok(lines.some((l) => /onnxruntime/.test(l)), `onnxruntime's log reaches the log callback: ${lines.join('\n')}`);
    await works(c);
  } finally {
    await c.dispose();
  }
});

test('a child that dies at startup is reported as crashed with its exit code and last stderr line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-lens-runtime-'));
  try {
    const script = join(dir, 'dies.js');
    writeFileSync(script, "process.stderr.write('cannot start: missing native binary\\n'); process.exit(3);\n");
    const c = new RuntimeClient({ childPath: script });
    const r = await timed(c.info());
    const e = assertRuntimeError(r.error, 'crashed', /exited with code 3; its last output: cannot start: missing native binary/);
    assert.equal(e.exitCode, 3);
    assert.match(e.stderrTail ?? '', /missing native binary/);
    await c.dispose();

    const silent = join(dir, 'silent.js');
    writeFileSync(silent, 'setInterval(() => {}, 1000);\n');
    const s = new RuntimeClient({ childPath: silent, startTimeoutMs: 500 });
    const t = await timed(s.info());
    assertRuntimeError(t.error, 'timeout', /did not start within 500 ms/);
    assert.ok(t.ms < 1500);
    await s.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a child left behind by a parent that was killed mid-run stops by itself', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-lens-runtime-'));
  try {
    const script = join(dir, 'parent.ts');
    writeFileSync(script, [
      `import { RuntimeClient } from ${JSON.stringify(join(REPO, 'src', 'runtime', 'client'))};`,
      `import { endlessLoop } from ${JSON.stringify(join(REPO, 'test', 'fixtures', 'runtime', 'models'))};`,
      'const c = new RuntimeClient();',
      'c.load({ modelBytes: endlessLoop() }).then((s) => {',
      "  c.run(s.sessionId, [{ name: 'x', dtype: 1, dims: [1], data: new Uint8Array(4) }]).catch(() => undefined);",
      '  setTimeout(() => console.log(`child ${c.pid}`), 300);',
      '});',
    ].join('\n'));
    const parent = spawn(process.execPath, ['--import', 'tsx', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    const childPid = await new Promise<number>((resolve, reject) => {
      let out = '';
      parent.stdout!.on('data', (d) => {
        out += d;
        const m = /child (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      parent.on('exit', (code) => reject(new Error(`the parent script exited (${code}) before starting its run: ${out}`)));
    });
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    assert.ok(alive(childPid), 'the child runs the endless loop');
    parent.kill('SIGKILL');
    const t0 = performance.now();
    while (alive(childPid) && performance.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
    const still = alive(childPid);
    if (still) process.kill(childPid, 'SIGKILL'); // leave no orphan behind when this test fails
    assert.equal(still, false, `child ${childPid} still runs ${Math.round(performance.now() - t0)} ms after its parent was killed`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
