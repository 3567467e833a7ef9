// fold-batchnorm: BatchNormalization folded into Conv / ConvTranspose / Gemm, checked in onnxruntime; training-mode
// BatchNormalization refused; resnet18 exported with TrainingMode.PRESERVE loses every BatchNormalization.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeClient } from '../../../src/runtime/client';
import { encodeModel } from '../../../src/core/codec/encode';
import { hostFromNumbers } from '../../../src/core/codec/tensordata';
import { DataType } from '../../../src/core/ir/dtype';
import type { Model } from '../../../src/core/ir/model';
import type { HostTensor } from '../../../src/core/ir/hosttensor';
import { runPass } from '../../../src/core/passes/registry';
import { PassError } from '../../../src/core/passes/types';
import { buildModel, floatTensor, type ModelSpec } from '../../helpers/build';
import { FIXTURES, copyOf, loadSample, maxScaledDiff, opHistogram, runBytes, sampleInputs, sampleOutputs } from './helpers';

const rt = new RuntimeClient();
after(() => rt.dispose());

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const f32 = (dims: number[], values: number[], name: string): HostTensor => hostFromNumbers(DataType.FLOAT, dims, values, name);

function bnInits(c: number): ModelSpec['initializers'] {
  return [
    floatTensor('scale', [c], seq(c, (i) => 0.5 + i / 4)),
    floatTensor('bias', [c], seq(c, (i) => i / 10 - 0.1)),
    floatTensor('mean', [c], seq(c, (i) => Math.sin(i) / 2)),
    floatTensor('var', [c], seq(c, (i) => 0.3 + i / 5)),
  ];
}

async function check(spec: () => Model, feeds: HostTensor[], tol = 1e-5): Promise<Model> {
  const before = spec();
  const m = spec();
  const r = await runPass('fold-batchnorm', m);
  assert.ok(r.modified, r.summary);
  assert.equal(opHistogram(m).BatchNormalization, undefined, r.details?.join('\n'));
  const a = await runBytes(rt, encodeModel(before), feeds, 'disabled');
  const b = await runBytes(rt, encodeModel(m), feeds, 'disabled');
  a.forEach((x, i) => assert.ok(maxScaledDiff(x, b[i]) <= tol, `differs by ${maxScaledDiff(x, b[i])}`));
  return m;
}

//   x[1,2,6,6] -> Conv(W[4,2,3,3], B) -> BatchNormalization -> y (graph output)    ->   x -> Conv(W', B') -> y
test('Conv + BatchNormalization: one Conv writing y, same outputs', async () => {
  const spec = () =>
    buildModel({
      inputs: [{ name: 'x', shape: [1, 2, 6, 6] }],
      outputs: [{ name: 'y' }],
      initializers: [floatTensor('W', [4, 2, 3, 3], seq(72, (i) => Math.cos(i) / 4)), floatTensor('B', [4], [0.1, 0.2, 0.3, 0.4]), ...bnInits(4)!],
      nodes: [
        { op: 'Conv', inputs: ['x', 'W', 'B'], outputs: ['c'], name: 'conv' },
        { op: 'BatchNormalization', inputs: ['c', 'scale', 'bias', 'mean', 'var'], outputs: ['y'], attrs: { epsilon: 1e-3 } },
      ],
    });
  const m = await check(spec, [f32([1, 2, 6, 6], seq(72, (i) => Math.sin(i * 0.7)), 'x')]);
  assert.equal(m.graph.nodes[0].outputs[0]!.name, 'y');
});

//   x -> ConvTranspose(W[4,3,2,2], group 2, no bias) -> BatchNormalization(6 channels) -> y
test('ConvTranspose with groups and no bias + BatchNormalization', async () => {
  const spec = () =>
    buildModel({
      inputs: [{ name: 'x', shape: [1, 4, 3, 3] }],
      outputs: [{ name: 'y' }],
      initializers: [floatTensor('W', [4, 3, 2, 2], seq(48, (i) => Math.cos(i * 1.3) / 3)), ...bnInits(6)!],
      nodes: [
        { op: 'ConvTranspose', inputs: ['x', 'W'], outputs: ['c'], attrs: { group: 2, strides: [2, 2] } },
        { op: 'BatchNormalization', inputs: ['c', 'scale', 'bias', 'mean', 'var'], outputs: ['y'] },
      ],
    });
  await check(spec, [f32([1, 4, 3, 3], seq(36, (i) => Math.sin(i)), 'x')]);
});

//   x[2,3] -> Gemm(B[5,3], C[5], transB=1, alpha=0.5, beta=2) -> BatchNormalization -> y
//   x[2,3] -> Gemm(B[3,5], no C) -> BatchNormalization -> z
test('Gemm (transB, alpha, beta, C present or absent) + BatchNormalization', async () => {
  const spec = () =>
    buildModel({
      inputs: [{ name: 'x', shape: [2, 3] }],
      outputs: [{ name: 'y' }, { name: 'z' }],
      initializers: [
        floatTensor('B', [5, 3], seq(15, (i) => Math.cos(i) / 2)),
        floatTensor('B2', [3, 5], seq(15, (i) => Math.sin(i) / 2)),
        floatTensor('C', [5], [1, -1, 0.5, 0, 2]),
        ...bnInits(5)!,
      ],
      nodes: [
        { op: 'Gemm', inputs: ['x', 'B', 'C'], outputs: ['g'], attrs: { transB: 1, alpha: 0.5, beta: 2.5 } },
        { op: 'BatchNormalization', inputs: ['g', 'scale', 'bias', 'mean', 'var'], outputs: ['y'] },
        { op: 'Gemm', inputs: ['x', 'B2'], outputs: ['g2'] },
        { op: 'BatchNormalization', inputs: ['g2', 'scale', 'bias', 'mean', 'var'], outputs: ['z'] },
      ],
    });
  await check(spec, [f32([2, 3], [1, 2, 3, -1, 0.5, 4], 'x')]);
});

//   W shared by two Convs; only the first feeds a BatchNormalization   ->   the first gets a copy of W, the other keeps W
test('a weight shared with another node is copied, not changed under it', async () => {
  const spec = () =>
    buildModel({
      inputs: [{ name: 'x', shape: [1, 2, 4, 4] }],
      outputs: [{ name: 'y' }, { name: 'z' }],
      initializers: [floatTensor('W', [2, 2, 1, 1], [1, 2, 3, 4]), ...bnInits(2)!],
      nodes: [
        { op: 'Conv', inputs: ['x', 'W'], outputs: ['c'] },
        { op: 'BatchNormalization', inputs: ['c', 'scale', 'bias', 'mean', 'var'], outputs: ['y'] },
        { op: 'Conv', inputs: ['x', 'W'], outputs: ['z'] },
      ],
    });
  const m = await check(spec, [f32([1, 2, 4, 4], seq(32, (i) => i / 8), 'x')]);
  const convs = m.graph.nodes.filter((n) => n.opType === 'Conv');
  assert.notEqual(convs[0].inputs[1], convs[1].inputs[1]);
  assert.equal(convs[1].inputs[1]!.name, 'W');
});

//   x -> Relu -> BatchNormalization -> y            ->   nothing to fold into: left, and the details say why
//   x -> Conv -> c -> BatchNormalization, c also an output  ->   left
test('BatchNormalization after a non-Conv, or after a Conv whose output is also read, is left alone', async () => {
  const m = buildModel({
    inputs: [{ name: 'x', shape: [1, 2, 2, 2] }],
    outputs: [{ name: 'y' }, { name: 'c' }, { name: 'y2' }],
    initializers: [floatTensor('W', [2, 2, 1, 1], [1, 2, 3, 4]), ...bnInits(2)!],
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['r'] },
      { op: 'BatchNormalization', inputs: ['r', 'scale', 'bias', 'mean', 'var'], outputs: ['y'] },
      { op: 'Conv', inputs: ['x', 'W'], outputs: ['c'] },
      { op: 'BatchNormalization', inputs: ['c', 'scale', 'bias', 'mean', 'var'], outputs: ['y2'] },
    ],
  });
  const r = await runPass('fold-batchnorm', m);
  assert.equal(r.modified, false);
  assert.equal(opHistogram(m).BatchNormalization, 2);
  assert.ok(r.details!.some((d) => /does not come from a Conv/.test(d)));
  assert.ok(r.details!.some((d) => /graph output/.test(d)));
});

//   Conv -> BatchNormalization(training_mode=1)            -> refused
//   Conv -> BatchNormalization -> (Y, running_mean, running_var)  (opset 12, training)  -> refused
test('training-mode BatchNormalization is refused with a clear message, nothing changes', async () => {
  for (const [opset, attrs, outputs] of [
    [15, { training_mode: 1 }, ['y']],
    [12, {}, ['y', 'rm', 'rv']],
  ] as const) {
    const m = buildModel({
      opset,
      inputs: [{ name: 'x', shape: [1, 2, 2, 2] }],
      outputs: outputs.map((name) => ({ name })),
      initializers: [floatTensor('W', [2, 2, 1, 1], [1, 2, 3, 4]), ...bnInits(2)!],
      nodes: [
        { op: 'Conv', inputs: ['x', 'W'], outputs: ['c'] },
        { op: 'BatchNormalization', name: 'bn', inputs: ['c', 'scale', 'bias', 'mean', 'var'], outputs: [...outputs], attrs },
      ],
    });
    const before = encodeModel(m);
    await assert.rejects(runPass('fold-batchnorm', m), (e: unknown) => {
      assert.ok(e instanceof PassError);
      assert.match(e.message, /cannot fold bn: it runs in training mode \((training_mode=1|3 outputs)/);
      assert.match(e.message, /eval/);
      return true;
    });
    assert.deepEqual(encodeModel(m), before);
  }
});

test('a named node that is no BatchNormalization is refused', async () => {
  const m = loadSample('seed_linear');
  const name = m.graph.nodes[0].name || '#0';
  await assert.rejects(runPass('fold-batchnorm', m, { node: name }), /not a BatchNormalization/);
  const r = await runPass('fold-batchnorm', m);
  assert.equal(r.modified, false);
  assert.match(r.summary, /no BatchNormalization/);
});

const RESNET = join(FIXTURES, 'generated', 'resnet18_preserve');

test('resnet18 (TrainingMode.PRESERVE): every BatchNormalization folds, outputs within 1e-4 of PyTorch', { skip: !existsSync(join(RESNET, 'model.onnx')) && 'resnet18_preserve fixture not generated' }, async () => {
  const original = loadSample('generated/resnet18_preserve');
  const m = copyOf(original);
  const bns = opHistogram(m).BatchNormalization;
  assert.ok(bns > 0);
  const r = await runPass('fold-batchnorm', m);
  assert.equal(r.stats!.folded, bns);
  assert.equal(opHistogram(m).BatchNormalization, undefined);
  const feeds = sampleInputs('generated/resnet18_preserve', original);
  const out = await runBytes(rt, encodeModel(m), feeds);
  const ref = sampleOutputs('generated/resnet18_preserve', 1)[0];
  const d = maxScaledDiff(ref, out[0]);
  assert.ok(d <= 1e-4, `max diff ${d}`);
});
