// Rules about versions and schemas: IR version, opset imports, operators vs opset, custom domains, kernels,
// input/output counts, attributes, type constraints. Small graphs built in code, positive and negative cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataType } from '../../../src/core/ir/dtype';
import { irRequirement } from '../../../src/core/diagnostics/data/ir-versions';
import { buildModel, floatTensor, type ModelSpec, type NodeSpec } from '../../helpers/build';
import { check, diagnose, none, one, summary } from './helpers';

const F = DataType.FLOAT;

/** x:float[1,5] ──► <op> ──► y */
function unary(op: string, opset: ModelSpec['opset'], extra: Partial<NodeSpec> = {}, irVersion = 8): ModelSpec {
  return {
    opset, irVersion,
    inputs: [{ name: 'x', dtype: F, shape: [1, 5] }],
    outputs: [{ name: 'y', dtype: F }],
    nodes: [{ op, inputs: ['x'], outputs: ['y'], name: 'n', ...extra }],
  };
}

// ---------------------------------------------------------------------------------------------- ir-version

test('ir-version: the IR/opset table is ONNX VERSION_TABLE (opset 9 -> IR 4, 13 -> 7, 21 -> 10, 26 -> 13; newer: a lower bound)', () => {
  assert.deepEqual(irRequirement('', 8), { minIr: 3, release: '1.3', beyondTable: false });
  assert.equal(irRequirement('', 9)!.minIr, 4);
  assert.equal(irRequirement('ai.onnx', 13)!.minIr, 7);
  assert.equal(irRequirement('', 21)!.minIr, 10);
  assert.equal(irRequirement('', 26)!.minIr, 13);
  assert.deepEqual(irRequirement('', 28), { minIr: 13, release: '1.21.0', beyondTable: true });
  assert.equal(irRequirement('ai.onnx.ml', 5)!.minIr, 10);
  assert.equal(irRequirement('custom', 1), undefined);
  assert.equal(irRequirement('', 0), undefined);
});

test('ir-version: IR 3 with opset 13 is too old (warning naming IR 7); IR 7 with opset 13 and IR 8 with 17 are fine', () => {
  const d = one(check(unary('Relu', 13, {}, 3)), 'ir-version-too-old');
  assert.equal(d.severity, 'warning');
  assert.match(d.message, /IR version 3.*opset 13.*ONNX 1\.8\.0.*IR 7.*Set ir_version to 7/);
  assert.match(d.message, /initializer/); // IR 3 expects initializers as graph inputs
  none(check(unary('Relu', 13, {}, 7)), 'ir-version-too-old');
  none(check(unary('Relu', 17, {}, 8)), 'ir-version-too-old');
});

test('ir-version: missing IR version is an error; beyond the runtime is an error; beyond onnx.proto a warning', () => {
  assert.equal(one(check(unary('Relu', 13, {}, 0)), 'ir-version-missing').severity, 'error');
  const rt = one(check(unary('Relu', 17, {}, 14), { runtimeFacts: { maxIrVersion: 13, name: 'onnxruntime 1.30.0' } }), 'ir-version-beyond-runtime');
  assert.equal(rt.severity, 'error');
  assert.match(rt.message, /IR version 14.*onnxruntime 1\.30\.0 loads up to IR 13.*ir_version 13/);
  none(check(unary('Relu', 17, {}, 13), { runtimeFacts: { maxIrVersion: 13 } }), 'ir-version-beyond-runtime');
  assert.equal(one(check(unary('Relu', 17, {}, 15)), 'ir-version-unknown').severity, 'warning');
  none(check(unary('Relu', 17, {}, 14)), 'ir-version-unknown');
});

// ---------------------------------------------------------------------------------------------- opset-imports

test('opset-imports: beyond runtimeFacts.maxOpset is an error; at it, nothing', () => {
  const d = one(check(unary('Relu', 27, {}, 13), { runtimeFacts: { maxOpset: 26 } }), 'opset-beyond-runtime');
  assert.equal(d.severity, 'error');
  assert.match(d.message, /ai\.onnx opset 27.*up to opset 26/);
  assert.deepEqual(check(unary('Relu', 26, {}, 13), { runtimeFacts: { maxOpset: 26 } }), []);
  // ai.onnx.ml through maxOpsets
  const ml = check({ ...unary('Relu', [{ domain: '', version: 17 }, { domain: 'ai.onnx.ml', version: 5 }]) }, { runtimeFacts: { maxOpsets: { 'ai.onnx.ml': 4 } } });
  assert.match(one(ml, 'opset-beyond-runtime').message, /ai\.onnx\.ml opset 5.*up to opset 4/);
});

test('opset-imports: without runtime facts, beyond the operator facts (28) is a warning; duplicates and version 0 are flagged', () => {
  const d = one(check(unary('Relu', 30, {}, 13)), 'opset-beyond-known');
  assert.equal(d.severity, 'warning');
  none(check(unary('Relu', 28, {}, 13)), 'opset-beyond-known');
  const dup = check(unary('Relu', [{ domain: '', version: 13 }, { domain: 'ai.onnx', version: 11 }]));
  assert.match(one(dup, 'duplicate-opset-import').message, /first entry \(13\)/);
  assert.equal(one(check(unary('Relu', [{ domain: 'ai.onnx.ml', version: 0 }, { domain: '', version: 13 }])), 'invalid-opset-import').severity, 'error');
});

// ---------------------------------------------------------------------------------------------- op-opset

test('op-opset: Asinh at opset 7 is an error with the raise-opset fix to 9; at opset 9 it is fine', () => {
  const list = check(unary('Asinh', 7, {}, 3));
  const d = one(list, 'op-not-in-opset');
  assert.equal(d.severity, 'error');
  assert.equal(d.node?.name, 'n');
  assert.match(d.message, /Asinh is not in opset 7 of ai\.onnx \(it exists since opset 9\): raise the ai\.onnx opset import to 9/);
  assert.deepEqual(d.fixes, [{ id: 'raise-opset', label: 'raise the ai.onnx opset import to 9', args: { domain: 'ai.onnx', version: 9 } }]);
  assert.deepEqual(check(unary('Asinh', 9, {}, 4)), []);
});

test('op-opset: Upsample from opset 10 and Scatter from 11 are deprecated (errors: onnxruntime refuses them); before, fine', () => {
  // x ──► Upsample(scales) ──► y
  const up = (opset: number): ModelSpec => ({
    opset, irVersion: 5,
    inputs: [{ name: 'x', dtype: F, shape: [1, 1, 2, 2] }], outputs: [{ name: 'y', dtype: F }],
    nodes: [{ op: 'Upsample', inputs: ['x', 's'], outputs: ['y'], attrs: { mode: 'nearest' } }],
    initializers: [floatTensor('s', [4], [1, 1, 2, 2])],
  });
  const d = one(check(up(10)), 'op-deprecated');
  assert.equal(d.severity, 'error');
  assert.match(d.message, /Upsample-10 is deprecated.*replace it with Resize/);
  assert.equal(d.fixes, undefined); // the replacement is another operator: no opset raise helps
  none(check(up(9)), 'op-deprecated');
  // data, indices, updates ──► Scatter ──► y
  const sc = (opset: number): ModelSpec => ({
    opset, irVersion: 6,
    inputs: [{ name: 'x', dtype: F, shape: [3, 3] }, { name: 'i', dtype: DataType.INT64, shape: [1, 3] }, { name: 'u', dtype: F, shape: [1, 3] }],
    outputs: [{ name: 'y', dtype: F }],
    nodes: [{ op: 'Scatter', inputs: ['x', 'i', 'u'], outputs: ['y'] }],
  });
  assert.match(one(check(sc(11)), 'op-deprecated').message, /ScatterElements/);
  none(check(sc(10)), 'op-deprecated');
});

test('op-opset: GroupNormalization-18 is deprecated and comes back in 21: the fix raises the opset', () => {
  const spec: ModelSpec = {
    opset: 18, irVersion: 8,
    inputs: [{ name: 'x', dtype: F, shape: [1, 4, 2, 2] }], outputs: [{ name: 'y', dtype: F }],
    nodes: [{ op: 'GroupNormalization', inputs: ['x', 's', 'b'], outputs: ['y'], attrs: { num_groups: 2 } }],
    initializers: [floatTensor('s', [2], [1, 1]), floatTensor('b', [2], [0, 0])],
  };
  const d = one(check(spec), 'op-deprecated');
  assert.deepEqual(d.fixes?.map((f) => f.args), [{ domain: 'ai.onnx', version: 21 }]);
});

test('op-opset: unknown operator names (with a letter-case hint) and missing domain imports are errors', () => {
  assert.match(one(check(unary('Relu6', 13)), 'unknown-op').message, /ai\.onnx has no operator named Relu6/);
  assert.match(one(check(unary('relu', 13)), 'unknown-op').message, /did you mean Relu/);
  // x ──► ai.onnx.ml::Normalizer ──► y, but the model imports only ai.onnx
  const d = one(check(unary('Normalizer', 13, { domain: 'ai.onnx.ml' })), 'missing-opset-import');
  assert.equal(d.severity, 'error');
  assert.deepEqual(d.fixes?.[0].args, { domain: 'ai.onnx.ml', version: 1 });
  none(check(unary('Normalizer', [{ domain: '', version: 13 }, { domain: 'ai.onnx.ml', version: 1 }], { domain: 'ai.onnx.ml' })), 'missing-opset-import');
});

// ---------------------------------------------------------------------------------------------- custom-domain, no-kernel

const customImports = [{ domain: '', version: 13 }, { domain: 'custom', version: 1 }];

test('custom-domain: custom::Foo without a function is an error (no schema, no kernel, cannot run)', () => {
  const d = one(check(unary('Foo', customImports, { domain: 'custom' })), 'custom-op');
  assert.equal(d.severity, 'error');
  assert.match(d.message, /Foo \(domain custom\): domain custom has no schema and no onnxruntime kernel; the model cannot run/);
  // the domain is not even imported: said too
  assert.match(one(check(unary('Foo', 13, { domain: 'custom' })), 'custom-op').message, /imports no opset for domain custom/);
});

test('custom-domain: a model-local function defining the op makes it info; a kernel the runtime reports present too', () => {
  // x ──► custom::Foo ──► y        function custom::Foo(a) -> (b) { b = Neg(a) }
  const spec = unary('Foo', customImports, { domain: 'custom' });
  spec.functions = [{
    name: 'Foo', domain: 'custom', input: ['a'], output: ['b'],
    node: [{ opType: 'Neg', input: ['a'], output: ['b'] }], opsetImport: [{ domain: '', version: 13 }],
  }];
  const list = check(spec);
  assert.deepEqual(summary(list), ['info custom-op-function @n']);
  assert.match(list[0].message, /model-local function custom::Foo \(1 nodes\)/);
  const present = check(unary('Foo', customImports, { domain: 'custom' }), { runtimeFacts: { kernelMissing: () => false } });
  assert.deepEqual(summary(present), ['info runtime-domain-op @n']);
});

test("custom-domain: onnxruntime's com.microsoft ops warn without facts, error when the kernel is missing", () => {
  const spec = unary('Gelu', [{ domain: '', version: 13 }, { domain: 'com.microsoft', version: 1 }], { domain: 'com.microsoft' });
  assert.deepEqual(summary(check(spec)), ['warning runtime-domain-op @n']);
  const seen: unknown[] = [];
  const missing = check(spec, { runtimeFacts: { kernelMissing: (...a) => (seen.push(a), true) } });
  assert.deepEqual(summary(missing), ['error custom-op @n']);
  assert.deepEqual(seen, [['com.microsoft', 'Gelu', 1, [F]]]);
});

test('no-kernel: asks runtimeFacts.kernelMissing with the since_version and input types; silent without it', () => {
  // a:int16, b:int16 ──► Min ──► y
  const spec: ModelSpec = {
    opset: 13,
    inputs: [{ name: 'a', dtype: DataType.INT16, shape: [3] }, { name: 'b', dtype: DataType.INT16, shape: [3] }],
    outputs: [{ name: 'y', dtype: DataType.INT16 }],
    nodes: [{ op: 'Min', inputs: ['a', 'b'], outputs: ['y'], name: 'min' }],
  };
  const calls: unknown[] = [];
  const kernelMissing = (domain: string, op: string, version: number, types: number[]) => {
    calls.push([domain, op, version, types]);
    return op === 'Min' && types.includes(DataType.INT16);
  };
  const d = one(check(spec, { runtimeFacts: { kernelMissing, name: 'onnxruntime 1.30.0' } }), 'no-kernel');
  assert.equal(d.severity, 'error');
  assert.match(d.message, /onnxruntime 1\.30\.0 has no kernel for Min-13 for input types \(int16, int16\)/);
  assert.deepEqual(calls, [['', 'Min', 13, [DataType.INT16, DataType.INT16]]]);
  none(check(spec), 'no-kernel');
  const f32 = { ...spec, inputs: spec.inputs!.map((i) => ({ ...i, dtype: F })), outputs: [{ name: 'y', dtype: F }] };
  none(check(f32, { runtimeFacts: { kernelMissing } }), 'no-kernel');
});

// ---------------------------------------------------------------------------------------------- schema-io

test('schema-io: too many inputs, too many outputs and an empty required input are errors; an empty optional input is not', () => {
  assert.match(one(check(unary('Relu', 13, { inputs: ['x', 'x'] })), 'input-count').message, /Relu-13 takes exactly 1 inputs \(X\); the node has 2/);
  assert.match(one(check(unary('Relu', 13, { outputs: ['y', 'z'] })), 'output-count').message, /exactly 1 outputs/);
  // a, '' ──► Gemm: B is required
  const gemm: ModelSpec = {
    opset: 13, inputs: [{ name: 'a', dtype: F, shape: [2, 2] }], outputs: [{ name: 'y', dtype: F }],
    nodes: [{ op: 'Gemm', inputs: ['a', ''], outputs: ['y'], name: 'gemm' }],
  };
  assert.match(one(check(gemm), 'missing-input').message, /input 1 \(B\) of Gemm-13 is required/);
  // x, '', max ──► Clip: min is optional
  const clip: ModelSpec = {
    opset: 13, inputs: [{ name: 'x', dtype: F, shape: [3] }], outputs: [{ name: 'y', dtype: F }],
    nodes: [{ op: 'Clip', inputs: ['x', '', 'hi'], outputs: ['y'] }], initializers: [floatTensor('hi', [], [1])],
  };
  assert.deepEqual(check(clip), []);
});

// ---------------------------------------------------------------------------------------------- schema-attributes

test('schema-attributes: unknown, mistyped, missing required and duplicated attributes are errors', () => {
  const unknown = one(check(unary('Relu', 13, { attrs: { foo: 1 } })), 'unknown-attribute');
  assert.match(unknown.message, /Relu-13 has no attribute 'foo' \(it takes no attributes\)/);
  assert.match(one(check(unary('Softmax', 13, { attrs: { Axis: 1 } })), 'unknown-attribute').message, /did you mean 'axis'/);
  assert.match(one(check(unary('Softmax', 13, { attrs: { axis: 0.5 } })), 'attribute-type').message, /'axis' of Softmax-13 must be INT; the node stores FLOAT/);
  assert.match(one(check(unary('Cast', 13)), 'missing-attribute').message, /Cast-13 requires attribute 'to' \(INT\)/);
  const m = buildModel(unary('Softmax', 13, { attrs: { axis: 1 } }));
  m.graph.nodes[0].attributes.push(m.graph.nodes[0].attributes[0]); // axis twice
  assert.equal(one(diagnose(m), 'duplicate-attribute').severity, 'error');
  assert.deepEqual(check(unary('Softmax', 13, { attrs: { axis: 1 } })), []);
});

// ---------------------------------------------------------------------------------------------- type-constraints

test('type-constraints: Add(float, double) binds T twice; Sin(int32) is not allowed; Add(float, float) is fine', () => {
  // x:float, w:double ──► Add ──► y
  const add = (b: DataType): ModelSpec => ({
    opset: 13,
    inputs: [{ name: 'x', dtype: F, shape: [3] }, { name: 'w', dtype: b, shape: [3] }],
    outputs: [{ name: 'y', dtype: F }],
    nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'], name: 'add' }],
  });
  const d = one(check(add(DataType.DOUBLE)), 'type-mismatch');
  assert.equal(d.severity, 'error');
  assert.match(d.message, /same element type for every T: input 0 'x' is float, input 1 'w' is double/);
  assert.deepEqual(check(add(F)), []);
  const sin = one(check({ ...unary('Sin', 13), inputs: [{ name: 'x', dtype: DataType.INT32, shape: [3] }], outputs: [{ name: 'y', dtype: DataType.INT32 }] }), 'type-not-allowed');
  assert.match(sin.message, /input 0 'x' of Sin-7 is int32, which T does not allow \(allowed: float, float16, double\)/);
});

test('type-constraints: types found by shape inference count (Cast to int32 feeding Sin); without inference only declared ones', () => {
  // x:float ──► Cast(to=int32) ──► c ──► Sin ──► y      (c has no declared type)
  const spec: ModelSpec = {
    opset: 13,
    inputs: [{ name: 'x', dtype: F, shape: [3] }], outputs: [{ name: 'y' }],
    nodes: [{ op: 'Cast', inputs: ['x'], outputs: ['c'], attrs: { to: DataType.INT32 } }, { op: 'Sin', inputs: ['c'], outputs: ['y'], name: 'sin' }],
  };
  assert.equal(one(check(spec), 'type-not-allowed').node?.name, 'sin');
  none(check(spec, { inference: false }), 'type-not-allowed');
});
