// Hot exit in the real workbench: an unsaved Simplify survives "Developer: Reload Window". VS Code asks the
// custom editor for a backup (backupCustomDocument writes the model bytes into the extension's workspace
// storage; the workbench keeps a small record of it under <user-data>/User/Backups/<workspace>/), and after
// the reload it reopens the editor from that backup (openCustomDocument with openContext.backupId): the tab is
// still dirty, the graph shows the edited model, the file on disk is untouched, and File: Save writes the edit.
//
// Settings: code-server.mjs's defaults set 'files.hotExit': 'off' (so other suites close without prompts);
// this suite turns it back on ('onExit', VS Code's default). In the browser workbench 'off' does not stop the
// backups, it only makes the page veto the unload (a beforeunload "leave site?" prompt), which the reload below
// would report as an unexpected dialog. The workspace sets 'files.autoSave': 'off' or the edit would be saved
// after a delay instead of backed up.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dialog, Frame } from 'playwright-core';
import { launchWorkbench, type Workbench } from './harness';
import { REPO_ROOT } from './code-server.mjs';
import { decodeModel } from '../../src/core/codec/decode';

const MODELS = join(REPO_ROOT, 'test', 'fixtures', 'models');
const VIEW_TYPE = 'onnxLens.graph';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The workbench's record of one custom editor backup (the meta line of a file under User/Backups). */
interface BackupRecord {
  recordFile: string;
  /** Where the extension wrote the model bytes (the backupId it returned, a file: URI here). */
  dataFile: string;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/**
 * The custom editor backups the workbench holds for `modelPath`. Each file under User/Backups/<workspace>/
 * vscode-custom-editor/ starts with "<working copy resource> <JSON meta>\n"; the meta names the view type, the
 * editor's resource and the backupId the extension returned.
 */
function backupRecords(userDataDir: string, modelPath: string): BackupRecord[] {
  const out: BackupRecord[] = [];
  for (const recordFile of filesUnder(join(userDataDir, 'User', 'Backups'))) {
    if (!recordFile.includes('/vscode-custom-editor/')) continue;
    const text = readFileSync(recordFile, 'utf8');
    const line = text.slice(0, text.indexOf('\n') >= 0 ? text.indexOf('\n') : text.length);
    const space = line.indexOf(' ');
    if (space < 0) continue;
    let meta: { viewType?: string; editorResource?: { path?: string }; backupId?: string };
    try {
      meta = JSON.parse(line.slice(space + 1));
    } catch {
      continue; // being written
    }
    if (meta.viewType !== VIEW_TYPE || meta.editorResource?.path !== modelPath || !meta.backupId) continue;
    assert.match(meta.backupId, /^file:/, `expected the extension's backupId to be a file: URI (the destination VS Code gave), found ${meta.backupId}`);
    out.push({ recordFile, dataFile: fileURLToPath(meta.backupId) });
  }
  return out;
}

describe('e2e: unsaved edits survive a window reload (hot exit)', { timeout: 180_000 }, () => {
  let wb: Workbench;
  let workspace: string;
  const original = readFileSync(join(MODELS, 'seed_just_reshape', 'model.onnx'));

  before(async () => {
    assert.ok(existsSync(join(REPO_ROOT, 'dist', 'extension.js')), 'build first: npm run build');
    workspace = mkdtempSync(join(tmpdir(), 'onnx-lens-e2e-hotexit-'));
    copyFileSync(join(MODELS, 'seed_just_reshape', 'model.onnx'), join(workspace, 'reshape.onnx'));
    copyFileSync(join(MODELS, 'seed_just_reshape', 'model.onnx'), join(workspace, 'second.onnx'));
    mkdirSync(join(workspace, '.vscode'));
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'files.autoSave': 'off' }));
    wb = await launchWorkbench({
      name: 'hotexit',
      workspace,
      extensionPaths: [REPO_ROOT],
      settings: { 'files.hotExit': 'onExit' },
      timeoutMs: 170_000,
    });
  });

  after(async () => {
    await wb?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  const tab = (file: string) => wb.page.locator(`.tabs-container [role="tab"][data-resource-name="${file}"]`).first();
  const dirty = (file: string) => wb.page.locator(`.tabs-container [role="tab"].dirty[data-resource-name="${file}"]`).first();
  const clean = (file: string) => wb.page.locator(`.tabs-container [role="tab"]:not(.dirty)[data-resource-name="${file}"]`).first();
  const ops = (file: string, count: number, timeoutMs = 30_000): Promise<Frame> =>
    wb.webviewFrame({ selector: `canvas.graph[data-file="${file}"][data-op-node-count="${count}"]`, timeoutMs });
  const onDisk = (file: string) => readFileSync(join(workspace, file));
  const opTypes = (bytes: Uint8Array) => decodeModel(bytes).graph.nodes.map((n) => n.opType);
  const tabStates = () =>
    wb.page.locator('.tabs-container [role="tab"]').evaluateAll((els) => els.map((t) => `${t.getAttribute('data-resource-name')}: ${t.className}`));

  /** Opens `file`, simplifies it (10 op nodes -> 1 Reshape) and waits until its tab is dirty. */
  async function simplify(file: string): Promise<void> {
    await wb.openFileViaQuickOpen(file);
    await ops(file, 10, 60_000);
    await wb.startCommand('ONNX Lens: Simplify Model');
    await ops(file, 1, 60_000);
    await dirty(file).waitFor({ timeout: 10_000 });
  }

  /**
   * Waits until the workbench holds a backup of `file`'s editor whose bytes (written by the extension) are a
   * model with exactly `expectedOps`, and returns it. code-server only (desktop VS Code keeps its user data
   * elsewhere): there the wait is a fixed few seconds, well above VS Code's 1 s backup delay.
   */
  async function waitForBackup(file: string, expectedOps: string[], timeoutMs = 15_000): Promise<BackupRecord | undefined> {
    if (!wb.server) {
      await sleep(4000);
      return undefined;
    }
    const modelPath = join(workspace, file);
    const deadline = Date.now() + timeoutMs;
    let seen = 'no record under User/Backups names it';
    while (Date.now() < deadline) {
      for (const rec of backupRecords(wb.server.userDataDir, modelPath)) {
        if (!existsSync(rec.dataFile)) {
          seen = `a record points at ${rec.dataFile}, which does not exist`;
          continue;
        }
        const types = opTypes(readFileSync(rec.dataFile));
        if (JSON.stringify(types) === JSON.stringify(expectedOps)) return rec;
        seen = `the backup at ${rec.dataFile} holds ${JSON.stringify(types)}`;
      }
      await sleep(200);
    }
    throw new Error(
      `expected VS Code to back up ${file}'s unsaved edit (a model with ${JSON.stringify(expectedOps)}) within ${timeoutMs} ms; ${seen}. ` +
        'Is backupCustomDocument implemented, files.hotExit not off and files.autoSave off?',
    );
  }

  /** "Developer: Reload Window", failing if the page asks before unloading (hot exit refused: edits not backed up). */
  async function reloadWindow(): Promise<void> {
    const dialogs: string[] = [];
    const onDialog = (d: Dialog) => {
      dialogs.push(`${d.type()}: ${JSON.stringify(d.message())}`);
      void d.dismiss().catch(() => {});
    };
    wb.page.on('dialog', onDialog);
    try {
      const reloaded = wb.page.waitForEvent('domcontentloaded', { timeout: 30_000 });
      await wb.runCommand('Developer: Reload Window');
      await reloaded.catch((e) => {
        throw new Error(`the window did not reload within 30 s${dialogs.length ? `; the page asked: ${dialogs.join('; ')}` : ''}`, { cause: e });
      });
      assert.deepEqual(dialogs, [], 'the reload went through without a "leave site?" veto (the workbench had backups of every dirty editor)');
    } finally {
      wb.page.off('dialog', onDialog);
    }
    await wb.waitForReady(60_000);
  }

  /** Brings `file`'s (restored) tab to the front. */
  async function showTab(file: string): Promise<void> {
    await tab(file)
      .waitFor({ timeout: 30_000 })
      .catch(async (e) => {
        throw new Error(`expected the reloaded window to restore ${file}'s tab; tabs: ${JSON.stringify(await tabStates())}`, { cause: e });
      });
    await tab(file).click();
  }

  let backup: BackupRecord | undefined;

  test('a simplified, unsaved model is backed up: the backup holds the edited model', async () => {
    // second.onnx is edited too, for the last test: both are restored by the same reload.
    await simplify('second.onnx');
    await simplify('reshape.onnx');
    backup = await waitForBackup('reshape.onnx', ['Reshape']);
    await waitForBackup('second.onnx', ['Reshape']);
    assert.ok(Buffer.compare(onDisk('reshape.onnx'), original) === 0, 'a backup does not touch the file itself');
  });

  test('after Developer: Reload Window the editor shows the edited model, the tab is dirty, the file is untouched', async () => {
    await reloadWindow();
    await showTab('reshape.onnx');
    await ops('reshape.onnx', 1, 60_000).catch(async (e) => {
      const f = await wb.webviewFrame({ selector: 'canvas.graph[data-file="reshape.onnx"][data-op-node-count]', timeoutMs: 5000 }).catch(() => undefined);
      const n = await f?.locator('canvas.graph').getAttribute('data-op-node-count');
      throw new Error(`expected the restored editor to show the edited model (1 op node); it shows ${n ?? 'no graph'}`, { cause: e });
    });
    await dirty('reshape.onnx')
      .waitFor({ timeout: 10_000 })
      .catch(async (e) => {
        throw new Error(`expected reshape.onnx's tab to be dirty after the reload; tabs: ${JSON.stringify(await tabStates())}`, { cause: e });
      });
    assert.ok(Buffer.compare(onDisk('reshape.onnx'), original) === 0, 'the file on disk is still the original model');
    assert.equal(opTypes(onDisk('reshape.onnx')).length, 10);
    await wb.screenshot('reshape-restored');
  });

  test('File: Save writes the restored edit, drops the backup, and the next reload shows a clean editor', async () => {
    await showTab('reshape.onnx');
    await wb.runCommand('File: Save');
    await clean('reshape.onnx').waitFor({ timeout: 15_000 });
    assert.deepEqual(opTypes(onDisk('reshape.onnx')), ['Reshape']);
    if (backup) {
      // The extension's backup.delete() runs once VS Code no longer needs it (after the save).
      const deadline = Date.now() + 10_000;
      while (existsSync(backup.dataFile) && Date.now() < deadline) await sleep(200);
      assert.ok(!existsSync(backup.dataFile), `the backup ${backup.dataFile} is deleted after the save`);
    }
    await reloadWindow();
    await showTab('reshape.onnx');
    await ops('reshape.onnx', 1, 60_000);
    await clean('reshape.onnx').waitFor({ timeout: 10_000 });
    assert.deepEqual(opTypes(onDisk('reshape.onnx')), ['Reshape']);
    await wb.screenshot('reshape-saved-reloaded');
  });

  test(
    'a restored document counts as unsaved: a change on disk asks instead of silently replacing the restored edit',
    async () => {
      await showTab('second.onnx');
      await ops('second.onnx', 1, 60_000);
      await dirty('second.onnx').waitFor({ timeout: 10_000 });
      await sleep(1100); // a different mtime second on coarse file systems
      writeFileSync(join(workspace, 'second.onnx'), Buffer.concat([original, Buffer.from([0x3a, 0x00])])); // + an empty field 7
      const asked = wb.waitForNotification(/second\.onnx was changed on disk, and you have unsaved edits/, 15_000);
      await asked.catch(async (e) => {
        const f = await wb.webviewFrame({ selector: 'canvas.graph[data-file="second.onnx"][data-op-node-count]', timeoutMs: 5000 }).catch(() => undefined);
        const n = await f?.locator('canvas.graph').getAttribute('data-op-node-count');
        await wb.screenshot('second-changed-on-disk');
        throw new Error(
          `expected ONNX Lens to ask about the change on disk (second.onnx is dirty, restored from a backup); it did not, ` +
            `and the editor now shows ${n ?? 'no graph'} op nodes while its tab says ${JSON.stringify((await tabStates()).find((t) => t.startsWith('second.onnx')))}`,
          { cause: e },
        );
      });
      await ops('second.onnx', 1, 5000);
    },
  );
});
