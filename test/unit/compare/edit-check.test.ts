// The check after each edit: the model before and after a pass, run in onnxruntime on the same seeded inputs.
// A pass that keeps the numbers passes; one that changes them is caught; renamed inputs and outputs are matched
// by position; an added output is listed as not compared.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readModelFile } from '../../../src/core/codec/file';
import { encodeModel } from '../../../src/core/codec/encode';
import { decodeModel } from '../../../src/core/codec/decode';
import { RuntimeClient } from '../../../src/runtime/client';
import { checkEdit, describeEditCheck } from '../../../src/core/compare';
import { runPass } from '../../../src/core/passes';

const MODELS = join(__dirname, '..', '..', 'fixtures', 'models');
const client = new RuntimeClient({ timeoutMs: 60_000 });
after(() => client.dispose());

async function edited(name: string, pass: string, args: Record<string, unknown>) {
  const model = readModelFile(join(MODELS, name, 'model.onnx'));
  const bytes = encodeModel(model);
  const copy = decodeModel(bytes);
  const r = await runPass(pass, copy, args);
  assert.ok(r.modified, r.summary);
  const afterBytes = encodeModel(copy);
  return checkEdit({ runner: client, before: { model, bytes }, after: { model: decodeModel(afterBytes), bytes: afterBytes } });
}

test('simplify keeps the numbers of seed_preprocess, mobilenet_v2 and seed_focus within rtol 1e-4, atol 1e-5', async () => {
  for (const name of ['seed_preprocess', 'mobilenet_v2', 'seed_focus']) {
    const c = await edited(name, 'simplify', {});
    assert.equal(c.status, 'checked', describeEditCheck(c));
    if (c.status !== 'checked') return;
    assert.ok(c.pass, `${name}: ${describeEditCheck(c)}`);
    assert.ok(c.outputs.length >= 1);
    assert.match(describeEditCheck(c), /outputs agree within rtol 0\.0001, atol 0\.00001/);
  }
});

test('an edit that changes the numbers is caught and named', async () => {
  const c = await edited('seed_prelu_instnorm', 'set-attribute', { node: '/in_norm/InstanceNormalization', name: 'epsilon', value: '10' });
  assert.equal(c.status, 'checked');
  if (c.status !== 'checked') return;
  assert.equal(c.pass, false);
  assert.ok(c.maxAbs > 1e-3, String(c.maxAbs));
  assert.match(describeEditCheck(c), /outputs changed: 'output'.* beyond rtol 0\.0001, atol 0\.00001/);
});

test('a renamed input and output are matched by position; an added output is not compared', async () => {
  const r1 = await edited('seed_linear', 'rename-tensor', { tensor: readModelFile(join(MODELS, 'seed_linear', 'model.onnx')).graph.inputs[0].value.name, name: 'renamed_in' });
  assert.equal(r1.status, 'checked', describeEditCheck(r1));
  if (r1.status === 'checked') assert.ok(r1.pass && r1.outputs.length === 1, describeEditCheck(r1));
  const model = readModelFile(join(MODELS, 'seed_preprocess', 'model.onnx'));
  const inner = model.graph.nodes.find((n) => n.outputs[0] && !model.graph.outputs.some((o) => o.value === n.outputs[0]) && n.opType !== 'Constant')!;
  const r2 = await edited('seed_preprocess', 'add-output', { tensor: inner.outputs[0]!.name });
  assert.equal(r2.status, 'checked');
  if (r2.status === 'checked') {
    assert.deepEqual(r2.notCompared, [inner.outputs[0]!.name]);
    assert.ok(r2.pass);
  }
});

test('an edit that leaves a model onnxruntime cannot load is reported as broken, not as unchecked', async () => {
  const c = await edited('seed_preprocess', 'remove-node', { node: '/Unsqueeze' });
  assert.equal(c.status, 'broken', describeEditCheck(c));
  assert.match(describeEditCheck(c), /the edit broke the model: onnxruntime ran the model before the edit, but not after it/);
});
