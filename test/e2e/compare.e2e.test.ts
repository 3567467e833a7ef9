// Comparisons from the command palette in the real workbench: seed_two_heads against PyTorch's own outputs
// (refs.npz beside the model), the result panel's verdict, and a runaway model stopped by the time limit while
// VS Code keeps working.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchWorkbench, type Workbench } from './harness';
import { REPO_ROOT } from './code-server.mjs';

const MODELS = join(REPO_ROOT, 'test', 'fixtures', 'models');

describe('e2e: compare with reference outputs', { timeout: 400_000 }, () => {
  let wb: Workbench;
  let workspace: string;

  before(async () => {
    assert.ok(existsSync(join(REPO_ROOT, 'dist', 'extension.js')), 'build first: npm run build');
    workspace = mkdtempSync(join(tmpdir(), 'onnx-lens-e2e-compare-'));
    mkdirSync(join(workspace, 'two_heads'));
    for (const f of ['model.onnx', 'refs.npz']) copyFileSync(join(MODELS, 'seed_two_heads', f), join(workspace, 'two_heads', f));
    copyFileSync(join(MODELS, 'seed_dynamic_batch', 'model.onnx'), join(workspace, 'dynamic.onnx'));
    copyFileSync(join(REPO_ROOT, 'test', 'fixtures', 'runtime', 'endless_loop.onnx'), join(workspace, 'endless.onnx'));
    mkdirSync(join(workspace, '.vscode'));
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'onnxLens.runtime.timeLimitSeconds': 3, 'files.autoSave': 'off' }));
    wb = await launchWorkbench({ name: 'compare', workspace, extensionPaths: [REPO_ROOT], timeoutMs: 360_000 });
  });

  after(async () => {
    await wb?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  test('Compare with Reference Outputs… against refs.npz passes and shows both outputs', async () => {
    await wb.openFileViaQuickOpen('two_heads/model.onnx');
    await wb.webviewFrame({ selector: 'canvas.graph[data-node-count]', timeoutMs: 60_000 });
    await wb.startCommandAndPick('ONNX Lens: Compare with Reference Outputs…', 'refs.npz');
    await wb.pickQuickInputRow('Outputs');
    const report = await wb.webviewFrame({ selector: '[data-testid="verdict"]', timeoutMs: 90_000 });
    assert.equal(await report.locator('[data-testid="verdict"]').innerText(), 'Within tolerance');
    const rows = await report.locator('table.report tbody tr').count();
    assert.equal(rows, 2, 'both outputs compared');
    assert.equal(await report.locator('tr.fail').count(), 0);
    await wb.screenshot('two_heads-report');
  });

  test('Benchmark by Batch Size… shows a latency table for batches 1..16', async () => {
    await wb.openFileViaQuickOpen('dynamic.onnx');
    const graph = await wb.webviewFrame({ selector: 'canvas.graph[data-file="dynamic.onnx"][data-node-count]', timeoutMs: 60_000 });
    await wb.startCommand('ONNX Lens: Benchmark by Batch Size…');
    const prompt = wb.page.locator('.quick-input-widget', { hasText: 'batch sizes' });
    await prompt.waitFor({ timeout: 15_000 });
    // Looking at the graph meanwhile (a click in it) does not cancel the benchmark.
    await graph.locator('canvas.graph').click({ position: { x: 5, y: 5 } });
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(await prompt.isVisible(), 'the batch-size box stays open when the graph takes the focus');
    await wb.answerQuickInput('batch sizes');
    const panel = await wb.webviewFrame({ selector: 'table.bench tbody tr', timeoutMs: 120_000 });
    assert.equal(await panel.locator('table.bench tbody tr').count(), 5);
    await wb.screenshot('dynamic-bench');
  });

  test('a runaway model is stopped by the time limit; VS Code keeps working and the unsaved edit is kept', async () => {
    await wb.openFileViaQuickOpen('endless.onnx');
    await wb.webviewFrame({ selector: 'canvas.graph[data-file="endless.onnx"][data-node-count]', timeoutMs: 60_000 });
    // An unsaved edit first: rename the first node through the palette (a quick pick, then an input box).
    await wb.startCommandAndPick('ONNX Lens: Rename a node…', 'Loop');
    await wb.answerQuickInput('Rename a node: name', 'renamed_before_the_crash');
    const dirtyTab = wb.page.locator('.tabs-container [role="tab"].dirty[data-resource-name="endless.onnx"]').first();
    await dirtyTab.waitFor({ timeout: 15_000 });
    await wb.startCommand('ONNX Lens: Benchmark by Batch Size…');
    await wb.answerQuickInput('batch sizes', '1');
    const msg = await wb.waitForNotification(/benchmark failed/, 60_000);
    assert.match(msg, /time|timeout|limit/i);
    // The edit is still there, unsaved.
    assert.equal(await dirtyTab.count(), 1, 'the document is still dirty after onnxruntime was stopped');
    await wb.openFileViaQuickOpen('endless.onnx');
    const frame = await wb.webviewFrame({ selector: 'canvas.graph[data-file="endless.onnx"][data-node-count]', timeoutMs: 30_000 });
    await frame.locator('vscode-textfield').click();
    await wb.page.keyboard.type('renamed_before_the_crash');
    await wb.page.keyboard.press('Enter');
    await frame.locator('.node-panel', { hasText: 'renamed_before_the_crash' }).first().waitFor({ timeout: 15_000 });
    // The workbench and the extension still answer: open another model.
    await wb.openFileViaQuickOpen('dynamic.onnx');
    await wb.webviewFrame({ selector: 'canvas.graph[data-file="dynamic.onnx"][data-node-count]', timeoutMs: 60_000 });
    await wb.screenshot('endless-stopped');
  });
});
