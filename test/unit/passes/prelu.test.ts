// rewrite-prelu and reshape-prelu-slope, checked in onnxruntime.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeClient } from '../../../src/runtime/client';
import { encodeModel } from '../../../src/core/codec/encode';
import { hostFromNumbers, hostToNumbers } from '../../../src/core/codec/tensordata';
import { DataType } from '../../../src/core/ir/dtype';
import { runPass } from '../../../src/core/passes/registry';
import { buildModel, floatTensor } from '../../helpers/build';
import { copyOf, loadSample, maxScaledDiff, opHistogram, runBytes, sampleInputs } from './helpers';

const rt = new RuntimeClient();
after(() => rt.dispose());

//   input -> Conv -> PRelu(slope[8,1,1]) -> InstanceNormalization -> Conv -> output     (seed_prelu_instnorm)
//   becomes ... -> Relu, Neg -> Relu -> Mul(slope) -> Sub -> InstanceNormalization ...
test('rewrite-prelu on seed_prelu_instnorm: no PRelu left, outputs equal', async () => {
  const original = loadSample('seed_prelu_instnorm');
  const m = copyOf(original);
  const r = await runPass('rewrite-prelu', m);
  assert.ok(r.modified);
  const h = opHistogram(m);
  assert.equal(h.PRelu, undefined);
  assert.equal(h.Relu, 2);
  assert.equal(h.Neg, 1);
  assert.equal(h.Mul, 1);
  assert.equal(h.Sub, 1);
  const feeds = sampleInputs('seed_prelu_instnorm', original);
  const a = await runBytes(rt, encodeModel(original), feeds);
  const b = await runBytes(rt, encodeModel(m), feeds);
  assert.ok(maxScaledDiff(a[0], b[0]) <= 1e-5);
});

//   x -> PRelu(s) -> y (output)    the rewritten Sub writes y itself
test('rewrite-prelu keeps the output name; refuses a node that is no PRelu; opset < 7 refused', async () => {
  const m = buildModel({
    inputs: [{ name: 'x', shape: [4] }],
    outputs: [{ name: 'y' }],
    initializers: [floatTensor('s', [1], [0.25])],
    nodes: [{ op: 'PRelu', name: 'act', inputs: ['x', 's'], outputs: ['y'] }],
  });
  await runPass('rewrite-prelu', m);
  assert.equal(m.graph.outputs[0].value.producer?.opType, 'Sub');
  const out = await runBytes(rt, encodeModel(m), [hostFromNumbers(DataType.FLOAT, [4], [-4, -1, 0, 2], 'x')]);
  assert.deepEqual(Array.from(hostToNumbers(out[0])), [-1, -0.25, 0, 2]);
  await assert.rejects(runPass('rewrite-prelu', m, { node: 'act/sub' }), /is a Sub, not a PRelu/);
  const old = buildModel({
    opset: 6,
    inputs: [{ name: 'x', shape: [4] }],
    outputs: [{ name: 'y' }],
    initializers: [floatTensor('s', [1], [0.25])],
    nodes: [{ op: 'PRelu', inputs: ['x', 's'], outputs: ['y'] }],
  });
  await assert.rejects(runPass('rewrite-prelu', old), /opset 6.*raise the opset/);
  const none = loadSample('seed_linear');
  assert.equal((await runPass('rewrite-prelu', none)).modified, false);
});

//   x[1,3,2,2] -> PRelu(slope[3]) -> y   onnxruntime rejects the slope ([3] aligns with W=2, not C=3)
//   reshape-prelu-slope: slope -> [3,1,1]; the model loads and applies the slope per channel
test('reshape-prelu-slope makes a [C] slope broadcast per channel; onnxruntime then accepts the model', async () => {
  const spec = () =>
    buildModel({
      opset: 13,
      inputs: [{ name: 'x', shape: [1, 3, 2, 2] }],
      outputs: [{ name: 'y' }],
      initializers: [floatTensor('slope', [3], [0.1, 0.2, 0.3])],
      nodes: [{ op: 'PRelu', inputs: ['x', 'slope'], outputs: ['y'] }],
    });
  const x = hostFromNumbers(DataType.FLOAT, [1, 3, 2, 2], Array.from({ length: 12 }, () => -1), 'x');
  await assert.rejects(runBytes(rt, encodeModel(spec()), [x]));
  const m = spec();
  const r = await runPass('reshape-prelu-slope', m);
  assert.ok(r.modified, r.summary);
  assert.deepEqual(m.graph.initializers[0].dims.map(Number), [3, 1, 1]);
  const out = await runBytes(rt, encodeModel(m), [x]);
  const v = Array.from(hostToNumbers(out[0])).map((n) => Math.round(n * 1000) / 1000);
  assert.deepEqual(v, [-0.1, -0.1, -0.1, -0.1, -0.2, -0.2, -0.2, -0.2, -0.3, -0.3, -0.3, -0.3]);
  // Again: nothing left to do.
  const again = await runPass('reshape-prelu-slope', m);
  assert.equal(again.modified, false);
  // The sample model's [8,1,1] slope already broadcasts.
  assert.equal((await runPass('reshape-prelu-slope', loadSample('seed_prelu_instnorm'))).modified, false);
});
