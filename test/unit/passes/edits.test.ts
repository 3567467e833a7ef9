// set-attribute, remove-attribute, rename-node, rename-tensor, remove-node, remove-output, add-output.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeClient } from '../../../src/runtime/client';
import { encodeModel } from '../../../src/core/codec/encode';
import { decodeModel } from '../../../src/core/codec/decode';
import { hostFromNumbers, hostToNumbers } from '../../../src/core/codec/tensordata';
import { DataType } from '../../../src/core/ir/dtype';
import { onnx } from '../../../src/core/codec/pb';
import type { Model } from '../../../src/core/ir/model';
import { runPass } from '../../../src/core/passes/registry';
import { PassError } from '../../../src/core/passes/types';
import { findNode, nodeRef } from '../../../src/core/passes/lib/graph';
import { buildModel, floatTensor, graphProto, int64Tensor } from '../../helpers/build';
import { loadSample, runBytes } from './helpers';

const rt = new RuntimeClient();
after(() => rt.dispose());

const A = onnx.AttributeProto.AttributeType;
const x4 = (values = [-2, -1, 1, 2]) => hostFromNumbers(DataType.FLOAT, [4], values, 'x');
const refuses = (p: Promise<unknown>, re: RegExp) => assert.rejects(p, (e: unknown) => e instanceof PassError && re.test(e.message));

//   x[2,3] -> Gemm "fc"(B, C) -> y
function gemm(): Model {
  return buildModel({
    inputs: [{ name: 'x', shape: [2, 3] }],
    outputs: [{ name: 'y' }],
    initializers: [floatTensor('B', [3, 2], [1, 2, 3, 4, 5, 6]), floatTensor('C', [2], [1, 1])],
    nodes: [{ op: 'Gemm', name: 'fc', inputs: ['x', 'B', 'C'], outputs: ['y'] }],
  });
}

test('set-attribute parses the value by the schema type (FLOAT, INT) and the model computes with it', async () => {
  const m = gemm();
  const r = await runPass('set-attribute', m, { node: 'fc', name: 'alpha', value: '2' });
  assert.match(r.summary, /fc\.alpha: added 2 \(FLOAT\)/);
  assert.equal(m.graph.nodes[0].attr('alpha')!.proto.type, A.FLOAT, '"2" is a FLOAT because the schema says so');
  await runPass('set-attribute', m, { node: 'fc', name: 'transA', value: '0' });
  assert.equal(m.graph.nodes[0].attr('transA')!.proto.type, A.INT);
  const out = await runBytes(rt, encodeModel(m), [hostFromNumbers(DataType.FLOAT, [2, 3], [1, 0, 0, 0, 1, 0], 'x')]);
  assert.deepEqual(Array.from(hostToNumbers(out[0])), [3, 5, 7, 9]);
  assert.equal((await runPass('set-attribute', m, { node: 'fc', name: 'alpha', value: '2.0' })).modified, false);
});

test('set-attribute: lists, strings, refusals of unknown names, wrong values and TENSOR attributes', async () => {
  const m = buildModel({
    inputs: [{ name: 'x', shape: [1, 1, 4, 4] }],
    outputs: [{ name: 'y' }],
    nodes: [{ op: 'MaxPool', name: 'pool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [2, 2] } }],
  });
  await runPass('set-attribute', m, { node: 'pool', name: 'strides', value: '[2, 2]' });
  assert.deepEqual(m.graph.nodes[0].attr('strides')!.proto.ints!.map(Number), [2, 2]);
  await runPass('set-attribute', m, { node: 'pool', name: 'auto_pad', value: '"SAME_UPPER"' });
  assert.equal(new TextDecoder().decode(m.graph.nodes[0].attr('auto_pad')!.proto.s!), 'SAME_UPPER');
  await refuses(runPass('set-attribute', m, { node: 'pool', name: 'stride', value: '2' }), /MaxPool .* has no attribute 'stride'; its attributes are .*strides.*Pass force/);
  await refuses(runPass('set-attribute', m, { node: 'pool', name: 'strides', value: '[2, x]' }), /'x' is not an integer/);
  await refuses(runPass('set-attribute', m, { node: 'pool', name: 'ceil_mode', value: '1.5' }), /not an integer/);
  await refuses(runPass('set-attribute', m, { node: 'nope', name: 'a', value: '1' }), /no node is named 'nope'/);
  // force: an attribute the schema does not know, typed by guess or by `type`.
  await runPass('set-attribute', m, { node: 'pool', name: 'my_hint', value: '1.5, 2', force: true });
  assert.equal(m.graph.nodes[0].attr('my_hint')!.proto.type, A.FLOATS);
  await runPass('set-attribute', m, { node: 'pool', name: 'tag', value: 'abc', force: 'true', type: 'STRINGS' });
  assert.equal(m.graph.nodes[0].attr('tag')!.proto.type, A.STRINGS);
  const c = buildModel({
    outputs: [{ name: 'y' }],
    nodes: [{ op: 'Constant', name: 'k', inputs: [], outputs: ['y'], attrs: { value: { t: floatTensor('', [1], [1]) } } }],
  });
  await refuses(runPass('set-attribute', c, { node: 'k', name: 'value', value: '2' }), /TENSOR: only INT, FLOAT, STRING/);
});

test('remove-attribute: the default applies again; required ones need force', async () => {
  const m = gemm();
  await runPass('set-attribute', m, { node: 'fc', name: 'beta', value: '0' });
  const r = await runPass('remove-attribute', m, { node: 'fc', name: 'beta' });
  assert.match(r.summary, /removed fc\.beta \(was 0\); the default 1 applies/);
  assert.equal(m.graph.nodes[0].attr('beta'), undefined);
  await refuses(runPass('remove-attribute', m, { node: 'fc', name: 'beta' }), /fc has no attribute 'beta'/);
  const c = buildModel({
    inputs: [{ name: 'x', shape: [1] }],
    outputs: [{ name: 'y' }],
    nodes: [{ op: 'Cast', name: 'cast', inputs: ['x'], outputs: ['y'], attrs: { to: DataType.INT64 } }],
  });
  await refuses(runPass('remove-attribute', c, { node: 'cast', name: 'to' }), /'to' is required by Cast/);
  assert.ok((await runPass('remove-attribute', c, { node: 'cast', name: 'to', force: true })).modified);
});

//   x -> Relu "a" -> r -> Neg "b" -> y ;  an If reads r from inside its branch
test('rename-node and rename-tensor (subgraph readers and initializers follow; clashes refused)', async () => {
  const branch = graphProto({ name: 'then', nodes: [{ op: 'Identity', inputs: ['r'], outputs: ['t'] }], outputs: [{ name: 't' }] });
  const spec = () =>
    buildModel({
      inputs: [{ name: 'x', shape: [4] }, { name: 'c', dtype: DataType.BOOL, shape: [] }],
      outputs: [{ name: 'y' }, { name: 'z' }],
      initializers: [floatTensor('w', [1], [2])],
      nodes: [
        { op: 'Relu', name: 'a', inputs: ['x'], outputs: ['r'] },
        { op: 'Mul', name: 'b', inputs: ['r', 'w'], outputs: ['y'] },
        { op: 'If', name: 'if', inputs: ['c'], outputs: ['z'], attrs: { then_branch: branch, else_branch: branch } },
      ],
    });
  const m = spec();
  await runPass('rename-node', m, { node: 'a', name: 'relu1' });
  assert.equal(m.graph.nodes[0].name, 'relu1');
  await refuses(runPass('rename-node', m, { node: 'relu1', name: 'b' }), /another node .* is already named 'b'/);
  await runPass('rename-tensor', m, { tensor: 'r', name: 'activ' });
  await runPass('rename-tensor', m, { tensor: 'w', name: 'weight' });
  const again = decodeModel(encodeModel(m));
  const ifNode = again.graph.nodes[2];
  assert.equal(ifNode.subgraphs[0].nodes[0].inputs[0]!.name, 'activ');
  assert.equal(again.graph.initializers[0].name, 'weight');
  assert.equal(again.graph.nodes[1].inputs[1]!.name, 'weight');
  await refuses(runPass('rename-tensor', m, { tensor: 'activ', name: 'x' }), /already used/);
  await refuses(runPass('rename-tensor', m, { tensor: 'activ', name: 't' }), /already used/);
  const r = await runPass('rename-tensor', m, { tensor: 'y', name: 'out' });
  assert.match(r.summary, /graph output: the model's interface changes/);
  const out = await runBytes(rt, encodeModel(m), [x4(), { name: 'c', dtype: DataType.BOOL, dims: [], data: Uint8Array.of(1) }]);
  assert.deepEqual(Array.from(hostToNumbers(out[0])), [0, 0, 2, 4]);
});

//   x -> Dropout -> d -> Relu -> y          remove-node Dropout (auto = bypass)   ->   x -> Relu -> y
//   x -> Cast(int64) -> y                   bypass refused: the element type changes
//   x -> Relu -> y (output)                 bypass: y keeps its name through an Identity (x is a graph input)
test('remove-node bypass: readers read the input; type changes refused; output names kept', async () => {
  const m = buildModel({
    inputs: [{ name: 'x', shape: [4] }],
    outputs: [{ name: 'y' }],
    nodes: [
      { op: 'Dropout', name: 'drop', inputs: ['x'], outputs: ['d'] },
      { op: 'Relu', name: 'relu', inputs: ['d'], outputs: ['y'] },
    ],
  });
  const r = await runPass('remove-node', m, { node: 'drop' });
  assert.match(r.summary, /bypassed drop/);
  assert.deepEqual(m.graph.nodes.map((n) => n.opType), ['Relu']);
  assert.equal(m.graph.nodes[0].inputs[0]!.name, 'x');
  await runPass('remove-node', m, { node: 'relu' });
  assert.deepEqual(m.graph.nodes.map((n) => n.opType), ['Identity']);
  assert.equal(m.graph.outputs[0].value.name, 'y');
  const out = await runBytes(rt, encodeModel(m), [x4()]);
  assert.deepEqual(Array.from(hostToNumbers(out[0])), [-2, -1, 1, 2]);
  const c = buildModel({
    inputs: [{ name: 'x', shape: [4] }],
    outputs: [{ name: 'y' }],
    nodes: [
      { op: 'Cast', name: 'cast', inputs: ['x'], outputs: ['i'], attrs: { to: DataType.INT64 } },
      { op: 'Neg', name: 'neg', inputs: ['i'], outputs: ['y'] },
    ],
  });
  await refuses(runPass('remove-node', c, { node: 'cast' }), /would feed float where int64 is read/);
  await refuses(runPass('remove-node', c, { node: 'cast', mode: 'sideways' }), /one of auto, bypass, delete/);
});

//   x -> Shape "shape" -> Gather -> g ; x -> Reshape(x, g-derived) ... ; x -> Relu -> y (output), Neg(x) -> n (output)
//   delete Neg: refused (n is an output) unless force; delete the Shape chain: everything after it goes
test('remove-node delete: the node and everything that depends on it; graph outputs need force', async () => {
  const spec = () =>
    buildModel({
      inputs: [{ name: 'x', shape: [4] }],
      outputs: [{ name: 'y' }, { name: 'n' }],
      initializers: [int64Tensor('i', [1], [0]), floatTensor('k', [1], [3])],
      nodes: [
        { op: 'Shape', name: 'shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Gather', name: 'gather', inputs: ['s', 'i'], outputs: ['g'] },
        { op: 'Cast', name: 'cast', inputs: ['g'], outputs: ['gf'], attrs: { to: DataType.FLOAT } },
        { op: 'Mul', name: 'mul', inputs: ['gf', 'k'], outputs: ['m'] },
        { op: 'Add', name: 'add', inputs: ['x', 'm'], outputs: ['n'] },
        { op: 'Relu', name: 'relu', inputs: ['x'], outputs: ['y'] },
      ],
    });
  const m = spec();
  await refuses(runPass('remove-node', m, { node: 'gather', mode: 'delete' }), /graph output\(s\) 'n': pass force/);
  const r = await runPass('remove-node', m, { node: 'gather', mode: 'delete', force: true });
  assert.deepEqual(m.graph.nodes.map((n) => n.name), ['relu']);
  assert.deepEqual(m.graph.outputs.map((o) => o.value.name), ['y']);
  assert.equal(m.graph.initializers.length, 0, 'initializers that only fed the removed nodes go');
  assert.ok(r.details!.some((d) => /removed graph output\(s\) 'n'/.test(d)));
  const m2 = spec();
  await runPass('remove-node', m2, { node: 'relu', mode: 'delete', force: true });
  assert.deepEqual(m2.graph.outputs.map((o) => o.value.name), ['n']);
  const m3 = spec();
  await runPass('remove-node', m3, { node: 'gather', mode: 'delete', force: true });
  await refuses(runPass('remove-node', m3, { node: 'relu', mode: 'delete', force: true }), /every output of the model/);
});

//   x -> A -> y (output) -> Neg -> z (output)      remove-output z (and Neg with it); add-output of an intermediate
test('remove-output prunes what only computed it; add-output exposes any tensor with its inferred type', async () => {
  const m = buildModel({
    inputs: [{ name: 'x', shape: [4] }],
    outputs: [{ name: 'y' }, { name: 'z' }],
    initializers: [floatTensor('k', [1], [3])],
    nodes: [
      { op: 'Relu', name: 'relu', inputs: ['x'], outputs: ['y'] },
      { op: 'Mul', name: 'mul', inputs: ['y', 'k'], outputs: ['mk'] },
      { op: 'Neg', name: 'neg', inputs: ['mk'], outputs: ['z'] },
    ],
  });
  const r = await runPass('add-output', m, { tensor: 'mk' });
  assert.match(r.summary, /'mk' is now output 2 \(float\[4\]\)/);
  const out = await runBytes(rt, encodeModel(m), [x4()]);
  assert.deepEqual(Array.from(hostToNumbers(out[2])), [0, 0, 3, 6]);
  await refuses(runPass('add-output', m, { tensor: 'x' }), /graph input/);
  assert.equal((await runPass('add-output', m, { tensor: 'mk' })).modified, false);
  await runPass('remove-output', m, { output: 'z' });
  assert.deepEqual(m.graph.nodes.map((n) => n.name), ['relu', 'mul'], 'Neg only computed z; mul still feeds mk');
  await runPass('remove-output', m, { output: 'mk' });
  assert.deepEqual(m.graph.nodes.map((n) => n.name), ['relu']);
  assert.equal(m.graph.initializers.length, 0);
  await refuses(runPass('remove-output', m, { output: 'y' }), /only output/);
  await refuses(runPass('remove-output', m, { output: 'q' }), /not an output of the model; its outputs are 'y'/);
});

test('node references: names, #index and subgraph paths round-trip through nodeRef/findNode', () => {
  const m = loadSample('const_if');
  for (const g of m.allGraphs()) for (const n of g.nodes) assert.equal(findNode(m, nodeRef(n)), n);
  assert.throws(() => findNode(m, '#99'), /#99 does not exist/);
});
