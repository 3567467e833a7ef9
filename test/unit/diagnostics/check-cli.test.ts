// `onnx-lens check`: one line per diagnostic, --json, --profile, exit codes (1 on errors, 0 otherwise, 2 bad input).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { MODELS } from './helpers';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const file = (name: string) => join(MODELS, name, 'model.onnx');

test('check prints "severity code node: message" and exits 1 when there is an error', async () => {
  const r = await run('check', file('seed_asinh_opset7'));
  assert.equal(r.code, 1);
  assert.match(r.out, /^error op-not-in-opset \/Asinh: Asinh is not in opset 7 of ai\.onnx \(it exists since opset 9\): raise the ai\.onnx opset import to 9/);
  assert.equal(r.out.split('\n').length, 1);
  assert.match(r.err, /1 error$/);
});

test('check exits 0 on a clean model and when there are only warnings; says so on stderr', async () => {
  const clean = await run('check', file('seed_linear'));
  assert.deepEqual([clean.code, clean.out], [0, '']);
  assert.match(clean.err, /no problems found/);
  const warn = await run('check', file('seed_just_reshape'));
  assert.equal(warn.code, 0);
  assert.match(warn.out, /^warning glue-chain \/Reshape: /);
});

test('check --json gives { diagnostics: [{ code, severity, message, node, tensor, ... }] }', async () => {
  const r = await run('check', file('seed_deform_conv'), '--json');
  assert.equal(r.code, 1);
  const j = JSON.parse(r.out);
  assert.equal(j.profile, 'default');
  assert.equal(j.diagnostics.length, 1);
  const d = j.diagnostics[0];
  assert.deepEqual([d.code, d.severity, d.node, d.tensor], ['custom-op', 'error', '/conv2/deform_conv2d', null]);
  assert.match(d.message, /no schema and no onnxruntime kernel/);
});

test('check --profile tensorrt adds the TensorRT rules; --tensorrt-version and --max-opset feed the facts', async () => {
  const def = await run('check', file('seed_prelu_instnorm'));
  assert.deepEqual([def.code, def.out], [0, '']);
  const trt = await run('check', file('seed_prelu_instnorm'), '--profile', 'tensorrt');
  assert.equal(trt.code, 0);
  assert.match(trt.out, /^warning trt-instancenorm-epsilon \/in_norm\/InstanceNormalization: epsilon is 1e-5/);
  const bert8 = await run('check', file('bert_tiny'), '--profile=tensorrt', '--json');
  assert.ok(JSON.parse(bert8.out).diagnostics.some((d: { code: string }) => d.code === 'trt-int64-io'));
  const bert10 = await run('check', file('bert_tiny'), '--profile=tensorrt', '--tensorrt-version', '10', '--json');
  assert.ok(!JSON.parse(bert10.out).diagnostics.some((d: { code: string }) => d.code.startsWith('trt-int64')));
  const opset = await run('check', file('seed_linear'), '--max-opset', '11');
  assert.equal(opset.code, 1);
  assert.match(opset.out, /^error opset-beyond-runtime main: the model imports ai\.onnx opset 12, but the installed onnxruntime supports ai\.onnx up to opset 11/);
});

test('check refuses bad input with exit 2 and one line', async () => {
  const p = await run('check', file('seed_linear'), '--profile', 'npu');
  assert.equal(p.code, 2);
  assert.equal(p.err, "onnx-lens: check: --profile expects one of default, tensorrt; found 'npu'");
  const n = await run('check', file('seed_linear'), '--max-opset', '0');
  assert.equal(n.code, 2);
  assert.match(n.err, /--max-opset expects a positive integer/);
  const missing = await run('check', join(MODELS, 'nope.onnx'));
  assert.equal(missing.code, 2);
  assert.equal(missing.err.split('\n').length, 1);
  const none = await run('check');
  assert.equal(none.code, 2);
  assert.match(none.err, /missing MODEL/);
});
