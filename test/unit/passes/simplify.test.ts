// simplify on small graphs built in code (a sketch above each), plus seed_just_reshape and const_if checked in
// onnxruntime. Values are checked by running the model before and after in the runtime child.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeClient } from '../../../src/runtime/client';
import { encodeModel } from '../../../src/core/codec/encode';
import { hostFromNumbers, hostToNumbers, tensorProtoToHost } from '../../../src/core/codec/tensordata';
import { DataType } from '../../../src/core/ir/dtype';
import { countNodes } from '../../../src/core/ir/traverse';
import type { Model } from '../../../src/core/ir/model';
import type { HostTensor } from '../../../src/core/ir/hosttensor';
import { simplifyModel } from '../../../src/core/passes/simplify';
import { runPass } from '../../../src/core/passes/registry';
import { buildModel, floatTensor, int64Tensor } from '../../helpers/build';
import { copyOf, loadSample, maxScaledDiff, opHistogram, runBytes, sampleInputs } from './helpers';

const rt = new RuntimeClient();
after(() => rt.dispose());

const ops = (m: Model) => m.graph.nodes.map((n) => n.opType);
const f32 = (dims: number[], values: number[], name?: string): HostTensor => hostFromNumbers(DataType.FLOAT, dims, values, name);

/** Runs the model before and after `fn` on `feeds`; asserts equal outputs and returns the simplified model. */
async function sameOutputs(before: Model, after: Model, feeds: HostTensor[], tol = 0): Promise<HostTensor[]> {
  const a = await runBytes(rt, encodeModel(before), feeds, 'disabled');
  const b = await runBytes(rt, encodeModel(after), feeds, 'disabled');
  a.forEach((x, i) => assert.ok(maxScaledDiff(x, b[i]) <= tol, `output ${i} differs by ${maxScaledDiff(x, b[i])}`));
  return b;
}

test('seed_just_reshape: one Reshape with a constant shape is left, outputs equal in onnxruntime', async () => {
  const original = loadSample('seed_just_reshape');
  const m = copyOf(original);
  const r = await simplifyModel(m, {}, { runtime: rt });
  assert.ok(r.modified);
  assert.deepEqual(ops(m), ['Reshape']);
  const shape = m.graph.nodes[0].inputs[1]!;
  assert.ok(shape.isConstant, 'the shape is an initializer');
  assert.deepEqual(Array.from(hostToNumbers(tensorProtoToHost(shape.initializer!.proto))), [2, 3, 5, 4]);
  await sameOutputs(original, m, sampleInputs('seed_just_reshape', original));
});

test('const_if: the If with a constant condition is inlined, outputs equal', async () => {
  const original = loadSample('const_if');
  const m = copyOf(original);
  await simplifyModel(m, {}, { runtime: rt });
  assert.equal(opHistogram(m).If, undefined);
  assert.deepEqual(ops(m), ['Relu']);
  assert.equal(m.graph.outputs[0].value.name, 'y');
  await sameOutputs(original, m, sampleInputs('const_if', original));
  // inline-if alone does the same.
  const m2 = copyOf(original);
  const r = await runPass('inline-if', m2);
  assert.ok(r.modified);
  assert.equal(opHistogram(m2).If, undefined);
});

//   x[batch,seq,64] -> Shape -> Gather(0) -> Unsqueeze --\
//                           -> Gather(1) -> Unsqueeze ---> Concat(.., [4], [16]) -> Reshape(x, .) -> y[batch,seq,4,16]
//   becomes  x -> Reshape(x, [0, 0, 4, 16]) -> y
test('shape glue with symbolic dims: the Reshape target becomes [0, 0, 4, 16] and the chain dies', async () => {
  const build = () =>
    buildModel({
      opset: 14,
      inputs: [{ name: 'x', shape: ['batch', 'seq', 64] }],
      outputs: [{ name: 'y' }],
      initializers: [int64Tensor('i0', [], [0]), int64Tensor('i1', [], [1]), int64Tensor('ax', [1], [0]), int64Tensor('c', [2], [4, 16])],
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Gather', inputs: ['s', 'i0'], outputs: ['b'] },
        { op: 'Gather', inputs: ['s', 'i1'], outputs: ['l'] },
        { op: 'Unsqueeze', inputs: ['b', 'ax'], outputs: ['bu'] },
        { op: 'Unsqueeze', inputs: ['l', 'ax'], outputs: ['lu'] },
        { op: 'Concat', inputs: ['bu', 'lu', 'c'], outputs: ['t'], attrs: { axis: 0 } },
        { op: 'Reshape', inputs: ['x', 't'], outputs: ['y'] },
      ],
    });
  const m = build();
  await simplifyModel(m);
  assert.deepEqual(ops(m), ['Reshape']);
  const t = m.graph.nodes[0].inputs[1]!;
  assert.deepEqual(Array.from(hostToNumbers(tensorProtoToHost(t.initializer!.proto))), [0, 0, 4, 16]);
  const x = f32([2, 3, 64], Array.from({ length: 384 }, (_, i) => i), 'x');
  await sameOutputs(build(), m, [x]);
});

//   x[batch,seq,8] -> Shape -> Gather(2) = 8 (static) -> ... integer glue folds to constants even though x is dynamic
//   x -> Shape -> Slice(0:2) -> Concat([2, 4]) -> Reshape(x) : [batch, seq, 2, 4] -> [0, 0, 2, 4]
test('a static dim of a dynamic tensor folds; a target of one unknown dim gets -1', async () => {
  const build = () =>
    buildModel({
      opset: 14,
      inputs: [{ name: 'x', shape: ['batch', 'seq', 8] }],
      outputs: [{ name: 'y' }, { name: 'z' }],
      initializers: [int64Tensor('i2', [], [2]), int64Tensor('m1', [1], [-1]), int64Tensor('ax', [1], [0])],
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Gather', inputs: ['s', 'i2'], outputs: ['d'] },
        { op: 'Unsqueeze', inputs: ['d', 'ax'], outputs: ['du'] },
        { op: 'Concat', inputs: ['m1', 'du'], outputs: ['t'], attrs: { axis: 0 } },
        { op: 'Reshape', inputs: ['x', 't'], outputs: ['y'] },
        { op: 'Gather', inputs: ['s', 'i2'], outputs: ['d2'] },
        { op: 'Cast', inputs: ['d2'], outputs: ['z'], attrs: { to: DataType.FLOAT } },
      ],
    });
  const m = build();
  await simplifyModel(m);
  assert.deepEqual(ops(m), ['Reshape']);
  const t = m.graph.nodes[0].inputs[1]!;
  assert.deepEqual(Array.from(hostToNumbers(tensorProtoToHost(t.initializer!.proto))), [-1, 8]);
  // z (an output computed from a static dim) is now a constant named z.
  const z = m.graph.outputs[1].value;
  assert.equal(z.name, 'z');
  assert.ok(z.isConstant);
  const x = f32([2, 3, 8], Array.from({ length: 48 }, (_, i) => i / 7), 'x');
  await sameOutputs(build(), m, [x]);
});

//   x -> Relu -> Identity -> Identity -> y (output)        ->   x -> Relu -> y
//   x -> Identity -> w (output)                            ->   kept: w must stay a separate output of x
test('Identity chains go; graph output names stay; an input passed through keeps its Identity', async () => {
  const build = () =>
    buildModel({
      inputs: [{ name: 'x', shape: [2, 2] }],
      outputs: [{ name: 'y' }, { name: 'w' }],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['r'], name: 'relu' },
        { op: 'Identity', inputs: ['r'], outputs: ['i1'] },
        { op: 'Identity', inputs: ['i1'], outputs: ['y'] },
        { op: 'Identity', inputs: ['x'], outputs: ['w'] },
      ],
    });
  const m = build();
  await simplifyModel(m);
  assert.deepEqual(ops(m).sort(), ['Identity', 'Relu']);
  const relu = m.graph.nodes.find((n) => n.opType === 'Relu')!;
  assert.equal(relu.outputs[0]!.name, 'y');
  assert.equal(relu.name, 'relu', 'node names are kept');
  assert.deepEqual(m.graph.outputs.map((o) => o.value.name), ['y', 'w']);
  await sameOutputs(build(), m, [f32([2, 2], [-1, 2, -3, 4], 'x')]);
});

//   x -> Dropout(ratio) -> Cast(to float, x is float) -> Relu -> y        ->   x -> Relu -> y
//   x -> Dropout -> (out, mask) with mask an output                       ->   kept
test('inference Dropout and same-type Cast go; a Dropout whose mask is used stays', async () => {
  const m = buildModel({
    opset: 13,
    inputs: [{ name: 'x', shape: [4] }],
    outputs: [{ name: 'y' }, { name: 'mask', dtype: DataType.BOOL }],
    initializers: [floatTensor('ratio', [], [0.5])],
    nodes: [
      { op: 'Dropout', inputs: ['x', 'ratio'], outputs: ['d'] },
      { op: 'Cast', inputs: ['d'], outputs: ['c'], attrs: { to: DataType.FLOAT } },
      { op: 'Relu', inputs: ['c'], outputs: ['y'] },
      { op: 'Dropout', inputs: ['x'], outputs: ['d2', 'mask'] },
    ],
  });
  const r = await simplifyModel(m);
  assert.deepEqual(ops(m).sort(), ['Dropout', 'Relu']);
  assert.equal(m.graph.nodes.find((n) => n.opType === 'Relu')!.inputs[0]!.name, 'x');
  assert.ok(r.details!.some((d) => /Dropout nodes removed/.test(d)));
});

//   ConstantOfShape([1024, 1024]) (4 MiB of float) -> Add(x) -> y    : stays an op under the default 1 MiB limit,
//   folds with sizeLimit 8 MiB
test('size limit: a 4 MiB ConstantOfShape stays an op; a larger limit folds it', async () => {
  const build = () =>
    buildModel({
      inputs: [{ name: 'x', shape: [1024, 1024] }],
      outputs: [{ name: 'y' }],
      initializers: [int64Tensor('s', [2], [1024, 1024])],
      nodes: [
        { op: 'ConstantOfShape', inputs: ['s'], outputs: ['z'], attrs: { value: { t: floatTensor('v', [1], [2]) } } },
        { op: 'Add', inputs: ['x', 'z'], outputs: ['y'] },
      ],
    });
  const m = build();
  const r = await simplifyModel(m);
  assert.deepEqual(ops(m), ['ConstantOfShape', 'Add']);
  assert.ok(r.details!.some((d) => /ConstantOfShape results above the size limit/.test(d)), r.details!.join('\n'));
  assert.ok(encodeModel(m).byteLength < 4096);
  const big = build();
  await simplifyModel(big, { sizeLimit: 8 << 20 });
  assert.deepEqual(ops(big), ['Add']);
  assert.ok(encodeModel(big).byteLength > 4 << 20);
});

//   W (float const) -> Exp -> Mul(W) -> Transpose -> MatMul(x, .) -> y
//   Exp is not exact in TypeScript: without a runtime the chain stays (and the details say why); with one it folds.
test('float constant subgraphs fold in onnxruntime when a runtime is given', async () => {
  const build = () =>
    buildModel({
      inputs: [{ name: 'x', shape: [1, 3] }],
      outputs: [{ name: 'y' }],
      initializers: [floatTensor('W', [2, 3], [0.1, 0.2, 0.3, -0.4, 0.5, 0.6])],
      nodes: [
        { op: 'Exp', inputs: ['W'], outputs: ['e'] },
        { op: 'Mul', inputs: ['e', 'W'], outputs: ['m'] },
        { op: 'Transpose', inputs: ['m'], outputs: ['t'], attrs: { perm: [1, 0] } },
        { op: 'MatMul', inputs: ['x', 't'], outputs: ['y'] },
      ],
    });
  const plain = build();
  const r0 = await simplifyModel(plain);
  assert.equal(r0.modified, false);
  assert.ok(r0.details!.some((d) => /need onnxruntime to fold/.test(d)), r0.details!.join('\n'));
  const m = build();
  const r = await simplifyModel(m, {}, { runtime: rt });
  assert.deepEqual(ops(m), ['MatMul']);
  assert.ok(r.details!.some((d) => /folded in onnxruntime/.test(d)), r.details!.join('\n'));
  // MatMul with a constant B runs a prepacked kernel: the last bit may differ.
  await sameOutputs(build(), m, [f32([1, 3], [1, 2, 3], 'x')], 1e-6);
});

//   x -> Relu -> a ; x -> Relu -> b ; Add(a, b) -> y       ->   x -> Relu -> Add(r, r) -> y
//   c1 = [1,2,3], c2 = [1,2,3] (two initializers)          ->   one initializer
//   an unused Neg, an unused initializer                   ->   gone; the unused graph input stays
test('repeated nodes merge, identical constants are shared, dead code goes, inputs stay', async () => {
  const build = () =>
    buildModel({
      inputs: [{ name: 'x', shape: [3] }, { name: 'unused', shape: [1] }],
      outputs: [{ name: 'y' }],
      initializers: [floatTensor('c1', [3], [1, 2, 3]), floatTensor('c2', [3], [1, 2, 3]), floatTensor('dead', [2], [0, 0])],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['a'] },
        { op: 'Relu', inputs: ['x'], outputs: ['b'] },
        { op: 'Mul', inputs: ['a', 'c1'], outputs: ['a2'] },
        { op: 'Mul', inputs: ['b', 'c2'], outputs: ['b2'] },
        { op: 'Add', inputs: ['a2', 'b2'], outputs: ['y'] },
        { op: 'Neg', inputs: ['x'], outputs: ['n'] },
      ],
    });
  const m = build();
  await simplifyModel(m);
  assert.deepEqual(ops(m), ['Relu', 'Mul', 'Add']);
  assert.deepEqual(m.graph.initializers.map((t) => t.name), ['c1']);
  assert.deepEqual(m.graph.inputs.map((i) => i.value.name), ['x', 'unused']);
  await sameOutputs(build(), m, [f32([3], [-1, 0.5, 2], 'x'), f32([1], [0], 'unused')]);
});

//   x -> Conv(W, B) -> Add([C,1,1] const) -> Mul([1,C,1,1] const) -> y      ->   x -> Conv(W', B') -> y
test('Conv + per-channel Add and Mul fold into the Conv', async () => {
  const W = Array.from({ length: 3 * 2 * 3 * 3 }, (_, i) => Math.sin(i) / 3);
  const build = () =>
    buildModel({
      inputs: [{ name: 'x', shape: [1, 2, 5, 5] }],
      outputs: [{ name: 'y' }],
      initializers: [floatTensor('W', [3, 2, 3, 3], W), floatTensor('B', [3], [0.1, -0.2, 0.3]), floatTensor('a', [3, 1, 1], [1, 2, 3]), floatTensor('k', [1, 3, 1, 1], [0.5, -1, 2])],
      nodes: [
        { op: 'Conv', inputs: ['x', 'W', 'B'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
        { op: 'Add', inputs: ['c', 'a'], outputs: ['s'] },
        { op: 'Mul', inputs: ['s', 'k'], outputs: ['y'] },
      ],
    });
  const m = build();
  await simplifyModel(m);
  assert.deepEqual(ops(m), ['Conv']);
  assert.equal(m.graph.nodes[0].outputs[0]!.name, 'y');
  const x = f32([1, 2, 5, 5], Array.from({ length: 50 }, (_, i) => Math.cos(i)), 'x');
  await sameOutputs(build(), m, [x], 1e-5);
});

test('nothing to do: modified is false and the model is untouched', async () => {
  const m = loadSample('seed_linear');
  const before = encodeModel(m);
  const r = await simplifyModel(m, {}, { runtime: rt });
  assert.equal(r.modified, false);
  assert.match(r.summary, /nothing to simplify/);
  assert.deepEqual(encodeModel(m), before);
});

test('custom-domain ops are left alone (seed_deform_conv)', async () => {
  const m = loadSample('seed_deform_conv');
  await simplifyModel(m);
  assert.ok(m.graph.nodes.some((n) => n.domain === 'custom' && n.opType === 'deform_conv2d'));
});

//   a chain of 30,000 nodes: x -> Identity -> Relu -> Identity -> Relu ... -> y   (no recursion as deep as the graph)
test('a 30,000-node chain simplifies without deep recursion', async () => {
  const nodes = [];
  let prev = 'x';
  for (let i = 0; i < 30000; i++) {
    const out = i === 29999 ? 'y' : `v${i}`;
    nodes.push({ op: i % 2 ? 'Relu' : 'Identity', inputs: [prev], outputs: [out] });
    prev = out;
  }
  const m = buildModel({ inputs: [{ name: 'x', shape: [2] }], outputs: [{ name: 'y' }], nodes });
  const t0 = performance.now();
  await simplifyModel(m);
  const ms = performance.now() - t0;
  assert.equal(countNodes(m), 15000);
  assert.ok(m.graph.nodes.every((n) => n.opType === 'Relu'));
  assert.equal(m.graph.outputs[0].value.producer?.opType, 'Relu');
  assert.ok(ms < 15000, `${ms} ms`);
});

//   If(cond) inside which a constant chain Shape(c)->... folds: subgraphs are simplified too
//   cond is a graph input, so the If stays; then_branch: Constant([2,3]) -> ConstantOfShape -> Add(x) -> out
test('subgraphs are simplified in place (an If with a runtime condition keeps both branches)', async () => {
  const branch = (v: number) => ({
    name: `b${v}`,
    nodes: [
      { op: 'Constant', inputs: [], outputs: [`s${v}`], attrs: { value: { t: int64Tensor('', [2], [2, 3]) } } },
      { op: 'ConstantOfShape', inputs: [`s${v}`], outputs: [`z${v}`], attrs: { value: { t: floatTensor('', [1], [v]) } } },
      { op: 'Add', inputs: ['x', `z${v}`], outputs: [`o${v}`] },
    ],
    outputs: [{ name: `o${v}` }],
  });
  const { graphProto } = await import('../../helpers/build');
  const build = () =>
    buildModel({
      inputs: [{ name: 'c', dtype: DataType.BOOL, shape: [] }, { name: 'x', shape: [2, 3] }],
      outputs: [{ name: 'y' }],
      nodes: [{ op: 'If', inputs: ['c'], outputs: ['y'], attrs: { then_branch: graphProto(branch(1)), else_branch: graphProto(branch(2)) } }],
    });
  const m = build();
  const r = await simplifyModel(m);
  assert.ok(r.modified);
  const ifNode = m.graph.nodes[0];
  for (const g of ifNode.subgraphs) assert.deepEqual(g.nodes.map((n) => n.opType), ['Add']);
  const x = f32([2, 3], [1, 2, 3, 4, 5, 6], 'x');
  for (const c of [0, 1]) await sameOutputs(build(), m, [{ name: 'c', dtype: DataType.BOOL, dims: [], data: Uint8Array.of(c) }, x]);
});

//   x[2,3], s (a runtime input) -> Reshape(x, s) -> r (value_info claims float[2,3]) -> Relu -> y
//                                                   r -> Shape -> z
//   The declaration alone must not make the Reshape look like a no-op, nor fold Shape(r): s may be [3,2] at run time.
test('a declared value_info neither makes a Reshape with a runtime target look idle nor folds its Shape', async () => {
  const m = buildModel({
    inputs: [{ name: 'x', shape: [2, 3] }, { name: 's', dtype: DataType.INT64, shape: [2] }],
    outputs: [{ name: 'y' }, { name: 'z' }],
    valueInfo: [{ name: 'r', shape: [2, 3] }],
    nodes: [
      { op: 'Reshape', inputs: ['x', 's'], outputs: ['r'] },
      { op: 'Relu', inputs: ['r'], outputs: ['y'] },
      { op: 'Shape', inputs: ['r'], outputs: ['z'] },
    ],
  });
  await simplifyModel(m);
  assert.deepEqual(ops(m), ['Reshape', 'Relu', 'Shape']);
});
