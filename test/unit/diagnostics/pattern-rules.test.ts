// Rules about patterns worth changing: constant If, no-op nodes, glue chains, BatchNormalization after Conv,
// PRelu slopes, pre- and post-processing inside the graph. Graphs built in code, positive and negative cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataType } from '../../../src/core/ir/dtype';
import { floatTensor, graphProto, int64Tensor, type Dim, type ModelSpec, type NodeSpec } from '../../helpers/build';
import { check, none, one, summary, withCode } from './helpers';

const F = DataType.FLOAT;
const I64 = DataType.INT64;

// ---------------------------------------------------------------------------------------------- constant-if

/**  cond (initializer or input) ──► If ──► y      then: Relu(x) ──► a     else: Neg(x) ──► b  */
function ifModel(cond: 'true' | 'false' | 'input'): ModelSpec {
  const branch = (op: string, out: string) => graphProto({ name: op, nodes: [{ op, inputs: ['x'], outputs: [out] }], outputs: [{ name: out, dtype: F }] });
  return {
    opset: 13,
    inputs: [{ name: 'x', dtype: F, shape: [3] }, ...(cond === 'input' ? [{ name: 'c', dtype: DataType.BOOL, shape: [] as Dim[] }] : [])],
    outputs: [{ name: 'y', dtype: F }],
    nodes: [{ op: 'If', inputs: ['c'], outputs: ['y'], name: 'if', attrs: { then_branch: branch('Relu', 'a'), else_branch: branch('Neg', 'b') } }],
    initializers: cond === 'input' ? [] : [{ name: 'c', dims: [], dataType: DataType.BOOL, rawData: new Uint8Array([cond === 'true' ? 1 : 0]) }],
  };
}

test('constant-if: a constant false condition takes else_branch (fix inline-if); a graph-input condition is left alone', () => {
  const d = one(check(ifModel('false')), 'constant-if');
  assert.equal(d.severity, 'warning');
  assert.match(d.message, /the condition 'c' of if is always false \(from an initializer\), so else_branch always runs/);
  assert.deepEqual(d.fixes, [{ id: 'inline-if', label: 'inline the taken branch (else_branch)', args: { branch: 'else_branch' } }]);
  assert.equal(one(check(ifModel('true')), 'constant-if').fixes?.[0].args.branch, 'then_branch');
  assert.deepEqual(check(ifModel('input')), []);
});

// ---------------------------------------------------------------------------------------------- noop-node

test('noop-node: an Identity in the middle and an inference-mode Dropout are info with remove-node', () => {
  //  x ──► Identity ──► a ──► Relu ──► b ──► Dropout ──► c ──► Neg ──► y
  const list = check({
    opset: 13, inputs: [{ name: 'x', dtype: F, shape: [3] }], outputs: [{ name: 'y', dtype: F }],
    nodes: [
      { op: 'Identity', inputs: ['x'], outputs: ['a'], name: 'id' },
      { op: 'Relu', inputs: ['a'], outputs: ['b'] },
      { op: 'Dropout', inputs: ['b'], outputs: ['c'], name: 'drop' },
      { op: 'Neg', inputs: ['c'], outputs: ['y'] },
    ],
  });
  assert.deepEqual(summary(list), ['info noop-node @id', 'info noop-node @drop']);
  assert.deepEqual(list[0].fixes, [{ id: 'remove-node', label: 'remove id', args: { node: 'id' } }]);
  assert.match(list[1].message, /at inference Dropout passes its input through/);
});

test('noop-node: left alone when the input is a graph input and the output a graph output, in training mode, or with the mask read', () => {
  //  x ──► Identity ──► y   (graph in to graph out: removing it would merge the two names)
  assert.deepEqual(check({ opset: 13, inputs: [{ name: 'x', dtype: F, shape: [3] }], outputs: [{ name: 'y', dtype: F }], nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }] }), []);
  //  x ──► Relu ──► a ──► Dropout(a, r, t: graph input) ──► y
  const training = check({
    opset: 13, inputs: [{ name: 'x', dtype: F, shape: [3] }, { name: 't', dtype: DataType.BOOL, shape: [] }], outputs: [{ name: 'y', dtype: F }],
    nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['a'] }, { op: 'Dropout', inputs: ['a', 'r', 't'], outputs: ['y'] }],
    initializers: [floatTensor('r', [], [0.5])],
  });
  none(training, 'noop-node');
  //  ... Dropout(a, r, t = constant false) ──► y: a no-op; the output renames Relu's
  const constFalse = check({
    opset: 13, inputs: [{ name: 'x', dtype: F, shape: [3] }], outputs: [{ name: 'y', dtype: F }],
    nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['a'] }, { op: 'Dropout', inputs: ['a', 'r', 't'], outputs: ['y'], name: 'drop' }],
    initializers: [floatTensor('r', [], [0.5]), { name: 't', dims: [], dataType: DataType.BOOL, rawData: new Uint8Array([0]) }],
  });
  assert.match(one(constFalse, 'noop-node').message, /training_mode is a constant false/);
  //  x ──► Relu ──► Dropout ──► y, mask (graph output)
  const mask = check({
    opset: 13, inputs: [{ name: 'x', dtype: F, shape: [3] }], outputs: [{ name: 'y', dtype: F }, { name: 'm', dtype: DataType.BOOL }],
    nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['a'] }, { op: 'Dropout', inputs: ['a'], outputs: ['y', 'm'] }],
  });
  none(mask, 'noop-node');
});

// ---------------------------------------------------------------------------------------------- glue-chain

/**
 *  x:[d0,3,4] ──► Shape ──► s ──► Gather(s, 0) ──► b ──► Unsqueeze(axes 0) ──► bu ─┐
 *                               Constant(-1) ──► m ──► Unsqueeze(axes 0) ──► mu ─┴► Concat ──► shape
 *  x ──────────────────────────────────────────────────────────────────────────────────► Reshape(x, shape) ──► y
 */
function glueModel(d0: Dim): ModelSpec {
  return {
    opset: 12,
    inputs: [{ name: 'x', dtype: F, shape: [d0, 3, 4] }], outputs: [{ name: 'y', dtype: F }],
    nodes: [
      { op: 'Shape', inputs: ['x'], outputs: ['s'], name: 'shape' },
      { op: 'Constant', inputs: [], outputs: ['zero'], name: 'c0', attrs: { value: { t: int64Tensor('', [], [0]) } } },
      { op: 'Gather', inputs: ['s', 'zero'], outputs: ['b'], name: 'gather', attrs: { axis: 0 } },
      { op: 'Unsqueeze', inputs: ['b'], outputs: ['bu'], name: 'unsq0', attrs: { axes: [0] } },
      { op: 'Constant', inputs: [], outputs: ['m'], name: 'c1', attrs: { value: { t: int64Tensor('', [], [-1]) } } },
      { op: 'Unsqueeze', inputs: ['m'], outputs: ['mu'], name: 'unsq1', attrs: { axes: [0] } },
      { op: 'Concat', inputs: ['bu', 'mu'], outputs: ['shape_out'], name: 'concat', attrs: { axis: 0 } },
      { op: 'Reshape', inputs: ['x', 'shape_out'], outputs: ['y'], name: 'reshape' },
    ],
  };
}

test('glue-chain: with a symbolic batch the chain is info naming the dim, related = the chain in order', () => {
  for (const inference of [true, false]) {
    const d = one(check(glueModel('batch'), { inference }), 'glue-chain');
    assert.equal(d.severity, 'info', `inference ${inference}`);
    assert.equal(d.node?.name, 'reshape');
    assert.deepEqual(d.related?.map((n) => n.name), ['shape', 'c0', 'gather', 'unsq0', 'c1', 'unsq1', 'concat']);
    assert.match(d.message, /depends on the symbolic dim 'batch'/);
    assert.equal(d.fixes, undefined);
  }
  // With inference the message shows the value as far as it is known.
  assert.match(one(check(glueModel('batch')), 'glue-chain').message, /'shape_out' = \[batch,-1\]/);
});

test('glue-chain: with static shapes it folds now (warning, fix fold-glue), with or without inference', () => {
  for (const inference of [true, false]) {
    const d = one(check(glueModel(2), { inference }), 'glue-chain');
    assert.equal(d.severity, 'warning');
    assert.deepEqual(d.fixes, [{ id: 'fold-glue', label: 'fold this glue chain into a constant (7 nodes)', args: { sink: 'reshape', nodes: 7 } }]);
    assert.match(d.message, /every shape it reads is static, so the result is a constant/);
  }
  assert.match(one(check(glueModel(2)), 'glue-chain').message, /'shape_out' = \[2,-1\]/);
});

test('glue-chain: a symbolic dim the chain does not read does not block it (inference tells)', () => {
  // x:[2,'seq',4], the chain reads only dim 0 = 2
  const spec = glueModel(2);
  spec.inputs = [{ name: 'x', dtype: F, shape: [2, 'seq', 4] }];
  const d = one(check(spec), 'glue-chain');
  assert.equal(d.severity, 'warning');
  assert.match(d.message, /'shape_out' = \[2,-1\]/);
});

test('glue-chain: not flagged for constant shapes (initializer, Constant node) nor for the chain nodes themselves', () => {
  //  x ──► Reshape(x, shape: initializer) ──► y
  none(check({
    opset: 13, inputs: [{ name: 'x', dtype: F, shape: [2, 3] }], outputs: [{ name: 'y', dtype: F }],
    nodes: [{ op: 'Reshape', inputs: ['x', 's'], outputs: ['y'] }], initializers: [int64Tensor('s', [1], [6])],
  }), 'glue-chain');
  //  x ──► Slice(x, Constant starts, Constant ends) ──► y    (seed_focus style: no glue)
  none(check({
    opset: 13, inputs: [{ name: 'x', dtype: F, shape: [4, 4] }], outputs: [{ name: 'y', dtype: F }],
    nodes: [
      { op: 'Constant', inputs: [], outputs: ['st'], attrs: { value: { t: int64Tensor('', [1], [0]) } } },
      { op: 'Constant', inputs: [], outputs: ['en'], attrs: { value: { t: int64Tensor('', [1], [2]) } } },
      { op: 'Slice', inputs: ['x', 'st', 'en'], outputs: ['y'] },
    ],
  }), 'glue-chain');
  //  Shape ──► Slice(shape, 0, 1) ──► Concat ──► Reshape: the Slice is part of the chain, only Reshape is a sink
  const list = check({
    opset: 13, inputs: [{ name: 'x', dtype: F, shape: ['n', 3] }], outputs: [{ name: 'y', dtype: F }],
    nodes: [
      { op: 'Shape', inputs: ['x'], outputs: ['s'] },
      { op: 'Slice', inputs: ['s', 'st', 'en'], outputs: ['s0'], name: 'slice' },
      { op: 'Concat', inputs: ['s0', 'm1'], outputs: ['t'], attrs: { axis: 0 } },
      { op: 'Reshape', inputs: ['x', 't'], outputs: ['y'], name: 'reshape' },
    ],
    initializers: [int64Tensor('st', [1], [0]), int64Tensor('en', [1], [1]), int64Tensor('m1', [1], [-1])],
  });
  assert.deepEqual(summary(withCode(list, 'glue-chain')), ['info glue-chain @reshape']);
});

// ---------------------------------------------------------------------------------------------- fold-batchnorm

/**  x ──► Conv(W, b) ──► c ──► BatchNormalization(scale, B, mean, var) ──► y   (+ c also read by Relu when `shared`) */
function convBn(opts: { shared?: boolean; statsFromInput?: boolean } = {}): ModelSpec {
  const nodes: NodeSpec[] = [
    { op: 'Conv', inputs: ['x', 'W', 'b'], outputs: ['c'], name: 'conv', attrs: { kernel_shape: [1, 1] } },
    { op: 'BatchNormalization', inputs: ['c', 'scale', 'B', 'mean', 'var'], outputs: ['y'], name: 'bn' },
  ];
  const outputs = [{ name: 'y', dtype: F }];
  if (opts.shared) {
    nodes.push({ op: 'Relu', inputs: ['c'], outputs: ['r'] });
    outputs.push({ name: 'r', dtype: F });
  }
  return {
    opset: 13,
    inputs: [{ name: 'x', dtype: F, shape: [1, 2, 4, 4] }, ...(opts.statsFromInput ? [{ name: 'var', dtype: F, shape: [2] as Dim[] }] : [])],
    outputs, nodes,
    initializers: [
      floatTensor('W', [2, 2, 1, 1], [1, 0, 0, 1]), floatTensor('b', [2], [0, 0]), floatTensor('scale', [2], [1, 1]),
      floatTensor('B', [2], [0, 0]), floatTensor('mean', [2], [0, 0]), ...(opts.statsFromInput ? [] : [floatTensor('var', [2], [1, 1])]),
    ],
  };
}

test('fold-batchnorm: Conv -> BatchNormalization with constant parameters is info with fix fold-batchnorm', () => {
  const d = one(check(convBn()), 'batchnorm-not-folded');
  assert.equal(d.severity, 'info');
  assert.equal(d.node?.name, 'bn');
  assert.deepEqual(d.related?.map((n) => n.name), ['conv']);
  assert.deepEqual(d.fixes, [{ id: 'fold-batchnorm', label: 'fold bn into conv', args: { conv: 'conv', batchNorm: 'bn' } }]);
});

test('fold-batchnorm: left alone when the Conv output is also read elsewhere or a statistic is not constant', () => {
  none(check(convBn({ shared: true })), 'batchnorm-not-folded');
  none(check(convBn({ statsFromInput: true })), 'batchnorm-not-folded');
});

// ---------------------------------------------------------------------------------------------- prelu-slope

/**  x:[1,8,16,16] ──► PRelu(slope) ──► y  */
function prelu(slopeDims: number[]): ModelSpec {
  const n = slopeDims.reduce((a, b) => a * b, 1);
  return {
    opset: 13, inputs: [{ name: 'x', dtype: F, shape: [1, 8, 16, 16] }], outputs: [{ name: 'y', dtype: F }],
    nodes: [{ op: 'PRelu', inputs: ['x', 'slope'], outputs: ['y'], name: 'prelu' }],
    initializers: [floatTensor('slope', slopeDims, new Array(n).fill(0.25))],
  };
}

test('prelu-slope: a [C] slope against NCHW is an error with the fix reshape-prelu-slope to [C,1,1]', () => {
  const d = one(check(prelu([8])), 'prelu-slope-broadcast');
  assert.equal(d.severity, 'error');
  assert.equal(d.tensor, 'slope');
  assert.match(d.message, /slope 'slope' \[8\] does not broadcast to the input \[1,8,16,16\] \(slope dim 8 lines up with input dim 16 at axis 3\)/);
  assert.deepEqual(d.fixes, [{ id: 'reshape-prelu-slope', label: "reshape 'slope' to [8,1,1]", args: { slope: 'slope', shape: [8, 1, 1] } }]);
});

test('prelu-slope: [8,1,1], [1] and [16] broadcast; [5] does not and has no per-channel fix', () => {
  for (const dims of [[8, 1, 1], [1], [16], [1, 8, 1, 1]]) assert.deepEqual(check(prelu(dims)), [], `slope ${dims}`);
  const d = one(check(prelu([5])), 'prelu-slope-broadcast');
  assert.equal(d.fixes, undefined);
});

// ---------------------------------------------------------------------------------------------- preprocessing / postprocessing

test('preprocessing: Sub and Div with constants on a graph input are info; Sub of two inputs is not preprocessing', () => {
  //  img ──► Cast ──► Sub(·, mean) ──► Div(·, std) ──► Relu ──► y
  const list = check({
    opset: 13, inputs: [{ name: 'img', dtype: DataType.UINT8, shape: [1, 3, 2, 2] }], outputs: [{ name: 'y', dtype: F }],
    nodes: [
      { op: 'Cast', inputs: ['img'], outputs: ['f'], name: 'cast', attrs: { to: F } },
      { op: 'Sub', inputs: ['f', 'mean'], outputs: ['a'], name: 'sub' },
      { op: 'Div', inputs: ['a', 'std'], outputs: ['b'], name: 'div' },
      { op: 'Relu', inputs: ['b'], outputs: ['y'] },
    ],
    initializers: [floatTensor('mean', [1, 3, 1, 1], [1, 2, 3]), floatTensor('std', [1, 3, 1, 1], [4, 5, 6])],
  });
  const d = one(list, 'preprocessing');
  assert.equal(d.severity, 'info');
  assert.equal(d.node?.name, 'cast');
  assert.deepEqual(d.related?.map((n) => n.name), ['cast', 'sub', 'div']);
  assert.match(d.message, /input 'img' goes through Cast -> Sub -> Div with constant operands/);
  //  a, b ──► Sub ──► y
  none(check({
    opset: 13, inputs: [{ name: 'a', dtype: F, shape: [3] }, { name: 'b', dtype: F, shape: [3] }], outputs: [{ name: 'y', dtype: F }],
    nodes: [{ op: 'Sub', inputs: ['a', 'b'], outputs: ['y'] }],
  }), 'preprocessing');
});

test('postprocessing: NonMaxSuppression anywhere and TopK near the outputs are info; TopK deep inside is not', () => {
  //  boxes, scores ──► NonMaxSuppression ──► sel
  const nms = check({
    opset: 13,
    inputs: [{ name: 'boxes', dtype: F, shape: [1, 4, 4] }, { name: 'scores', dtype: F, shape: [1, 1, 4] }], outputs: [{ name: 'sel', dtype: I64 }],
    nodes: [{ op: 'NonMaxSuppression', inputs: ['boxes', 'scores'], outputs: ['sel'], name: 'nms' }],
  });
  assert.deepEqual(summary(nms), ['info postprocessing @nms']);
  //  x ──► TopK(k) ──► v ──► Cast ──► y           vs.    x ──► TopK ──► v ──► Neg ──► Abs ──► Exp ──► Relu ──► y
  const topk = (chain: string[]): ModelSpec => {
    const nodes: NodeSpec[] = [{ op: 'TopK', inputs: ['x', 'k'], outputs: ['v0', 'i'], name: 'topk' }];
    chain.forEach((op, j) => nodes.push({ op, inputs: [`v${j}`], outputs: [j === chain.length - 1 ? 'y' : `v${j + 1}`], ...(op === 'Cast' ? { attrs: { to: F } } : {}) }));
    return { opset: 13, inputs: [{ name: 'x', dtype: F, shape: [1, 10] }], outputs: [{ name: 'y', dtype: F }], nodes, initializers: [int64Tensor('k', [1], [3])] };
  };
  assert.deepEqual(summary(withCode(check(topk(['Cast'])), 'postprocessing')), ['info postprocessing @topk']);
  none(check(topk(['Neg', 'Abs', 'Exp', 'Relu'])), 'postprocessing');
});
