// onnx-lens simplify and onnx-lens pass, through the CLI's main().
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { readModelFile } from '../../../src/core/codec/file';
import { describeType } from '../../../src/core/ir/types';
import { modelPath } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'onnx-lens-cli-passes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('simplify MODEL OUT prints node counts and what changed, and writes OUT', async () => {
  const out = join(dir, 'reshape.onnx');
  const r = await run('simplify', modelPath('seed_just_reshape'), out);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /10 -> 1 nodes/);
  assert.match(r.out, /Constant nodes turned into initializers/);
  assert.match(r.out, /wrote .*reshape\.onnx/);
  assert.deepEqual(readModelFile(out).graph.nodes.map((n) => n.opType), ['Reshape']);
});

test('simplify --json --no-runtime: a report to parse', async () => {
  const out = join(dir, 'preprocess.onnx');
  const r = await run('simplify', modelPath('seed_preprocess'), out, '--json', '--no-runtime');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.nodesBefore, 14);
  assert.equal(j.nodesAfter, 3);
  assert.equal(j.written, true);
  assert.equal(j.runtime, false);
  assert.ok(j.changes['Constant nodes turned into initializers'] > 0);
});

test('simplify with nothing to do writes nothing and says so (exit 0)', async () => {
  const out = join(dir, 'linear.onnx');
  const r = await run('simplify', modelPath('seed_linear'), out, '--no-runtime');
  assert.equal(r.code, 0);
  assert.match(r.out, /nothing to simplify: .* not written/);
  assert.equal(existsSync(out), false);
});

test('pass --list names every pass and its arguments; --json parses', async () => {
  const r = await run('pass', '--list');
  assert.equal(r.code, 0);
  for (const id of ['simplify', 'set-dim', 'extract', 'external-data', 'raise-opset']) assert.match(r.out, new RegExp(`^${id} `, 'm'));
  assert.match(r.out, /axis: integer/);
  const j = JSON.parse((await run('pass', '--list', '--json')).out);
  assert.ok(j.find((p: { id: string }) => p.id === 'fold-batchnorm'));
});

test('pass set-dim --arg k=v writes the edited model', async () => {
  const out = join(dir, 'batch3.onnx');
  const r = await run('pass', 'set-dim', modelPath('seed_dynamic_batch'), out, '--arg', 'input=input0', '--arg', 'axis=0', '--arg=value=3');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /set-dim: dim 0 of input 'input0': batch -> 3/);
  assert.equal(describeType(readModelFile(out).graph.inputs[0].proto?.type), 'float[3,1,1,4]');
});

test('pass extract writes the new model; pass external-data writes the data file beside OUT', async () => {
  const sub = join(dir, 'sub.onnx');
  const r = await run('pass', 'extract', modelPath('seed_two_heads'), sub, '--arg', `outputs=${readModelFile(modelPath('seed_two_heads')).graph.outputs[0].value.name}`);
  assert.equal(r.code, 0, r.err);
  assert.equal(readModelFile(sub).graph.outputs.length, 1);
  const ext = join(dir, 'focus.onnx');
  const e = await run('pass', 'external-data', modelPath('seed_focus'), ext, '--arg', 'threshold=256');
  assert.equal(e.code, 0, e.err);
  assert.ok(existsSync(join(dir, 'focus.onnx.data')), e.out);
  assert.ok(readFileSync(join(dir, 'focus.onnx.data')).byteLength > 1000);
  assert.ok(readModelFile(ext).graph.initializers.some((t) => t.isExternal));
});

test('refusals and mistakes: exit 2 with one line saying what to do', async () => {
  const out = join(dir, 'never.onnx');
  const cases: [string[], RegExp][] = [
    [['pass', 'set-dim', modelPath('seed_linear'), out, '--arg', 'input=nope', '--arg', 'axis=0', '--arg', 'value=1'], /^onnx-lens: pass set-dim: the model has no input named 'nope'; its inputs are 'input0'$/],
    [['pass', 'fold-batchnrom', modelPath('seed_linear'), out], /there is no pass 'fold-batchnrom'; the passes are/],
    [['pass', 'raise-opset', modelPath('seed_linear'), out, '--arg', 'to'], /argument 'to' expects an integer/],
    [['pass', 'raise-opset', modelPath('seed_linear'), out, '--arg', 'to=9', '--arg', 'to=10'], /--arg to is given twice/],
    [['simplify', modelPath('seed_linear')], /missing OUT/],
  ];
  for (const [argv, re] of cases) {
    const r = await run(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, re);
    assert.equal(r.err.split('\n').length, 1, r.err);
  }
  assert.equal(existsSync(out), false);
});
