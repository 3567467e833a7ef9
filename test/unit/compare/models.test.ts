// The sample models against PyTorch's own outputs (refs.npz and output_K.npy), in onnxruntime; the two that
// onnxruntime cannot load get a clear reason; runtime failures come back as RunFailure with their kind.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readModelFile } from '../../../src/core/codec/file';
import { RuntimeClient } from '../../../src/runtime/client';
import { compareModel, RunFailure, type Runner } from '../../../src/core/compare';
import { generateModelInputs, inputsIfComplete, modelInputs, modelOutputs, readTensorSet, selectInputs, selectOutputs } from '../../../src/core/inputs';

const FIX = join(__dirname, '..', '..', 'fixtures');
const MODELS = join(FIX, 'models');
const client = new RuntimeClient({ timeoutMs: 60_000 });
// The structural Runner interface of src/core is what RuntimeClient offers.
const runner: Runner = client;
after(() => client.dispose());

const CANNOT_LOAD: Record<string, RegExp> = {
  seed_asinh_opset7: /Asinh is not in opset 7 of ai\.onnx \(it exists since opset 9\): raise the ai\.onnx opset import to 9/,
  seed_deform_conv: /deform_conv2d is in domain 'custom', which onnxruntime does not know: it is a custom operator/,
};

function load(name: string) {
  const path = join(MODELS, name, 'model.onnx');
  const model = readModelFile(path);
  return { path, model, io: { inputs: modelInputs(model), outputs: modelOutputs(model) } };
}

const names = readdirSync(MODELS).filter((n) => existsSync(join(MODELS, n, 'model.onnx'))).sort();

test('every sample model onnxruntime can load matches PyTorch at rtol 1e-3, atol 1e-5 (refs.npz and output_K.npy)', async () => {
  assert.ok(names.length >= 14, names.join(','));
  const passed: string[] = [];
  for (const name of names) {
    if (CANNOT_LOAD[name]) continue;
    const { path, model, io } = load(name);
    // refs.npz: inputs and outputs keyed by ONNX tensor name.
    const refs = await readTensorSet([join(MODELS, name, 'refs.npz')], io);
    const inputs = inputsIfComplete(refs, io);
    assert.ok(inputs, `${name}: refs.npz holds the inputs`);
    const rep = await compareModel({
      runner, subject: { model, modelPath: path, label: name }, inputs,
      reference: { kind: 'tensors', outputs: selectOutputs(refs, io), label: 'refs.npz' }, rtol: 1e-3, atol: 1e-5,
    });
    assert.equal(rep.unmatched.length, 0, `${name}: every output has a reference`);
    assert.equal(rep.outputs.length, io.outputs.length);
    for (const o of rep.outputs) assert.ok(o.pass, `${name} ${o.name}: ${o.reason}`);
    assert.equal(rep.pass, true);
    // input_K.npy / output_K.npy: by position.
    const k = io.inputs.length;
    const inSet = await readTensorSet(Array.from({ length: k }, (_, i) => join(MODELS, name, `input_${i}.npy`)), io);
    const outSet = await readTensorSet(io.outputs.map((_, i) => join(MODELS, name, `output_${i}.npy`)), io);
    const rep2 = await compareModel({
      runner, subject: { model, modelPath: path, label: name }, inputs: selectInputs(inSet, io),
      reference: { kind: 'tensors', outputs: selectOutputs(outSet, io), label: 'output_K.npy' }, rtol: 1e-3, atol: 1e-5,
    });
    assert.equal(rep2.pass, true, `${name} vs output_K.npy: ${rep2.outputs.map((o) => o.reason).join('; ')}`);
    assert.equal(rep2.outputs.length, io.outputs.length);
    passed.push(name);
  }
  assert.equal(passed.length, names.length - Object.keys(CANNOT_LOAD).length);
  assert.ok(passed.includes('seed_two_heads') && passed.includes('decoder_48') && passed.includes('bert_tiny'));
});

test('seed_dynamic_batch runs at batch 3 (its input_0.npy)', async () => {
  const { path, model, io } = load('seed_dynamic_batch');
  assert.equal(io.inputs[0].shape?.[0], 'batch');
  const inputs = selectInputs(await readTensorSet([join(MODELS, 'seed_dynamic_batch', 'input_0.npy')], io), io);
  assert.deepEqual(inputs[0].dims, [3, 1, 1, 4]);
  const rep = await compareModel({
    runner, subject: { model, modelPath: path, label: 'seed_dynamic_batch' }, inputs,
    reference: { kind: 'tensors', outputs: selectOutputs(await readTensorSet([join(MODELS, 'seed_dynamic_batch', 'output_0.npy')], io), io), label: 'output_0.npy' },
  });
  assert.equal(rep.pass, true);
  assert.deepEqual(rep.outputs[0].shape, [3, 1, 1, 3]);
});

test('the two models onnxruntime cannot load get a clear reason (RunFailure, kind ort-error)', async () => {
  for (const [name, why] of Object.entries(CANNOT_LOAD)) {
    const { path, model } = load(name);
    const inputs = generateModelInputs(model);
    await assert.rejects(
      compareModel({ runner, subject: { model, modelPath: path, label: name }, inputs, reference: { kind: 'tensors', outputs: [], label: 'x' } }),
      (e: unknown) => {
        assert.ok(e instanceof RunFailure, String(e));
        assert.equal(e.kind, 'ort-error');
        assert.match(e.message, new RegExp(`^loading ${name} in onnxruntime failed \\(ort-error: onnxruntime reported an error\\): `));
        assert.match(e.message, why);
        assert.ok(!e.message.includes('\n'), 'one line');
        return true;
      },
    );
  }
});

test('runtime failures keep their kind: refused (optional output), timeout (endless loop), with what was being done', async () => {
  const opt = join(FIX, 'runtime', 'empty_optional_output.onnx');
  await assert.rejects(
    compareModel({ runner, subject: { model: readModelFile(opt), modelPath: opt, label: 'empty_optional_output' }, inputs: [], reference: { kind: 'tensors', outputs: [], label: 'x' } }),
    (e: unknown) => e instanceof RunFailure && e.kind === 'refused' &&
      /loading empty_optional_output in onnxruntime failed \(refused: .*output 'y' is an optional\(tensor\(float\)\)/.test(e.message),
  );
  const loop = join(FIX, 'runtime', 'endless_loop.onnx');
  const quick = new RuntimeClient({ timeoutMs: 1500 });
  try {
    const x = { name: 'x', dtype: 1, dims: [1], data: new Uint8Array(4) };
    await assert.rejects(
      compareModel({ runner: quick, subject: { model: readModelFile(loop), modelPath: loop, label: 'endless_loop' }, inputs: [x], reference: { kind: 'tensors', outputs: [x], label: 'x' } }),
      (e: unknown) => e instanceof RunFailure && e.kind === 'timeout' &&
        /^running endless_loop failed \(timeout: the onnxruntime process timed out\): request \d+ \(run\) did not finish within 1500 ms/.test(e.message),
    );
  } finally {
    await quick.dispose();
  }
});

test('a reference that names none of the outputs is an error that says how to name them', async () => {
  const { path, model, io } = load('seed_linear');
  const set = await readTensorSet([join(MODELS, 'seed_linear', 'refs.npz')], io);
  await assert.rejects(
    compareModel({ runner, subject: { model, modelPath: path, label: 'seed_linear' }, inputs: inputsIfComplete(set, io)!, reference: { kind: 'tensors', outputs: [undefined], label: 'other.npz' } }),
    /the reference \(other\.npz\) has no tensor for any output of seed_linear \('output0'\): name the reference tensors after the outputs/,
  );
});
