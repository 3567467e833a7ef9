// The registry and the pass contract: ids, declared arguments, one documented file per pass, argument coercion,
// and src/core/passes staying free of vscode, onnxruntime and the runtime process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { coerceArgs, getPass, listPasses, runPass } from '../../../src/core/passes/registry';
import { PassError } from '../../../src/core/passes/types';
import { loadSample } from './helpers';

const DIR = join(__dirname, '../../../src/core/passes');

test('every pass declares an id, a title, a description and typed, described arguments', () => {
  const ids = new Set<string>();
  for (const p of listPasses()) {
    assert.match(p.id, /^[a-z][a-z-]*$/);
    assert.ok(!ids.has(p.id), `duplicate id ${p.id}`);
    ids.add(p.id);
    assert.ok(p.title.length > 3 && p.description.length > 20, p.id);
    assert.ok(p.kind === 'edit' || p.kind === 'new-model');
    for (const a of p.args) {
      assert.ok(a.description.length > 5, `${p.id}.${a.name}`);
      if (a.type === 'enum') assert.ok(a.choices && a.choices.length > 1, `${p.id}.${a.name} has choices`);
      if (a.default !== undefined) {
        const d = a.default;
        const ok = a.type === 'integer' ? Number.isInteger(d) : a.type === 'boolean' ? typeof d === 'boolean' : a.type === 'enum' ? a.choices!.includes(String(d)) : a.type === 'tensors' ? Array.isArray(d) : typeof d === 'string' || typeof d === 'number';
        assert.ok(ok, `${p.id}.${a.name}: default ${JSON.stringify(d)} is not a ${a.type}`);
      }
    }
    assert.equal(getPass(p.id), p);
  }
  for (const id of ['simplify', 'fold-batchnorm', 'rewrite-prelu', 'reshape-prelu-slope', 'set-dim', 'make-dim-symbolic', 'rename-dim', 'set-batch', 'set-attribute', 'remove-attribute', 'rename-node', 'rename-tensor', 'remove-node', 'remove-output', 'add-output', 'extract', 'external-data', 'raise-opset']) {
    assert.ok(ids.has(id), `missing pass ${id}`);
  }
});

test('one pass per file, each with a doc comment that sketches what it handles and leaves alone', () => {
  for (const p of listPasses()) {
    const file = join(DIR, `${p.id}.ts`);
    const src = readFileSync(file, 'utf8');
    assert.match(src, /^\/\*\*\n/, `${p.id}.ts starts with a doc comment`);
    const doc = src.slice(0, src.indexOf('*/'));
    assert.ok(doc.length > 200, `${p.id}.ts documents itself`);
    assert.match(doc, /Refuses|Leaves alone|Left alone|Kept|left alone|refused|never/i, `${p.id}.ts says what it leaves alone or refuses`);
    assert.match(src, new RegExp(`id: '${p.id}'`));
  }
});

test('src/core/passes imports no vscode, onnxruntime-node, DOM glue or runtime process code', () => {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(DIR);
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/from '([^']+)'/g)) {
      assert.ok(!/^vscode$|onnxruntime|\/runtime\/|\/extension\/|\/webview\//.test(m[1]), `${f} imports ${m[1]}`);
    }
  }
});

test('arguments: strings from a command line become their declared types; defaults fill in', () => {
  const p = getPass('set-dim')!;
  assert.deepEqual(coerceArgs(p, { input: 'x', axis: '-1', value: '3' }), { input: 'x', axis: -1, value: '3' });
  assert.deepEqual(coerceArgs(getPass('remove-node')!, { node: 'n', force: 'yes' }), { node: 'n', mode: 'auto', force: true });
  assert.deepEqual(coerceArgs(getPass('extract')!, { inputs: 'a, b', outputs: ['c'] }), { inputs: ['a', 'b'], outputs: ['c'] });
  assert.throws(() => coerceArgs(p, { input: 'x', axis: '1.5', value: '1' }), /argument 'axis' expects an integer; found "1.5"/);
  assert.throws(() => coerceArgs(p, { input: 'x', axis: 0 }), /set-dim needs the argument 'value'/);
  assert.throws(() => coerceArgs(p, { input: 'x', axis: 0, value: '1', valu: '2' }), /set-dim has no argument 'valu'; its arguments are input, axis, value/);
  assert.throws(() => coerceArgs(getPass('remove-node')!, { node: 'n', force: 'maybe' }), /expects true or false/);
  assert.throws(() => coerceArgs(getPass('remove-node')!, { node: 'n', mode: 'cut' }), /expects one of auto, bypass, delete/);
});

test('runPass: unknown ids are refused with the list of passes', async () => {
  await assert.rejects(runPass('simplfy', loadSample('seed_linear')), (e: unknown) => e instanceof PassError && /there is no pass 'simplfy'; the passes are simplify,/.test(e.message));
});
