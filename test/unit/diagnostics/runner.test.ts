// The runner: rule registry, profiles, rule selection, result order, shape facts (inferred, declared, given),
// text and JSON forms, and a graph far deeper than any recursion could take.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataType } from '../../../src/core/ir/dtype';
import { inferShapes } from '../../../src/core/infer/index';
import {
  declaredShapeFacts, diagnosticToJson, formatDiagnostic, hasErrors, listRules, RULES, runDiagnostics, runDiagnosticsDetailed,
} from '../../../src/core/diagnostics/index';
import { buildModel, graphProto, int64Tensor, type ModelSpec } from '../../helpers/build';
import { check, rawModel, summary } from './helpers';

const F = DataType.FLOAT;

test('registry: rule ids are unique, every rule has a description, codes and profiles; codes belong to one rule', () => {
  const ids = RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  const owner = new Map<string, string>();
  for (const r of RULES) {
    assert.ok(r.description.length > 20, r.id);
    assert.ok(r.codes.length > 0 && r.profiles.length > 0, r.id);
    for (const c of r.codes) {
      assert.equal(owner.get(c), undefined, `code ${c} declared by ${owner.get(c)} and ${r.id}`);
      owner.set(c, r.id);
    }
  }
  const trtOnly = RULES.filter((r) => !r.profiles.includes('default')).map((r) => r.id);
  assert.deepEqual(trtOnly, ['trt-unsupported', 'trt-instancenorm-epsilon', 'trt-if', 'trt-int64']);
  assert.equal(listRules('default').length, RULES.length - 4);
  assert.equal(listRules('tensorrt').length, RULES.length);
});

/**
 *  file order:  neg: Neg(t) ──► y       listed first (unsorted)
 *               relu: Relu(x) ──► t
 *               if: If(c) ──► z         then: Identity(x) ──► a ──► Abs ──► p     else: Neg(x) ──► q
 *  model IR 3 with opset 13: a model-level finding (no node)
 */
function orderModel(): ModelSpec {
  const thenG = graphProto({ name: 'then', nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['a'], name: 'inner_id' }, { op: 'Abs', inputs: ['a'], outputs: ['p'] }], outputs: [{ name: 'p', dtype: F }] });
  const elseG = graphProto({ name: 'else', nodes: [{ op: 'Neg', inputs: ['x'], outputs: ['q'] }], outputs: [{ name: 'q', dtype: F }] });
  return {
    irVersion: 3, opset: 13,
    inputs: [{ name: 'x', dtype: F, shape: [3] }, { name: 'c', dtype: DataType.BOOL, shape: [] }],
    outputs: [{ name: 'y', dtype: F }, { name: 'z', dtype: F }],
    nodes: [
      { op: 'Neg', inputs: ['t'], outputs: ['y'], name: 'neg', attrs: { bogus: 1 } },
      { op: 'Relu', inputs: ['x'], outputs: ['t'], name: 'relu', attrs: { bogus: 1 } },
      { op: 'If', inputs: ['c'], outputs: ['z'], name: 'if', attrs: { then_branch: thenG, else_branch: elseG } },
    ],
  };
}

test('order: by graph (main first), then model-level findings, then topological node order, then rule order', () => {
  assert.deepEqual(summary(check(orderModel())), [
    'warning ir-version-too-old @main',
    'error unknown-attribute @relu', // relu comes first topologically although it is listed second
    'error unknown-attribute @neg',
    'warning not-topologically-sorted @neg',
    'info noop-node @inner_id', // then_branch
  ]);
});

test('profiles and rule selection: tensorrt adds its rules; options.rules runs only those; an unknown id is refused', () => {
  const spec: ModelSpec = {
    opset: 13, inputs: [{ name: 'x', dtype: F, shape: [1, 2, 3, 3] }], outputs: [{ name: 'y', dtype: F }],
    nodes: [{ op: 'InstanceNormalization', inputs: ['x', 's', 'b'], outputs: ['y'], name: 'in' }, { op: 'Identity', inputs: ['y'], outputs: ['unused'], name: 'dead' }],
    initializers: [{ name: 's', dims: [2], dataType: F, rawData: new Uint8Array(8) }, { name: 'b', dims: [2], dataType: F, rawData: new Uint8Array(8) }],
  };
  const model = buildModel(spec);
  assert.deepEqual(summary(runDiagnostics(model)), ['warning unused-node @dead']);
  assert.deepEqual(summary(runDiagnostics(model, { profile: 'tensorrt' })), ['warning trt-instancenorm-epsilon @in', 'warning unused-node @dead']);
  assert.deepEqual(summary(runDiagnostics(model, { profile: 'tensorrt', rules: ['trt-instancenorm-epsilon'] })), ['warning trt-instancenorm-epsilon @in']);
  assert.throws(() => runDiagnostics(model, { rules: ['no-such-rule'] }), /unknown diagnostics rule 'no-such-rule'; expected one of model-problems, /);
});

test('shape facts: an InferenceResult can be passed in; declared facts read Shape of a declared input and Constant values', () => {
  //  x:[n,3] ──► Shape(start=1) ──► s ─┐
  //  Constant [4,-1] ──► k ──────────────┴► Concat ──► t ──► Reshape(x, t) ──► y
  const spec: ModelSpec = {
    opset: 15, inputs: [{ name: 'x', dtype: F, shape: ['n', 3] }], outputs: [{ name: 'y', dtype: F }],
    nodes: [
      { op: 'Shape', inputs: ['x'], outputs: ['s'], attrs: { start: 1 } },
      { op: 'Constant', inputs: [], outputs: ['k'], attrs: { value: { t: int64Tensor('', [2], [4, -1]) } } },
      { op: 'Concat', inputs: ['k', 's'], outputs: ['t'], attrs: { axis: 0 } },
      { op: 'Reshape', inputs: ['x', 't'], outputs: ['y'] },
    ],
  };
  const model = buildModel(spec);
  const facts = declaredShapeFacts(model);
  const v = (name: string) => model.graph.values.get(name)!;
  assert.deepEqual(facts.symbolicValue(v('s')), [3]);
  assert.deepEqual(facts.knownValue(v('k')), { dtype: DataType.INT64, dims: [2], data: [4, -1] });
  assert.deepEqual(facts.typeOf(v('x')), { elemType: F, shape: ['n', 3] });
  assert.equal(facts.knownValue(v('t')), undefined); // no propagation through Concat
  const given = runDiagnosticsDetailed(model, { shapes: inferShapes(model) });
  assert.equal(given.timings.shapesMs < 5, true);
  assert.deepEqual(summary(given.diagnostics), summary(runDiagnostics(model)));
  // Shape(x)[1:] = [3] is static even though dim 0 is symbolic: the chain folds, with inference or without.
  assert.deepEqual(summary(given.diagnostics), ['warning glue-chain @Reshape#' + model.graph.nodes[3].id]);
  assert.deepEqual(summary(runDiagnostics(model, { inference: false })), summary(given.diagnostics));
});

test('text and JSON forms: "severity code location: message"; JSON carries no IR objects', () => {
  const list = check(orderModel());
  assert.equal(formatDiagnostic(list[1]), `error unknown-attribute relu: ${list[1].message}`);
  assert.equal(formatDiagnostic(list[0]).startsWith('warning ir-version-too-old main: the model has IR version 3'), true);
  const j = JSON.parse(JSON.stringify(list.map(diagnosticToJson)));
  assert.deepEqual(Object.keys(j[1]).sort(), ['code', 'fixes', 'graph', 'message', 'node', 'related', 'rule', 'severity', 'tensor']);
  assert.equal(j[1].node, 'relu');
  assert.equal(j[0].node, null);
  assert.equal(j[4].graph, 'main/if.then_branch');
  assert.equal(hasErrors(list), true);
  assert.equal(hasErrors(list.filter((d) => d.severity !== 'error')), false);
});

test('a 60,000-node chain (and a dead 10,000-node tail) runs without deep recursion', () => {
  //  x ──► Neg ──► Neg ──► ... ──► y        x ──► Abs ──► Abs ──► ... (nobody reads the end)
  const N = 60_000;
  const D = 10_000;
  const node: { opType: string; input: string[]; output: string[] }[] = [];
  for (let i = 0; i < N; i++) node.push({ opType: 'Neg', input: [i === 0 ? 'x' : `v${i - 1}`], output: [i === N - 1 ? 'y' : `v${i}`] });
  for (let i = 0; i < D; i++) node.push({ opType: 'Abs', input: [i === 0 ? 'x' : `d${i - 1}`], output: [`d${i}`] });
  const g = graphProto({ inputs: [{ name: 'x', dtype: F, shape: [2] }], outputs: [{ name: 'y', dtype: F, shape: [2] }], nodes: [] });
  g.node = node;
  const model = rawModel({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph: g });
  const t = performance.now();
  const r = runDiagnosticsDetailed(model);
  const ms = performance.now() - t;
  assert.deepEqual(summary(r.diagnostics), [`warning unused-node @Abs#${model.graph.nodes[N + D - 1].id}`]);
  assert.equal(r.diagnostics[0].related?.length, D - 1);
  assert.equal(r.inferenceError, undefined);
  console.log(`70k-node chain: shapes ${r.timings.shapesMs.toFixed(0)} ms, rules ${r.timings.rulesMs.toFixed(0)} ms (total ${ms.toFixed(0)} ms)`);
});
