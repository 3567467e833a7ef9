// Smoke test of the whole chain: code-server serves the real VS Code workbench, Chromium renders it,
// playwright-core drives it, and the fixture extension (test/e2e/fixture-extension) runs in the real
// extension host with a real webview. Screenshots go to test-results/e2e/smoke-*.png.
//
// Needs `node scripts/e2e-setup.mjs` once (installs Node 24 + code-server into node_modules/.cache).
// Run: node --import tsx --test test/e2e/smoke.e2e.test.ts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchWorkbench, type Workbench } from './harness';
import { REPO_ROOT, taggedPids } from './code-server.mjs';

const FIXTURE_EXTENSION = join(REPO_ROOT, 'test', 'e2e', 'fixture-extension');
const MODEL = join(REPO_ROOT, 'test', 'fixtures', 'models', 'seed_linear', 'model.onnx');

/** Live (non-zombie) processes carrying the run's tag. */
function liveTagged(tag: string): number[] {
  return taggedPids(tag).filter((pid) => {
    try {
      return !/\)\s+Z\s/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  });
}

describe('e2e smoke: fixture extension in code-server + Chromium', { timeout: 300_000 }, () => {
  let wb: Workbench;
  let workspace: string;
  const modelBytes = statSync(MODEL).size;

  before(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'onnx-lens-e2e-ws-'));
    copyFileSync(MODEL, join(workspace, 'tiny.onnx'));
    writeFileSync(join(workspace, 'notes.txt'), 'hover over tensor please\n');
    wb = await launchWorkbench({ name: 'smoke', workspace, extensionPaths: [FIXTURE_EXTENSION], timeoutMs: 240_000 });
  });

  after(async () => {
    await wb?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  test('the workbench shows the workspace folder and the fixture extension is installed', async () => {
    assert.match(wb.server!.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.deepEqual(
      wb.server!.extensions.map((e) => e.id),
      ['onnx-lens-test.onnx-lens-e2e-fixture'],
    );
    const rows = await wb.page.locator('.explorer-folders-view .monaco-list-row').allInnerTexts();
    assert.ok(rows.some((r) => r.includes('tiny.onnx')), `explorer rows: ${JSON.stringify(rows)}`);
    const shot = await wb.screenshot('01-workbench');
    assert.ok(statSync(shot).size > 10_000, `${shot} is suspiciously small`);
  });

  test('quick open of tiny.onnx opens the custom editor, whose webview shows the byte count from the host', async () => {
    await wb.openFileViaQuickOpen('tiny.onnx');
    const frame = await wb.webviewFrame({ selector: '#bytes' });
    await frame.locator('#bytes', { hasText: `tiny.onnx: ${modelBytes} bytes` }).waitFor({ timeout: 15_000 });
    assert.equal(await frame.locator('#bytes').innerText(), `tiny.onnx: ${modelBytes} bytes`);
    assert.equal(await frame.locator('#title').innerText(), 'ONNX Lens fixture viewer');
    await wb.screenshot('02-custom-editor');
  });

  test('clicking the webview button round-trips through the extension host', async () => {
    const frame = await wb.webviewFrame({ selector: '#count' });
    await frame.locator('#count').click();
    await frame.locator('#clicks', { hasText: 'clicked 1 time(s)' }).waitFor({ timeout: 10_000 });
    await frame.locator('#count').click();
    await frame.locator('#clicks', { hasText: 'clicked 2 time(s)' }).waitFor({ timeout: 10_000 });
    await wb.screenshot('03-clicked');
  });

  test('the command runs from the palette: notification, webview message and a diagnostic', async () => {
    await wb.runCommand('ONNX Lens Fixture: Say Hello');
    assert.equal(await wb.waitForNotification('ONNX Lens fixture: hello'), 'ONNX Lens fixture: hello (1 viewer(s) open)');
    const frame = await wb.webviewFrame({ selector: '#command' });
    await frame.locator('#command', { hasText: 'command ran' }).waitFor({ timeout: 10_000 });
    await wb.openProblems();
    const problem = await wb.waitForProblem(`tiny.onnx has ${modelBytes} bytes`);
    assert.equal(problem.severity, 'warning');
    assert.equal(problem.message, `fixture: tiny.onnx has ${modelBytes} bytes`);
    assert.deepEqual(await wb.problemCounts(), { errors: 0, warnings: 1 });
    await wb.screenshot('04-command-and-problems');
  });

  test('a palette title that does not exist fails with the titles it did find', async () => {
    await assert.rejects(wb.runCommand('ONNX Lens Fixture: No Such Command', 3_000), /no command titled "ONNX Lens Fixture: No Such Command"/);
    await wb.focusWorkbench();
  });

  test('a quick input closed by a focus steal is opened again, and one closed every time fails saying so', async () => {
    // Takes the focus away from the next `times` quick inputs 150 ms after each shows, as a webview just shown does.
    const stealFocus = (times: number) =>
      wb.page.evaluate((n) => {
        const w = window as unknown as { __steals: number };
        w.__steals = n;
        let shown = false;
        const timer = setInterval(() => {
          const box = document.querySelector<HTMLInputElement>('.quick-input-widget .quick-input-box input');
          const now = !!box && box.offsetParent !== null;
          if (now && !shown && w.__steals > 0) {
            w.__steals--;
            setTimeout(() => {
              const thief = document.body.appendChild(document.createElement('input'));
              thief.focus();
              thief.remove();
            }, 150);
          }
          shown = now;
          if (w.__steals === 0 && !now) clearInterval(timer);
        }, 20);
      }, times);
    const stealsLeft = () => wb.page.evaluate(() => (window as unknown as { __steals: number }).__steals);

    await wb.runCommand('Notifications: Clear All Notifications');
    await stealFocus(2);
    await wb.runCommand('ONNX Lens Fixture: Say Hello');
    assert.equal(await stealsLeft(), 0, 'both steals happened');
    await wb.waitForNotification('ONNX Lens fixture: hello');

    await stealFocus(3);
    try {
      await assert.rejects(
        wb.runCommand('ONNX Lens Fixture: Say Hello'),
        /the quick input closed by itself 3 times before the command titled "ONNX Lens Fixture: Say Hello" could be chosen/,
      );
    } finally {
      await wb.page.evaluate(() => ((window as unknown as { __steals: number }).__steals = 0));
      await wb.focusWorkbench();
    }
  });

  test('hovering a word in a text editor shows the extension hover', async () => {
    await wb.openFileViaQuickOpen('notes.txt');
    assert.equal(await wb.hoverEditorWord('tensor'), 'fixture hover: tensor');
    await wb.screenshot('05-hover');
  });

  test('close() stops code-server and Chromium and leaves no process behind', async () => {
    const tag = wb.server!.tag;
    assert.ok(liveTagged(tag).length >= 2, 'expected code-server and Chromium processes to carry the run tag while running');
    const log = wb.server!.logFile;
    await wb.close();
    assert.deepEqual(liveTagged(tag), []);
    assert.match(readFileSync(log, 'utf8'), /HTTP server listening on http:\/\/127\.0\.0\.1:/);
    assert.ok(existsSync(join(REPO_ROOT, 'test-results', 'e2e', 'smoke.vscode-logs')), 'VS Code logs were not collected');
  });
});
