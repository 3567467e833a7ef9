// What package.json promises the user: a command for every surgery pass (shown in the palette while a graph is
// open), every command in the source registered under a contributed id and the reverse, settings read by the
// code declared with their defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { listPasses } from '../../../src/core/passes';

const ROOT = join(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const contributed = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));
const source = readdirSync(join(ROOT, 'src', 'extension')).map((f) => readFileSync(join(ROOT, 'src', 'extension', f), 'utf8')).join('\n');

test('every pass has a command, titled like the pass, in the palette while a graph is open', () => {
  const palette = new Map<string, string>(pkg.contributes.menus.commandPalette.map((m: { command: string; when: string }) => [m.command, m.when]));
  for (const p of listPasses()) {
    const id = `onnxLens.pass.${p.id}`;
    assert.ok(contributed.has(id), `package.json has no command ${id}`);
    const c = pkg.contributes.commands.find((x: { command: string }) => x.command === id);
    if (p.id !== 'simplify') {
      assert.equal(c.title.replace(/…$/, ''), p.title);
      assert.equal(palette.get(id), 'activeCustomEditorId == onnxLens.graph', `${id} shows in the palette with a graph open`);
    }
  }
  assert.ok(contributed.has('onnxLens.simplify') && contributed.has('onnxLens.runPass'));
});

test('commands registered in src/extension are contributed, and contributed ones are registered', () => {
  const registered = new Set([...source.matchAll(/registerCommand\(\s*'([^']+)'/g)].map((m) => m[1]));
  for (const p of listPasses()) registered.add(`onnxLens.pass.${p.id}`); // registered in a loop (surgery.ts)
  for (const id of contributed) assert.ok(registered.has(id), `${id} is contributed but never registered`);
  for (const id of registered) if (!id.startsWith('onnxLens.internal.')) assert.ok(contributed.has(id), `${id} is registered but not in package.json`);
});

test('the graph view context menu offers node and tensor passes that exist', () => {
  const menu: { command: string; when: string }[] = pkg.contributes.menus['webview/context'];
  assert.ok(menu.some((m) => m.command === 'onnxLens.pass.remove-node' && /webviewSection == 'node'/.test(m.when)));
  assert.ok(menu.some((m) => m.command === 'onnxLens.pass.add-output' && /webviewSection == 'tensor'/.test(m.when)));
  for (const m of menu) assert.ok(contributed.has(m.command), m.command);
});

test('settings the code reads are declared with defaults', () => {
  const props = pkg.contributes.configuration.properties;
  for (const k of ['onnxLens.surgery.checkWithOnnxruntime', 'onnxLens.surgery.rtol', 'onnxLens.surgery.atol', 'onnxLens.runtime.timeLimitSeconds', 'onnxLens.diagnostics.profile']) {
    assert.ok(props[k] && props[k].default !== undefined, `${k} declared with a default`);
  }
  assert.equal(props['onnxLens.surgery.rtol'].default, 1e-4);
  assert.equal(props['onnxLens.surgery.atol'].default, 1e-5);
});
