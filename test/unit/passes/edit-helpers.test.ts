// The IR edit helpers the passes added to src/core/ir/edit.ts: each keeps producers and uses consistent and
// refuses, changing nothing, what it cannot do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeModel } from '../../../src/core/codec/encode';
import { decodeModel } from '../../../src/core/codec/decode';
import { onnx } from '../../../src/core/codec/pb';
import { DataType } from '../../../src/core/ir/dtype';
import type { Model } from '../../../src/core/ir/model';
import {
  EditError, adoptValue, attachInitializer, inlineSubgraph, removeInitializers, removeNodes, removeValueInfos,
} from '../../../src/core/ir/edit';
import { buildModel, floatTensor, graphProto } from '../../helpers/build';

/** Producers and uses agree with node inputs/outputs, in every graph. */
function consistent(m: Model): void {
  for (const g of m.allGraphs()) {
    for (const n of g.nodes) {
      n.outputs.forEach((o, i) => {
        if (o) assert.ok(o.producer === n && o.producerIndex === i, `${o.name} producer`);
      });
      n.inputs.forEach((v, i) => {
        if (v) assert.ok(v.uses.some((u) => u.node === n && u.index === i), `${v.name} lacks the use by ${n.label}`);
      });
    }
    for (const v of g.values.values()) {
      for (const u of v.uses) assert.equal(u.node.inputs[u.index], v, `${v.name} has a stale use`);
    }
  }
}

//   x -> Relu -> r -> Neg -> y (output)
function chain(): Model {
  return buildModel({
    inputs: [{ name: 'x', shape: [2] }],
    outputs: [{ name: 'y' }],
    valueInfo: [{ name: 'r', shape: [2] }],
    initializers: [floatTensor('w', [1], [1])],
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['r'] },
      { op: 'Neg', inputs: ['r'], outputs: ['y'] },
    ],
  });
}

test('adoptValue: the graph output takes over the producer slot and the readers; refusals change nothing', () => {
  const m = chain();
  const g = m.graph;
  const [relu, neg] = g.nodes;
  const y = g.values.get('y')!;
  const r = g.values.get('r')!;
  assert.throws(() => adoptValue(y, r), /already has a producer/);
  removeNodes(g, [neg], { allowDangling: true });
  assert.throws(() => adoptValue(y, g.values.get('x')!), /no producer|graph input or output/);
  adoptValue(y, r);
  assert.equal(relu.outputs[0], y);
  assert.equal(y.producer, relu);
  assert.equal(g.values.get('r'), undefined, 'r is forgotten');
  assert.equal(g.valueInfo.length, 0, "r's value_info went with it");
  consistent(m);
  const again = decodeModel(encodeModel(m));
  assert.deepEqual(again.graph.nodes.map((n) => `${n.opType}:${n.outputs[0]!.name}`), ['Relu:y']);
});

test('attachInitializer and removeInitializers', () => {
  const m = chain();
  const g = m.graph;
  const r = g.values.get('r')!;
  assert.throws(() => attachInitializer(r, new onnx.TensorProto({ dataType: DataType.FLOAT, dims: [1] })), /Relu.* produces it/);
  assert.throws(() => attachInitializer(g.values.get('x')!, new onnx.TensorProto({ dataType: DataType.FLOAT, dims: [1] })), /graph input/);
  removeNodes(g, [g.nodes[0]], { allowDangling: true });
  attachInitializer(r, new onnx.TensorProto({ dataType: DataType.FLOAT, dims: [2], floatData: [1, 2] }));
  assert.ok(r.isConstant);
  assert.equal(r.initializer!.name, 'r');
  assert.throws(() => removeInitializers([g.values.get('w')!, r]), /cannot remove initializer 'r': Neg/);
  assert.ok(g.values.get('w')!.initializer, 'the refusal removed nothing');
  removeInitializers([g.values.get('w')!]);
  assert.deepEqual(g.initializers.map((t) => t.name), ['r']);
  consistent(m);
});

test('removeValueInfos refuses graph inputs and outputs', () => {
  const m = chain();
  assert.throws(() => removeValueInfos([m.graph.outputs[0]]), EditError);
  removeValueInfos([m.graph.valueInfo[0]]);
  assert.equal(m.graph.valueInfo.length, 0);
});

//   c -> If(then: { t = Relu(x); u = Neg(t) -> out }, else: {...}) -> y (output)
//   the parent already has a value named 't': the branch's t is renamed on the way in
test('inlineSubgraph moves the branch in, renames clashing names, keeps the output name', () => {
  const then = graphProto({
    name: 'then',
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['t'] },
      { op: 'Mul', inputs: ['t', 'k'], outputs: ['u'] },
    ],
    initializers: [floatTensor('k', [1], [3])],
    outputs: [{ name: 'u' }],
  });
  const els = graphProto({ name: 'else', nodes: [{ op: 'Neg', inputs: ['x'], outputs: ['v'] }], outputs: [{ name: 'v' }] });
  const m = buildModel({
    inputs: [{ name: 'x', shape: [2] }, { name: 'c', dtype: DataType.BOOL, shape: [] }],
    outputs: [{ name: 'y' }, { name: 't' }],
    nodes: [
      { op: 'If', inputs: ['c'], outputs: ['y'], attrs: { then_branch: then, else_branch: els } },
      { op: 'Identity', inputs: ['x'], outputs: ['t'] },
    ],
  });
  const ifNode = m.graph.nodes[0];
  const results = inlineSubgraph(ifNode, ifNode.attr('then_branch')!.graph!);
  assert.equal(results[0].name, 'y');
  assert.deepEqual(m.graph.nodes.map((n) => n.opType), ['Relu', 'Mul', 'Identity']);
  assert.equal(m.graph.nodes[0].outputs[0]!.name, 't_1');
  assert.equal(m.graph.nodes[1].outputs[0]!.name, 'y');
  assert.deepEqual(m.graph.initializers.map((t) => t.name), ['k']);
  consistent(m);
  const again = decodeModel(encodeModel(m));
  assert.deepEqual(again.graph.nodes.map((n) => n.inputs.map((v) => v?.name).join(',')), ['x', 't_1,k', 'x']);
  assert.throws(() => inlineSubgraph(again.graph.nodes[0], again.graph.descendants()[0] ?? again.graph), EditError);
});
