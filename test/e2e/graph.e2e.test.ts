// The ONNX Lens graph editor in the real VS Code workbench (code-server + Debian Chromium + playwright-core):
// opens sample models through quick open, counts nodes, selects a node and reads its properties, searches,
// enters a subgraph of const_if, exports SVG, and keeps a screenshot of each view in test-results/e2e/.
//
// Needs `node scripts/e2e-setup.mjs` once and a build (`npm run build`); `npm test` does both.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { launchWorkbench, type Workbench } from './harness';
import { REPO_ROOT } from './code-server.mjs';
import { modelBytes } from '../helpers/build';

const MODELS = join(REPO_ROOT, 'test', 'fixtures', 'models');
const EVIL = '<img src=x onerror="document.title=\'pwned\'">';

/** Waits for the visible webview to have painted `file`'s graph and returns its frame. */
async function graphFrame(wb: Workbench, file: string, timeoutMs = 60_000): Promise<Frame> {
  const frame = await wb.webviewFrame({ selector: `canvas.graph[data-file="${file}"][data-node-count]`, timeoutMs });
  return frame;
}

async function opCount(frame: Frame): Promise<number> {
  return Number(await frame.locator('canvas.graph').getAttribute('data-op-node-count'));
}

async function search(frame: Frame, query: string, enter = true): Promise<void> {
  const box = frame.locator('vscode-textfield');
  await box.click();
  await frame.page().keyboard.press('Control+A');
  await frame.page().keyboard.type(query);
  if (enter) await frame.page().keyboard.press('Enter');
}

describe('e2e: the ONNX Lens graph editor', { timeout: 600_000 }, () => {
  let wb: Workbench;
  let workspace: string;

  before(async () => {
    assert.ok(existsSync(join(REPO_ROOT, 'dist', 'extension.js')), 'build first: npm run build');
    workspace = mkdtempSync(join(tmpdir(), 'onnx-lens-e2e-graph-'));
    for (const m of ['mobilenet_v2', 'bert_tiny', 'decoder_48', 'const_if']) copyFileSync(join(MODELS, m, 'model.onnx'), join(workspace, `${m}.onnx`));
    writeFileSync(
      join(workspace, 'evil.onnx'),
      modelBytes({ inputs: [{ name: 'x', shape: [2] }], outputs: [{ name: 'y', shape: [2] }], nodes: [{ op: 'Relu', name: EVIL, inputs: ['x'], outputs: ['y'] }] }),
    );
    writeFileSync(join(workspace, 'broken.onnx'), 'this is not a model');
    wb = await launchWorkbench({ name: 'graph', workspace, extensionPaths: [REPO_ROOT], timeoutMs: 540_000 });
  });

  after(async () => {
    await wb?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  test('mobilenet_v2 opens through quick open and shows all 209 nodes; a node selected shows its properties', async () => {
    await wb.openFileViaQuickOpen('mobilenet_v2.onnx');
    const frame = await graphFrame(wb, 'mobilenet_v2.onnx');
    assert.equal(await opCount(frame), 209);
    // Typed with a pause, as a loaded machine does: the debounced search runs for "C" (every name with a c) before the
    // rest is typed, and Enter must then search "Conv", not step through the matches of "C".
    await search(frame, 'C', false);
    await new Promise((r) => setTimeout(r, 500));
    const prefix = Number(await frame.locator('.count').getAttribute('data-count'));
    assert.ok(prefix > 52, `the debounced search ran for "C" and found more than the Conv nodes: ${prefix}`);
    await frame.page().keyboard.type('onv');
    await frame.page().keyboard.press('Enter');
    const title = frame.locator('[data-testid="node-title"]');
    await title.waitFor({ timeout: 15_000 });
    assert.equal(await title.textContent(), 'Conv');
    const panel = await frame.locator('.node-panel').innerText();
    assert.match(panel, /since opset 11/);
    assert.match(panel, /kernel_shape/);
    assert.match(panel, /float\[32,3,3,3\]/);
    const count = await frame.locator('.count').getAttribute('data-count');
    assert.equal(count, '52', 'search for Conv finds every Conv node');
    await frame.locator('.node-panel vscode-button', { hasText: 'Weight' }).first().click();
    await frame.locator('.weight-panel table').waitFor({ timeout: 15_000 });
    const weight = await frame.locator('.weight-panel').innerText();
    assert.match(weight, /count\s+864/);
    assert.match(weight, /std/);
    assert.equal(await frame.locator('.weight-panel canvas.histogram').count(), 1);
    await wb.screenshot('mobilenet_v2');
  });

  test('bert_tiny opens with 454 nodes', async () => {
    await wb.openFileViaQuickOpen('bert_tiny.onnx');
    const frame = await graphFrame(wb, 'bert_tiny.onnx');
    assert.equal(await opCount(frame), 454);
    await wb.screenshot('bert_tiny');
  });

  test('decoder_48 (5,341 nodes) opens and pans; keyboard navigation selects nodes', async () => {
    const t0 = Date.now();
    await wb.openFileViaQuickOpen('decoder_48.onnx');
    const frame = await graphFrame(wb, 'decoder_48.onnx');
    const openMs = Date.now() - t0;
    assert.equal(await opCount(frame), 5341);
    console.log(`decoder_48: quick open to first paint ${openMs} ms`);
    const mini = await frame.locator('canvas.minimap').boundingBox();
    assert.ok(mini, 'a graph larger than the view has a minimap');
    assert.ok(mini.width >= 40 && mini.height >= 40, `a tall graph's minimap is not a sliver: ${mini.width}x${mini.height} px`);
    const canvas = frame.locator('canvas.graph');
    await canvas.click({ position: { x: 5, y: 5 } });
    await frame.page().keyboard.press('n');
    await frame.locator('[data-testid="node-title"]').waitFor({ timeout: 15_000 });
    const box = await canvas.boundingBox();
    assert.ok(box);
    await frame.page().mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await frame.page().mouse.down();
    await frame.page().mouse.move(box.x + box.width / 2 - 200, box.y + box.height / 2 - 300, { steps: 5 });
    await frame.page().mouse.up();
    await wb.screenshot('decoder_48');
  });

  test('const_if: the If node holds two branches; opening one shows a breadcrumb back', async () => {
    await wb.openFileViaQuickOpen('const_if.onnx');
    const frame = await graphFrame(wb, 'const_if.onnx');
    assert.equal(await opCount(frame), 2);
    assert.equal(await frame.locator('canvas.minimap').isVisible(), false, 'a graph wholly in view has no minimap over its nodes');
    await search(frame, 'If');
    await frame.locator('[data-testid="node-title"]', { hasText: 'If' }).waitFor({ timeout: 15_000 });
    await wb.screenshot('const_if');
    await frame.locator('.node-panel vscode-button', { hasText: 'Open' }).first().click();
    await frame.locator('canvas.graph[data-graph-path*="branch"]').waitFor({ timeout: 15_000 });
    const crumbs = await frame.locator('.crumbs').innerText();
    assert.match(crumbs, /branch/);
    await wb.screenshot('const_if-branch');
    await frame.locator('.crumbs a').first().click();
    await frame.locator('canvas.graph[data-graph-path="main"]').waitFor({ timeout: 15_000 });
  });

  test('export SVG writes an SVG file with every node', async () => {
    const frame = await graphFrame(wb, 'const_if.onnx');
    await frame.locator('vscode-button', { hasText: 'SVG' }).click();
    // The simple file dialog proposes <model>.svg beside the model: accept it.
    await wb.answerQuickInput('');
    const target = join(workspace, 'const_if.svg');
    const deadline = Date.now() + 15_000;
    while (!existsSync(target) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(existsSync(target), 'const_if.svg was not written');
    const svg = readFileSync(target, 'utf8');
    assert.match(svg, /^<svg /);
    assert.equal((svg.match(/class="node"/g) ?? []).length, 4, 'input x, Constant, If, output y: every node of the main graph');
  });

  test('export PNG writes a PNG file', async () => {
    await wb.openFileViaQuickOpen('const_if.onnx');
    const frame = await graphFrame(wb, 'const_if.onnx');
    await frame.locator('vscode-button', { hasText: 'PNG' }).click();
    await wb.answerQuickInput('');
    const target = join(workspace, 'const_if.png');
    const deadline = Date.now() + 15_000;
    while (!existsSync(target) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(existsSync(target), 'const_if.png was not written');
    assert.deepEqual([...readFileSync(target).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  });

  test('a node named like HTML shows as text, never as markup', async () => {
    await wb.openFileViaQuickOpen('evil.onnx');
    const frame = await graphFrame(wb, 'evil.onnx');
    await search(frame, 'img');
    await frame.locator('[data-testid="node-title"]').waitFor({ timeout: 15_000 });
    const panel = await frame.locator('.node-panel').innerText();
    assert.ok(panel.includes(EVIL), panel);
    assert.equal(await frame.locator('img').count(), 0);
    assert.notEqual(await frame.evaluate(() => document.title), 'pwned');
    await wb.screenshot('evil');
  });

  test('a file that is not a model shows a clear error as text', async () => {
    await wb.openFileViaQuickOpen('broken.onnx');
    const frame = await wb.webviewFrame({ selector: '.fatal', timeoutMs: 30_000 });
    assert.match(await frame.locator('.fatal').innerText(), /broken\.onnx: .*(protobuf|ONNX)/s);
    await wb.screenshot('broken');
  });

  test('the screenshots are real pictures', () => {
    for (const n of ['mobilenet_v2', 'bert_tiny', 'decoder_48', 'const_if']) {
      assert.ok(statSync(join(REPO_ROOT, 'test-results', 'e2e', `graph-${n}.png`)).size > 20_000, n);
    }
  });
});
