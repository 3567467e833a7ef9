// Graph surgery in the real workbench: Simplify from the command palette on seed_just_reshape (one Reshape
// left), the onnxruntime check in the status bar, undo, redo, save (the file on disk is the simplified model;
// undo + save restores the identical bytes); a quick fix clicked in the graph view; a node removed from the
// graph view's context menu; a change on disk while the editor is dirty is asked about before saving over it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { launchWorkbench, type Workbench } from './harness';
import { REPO_ROOT } from './code-server.mjs';
import { decodeModel } from '../../src/core/codec/decode';

const MODELS = join(REPO_ROOT, 'test', 'fixtures', 'models');

describe('e2e: graph surgery as undoable edits', { timeout: 600_000 }, () => {
  let wb: Workbench;
  let workspace: string;
  const original = readFileSync(join(MODELS, 'seed_just_reshape', 'model.onnx'));

  before(async () => {
    assert.ok(existsSync(join(REPO_ROOT, 'dist', 'extension.js')), 'build first: npm run build');
    workspace = mkdtempSync(join(tmpdir(), 'onnx-lens-e2e-surgery-'));
    copyFileSync(join(MODELS, 'seed_just_reshape', 'model.onnx'), join(workspace, 'reshape.onnx'));
    copyFileSync(join(MODELS, 'seed_asinh_opset7', 'model.onnx'), join(workspace, 'asinh7.onnx'));
    copyFileSync(join(MODELS, 'seed_preprocess', 'model.onnx'), join(workspace, 'pre.onnx'));
    mkdirSync(join(workspace, '.vscode'));
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'files.autoSave': 'off' }));
    wb = await launchWorkbench({ name: 'surgery', workspace, extensionPaths: [REPO_ROOT], timeoutMs: 540_000 });
  });

  after(async () => {
    await wb?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  const ops = async (file: string, count: number, timeoutMs = 30_000): Promise<Frame> =>
    wb.webviewFrame({ selector: `canvas.graph[data-file="${file}"][data-op-node-count="${count}"]`, timeoutMs });
  const dirty = (file: string) => wb.page.locator(`.tabs-container [role="tab"].dirty[data-resource-name="${file}"]`).first();
  const clean = (file: string) => wb.page.locator(`.tabs-container [role="tab"]:not(.dirty)[data-resource-name="${file}"]`).first();
  const status = () => wb.page.locator('[id$="onnxLens.surgery"]').first();
  const onDisk = (file: string) => readFileSync(join(workspace, file));
  const opTypes = (bytes: Uint8Array) => decodeModel(bytes).graph.nodes.map((n) => n.opType);

  test('Simplify from the palette leaves one Reshape; onnxruntime says the outputs agree', async () => {
    await wb.openFileViaQuickOpen('reshape.onnx');
    const before = await wb.webviewFrame({ selector: 'canvas.graph[data-file="reshape.onnx"][data-op-node-count]', timeoutMs: 60_000 });
    const n0 = Number(await before.locator('canvas.graph').getAttribute('data-op-node-count'));
    assert.ok(n0 >= 5, `seed_just_reshape shows ${n0} nodes before`);
    await wb.startCommand('ONNX Lens: Simplify Model');
    await ops('reshape.onnx', 1, 60_000);
    await dirty('reshape.onnx').waitFor({ timeout: 10_000 });
    await status().filter({ hasText: /Simplify: max abs/ }).waitFor({ timeout: 60_000 });
    assert.match(await status().innerText(), /Simplify: max abs 0, rel 0/);
    await wb.screenshot('reshape-simplified');
  });

  test('undo restores the graph, redo applies it again, save writes the simplified model', async () => {
    await wb.runCommand('Undo');
    await ops('reshape.onnx', 10);
    await clean('reshape.onnx').waitFor({ timeout: 10_000 });
    await wb.runCommand('Redo');
    await ops('reshape.onnx', 1);
    await dirty('reshape.onnx').waitFor({ timeout: 10_000 });
    await wb.runCommand('File: Save');
    await clean('reshape.onnx').waitFor({ timeout: 15_000 });
    assert.deepEqual(opTypes(onDisk('reshape.onnx')), ['Reshape']);
    // Undo after the save, then save again: the identical bytes of the original file.
    await wb.runCommand('Undo');
    await ops('reshape.onnx', 10);
    await dirty('reshape.onnx').waitFor({ timeout: 10_000 });
    await wb.runCommand('File: Save');
    await clean('reshape.onnx').waitFor({ timeout: 15_000 });
    assert.ok(Buffer.compare(onDisk('reshape.onnx'), original) === 0, 'undo + save restores the identical bytes');
  });

  test('a change on disk while the editor is dirty is asked about; saving asks before overwriting it', async () => {
    await wb.startCommand('ONNX Lens: Simplify Model');
    await ops('reshape.onnx', 1, 60_000);
    await dirty('reshape.onnx').waitFor({ timeout: 10_000 });
    const theirs = Buffer.concat([original, Buffer.from([0x3a, 0x00])]); // the same model plus an empty field 7
    await new Promise((r) => setTimeout(r, 1100)); // a different mtime second on coarse file systems
    writeFileSync(join(workspace, 'reshape.onnx'), theirs);
    await wb.waitForNotification(/reshape\.onnx was changed on disk, and you have unsaved edits/, 20_000);
    await wb.page.locator('.notification-toast a.monaco-button', { hasText: 'Keep My Edits' }).first().click();
    await wb.runCommand('File: Save', 20_000).catch(() => undefined);
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    assert.match(await dialog.innerText(), /changed on disk after it was opened/);
    await wb.screenshot('reshape-overwrite-dialog');
    await dialog.locator('.monaco-button', { hasText: 'Cancel' }).first().click();
    await dirty('reshape.onnx').waitFor({ timeout: 10_000 });
    assert.ok(Buffer.compare(onDisk('reshape.onnx'), theirs) === 0, 'the change on disk is not overwritten');
    // Saving again and confirming writes the edits.
    await wb.runCommand('File: Save', 20_000).catch(() => undefined);
    await dialog.waitFor({ timeout: 15_000 });
    await dialog.locator('.monaco-button', { hasText: 'Overwrite' }).first().click();
    await clean('reshape.onnx').waitFor({ timeout: 15_000 });
    assert.deepEqual(opTypes(onDisk('reshape.onnx')), ['Reshape']);
  });

  test('a quick fix clicked in the graph view raises the opset and the error goes away', async () => {
    await wb.openFileViaQuickOpen('asinh7.onnx');
    const frame = await wb.webviewFrame({ selector: 'canvas.graph[data-file="asinh7.onnx"][data-node-count]', timeoutMs: 60_000 });
    await frame.locator('vscode-textfield').click();
    await wb.page.keyboard.type('Asinh');
    await wb.page.keyboard.press('Enter');
    await frame.locator('[data-testid="node-title"]', { hasText: 'Asinh' }).waitFor({ timeout: 15_000 });
    await frame.locator('.node-panel vscode-button', { hasText: 'raise the ai.onnx opset import to 9' }).first().click();
    await new Promise((r) => setTimeout(r, 1000));
    await wb.screenshot('asinh7-fix-clicked');
    await dirty('asinh7.onnx').waitFor({ timeout: 20_000 }).catch(async (e) => {
      const tabs = await wb.page.locator('.tabs-container [role="tab"]').evaluateAll((els) => els.map((t) => `${t.getAttribute('data-resource-name')}: ${t.className}`));
      throw new Error(`asinh7.onnx's tab is not dirty; tabs: ${JSON.stringify(tabs)}`, { cause: e });
    });
    await wb.openProblems();
    const deadline = Date.now() + 20_000;
    while ((await wb.problems()).some((p) => /Asinh is not in opset 7/.test(p.message))) {
      assert.ok(Date.now() < deadline, 'the Problems entry went away after the fix');
      await new Promise((r) => setTimeout(r, 200));
    }
    await wb.screenshot('asinh7-fixed');
  });

  test('Remove a node from the graph view context menu bypasses a one-in-one-out node', async () => {
    await wb.openFileViaQuickOpen('pre.onnx');
    const frame = await wb.webviewFrame({ selector: 'canvas.graph[data-file="pre.onnx"][data-op-node-count]', timeoutMs: 60_000 });
    const n0 = Number(await frame.locator('canvas.graph').getAttribute('data-op-node-count'));
    await frame.locator('vscode-textfield').click();
    await wb.page.keyboard.type('Unsqueeze');
    await wb.page.keyboard.press('Enter');
    await frame.locator('[data-testid="node-title"]', { hasText: 'Unsqueeze' }).waitFor({ timeout: 15_000 });
    const canvas = await frame.locator('canvas.graph').boundingBox();
    assert.ok(canvas);
    await wb.page.mouse.click(canvas.x + canvas.width / 2, canvas.y + canvas.height / 2, { button: 'right' });
    const item = wb.page.locator('.monaco-menu .action-item', { hasText: 'Remove a node' }).first();
    await item.waitFor({ timeout: 15_000 });
    await wb.screenshot('pre-context-menu');
    await item.click();
    await new Promise((r) => setTimeout(r, 1000));
    await wb.screenshot('pre-after-menu');
    await ops('pre.onnx', n0 - 1, 30_000);
    await dirty('pre.onnx').waitFor({ timeout: 10_000 });
    // Bypassing that Unsqueeze leaves Concat a scalar: onnxruntime no longer loads the result, and says so.
    await status().filter({ hasText: /onnxruntime cannot run the result/ }).waitFor({ timeout: 30_000 });
    await wb.waitForNotification(/broke the model for onnxruntime/, 15_000);
  });
});
