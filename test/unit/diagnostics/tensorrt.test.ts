// The TensorRT profile: onnx-tensorrt's unsupported operators and opset range, InstanceNormalization epsilon,
// If with a run-time condition, INT64 cast down to INT32 (TensorRT 8.x). Each rule runs only in that profile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataType } from '../../../src/core/ir/dtype';
import { TENSORRT_UNSUPPORTED_OPS } from '../../../src/core/diagnostics/data/tensorrt';
import { floatTensor, graphProto, int64Tensor, type ModelSpec, type NodeSpec } from '../../helpers/build';
import { check, none, one, summary, withCode } from './helpers';

const F = DataType.FLOAT;
const trt = { profile: 'tensorrt' as const };

test('trt-unsupported: Unique (marked N in operators.md) is an error in the tensorrt profile and nothing by default', () => {
  assert.ok(TENSORRT_UNSUPPORTED_OPS.has('Unique') && !TENSORRT_UNSUPPORTED_OPS.has('NonZero'));
  //  x ──► Unique ──► y
  const spec: ModelSpec = { opset: 13, inputs: [{ name: 'x', dtype: F, shape: [5] }], outputs: [{ name: 'y', dtype: F }], nodes: [{ op: 'Unique', inputs: ['x'], outputs: ['y'], name: 'u' }] };
  const d = one(check(spec, trt), 'trt-unsupported-op');
  assert.equal(d.severity, 'error');
  assert.match(d.message, /Unique is not supported by onnx-tensorrt \(onnx-tensorrt docs\/operators\.md \(TensorRT 10\.15\)\)/);
  assert.deepEqual(check(spec), []);
  //  x ──► NonZero ──► y: supported
  none(check({ ...spec, outputs: [{ name: 'y', dtype: DataType.INT64 }], nodes: [{ op: 'NonZero', inputs: ['x'], outputs: ['y'] }] }, trt), 'trt-unsupported-op');
});

test('trt-unsupported: ai.onnx.ml operators are errors; opsets outside 9..24 warn; TopK K >= 3840 is an error', () => {
  const ml: ModelSpec = {
    opset: [{ domain: '', version: 13 }, { domain: 'ai.onnx.ml', version: 1 }],
    inputs: [{ name: 'x', dtype: F, shape: [1, 3] }], outputs: [{ name: 'y', dtype: F }],
    nodes: [{ op: 'Normalizer', domain: 'ai.onnx.ml', inputs: ['x'], outputs: ['y'], name: 'norm' }],
  };
  assert.match(one(check(ml, trt), 'trt-unsupported-op').message, /ai\.onnx\.ml::Normalizer: onnx-tensorrt imports ai\.onnx operators only/);
  const relu = (opset: number): ModelSpec => ({ opset, irVersion: 3, inputs: [{ name: 'x', dtype: F, shape: [3] }], outputs: [{ name: 'y', dtype: F }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] });
  assert.match(one(check(relu(8), trt), 'trt-opset-range').message, /opset 8.*opsets 9 to 24/);
  none(check({ ...relu(9), irVersion: 4 }, trt), 'trt-opset-range');
  //  x ──► TopK(k = 4000) ──► v, i
  const topk = (k: number): ModelSpec => ({
    opset: 13, inputs: [{ name: 'x', dtype: F, shape: [1, 5000] }], outputs: [{ name: 'v', dtype: F }, { name: 'i', dtype: DataType.INT64 }],
    nodes: [{ op: 'TopK', inputs: ['x', 'k'], outputs: ['v', 'i'], name: 'topk' }], initializers: [int64Tensor('k', [1], [k])],
  });
  assert.match(one(check(topk(4000), trt), 'trt-op-restriction').message, /K = 4000: onnx-tensorrt requires K < 3840/);
  none(check(topk(100), trt), 'trt-op-restriction');
});

test('trt-instancenorm-epsilon: epsilon 1e-5 (set, or the default) warns; 1e-3 does not; not in the default profile', () => {
  //  x ──► InstanceNormalization(scale, B, epsilon) ──► y
  const spec = (attrs: NodeSpec['attrs']): ModelSpec => ({
    opset: 13, inputs: [{ name: 'x', dtype: F, shape: [1, 2, 4, 4] }], outputs: [{ name: 'y', dtype: F }],
    nodes: [{ op: 'InstanceNormalization', inputs: ['x', 's', 'b'], outputs: ['y'], name: 'in', ...(attrs ? { attrs } : {}) }],
    initializers: [floatTensor('s', [2], [1, 1]), floatTensor('b', [2], [0, 0])],
  });
  const d = one(check(spec({ epsilon: 1e-5 }), trt), 'trt-instancenorm-epsilon');
  assert.equal(d.severity, 'warning');
  assert.match(d.message, /epsilon is 1e-5, below 1e-4: onnx-tensorrt's InstanceNormalization importer \(TensorRT 7\/8\) clamps it to 1e-4/);
  assert.match(one(check(spec(undefined), trt), 'trt-instancenorm-epsilon').message, /epsilon is 1e-5 \(the default\)/);
  none(check(spec({ epsilon: 1e-3 }), trt), 'trt-instancenorm-epsilon');
  assert.deepEqual(check(spec({ epsilon: 1e-5 })), []);
});

test('trt-if: a run-time condition is info; branches returning the same name warn; a constant condition is constant-if', () => {
  //  c (graph input) ──► If ──► y     then: Relu(x) ──► o     else: Neg(x) ──► o   (same output name in both)
  const branch = (op: string, out: string) => graphProto({ name: op, nodes: [{ op, inputs: ['x'], outputs: [out] }], outputs: [{ name: out, dtype: F }] });
  const spec = (elseOut: string): ModelSpec => ({
    opset: 13, inputs: [{ name: 'c', dtype: DataType.BOOL, shape: [] }, { name: 'x', dtype: F, shape: [3] }], outputs: [{ name: 'y', dtype: F }],
    nodes: [{ op: 'If', inputs: ['c'], outputs: ['y'], name: 'if', attrs: { then_branch: branch('Relu', 'o'), else_branch: branch('Neg', elseOut) } }],
  });
  const list = check(spec('o'), trt);
  assert.deepEqual(summary(list), ['info trt-dynamic-if @if', 'warning trt-if-branches @if']);
  assert.match(list[1].message, /output 0 is named 'o' in both branches/);
  assert.deepEqual(summary(check(spec('p'), trt)), ['info trt-dynamic-if @if']);
  assert.deepEqual(check(spec('o')), []);
  //  c = initializer true: the constant-if rule speaks, not trt-dynamic-if
  const constant = spec('p');
  constant.inputs = [{ name: 'x', dtype: F, shape: [3] }];
  constant.initializers = [{ name: 'c', dims: [], dataType: DataType.BOOL, rawData: new Uint8Array([1]) }];
  assert.deepEqual(summary(check(constant, trt)), ['warning constant-if @if']);
});

test('trt-int64: INT64 constants beyond INT32 warn (not Slice bounds), INT64 graph I/O warns, a summary per graph; off for TensorRT 9+', () => {
  //  ids:int64 ──► Gather(table, ids + big) ...      x ──► Slice(x, 0, INT64_MAX) ──► s
  const spec: ModelSpec = {
    opset: 13,
    inputs: [{ name: 'ids', dtype: DataType.INT64, shape: [2] }, { name: 'x', dtype: F, shape: [4] }],
    outputs: [{ name: 'y', dtype: DataType.INT64 }, { name: 's', dtype: F }],
    nodes: [
      { op: 'Add', inputs: ['ids', 'big'], outputs: ['y'], name: 'add' },
      { op: 'Slice', inputs: ['x', 'st', 'en'], outputs: ['s'], name: 'slice' },
    ],
    initializers: [int64Tensor('big', [1], [2n ** 40n]), int64Tensor('st', [1], [0]), int64Tensor('en', [1], [2n ** 63n - 1n])],
  };
  const list = check(spec, trt);
  assert.deepEqual(summary(withCode(list, 'trt-int64-overflow')), ['warning trt-int64-overflow @big']);
  assert.match(one(list, 'trt-int64-weights').message, /3 INT64 constants in main \('big', 'st', 'en'\)/);
  assert.deepEqual(withCode(list, 'trt-int64-io').map((d) => d.tensor), ['ids', 'y']);
  assert.deepEqual(check(spec, { ...trt, tensorrtVersion: 10 }).filter((d) => d.code.startsWith('trt-int64')), []);
  assert.deepEqual(check(spec).filter((d) => d.code.startsWith('trt-')), []);
});
