// Diagnostics where the user works, in the real workbench: the hover card on a node of seed_asinh_opset7
// names the problem and its fix; the Problems panel lists it; a click on the entry reveals the node.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchWorkbench, type Workbench } from './harness';
import { REPO_ROOT } from './code-server.mjs';

const MODELS = join(REPO_ROOT, 'test', 'fixtures', 'models');

describe('e2e: diagnostics in the graph view and the Problems panel', { timeout: 400_000 }, () => {
  let wb: Workbench;
  let workspace: string;

  before(async () => {
    assert.ok(existsSync(join(REPO_ROOT, 'dist', 'extension.js')), 'build first: npm run build');
    workspace = mkdtempSync(join(tmpdir(), 'onnx-lens-e2e-diag-'));
    copyFileSync(join(MODELS, 'seed_asinh_opset7', 'model.onnx'), join(workspace, 'asinh7.onnx'));
    wb = await launchWorkbench({ name: 'diagnostics', workspace, extensionPaths: [REPO_ROOT], timeoutMs: 360_000 });
  });

  after(async () => {
    await wb?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  test('hovering the Asinh node of seed_asinh_opset7 shows the diagnostic and its fix', async () => {
    await wb.openFileViaQuickOpen('asinh7.onnx');
    const frame = await wb.webviewFrame({ selector: 'canvas.graph[data-file="asinh7.onnx"][data-node-count]', timeoutMs: 60_000 });
    const box = frame.locator('vscode-textfield');
    await box.click();
    await wb.page.keyboard.type('Asinh');
    await wb.page.keyboard.press('Enter');
    await frame.locator('[data-testid="node-title"]', { hasText: 'Asinh' }).waitFor({ timeout: 15_000 });
    // The search centred the node: hover the middle of the canvas.
    const canvas = await frame.locator('canvas.graph').boundingBox();
    assert.ok(canvas);
    await wb.page.mouse.move(canvas.x + canvas.width / 2 - 5, canvas.y + canvas.height / 2);
    await wb.page.mouse.move(canvas.x + canvas.width / 2, canvas.y + canvas.height / 2);
    const card = frame.locator('[data-testid="hover-card"].visible');
    await card.waitFor({ timeout: 15_000 });
    await frame.locator('[data-testid="hover-card"] .diag.error').waitFor({ timeout: 15_000 });
    const text = await card.innerText();
    assert.match(text, /op-not-in-opset/);
    assert.match(text, /Asinh is not in opset 7.*since opset 9/s);
    assert.match(text, /raise the ai\.onnx opset import to 9/);
    await wb.screenshot('asinh7-hover');
  });

  test('the Problems panel lists the error; the status bar sums it up', async () => {
    await wb.openProblems();
    const p = await wb.waitForProblem(/Asinh is not in opset 7/, 20_000);
    assert.equal(p.severity, 'error');
    const status = await wb.page.locator('[id$="onnxLens.diagnostics"]').first().innerText().catch(() => '');
    assert.match(status, /ONNX/);
    await wb.screenshot('asinh7-problems');
  });

  test('a click on the Problems entry reveals the node in the graph view', async () => {
    const frame = await wb.webviewFrame({ selector: 'canvas.graph[data-file="asinh7.onnx"]', timeoutMs: 30_000 });
    await frame.locator('canvas.graph').click({ position: { x: 3, y: 3 } });
    await wb.page.keyboard.press('Escape');
    await frame.locator('canvas.graph[data-selected=""]').waitFor({ timeout: 10_000 });
    await wb.openProblems();
    await wb.page.locator('.markers-panel .monaco-list-row', { hasText: 'Asinh is not in opset 7' }).first().click();
    await new Promise((r) => setTimeout(r, 1500));
    await wb.screenshot('asinh7-after-problem-click');
    const graph = await wb.webviewFrame({ selector: 'canvas.graph[data-file="asinh7.onnx"][data-selected="Asinh"]', timeoutMs: 20_000 });
    assert.ok(graph);
    // The graph moved beside the text, and no tab of it stays behind in the text's group (clicking such a tab took
    // the webview back and left the other group's graph blank).
    const graphTabsPerGroup = () =>
      wb.page
        .locator('.editor-group-container')
        .evaluateAll((gs) => gs.map((g) => [...g.querySelectorAll('[role="tab"]')].filter((t) => /^asinh7\.onnx(,|$)/.test(t.getAttribute('aria-label') ?? '')).length));
    const deadline = Date.now() + 5000;
    while (JSON.stringify(await graphTabsPerGroup()) !== '[0,1]' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await graphTabsPerGroup(), [0, 1], 'one graph tab, in the group beside the text');
    await wb.webviewFrame({ selector: 'canvas.graph[data-file="asinh7.onnx"][data-selected="Asinh"]', timeoutMs: 5_000 });
    await wb.screenshot('asinh7-problem-click');
  });

  test('Open as Text shows the model in ONNX syntax with the diagnostic on the node line and a hover', async () => {
    // The Problems click left the text and the graph in two groups; start again from one.
    await wb.runCommand('View: Close All Editors');
    await wb.openFileViaQuickOpen('asinh7.onnx');
    await wb.webviewFrame({ selector: 'canvas.graph[data-file="asinh7.onnx"]', timeoutMs: 30_000 });
    await wb.startCommand('ONNX Lens: Open as Text');
    const line = wb.page.locator('.monaco-editor .view-line', { hasText: 'Asinh' }).first();
    await line.waitFor({ timeout: 20_000 });
    assert.match(await wb.page.locator('.monaco-editor .view-lines').first().innerText(), /ir_version:\s*7/);
    const hover = await wb.hoverEditorWord('Asinh');
    assert.match(hover, /op-not-in-opset|not in opset 7/);
    await wb.screenshot('asinh7-text');
  });
});
