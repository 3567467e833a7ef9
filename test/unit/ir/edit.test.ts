import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, floatTensor } from '../../helpers/build';
import { encodeModel } from '../../../src/core/codec/encode';
import { decodeModel } from '../../../src/core/codec/decode';
import {
  EditError, insertNode, removeNodes, renameValue, replaceAllUsesWith, addGraphOutput, removeInitializer, setInput,
} from '../../../src/core/ir/edit';
import { topologicalOrder, implicitInputs, countNodes } from '../../../src/core/ir/traverse';
import type { Model } from '../../../src/core/ir/model';

/**
 *   x ──► Relu(r) ──► a ──► Identity(id) ──► b ──► Neg(n) ──► y
 *                                      w (initializer) ─┘ (Add reads b and w)
 */
function chain(): Model {
  return buildModel({
    inputs: [{ name: 'x', shape: [2] }],
    outputs: [{ name: 'y', shape: [2] }],
    initializers: [floatTensor('w', [2], [1, 2])],
    nodes: [
      { op: 'Relu', name: 'r', inputs: ['x'], outputs: ['a'] },
      { op: 'Identity', name: 'id', inputs: ['a'], outputs: ['b'] },
      { op: 'Add', name: 'add', inputs: ['b', 'w'], outputs: ['c'] },
      { op: 'Neg', name: 'n', inputs: ['c'], outputs: ['y'] },
    ],
  });
}

function uses(m: Model, name: string): string[] {
  return m.graph.values.get(name)!.uses.map((u) => `${u.node.name}:${u.index}`);
}

test('decoding links producers and uses', () => {
  const m = chain();
  const a = m.graph.values.get('a')!;
  assert.equal(a.producer?.name, 'r');
  assert.deepEqual(uses(m, 'a'), ['id:0']);
  assert.deepEqual(uses(m, 'w'), ['add:1']);
  assert.ok(m.graph.values.get('w')!.isConstant);
  assert.ok(m.graph.values.get('x')!.isGraphInput);
  assert.ok(m.graph.values.get('y')!.isGraphOutput);
});

test('bypassing Identity with replaceAllUsesWith + removeNodes keeps links consistent and encodes', () => {
  const m = chain();
  const id = m.graph.nodes[1];
  replaceAllUsesWith(id.outputs[0]!, id.inputs[0]!);
  removeNodes(m.graph, [id]);
  assert.deepEqual(uses(m, 'a'), ['add:0']);
  assert.equal(m.graph.values.has('b'), false, 'orphan value b is forgotten');
  const again = decodeModel(encodeModel(m));
  assert.deepEqual(again.graph.nodes.map((n) => n.opType), ['Relu', 'Add', 'Neg']);
  assert.deepEqual(again.graph.nodes[1].inputs.map((v) => v?.name), ['a', 'w']);
});

test('removeNodes refuses, changing nothing, while an output is still read', () => {
  const m = chain();
  const before = encodeModel(m);
  assert.throws(() => removeNodes(m.graph, [m.graph.nodes[0]]), (e: unknown) => e instanceof EditError && /read by id/.test(e.message));
  assert.throws(() => removeNodes(m.graph, [m.graph.nodes[3]]), /graph output/);
  assert.deepEqual(encodeModel(m), before);
});

test('renameValue renames everywhere, initializer included, and refuses clashes', () => {
  const m = chain();
  renameValue(m.graph.values.get('w')!, 'weight');
  renameValue(m.graph.values.get('y')!, 'out');
  assert.throws(() => renameValue(m.graph.values.get('a')!, 'x'), /already used/);
  const again = decodeModel(encodeModel(m));
  assert.equal(again.graph.initializers[0].name, 'weight');
  assert.deepEqual(again.graph.nodes[2].inputs.map((v) => v?.name), ['b', 'weight']);
  assert.equal(again.graph.outputs[0].value.name, 'out');
  assert.equal(again.graph.nodes[3].outputs[0]?.name, 'out');
});

test('insertNode links a new node; setInput moves a use', () => {
  const m = chain();
  const c = m.graph.values.get('c')!;
  const s = insertNode(m.graph, { opType: 'Sigmoid', inputs: [c], outputs: ['c'] }, 3);
  assert.equal(s.outputs[0]!.name, 'c_1');
  setInput(m.graph.nodes[4], 0, s.outputs[0]);
  assert.equal(m.graph.values.get('c')!.uses[0].node, s);
  const again = decodeModel(encodeModel(m));
  assert.deepEqual(again.graph.nodes.map((n) => n.opType), ['Relu', 'Identity', 'Add', 'Sigmoid', 'Neg']);
});

test('addGraphOutput exposes an intermediate; removeInitializer refuses while read', () => {
  const m = chain();
  addGraphOutput(m.graph, m.graph.values.get('a')!);
  assert.throws(() => removeInitializer(m.graph.values.get('w')!), /reads it/);
  const again = decodeModel(encodeModel(m));
  assert.deepEqual(again.graph.outputs.map((o) => o.value.name), ['y', 'a']);
});

/**
 *   x ──► If(cond) ─ then: Relu(x) ; else: Neg(t)   where t = Exp(x) is produced AFTER the If in file order
 */
test('subgraphs resolve outer-scope names whatever the node order; topo order puts producers first', () => {
  const body = (op: string, input: string) => ({
    name: op, node: [{ opType: op, input: [input], output: [`${op}_out`] }],
    output: [{ name: `${op}_out` }],
  });
  const m = buildModel({
    inputs: [{ name: 'x', shape: [2] }, { name: 'cond', dtype: 9, shape: [] }],
    outputs: [{ name: 'y' }],
    nodes: [
      { op: 'If', name: 'if', inputs: ['cond'], outputs: ['y'], attrs: { then_branch: body('Relu', 'x'), else_branch: body('Neg', 't') } },
      { op: 'Exp', name: 'exp', inputs: ['x'], outputs: ['t'] },
    ],
  });
  const t = m.graph.values.get('t')!;
  assert.equal(t.uses.length, 1);
  assert.equal(t.uses[0].node.graph.ownerNode?.name, 'if');
  assert.deepEqual(implicitInputs(m.graph.nodes[0]).map((v) => v.name).sort(), ['t', 'x']);
  assert.deepEqual(topologicalOrder(m.graph).order.map((n) => n.name), ['exp', 'if']);
  assert.equal(countNodes(m), 4);
  assert.equal(m.graph.nodes[0].subgraphs[1].path, 'main/if.else_branch');
});

test('topologicalOrder keeps a sorted graph as it is and reports cycles', () => {
  const m = chain();
  assert.deepEqual(topologicalOrder(m.graph).order.map((n) => n.name), ['r', 'id', 'add', 'n']);
  const cyc = buildModel({
    inputs: [{ name: 'x' }], outputs: [{ name: 'y' }],
    nodes: [
      { op: 'Add', name: 'a', inputs: ['x', 'q'], outputs: ['p'] },
      { op: 'Relu', name: 'b', inputs: ['p'], outputs: ['q'] },
      { op: 'Neg', name: 'c', inputs: ['x'], outputs: ['y'] },
    ],
  });
  const r = topologicalOrder(cyc.graph);
  assert.deepEqual(r.order.map((n) => n.name), ['c']);
  assert.deepEqual(r.cyclic.map((n) => n.name), ['a', 'b']);
});

test('a 200,000-node chain sorts without recursion', () => {
  const nodes = Array.from({ length: 200_000 }, (_, i) => ({ op: 'Relu', inputs: [i ? `v${i - 1}` : 'x'], outputs: [`v${i}`] }));
  const m = buildModel({ inputs: [{ name: 'x' }], outputs: [{ name: 'v199999' }], nodes: nodes.reverse() });
  const r = topologicalOrder(m.graph);
  assert.equal(r.order.length, 200_000);
  assert.equal(r.order[0].outputs[0]!.name, 'v0');
});
