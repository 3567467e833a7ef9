import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGraphView, buildModelView } from '../../../src/extension/viewModel';
import { nodeDetails } from '../../../src/extension/details';
import { parseWebviewMessage } from '../../../src/protocol/messages';
import { ViewNodeKind } from '../../../src/protocol/view';
import { decodeModel } from '../../../src/core/codec/decode';
import { buildModel, floatTensor } from '../../helpers/build';

const fixtures = join(__dirname, '../../fixtures');

/**
 *   x ─► Conv(W,B) ─► y
 */
test('graph view: inputs, ops, outputs as nodes; weights inside the node, not edges', () => {
  const m = buildModel({
    inputs: [{ name: 'x', shape: ['batch', 3, 8, 8] }],
    outputs: [{ name: 'y' }],
    initializers: [floatTensor('W', [4, 3, 3, 3], new Array(108).fill(0)), floatTensor('B', [4], [0, 0, 0, 0])],
    nodes: [{ op: 'Conv', name: 'conv', inputs: ['x', 'W', 'B'], outputs: ['y'], attrs: { kernel_shape: [3, 3] } }],
  });
  const v = buildGraphView(m.graph);
  assert.equal(v.nodeCount, 3);
  assert.deepEqual([...v.nodeKind], [ViewNodeKind.Input, ViewNodeKind.Op, ViewNodeKind.Output]);
  assert.equal(v.edgeCount, 2);
  const detail = v.strings[v.nodeDetail[1]];
  assert.match(detail, /kernel_shape=\[3,3\]/);
  assert.match(detail, /W ⟨float\[4,3,3,3\]⟩/);
  assert.equal(v.strings[v.tensorLabel[v.edgeTensor[0]]], 'float[batch,3,8,8]');
});

test('graph view of decoder_48 has every node, and the model view counts them all', () => {
  const path = join(fixtures, 'models/decoder_48/model.onnx');
  const m = decodeModel(readFileSync(path), { path });
  const v = buildGraphView(m.graph);
  let ops = 0;
  for (let i = 0; i < v.nodeCount; i++) if (v.nodeKind[i] === ViewNodeKind.Op || v.nodeKind[i] === ViewNodeKind.Constant) ops++;
  assert.equal(ops, 5341);
  assert.equal(buildModelView(m, 'model.onnx').nodeCount, 5341);
});

test('subgraphs: const_if lists its branches and a branch view has a breadcrumb back', () => {
  const path = join(fixtures, 'models/const_if/model.onnx');
  const m = decodeModel(readFileSync(path), { path });
  const v = buildGraphView(m.graph);
  assert.equal(v.subgraphs.length, 2);
  const branch = m.allGraphs().find((g) => g.id === v.subgraphs[0].graphId)!;
  const bv = buildGraphView(branch);
  assert.equal(bv.breadcrumb.length, 2);
  assert.equal(bv.breadcrumb[0].graphId, m.graph.id);
  assert.equal(bv.kind, 'subgraph');
});

test('hostile names travel as plain strings in the view model', () => {
  const evil = '<img src=x onerror="alert(1)">';
  const m = buildModel({ inputs: [{ name: 'x' }], outputs: [{ name: 'y' }], nodes: [{ op: 'Relu', name: evil, inputs: ['x'], outputs: ['y'] }] });
  const v = buildGraphView(m.graph);
  assert.ok(v.strings.includes(evil));
  assert.equal(nodeDetails(m.graph, m.graph.nodes[0]).name, evil);
});

test('node details: schema in effect with doc link, or why there is none', () => {
  const m = decodeModel(readFileSync(join(fixtures, 'models/seed_asinh_opset7/model.onnx')));
  const d = nodeDetails(m.graph, m.graph.nodes[0]);
  assert.ok('missing' in d.schema);
  assert.match((d.schema as { missing: string }).missing, /opset 7.*since opset 9/);
  const ok = decodeModel(readFileSync(join(fixtures, 'models/seed_asinh/model.onnx')));
  const d2 = nodeDetails(ok.graph, ok.graph.nodes.find((n) => n.opType === 'Asinh')!);
  assert.ok('sinceVersion' in d2.schema && d2.schema.sinceVersion === 9);
  assert.match((d2.schema as { docUrl: string }).docUrl, /onnx__Asinh/);
});

test('webview messages are validated: unknown or malformed ones are rejected', () => {
  assert.equal(parseWebviewMessage({ type: 'ready' }).ok, true);
  assert.equal(parseWebviewMessage({ type: 'request', id: 1, method: 'nodeDetails', params: { graphId: 1, nodeId: 2 } }).ok, true);
  for (const bad of [
    null, 'ready', {}, { type: 'nope' }, { type: 'request', id: 1, method: 'eval', params: {} },
    { type: 'request', id: '1', method: 'nodeDetails', params: { graphId: 1, nodeId: 2 } },
    { type: 'request', id: 1, method: 'nodeDetails', params: { graphId: 1 } },
    { type: 'selected', graphId: 1, nodeId: 'x' }, { type: 'exported', format: 'html', data: '' },
    { type: 'log', level: 'debug', message: 'x' },
  ]) {
    assert.equal(parseWebviewMessage(bad).ok, false, JSON.stringify(bad));
  }
});

/**
 *   x ─► custom::Double(x) ─► y      where custom::Double is a local function: Add(a, a)
 */
test('a call of a local function opens the function body as its own view', () => {
  const m = buildModel({
    opset: [{ domain: '', version: 17 }, { domain: 'custom', version: 1 }],
    inputs: [{ name: 'x', shape: [2] }], outputs: [{ name: 'y' }],
    nodes: [{ op: 'Double', domain: 'custom', name: 'call', inputs: ['x'], outputs: ['y'] }],
    functions: [{ name: 'Double', domain: 'custom', input: ['a'], output: ['b'], node: [{ opType: 'Add', input: ['a', 'a'], output: ['b'] }], opsetImport: [{ domain: '', version: 17 }] }],
  });
  const v = buildGraphView(m.graph);
  assert.equal(v.subgraphs.length, 1);
  const fn = m.functions[0];
  assert.equal(v.subgraphs[0].graphId, fn.id);
  const fv = buildGraphView(fn);
  assert.equal(fv.kind, 'function');
  assert.equal(nodeDetails(m.graph, m.graph.nodes[0]).functionGraphId, fn.id);
});

test('edges carry inferred shapes where the model declares none, symbolic dims kept', () => {
  const { inferShapes } = require('../../../src/core/infer') as typeof import('../../../src/core/infer');
  const path = join(fixtures, 'models/seed_dynamic_batch/model.onnx');
  const m = decodeModel(readFileSync(path), { path });
  const v = buildGraphView(m.graph, inferShapes(m));
  const labels = [...v.tensorLabel].map((i) => v.strings[i]);
  assert.ok(labels.every((l) => l.length > 0), JSON.stringify(labels));
  assert.ok(labels.some((l) => l.includes('batch')), JSON.stringify(labels));
  const d = decodeModel(readFileSync(join(fixtures, 'models/decoder_48/model.onnx')));
  const dv = buildGraphView(d.graph, inferShapes(d));
  const unknown = [...dv.tensorLabel].filter((i) => dv.strings[i] === '').length;
  assert.equal(unknown, 0, 'every tensor of decoder_48 has a type on its edge');
});
