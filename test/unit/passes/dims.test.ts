// set-dim, make-dim-symbolic, rename-dim, set-batch: declared shapes change, declared types downstream follow,
// and the models run in onnxruntime with the new shapes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeClient } from '../../../src/runtime/client';
import { encodeModel } from '../../../src/core/codec/encode';
import { hostFromNumbers } from '../../../src/core/codec/tensordata';
import { DataType } from '../../../src/core/ir/dtype';
import { describeType } from '../../../src/core/ir/types';
import type { Model } from '../../../src/core/ir/model';
import { runPass } from '../../../src/core/passes/registry';
import { PassError } from '../../../src/core/passes/types';
import { buildModel, floatTensor, int64Tensor } from '../../helpers/build';
import { loadSample, runBytes } from './helpers';

const rt = new RuntimeClient();
after(() => rt.dispose());

const inType = (m: Model, i = 0) => describeType(m.graph.inputs[i].proto?.type);
const outType = (m: Model, i = 0) => describeType(m.graph.outputs[i].proto?.type);
const ones = (dims: number[], name: string) => hostFromNumbers(DataType.FLOAT, dims, new Array(dims.reduce((a, b) => a * b, 1)).fill(1), name);

//   input0: float[batch,1,1,4] -> MatMul -> output0: float[batch,1,1,3]
//   set-dim input0 0 3   ->   float[3,1,1,4] -> MatMul -> float[3,1,1,3]
test('set-dim fixes a dim; the declared output follows; onnxruntime runs batch 3', async () => {
  const m = loadSample('seed_dynamic_batch');
  const r = await runPass('set-dim', m, { input: 'input0', axis: '0', value: '3' });
  assert.ok(r.modified);
  assert.equal(inType(m), 'float[3,1,1,4]');
  assert.equal(outType(m), 'float[3,1,1,3]');
  const out = await runBytes(rt, encodeModel(m), [ones([3, 1, 1, 4], 'input0')]);
  assert.deepEqual(out[0].dims, [3, 1, 1, 3]);
  // Setting it again changes nothing.
  assert.equal((await runPass('set-dim', m, { input: 'input0', axis: 0, value: '3' })).modified, false);
  // A negative axis counts from the end; a name makes the dim symbolic.
  await runPass('set-dim', m, { input: 'input0', axis: -4, value: 'N' });
  assert.equal(inType(m), 'float[N,1,1,4]');
  assert.equal(outType(m), 'float[N,1,1,3]');
});

test('set-dim refusals say what was expected', async () => {
  const m = loadSample('seed_dynamic_batch');
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ input: 'x', axis: 0, value: '1' }, /no input named 'x'; its inputs are 'input0'/],
    [{ input: 'input0', axis: 4, value: '1' }, /rank 4; axis 4 is out of range/],
    [{ input: 'input0', axis: 0, value: 'a b' }, /neither a size nor a symbolic name/],
    [{ input: 'input0', axis: 0, value: '-2' }, /negative/],
    [{ input: 'input0', axis: 'first', value: '1' }, /expects an integer/],
    [{ input: 'input0', value: '1' }, /needs the argument 'axis'/],
    [{ input: 'onnx::MatMul_4', axis: 0, value: '1' }, /no input named/],
  ];
  for (const [args, re] of cases) await assert.rejects(runPass('set-dim', m, args), (e: unknown) => e instanceof PassError && re.test(e.message));
  assert.equal(inType(m), 'float[batch,1,1,4]', 'refusals change nothing');
});

//   x: float[1,4] -> Reshape([1,2,2]) -> y        set-dim x 0 3: the Reshape cannot hold 12 elements: a warning
test('set-dim reports nodes that cannot work with the new dim', async () => {
  const m = buildModel({
    inputs: [{ name: 'x', shape: [1, 4] }],
    outputs: [{ name: 'y' }],
    initializers: [int64Tensor('s', [3], [1, 2, 2])],
    nodes: [{ op: 'Reshape', name: 'rs', inputs: ['x', 's'], outputs: ['y'] }],
  });
  const r = await runPass('set-dim', m, { input: 'x', axis: 0, value: '3' });
  assert.ok(r.details!.some((d) => /warning: rs: cannot reshape/.test(d)), r.details!.join('\n'));
});

//   input0: float[1,1,1,4] (seed_linear) -> make-dim-symbolic input0 0 N -> float[N,1,1,4]; runs with N = 2
test('make-dim-symbolic: any fixed dim becomes a name, onnxruntime accepts other sizes', async () => {
  const m = loadSample('seed_linear');
  await assert.rejects(runBytes(rt, encodeModel(m), [ones([2, 1, 1, 4], 'input0')]));
  const r = await runPass('make-dim-symbolic', m, { input: 'input0', axis: 0, name: 'N' });
  assert.ok(r.modified);
  assert.equal(inType(m), 'float[N,1,1,4]');
  assert.equal(outType(m), 'float[N,1,1,3]');
  const out = await runBytes(rt, encodeModel(m), [ones([2, 1, 1, 4], 'input0')]);
  assert.deepEqual(out[0].dims, [2, 1, 1, 3]);
  // The default name; a size is refused.
  const m2 = loadSample('seed_linear');
  await runPass('make-dim-symbolic', m2, { input: 'input0', axis: 2 });
  assert.equal(inType(m2), 'float[1,1,input0_2,4]');
  await assert.rejects(runPass('make-dim-symbolic', m2, { input: 'input0', axis: 0, name: '5' }), /is a size/);
});

//   x: float[seq,2] -> Concat(x, one row) -> t: value_info float[seq+1,2] -> y: float[seq+1,2]
//   rename-dim seq L   ->   x: float[L,2], t: float[L+1,2], y: float[L+1,2]
test('rename-dim renames a symbol everywhere, inside expressions too; refuses clashes and unknown names', async () => {
  const spec = () =>
    buildModel({
      inputs: [{ name: 'x', shape: ['seq', 2] }, { name: 'z', shape: ['L2', 2] }],
      outputs: [{ name: 'y', shape: ['seq+1', 2] }],
      valueInfo: [{ name: 't', shape: ['seq+1', 2] }],
      initializers: [floatTensor('row', [1, 2], [0, 0])],
      nodes: [
        { op: 'Concat', inputs: ['x', 'row'], outputs: ['t'], attrs: { axis: 0 } },
        { op: 'Identity', inputs: ['t'], outputs: ['y'] },
      ],
    });
  const m = spec();
  const r = await runPass('rename-dim', m, { from: 'seq', to: 'L' });
  assert.equal(r.stats!.dims, 3);
  assert.equal(inType(m), 'float[L,2]');
  assert.equal(outType(m), 'float[L+1,2]');
  assert.equal(describeType(m.graph.valueInfo[0].proto?.type), 'float[L+1,2]');
  await assert.rejects(runPass('rename-dim', spec(), { from: 'seq', to: 'L2' }), /already used as a symbolic dim/);
  await assert.rejects(runPass('rename-dim', spec(), { from: 'nope', to: 'K' }), /no declared shape uses the symbolic dim 'nope'/);
  await assert.rejects(runPass('rename-dim', spec(), { from: 'seq', to: '3' }), /is a size/);
});

//   bert_tiny: input_ids, attention_mask, token_type_ids: int64[batch_size,length]   set-batch 2   ->   int64[2,length]
test('set-batch sets dim 0 of every input; the output follows; onnxruntime runs it', async () => {
  const m = loadSample('bert_tiny');
  const r = await runPass('set-batch', m, { value: '2' });
  assert.equal(r.stats!.inputs, 3);
  for (let i = 0; i < 3; i++) assert.equal(inType(m, i), 'int64[2,length]');
  assert.equal(outType(m), 'float[2,128]');
  const ids = (name: string) => hostFromNumbers(DataType.INT64, [2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((v) => (name === 'input_ids' ? v : 1)), name);
  const out = await runBytes(rt, encodeModel(m), ['input_ids', 'attention_mask', 'token_type_ids'].map(ids));
  assert.deepEqual(out[0].dims, [2, 128]);
  assert.equal((await runPass('set-batch', m, { value: '2' })).modified, false);
});

//   x: float[batch,4] -> Relu -> r (value_info float[batch,4]) -> y (declared float[batch,4])
//   set-batch 5: the stale declarations downstream become [5,4]; an input named explicitly must exist
test('set-batch rewrites stale value_info downstream; unknown inputs are refused', async () => {
  const m = buildModel({
    inputs: [{ name: 'x', shape: ['batch', 4] }, { name: 'k', shape: [] }],
    outputs: [{ name: 'y', shape: ['batch', 4] }],
    valueInfo: [{ name: 'r', shape: ['batch', 4] }],
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['r'] },
      { op: 'Add', inputs: ['r', 'k'], outputs: ['y'] },
    ],
  });
  const r = await runPass('set-batch', m, { value: '5' });
  assert.ok(r.details!.some((d) => /skipped 'k': a scalar/.test(d)));
  assert.equal(describeType(m.graph.valueInfo[0].proto?.type), 'float[5,4]');
  assert.equal(outType(m), 'float[5,4]');
  await assert.rejects(runPass('set-batch', m, { value: '1', inputs: 'x,nope' }), /no input named 'nope'/);
});
