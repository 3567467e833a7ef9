// The harness's own lifecycle: code-server starts, answers and stops without leaving processes; bad
// input and a code-server that dies early give errors that say what happened; the hard timeout kills
// code-server and Chromium. Run: node --import tsx --test test/e2e/harness.e2e.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchWorkbench } from './harness';
import { REPO_ROOT, RESULTS_DIR, linkExtension, startCodeServer, taggedPids } from './code-server.mjs';

const FIXTURE_EXTENSION = join(REPO_ROOT, 'test', 'e2e', 'fixture-extension');

function liveTagged(tag: string): number[] {
  return taggedPids(tag).filter((pid) => {
    try {
      return !/\)\s+Z\s/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  });
}

function tempWorkspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'onnx-lens-e2e-ws-'));
  writeFileSync(join(ws, 'readme.txt'), 'workspace\n');
  return ws;
}

test('code-server serves the workbench on 127.0.0.1 and stop() leaves no process', { timeout: 90_000 }, async () => {
  const ws = tempWorkspace();
  const tag = `harness-${process.pid}-${Date.now()}`;
  let cs: Awaited<ReturnType<typeof startCodeServer>> | undefined;
  try {
    cs = await startCodeServer({ workspace: ws, extensionPaths: [FIXTURE_EXTENSION], tag, logFile: join(RESULTS_DIR, 'harness-serve.code-server.log') });
    assert.match(cs.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal((await fetch(new URL('healthz', cs.url))).status, 200);
    const html = await (await fetch(cs.workspaceUrl)).text();
    assert.match(html, /workbench/i, 'the root page should be the VS Code workbench');
    assert.deepEqual(cs.extensions.map((e) => e.id), ['onnx-lens-test.onnx-lens-e2e-fixture']);
    assert.ok(existsSync(join(cs.extensionsDir, 'onnx-lens-test.onnx-lens-e2e-fixture-0.0.1', 'package.json')));
    assert.ok(liveTagged(tag).includes(cs.pid), 'the code-server process carries the run tag');
  } finally {
    await cs?.stop();
    rmSync(ws, { recursive: true, force: true });
  }
  assert.deepEqual(liveTagged(tag), []);
  assert.equal(existsSync(cs.userDataDir), false, 'the temporary user-data-dir is removed');
  await assert.rejects(fetch(new URL('healthz', cs.url)), 'nothing listens after stop()');
});

test('a code-server that exits before listening is reported with its output', { timeout: 60_000 }, async () => {
  const ws = tempWorkspace();
  try {
    await assert.rejects(
      startCodeServer({ workspace: ws, extraArgs: ['--no-such-option-for-the-test'], logFile: join(RESULTS_DIR, 'harness-bad-flag.code-server.log') }),
      /code-server exited \(1\) before listening; its output:[\s\S]*no-such-option-for-the-test/,
    );
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('bad inputs are refused before anything starts, saying what to do', async () => {
  await assert.rejects(startCodeServer({ workspace: '/nonexistent/onnx-lens-ws' }), /workspace folder \/nonexistent\/onnx-lens-ws does not exist/);
  const dir = mkdtempSync(join(tmpdir(), 'onnx-lens-e2e-ext-'));
  try {
    assert.throws(() => linkExtension(join(dir, 'exts'), join(dir, 'empty')), /expected an extension folder with package\.json/);
    const unbuilt = join(dir, 'unbuilt');
    mkdirSync(unbuilt);
    writeFileSync(join(unbuilt, 'package.json'), JSON.stringify({ publisher: 'p', name: 'n', version: '1.0.0', main: './dist/extension.js' }));
    assert.throws(() => linkExtension(join(dir, 'exts'), unbuilt), /build the extension first \(npm run build\)/);
    writeFileSync(join(unbuilt, 'package.json'), JSON.stringify({ name: 'n', version: '1.0.0' }));
    assert.throws(() => linkExtension(join(dir, 'exts'), unbuilt), /has no "publisher"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the hard timeout kills code-server and Chromium and says so', { timeout: 90_000 }, async () => {
  const ws = tempWorkspace();
  const tag = `harness-timeout-${process.pid}-${Date.now()}`;
  try {
    const t0 = Date.now();
    await assert.rejects(
      launchWorkbench({ name: 'harness-timeout', workspace: ws, tag, timeoutMs: 1_500 }),
      /hard timeout of 1500 ms was reached while the workbench was starting/,
    );
    assert.ok(Date.now() - t0 < 30_000, `the timeout took ${Date.now() - t0} ms to take effect`);
    assert.deepEqual(liveTagged(tag), []);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
