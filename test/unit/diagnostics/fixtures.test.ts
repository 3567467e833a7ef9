// Diagnostics on the model files: every sample model gets what test/fixtures/models/README.md says a user
// expects; ONNX's own backend test models that onnxruntime loads get no error (checked against onnxruntime
// itself, in its child process); decoder_48 is timed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readModelFile } from '../../../src/core/codec/file';
import { decodeModel } from '../../../src/core/codec/decode';
import { DataType } from '../../../src/core/ir/dtype';
import { runDiagnosticsDetailed } from '../../../src/core/diagnostics/index';
import type { Diagnostic } from '../../../src/core/diagnostics/types';
import { RuntimeClient, RuntimeError } from '../../../src/runtime/client';
import { floatTensor, modelBytes } from '../../helpers/build';
import { BACKEND, MODELS, checkDeclared, diagnose, one, summary } from './helpers';

const model = (name: string) => readModelFile(join(MODELS, name, 'model.onnx'));
const codes = (list: readonly Diagnostic[]) => [...new Set(list.map((d) => `${d.severity} ${d.code}`))].sort();

// ---------------------------------------------------------------------------------------------- README table

test('seed_asinh_opset7: error on the node: Asinh not in opset 7, exists since 9; fix raise the opset import to 9', () => {
  const list = diagnose(model('seed_asinh_opset7'));
  assert.deepEqual(summary(list), ['error op-not-in-opset @/Asinh']);
  assert.match(list[0].message, /Asinh is not in opset 7 of ai\.onnx \(it exists since opset 9\): raise the ai\.onnx opset import to 9/);
  assert.deepEqual(list[0].fixes, [{ id: 'raise-opset', label: 'raise the ai.onnx opset import to 9', args: { domain: 'ai.onnx', version: 9 } }]);
});

test('seed_asinh (the same model at opset 12): fine', () => {
  assert.deepEqual(diagnose(model('seed_asinh')), []);
});

test('seed_deform_conv: error, custom::deform_conv2d has no schema and no onnxruntime kernel; the model cannot run', () => {
  const list = diagnose(model('seed_deform_conv'));
  assert.deepEqual(summary(list), ['error custom-op @/conv2/deform_conv2d']);
  assert.match(list[0].message, /deform_conv2d \(domain custom\): domain custom has no schema and no onnxruntime kernel; the model cannot run/);
});

test('seed_just_reshape: the glue (Constant -> Unsqueeze -> Concat -> Reshape) is flagged, folds now, fix fold-glue', () => {
  const list = diagnose(model('seed_just_reshape'));
  assert.deepEqual(summary(list), ['warning glue-chain @/Reshape']);
  const d = list[0];
  assert.deepEqual(d.related?.map((n) => n.opType).sort(), ['Concat', 'Constant', 'Constant', 'Constant', 'Constant', 'Unsqueeze', 'Unsqueeze', 'Unsqueeze', 'Unsqueeze']);
  assert.match(d.message, /'\/Concat_output_0' = \[2,3,5,4\]/);
  assert.deepEqual(d.fixes?.map((f) => f.id), ['fold-glue']);
});

test('seed_preprocess: info, preprocessing inside the graph (Sub/Div on the input); its reshape glue as in seed_just_reshape', () => {
  const list = diagnose(model('seed_preprocess'));
  assert.deepEqual(summary(list), ['info preprocessing @/Sub', 'warning glue-chain @/Reshape']);
  assert.deepEqual(list[0].related?.map((n) => n.opType), ['Sub', 'Div']);
  assert.match(list[0].message, /input 'input' goes through Sub -> Div with constant operands/);
});

test('seed_focus: the file has no BatchNormalization (PyTorch fused it into the Conv at export): nothing to fold, nothing flagged', () => {
  // README says "BN still separate"; the exported file disagrees: Slice x6, Concat, Conv, Sigmoid, Mul and Constants.
  // The fold-batchnorm rule is shown on a Focus block with a separate BatchNormalization below and in pattern-rules.
  const m = model('seed_focus');
  assert.equal([...m.allNodes()].filter((n) => n.opType === 'BatchNormalization').length, 0);
  assert.equal([...m.allNodes()].filter((n) => n.opType === 'Slice').length, 6);
  assert.deepEqual(diagnose(m), []);
});

test('a Focus block with the BatchNormalization left separate: info batchnorm-not-folded, fix fold-batchnorm', () => {
  //  images ──► Slice x2 ──► Concat ──► Conv ──► BatchNormalization ──► Sigmoid ─┐
  //                                                          └──────────────────► Mul ──► output
  const bytes = modelBytes({
    opset: 11, irVersion: 6,
    inputs: [{ name: 'images', dtype: DataType.FLOAT, shape: [1, 1, 4, 4] }], outputs: [{ name: 'output', dtype: DataType.FLOAT }],
    nodes: [
      { op: 'Slice', inputs: ['images', 'st0', 'en', 'ax', 'step'], outputs: ['a'], name: '/Slice' },
      { op: 'Slice', inputs: ['images', 'st1', 'en', 'ax', 'step'], outputs: ['b'], name: '/Slice_1' },
      { op: 'Concat', inputs: ['a', 'b'], outputs: ['c'], name: '/Concat', attrs: { axis: 1 } },
      { op: 'Conv', inputs: ['c', 'W'], outputs: ['conv'], name: '/conv/Conv', attrs: { kernel_shape: [1, 1] } },
      { op: 'BatchNormalization', inputs: ['conv', 'g', 'bt', 'mu', 'var'], outputs: ['bn'], name: '/conv/bn/BatchNormalization' },
      { op: 'Sigmoid', inputs: ['bn'], outputs: ['s'], name: '/conv/act/Sigmoid' },
      { op: 'Mul', inputs: ['bn', 's'], outputs: ['output'], name: '/conv/act/Mul' },
    ],
    initializers: [
      { name: 'st0', dims: [1], dataType: DataType.INT64, rawData: new Uint8Array(new BigInt64Array([0n]).buffer) },
      { name: 'st1', dims: [1], dataType: DataType.INT64, rawData: new Uint8Array(new BigInt64Array([1n]).buffer) },
      { name: 'en', dims: [1], dataType: DataType.INT64, rawData: new Uint8Array(new BigInt64Array([4n]).buffer) },
      { name: 'ax', dims: [1], dataType: DataType.INT64, rawData: new Uint8Array(new BigInt64Array([2n]).buffer) },
      { name: 'step', dims: [1], dataType: DataType.INT64, rawData: new Uint8Array(new BigInt64Array([2n]).buffer) },
      floatTensor('W', [2, 2, 1, 1], [1, 0, 0, 1]), floatTensor('g', [2], [1, 1]), floatTensor('bt', [2], [0, 0]),
      floatTensor('mu', [2], [0, 0]), floatTensor('var', [2], [1, 1]),
    ],
  });
  const list = diagnose(decodeModel(bytes));
  assert.deepEqual(summary(list), ['info batchnorm-not-folded @/conv/bn/BatchNormalization']);
  assert.deepEqual(list[0].fixes?.[0].args, { conv: '/conv/Conv', batchNorm: '/conv/bn/BatchNormalization' });
});

test('seed_prelu_instnorm: TensorRT profile warns InstanceNorm eps 1e-5 < 1e-4; the [8,1,1] slope broadcasts (no PReLU finding)', () => {
  const m = model('seed_prelu_instnorm');
  assert.deepEqual(diagnose(m), []);
  const list = diagnose(m, { profile: 'tensorrt' });
  assert.deepEqual(summary(list), ['warning trt-instancenorm-epsilon @/in_norm/InstanceNormalization']);
  assert.match(list[0].message, /epsilon is 1e-5, below 1e-4/);
});

test('const_if: the constant If is flagged with the fix to inline the taken branch', () => {
  const list = diagnose(model('const_if'));
  const d = one(list, 'constant-if');
  assert.deepEqual(summary(list), [`warning constant-if @${d.node!.label}`]);
  assert.deepEqual(d.fixes, [{ id: 'inline-if', label: 'inline the taken branch (then_branch)', args: { branch: 'then_branch' } }]);
});

test('clean models: no error and only defended findings, in both profiles', () => {
  // What each clean model may get, and why that is right:
  //  - noop-node (info): PyTorch exports tied/shared weights as Identity nodes of initializers (mobilenet_v2,
  //    bert_tiny, decoder_48); they do nothing and can go.
  //  - glue-chain (info): bert_tiny and decoder_48 compute reshape targets from Shape of inputs with dynamic
  //    batch/length: the chains cannot fold while those dims are symbolic; the message names the dims.
  //  - tensorrt profile: trt-int64-weights (info, the INT64 shape constants TensorRT 8.x casts down) and
  //    trt-int64-io (warning) for bert_tiny's int64 token inputs, which a TensorRT 8.x engine binds as int32.
  const allowed: Record<string, { default: string[]; tensorrt: string[] }> = {
    seed_linear: { default: [], tensorrt: [] },
    seed_two_heads: { default: [], tensorrt: [] },
    seed_dynamic_batch: { default: [], tensorrt: [] },
    mobilenet_v2: { default: ['info noop-node'], tensorrt: ['info noop-node'] },
    bert_tiny: {
      default: ['info glue-chain', 'info noop-node'],
      tensorrt: ['info glue-chain', 'info noop-node', 'info trt-int64-weights', 'warning trt-int64-io'],
    },
  };
  for (const [name, want] of Object.entries(allowed)) {
    const m = model(name);
    assert.deepEqual(codes(diagnose(m)), want.default, `${name} default`);
    assert.deepEqual(codes(diagnose(m, { profile: 'tensorrt' })), want.tensorrt, `${name} tensorrt`);
  }
  const bert = diagnose(model('bert_tiny')).filter((d) => d.code === 'glue-chain');
  assert.ok(bert.every((d) => /symbolic dims? .*'(batch_size|length)'/.test(d.message)), bert[0]?.message);
});

// ---------------------------------------------------------------------------------------------- decoder_48

test('decoder_48 (5,341 nodes): all rules well under a second beyond decoding; only defended findings', () => {
  const t0 = performance.now();
  const m = model('decoder_48');
  const t1 = performance.now();
  const r = runDiagnosticsDetailed(m);
  const trt = runDiagnosticsDetailed(m, { profile: 'tensorrt' });
  checkDeclared(r.diagnostics);
  console.log(
    `decoder_48: decode ${(t1 - t0).toFixed(0)} ms; default profile: shape inference ${r.timings.shapesMs.toFixed(0)} ms + rules ` +
      `${r.timings.rulesMs.toFixed(0)} ms; tensorrt profile: ${trt.timings.shapesMs.toFixed(0)} + ${trt.timings.rulesMs.toFixed(0)} ms; ` +
      `${r.diagnostics.length} diagnostics; slowest rules ${Object.entries(r.timings.byRule).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ')}`,
  );
  assert.ok(r.timings.shapesMs + r.timings.rulesMs < 1000, `diagnostics took ${(r.timings.shapesMs + r.timings.rulesMs).toFixed(0)} ms`);
  assert.deepEqual(codes(r.diagnostics), ['info glue-chain', 'info noop-node']);
  assert.deepEqual(codes(trt.diagnostics), ['info glue-chain', 'info noop-node', 'info trt-int64-weights']);
});

// ---------------------------------------------------------------------------------------------- ONNX backend tests vs onnxruntime

/**
 * Backend models onnxruntime fails on although the model alone shows no error, and why. Each needs a fact
 * only the runtime has: runtimeFacts.kernelMissing turns the first two groups into no-kernel errors.
 */
const ORT_FAILS_WITHOUT_MODEL_ERROR: Record<string, string> = {
  test_adagrad_multiple: 'ai.onnx.preview.training Adagrad: onnxruntime registers no kernel (kernelMissing)',
  test_adam_multiple: 'ai.onnx.preview.training Adam: onnxruntime registers no kernel (kernelMissing)',
  test_momentum_multiple: 'ai.onnx.preview.training Momentum: onnxruntime registers no kernel (kernelMissing)',
  test_min_int16: 'no CPU kernel for Min(13) on int16 (kernelMissing)',
  test_min_uint16: 'no CPU kernel for Min(13) on uint16 (kernelMissing)',
  test_pow_types_float32_uint64: 'no CPU kernel for Pow(15) with a uint64 exponent (kernelMissing)',
  test_simple_rnn_batchwise: "onnxruntime's CPU RNN rejects layout = 1 (an attribute value no kernel probe by type sees)",
  test_strnormalizer_export_monday_casesensintive_lower: 'StringNormalizer needs the en_US.UTF-8 locale, which this machine may lack',
  test_strnormalizer_export_monday_casesensintive_upper: 'StringNormalizer needs the en_US.UTF-8 locale, which this machine may lack',
  test_strnormalizer_export_monday_insensintive_upper_twodim: 'StringNormalizer needs the en_US.UTF-8 locale, which this machine may lack',
};

const client = new RuntimeClient({ timeoutMs: 30_000 });
after(() => client.dispose());

async function ortLoads(bytes: Uint8Array): Promise<{ ok: boolean; kind?: string; message?: string }> {
  try {
    const s = await client.load({ modelBytes: bytes });
    await client.release(s.sessionId);
    return { ok: true };
  } catch (e) {
    if (!(e instanceof RuntimeError)) throw e;
    return { ok: false, kind: e.kind, message: e.message };
  }
}

test('ONNX backend models: no error on any model onnxruntime loads; every model it fails on is explained', async () => {
  const names = readdirSync(BACKEND).filter((n) => n.startsWith('test_')).sort();
  assert.ok(names.length > 400);
  const unexplained: string[] = [];
  let loaded = 0;
  for (const name of names) {
    const bytes = readFileSync(join(BACKEND, name, 'model.onnx'));
    const list = diagnose(decodeModel(bytes, { path: name }));
    const errors = list.filter((d) => d.severity === 'error');
    const ort = await ortLoads(bytes);
    if (ort.ok) {
      loaded++;
      assert.deepEqual(summary(errors), [], `${name}: onnxruntime loads it, yet: ${errors.map((d) => d.message).join(' | ')}`);
      continue;
    }
    if (ort.kind === 'refused') {
      // onnxruntime-node's JS API cannot pass the model's inputs/outputs: the runtime-io warning says so.
      assert.ok(list.some((d) => d.code === 'runtime-io'), `${name} refused (${ort.message}) without a runtime-io warning`);
      continue;
    }
    if (errors.length === 0 && !(name in ORT_FAILS_WITHOUT_MODEL_ERROR)) unexplained.push(`${name}: ${ort.message?.split('\n')[0]}`);
  }
  assert.deepEqual(unexplained, []);
  assert.ok(loaded > 420, `only ${loaded} backend models loaded`);
});

test('kernelMissing turns the kernel-less backend models into no-kernel errors', () => {
  const missing = (domain: string, op: string, _v: number, types: number[]) =>
    domain === 'ai.onnx.preview.training' ||
    (op === 'Min' && (types.includes(DataType.INT16) || types.includes(DataType.UINT16))) ||
    (op === 'Pow' && types[1] === DataType.UINT64);
  for (const name of ['test_adam_multiple', 'test_min_int16', 'test_min_uint16', 'test_pow_types_float32_uint64']) {
    const list = diagnose(readModelFile(join(BACKEND, name, 'model.onnx')), { runtimeFacts: { kernelMissing: missing } });
    assert.equal(list.filter((d) => d.code === 'no-kernel').length, 1, `${name}: ${JSON.stringify(summary(list))}`);
  }
});

test('a [C] PRelu slope against NCHW: flagged as an error, and onnxruntime indeed fails running it; [C,1,1] runs', async () => {
  //  x:[1,3,4,4] ──► PRelu(slope) ──► y
  const bytes = (dims: number[]) => modelBytes({
    opset: 13, inputs: [{ name: 'x', dtype: DataType.FLOAT, shape: [1, 3, 4, 4] }], outputs: [{ name: 'y', dtype: DataType.FLOAT }],
    nodes: [{ op: 'PRelu', inputs: ['x', 'slope'], outputs: ['y'], name: 'prelu' }],
    initializers: [floatTensor('slope', dims, [0.1, 0.2, 0.3])],
  });
  const x = { name: 'x', dtype: DataType.FLOAT, dims: [1, 3, 4, 4], data: new Uint8Array(48 * 4) };
  const bad = diagnose(decodeModel(bytes([3])));
  assert.deepEqual(summary(bad), ['error prelu-slope-broadcast @prelu']);
  const s = await client.load({ modelBytes: bytes([3]) });
  await assert.rejects(client.run(s.sessionId, [x]), (e: unknown) => e instanceof RuntimeError && /broadcast/i.test(e.message));
  assert.deepEqual(diagnose(decodeModel(bytes([3, 1, 1]))), []);
  const good = await client.load({ modelBytes: bytes([3, 1, 1]) });
  const r = await client.run(good.sessionId, [x]);
  assert.deepEqual(r.outputs[0].dims, [1, 3, 4, 4]);
});
