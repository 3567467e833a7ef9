// Inputs for runs: seeded random tensors per dtype, symbolic dims from --dim, tensors from files matched to
// the model's inputs (by name, by position, test data sets, folders of input_K.npy), saving for reuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModelFile } from '../../../src/core/codec/file';
import { hostToNumbers, hostToStrings, hostFromNumbers } from '../../../src/core/codec/tensordata';
import { DataType } from '../../../src/core/ir/dtype';
import type { HostTensor } from '../../../src/core/ir/hosttensor';
import {
  InputError, Rng, checkInputs, generateInputs, generateModelInputs, generateTensor, indexRanges, inputsIfComplete, modelInputs,
  modelOutputs, parseDimSizes, readTensorSet, resolveShapes, saveTensors, selectInputs, selectOutputs, type ValueSignature,
} from '../../../src/core/inputs';

const FIX = join(__dirname, '..', '..', 'fixtures');
const MODELS = join(FIX, 'models');
const BACKEND = join(FIX, 'onnx-backend-node');

function sig(name: string, dtype: DataType, shape: (number | string | null)[] | undefined): ValueSignature {
  return { name, dtype, shape, kind: 'tensor', type: undefined };
}

function ioOf(dir: string) {
  const m = readModelFile(join(dir, 'model.onnx'));
  return { model: m, io: { inputs: modelInputs(m), outputs: modelOutputs(m) } };
}

test('the generator is seeded: same seed, same values on every run; each input has its own stream', () => {
  const sigs = [sig('x', DataType.FLOAT, [2, 3]), sig('ids', DataType.INT64, [4])];
  const a = generateInputs(sigs, { seed: 7 });
  const b = generateInputs(sigs, { seed: 7 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(hostToNumbers(generateInputs(sigs, { seed: 8 })[0]), hostToNumbers(a[0]));
  // Adding an input does not change the values of the others.
  const more = generateInputs([sig('y', DataType.FLOAT, [5]), ...sigs], { seed: 7 });
  assert.deepEqual(more[1], a[0]);
  // Pinned: saved inputs and reruns with --seed must keep reproducing these values.
  const x0 = Array.from(hostToNumbers(generateInputs([sig('x', DataType.FLOAT, [4])], { seed: 0 })[0]), (v) => Number(v.toFixed(5)));
  assert.deepEqual(x0, PINNED_SEED0_X);
  const r = new Rng(1);
  const u = Array.from({ length: 4 }, () => r.nextU32());
  assert.ok(u.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32) && new Set(u).size === 4);
});

// The first four values of a float input named 'x' for seed 0.
const PINNED_SEED0_X = [-1.0788, 2.12648, 0.19023, -0.58346];

test('value ranges per dtype: N(0,1) or uniform [-1,1) floats, ints in [0,10), bool, words', () => {
  const n = 20000;
  const normal = hostToNumbers(generateTensor(DataType.FLOAT, [n], new Rng(3)));
  const mean = normal.reduce((s, v) => s + v, 0) / n;
  const std = Math.sqrt(normal.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  assert.ok(Math.abs(mean) < 0.03 && Math.abs(std - 1) < 0.03, `N(0,1): mean ${mean}, std ${std}`);
  const uni = hostToNumbers(generateTensor(DataType.DOUBLE, [n], new Rng(3), { float: 'uniform' }));
  assert.ok(uni.every((v) => v >= -1 && v < 1));
  assert.ok(Math.min(...uni) < -0.99 && Math.max(...uni) > 0.99);
  for (const dt of [DataType.INT8, DataType.UINT8, DataType.INT16, DataType.INT32, DataType.INT64, DataType.UINT64]) {
    const v = hostToNumbers(generateTensor(dt, [2000], new Rng(4)));
    assert.deepEqual([...new Set(v)].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], `dtype ${dt}`);
  }
  const custom = hostToNumbers(generateTensor(DataType.INT8, [500], new Rng(5), { intRange: [-200, -120] }));
  assert.ok(custom.every((v) => v >= -128 && v < -120), 'a range is clipped to the type (int8 >= -128)');
  assert.throws(() => generateTensor(DataType.UINT8, [1], new Rng(5), { intRange: [-5, 0] }), /holds no uint8 value/);
  const bools = hostToNumbers(generateTensor(DataType.BOOL, [1000], new Rng(6)));
  const ones = bools.filter((v) => v === 1).length;
  assert.ok(ones > 400 && ones < 600, `bool: ${ones} of 1000 true`);
  const f16 = generateTensor(DataType.FLOAT16, [10], new Rng(6));
  assert.equal(f16.data.byteLength, 20);
  const words = hostToStrings(generateTensor(DataType.STRING, [5], new Rng(7)));
  assert.ok(words.every((w) => /^[a-z]{1,7}$/.test(w)), words.join(','));
  assert.throws(() => generateTensor(DataType.FLOAT8E4M3FN, [2], new Rng(1), {}, 'q'), /cannot generate input 'q' of type float8e4m3fn.*--inputs/);
});

test('symbolic dims: --dim NAME=N and INPUT:AXIS=N fill them; every unfilled dim is named in one error', () => {
  const sigs = [sig('a', DataType.FLOAT, ['batch', 3, 'seq']), sig('b', DataType.INT64, ['batch', null])];
  assert.throws(
    () => generateInputs(sigs, {}),
    (e: Error) => e instanceof InputError &&
      /symbolic dims 'batch' \(a:0, b:0\), 'seq' \(a:2\) have no size; unnamed dim b:1 has no size: give them sizes with --dim batch=N --dim seq=N --dim b:1=N/.test(e.message),
  );
  const t = generateInputs(sigs, { dims: parseDimSizes(['batch=2', 'seq=5', 'b:1=4']) });
  assert.deepEqual(t.map((x) => x.dims), [[2, 3, 5], [2, 4]]);
  assert.deepEqual(resolveShapes([sig('a', DataType.FLOAT, [1, 'n'])], parseDimSizes(['a:0=3', 'n=2'])), [[3, 2]], 'INPUT:AXIS overrides a fixed dim');
  assert.throws(() => parseDimSizes(['batch']), /--dim expects NAME=N .* found 'batch'/);
  assert.throws(() => parseDimSizes(['batch=-1']), /found 'batch=-1'/);
  assert.throws(() => generateInputs([sig('r', DataType.FLOAT, undefined)]), /declares no shape for input 'r'.*--inputs FILE/);
  assert.throws(() => generateInputs([{ ...sig('s', DataType.FLOAT, [1]), kind: 'sequence' }]), /input 's' is sequence, not a tensor/);
  assert.throws(() => generateInputs([sig('u', DataType.UNDEFINED, [1])]), /input 'u' declares no element type/);
});

test('ids that index a table stay in range: bert_tiny input_ids < vocab, token_type_ids < 2', () => {
  const { model } = ioOf(join(MODELS, 'bert_tiny'));
  const ranges = indexRanges(model);
  assert.deepEqual(ranges.get('token_type_ids'), [0, 2]);
  const ids = ranges.get('input_ids');
  assert.ok(ids && ids[0] === 0 && ids[1] >= 100, JSON.stringify(ids));
  assert.equal(ranges.has('attention_mask'), false);
  const t = generateModelInputs(model, { dims: parseDimSizes(['batch_size=2', 'length=64']) });
  const tt = hostToNumbers(t[2]);
  assert.ok(tt.every((v) => v === 0 || v === 1) && tt.some((v) => v === 1));
  assert.ok(Math.max(...hostToNumbers(t[0])) >= 10, 'ids use the whole vocabulary');
  const forced = generateModelInputs(model, { dims: parseDimSizes(['batch_size=1', 'length=8']), intRange: [5, 6] });
  assert.ok(hostToNumbers(forced[2]).every((v) => v === 5), 'an explicit --int-range wins');
});

test('files: refs.npz by name (inputs and outputs), a folder of input_K.npy by position', async () => {
  const { io } = ioOf(join(MODELS, 'bert_tiny'));
  const set = await readTensorSet([join(MODELS, 'bert_tiny', 'refs.npz')], io);
  const inputs = inputsIfComplete(set, io)!;
  assert.deepEqual(inputs.map((t) => t.name), ['input_ids', 'attention_mask', 'token_type_ids']);
  assert.equal(selectOutputs(set, io)[0]?.name, 'output');
  const folder = await readTensorSet([join(MODELS, 'bert_tiny')], io);
  const byPos = selectInputs(folder, io);
  assert.deepEqual(byPos.map((t) => t.name), ['input_ids', 'attention_mask', 'token_type_ids']);
  byPos.forEach((t, k) => assert.deepEqual(hostToNumbers(t), hostToNumbers(inputs[k])));
  assert.deepEqual(selectOutputs(folder, io)[0]?.dims, [2, 128]);
  // input_K.npy files given one by one are positional too.
  const files = await readTensorSet([0, 1, 2].map((k) => join(MODELS, 'bert_tiny', `input_${k}.npy`)), io);
  assert.deepEqual(selectInputs(files, io).map((t) => t.dims), [[2, 16], [2, 16], [2, 16]]);
});

test('files: a test_data_set folder feeds in graph-input order; one .npy feeds a one-input model', async () => {
  const { io } = ioOf(join(BACKEND, 'test_add_bcast'));
  const set = await readTensorSet([join(BACKEND, 'test_add_bcast', 'test_data_set_0')], io);
  const t = selectInputs(set, io);
  assert.deepEqual(t.map((x) => x.name), io.inputs.map((s) => s.name));
  assert.ok(selectOutputs(set, io)[0]);
  const lin = ioOf(join(MODELS, 'seed_linear')).io;
  const one = await readTensorSet([join(MODELS, 'seed_linear', 'input_0.npy')], lin);
  assert.equal(selectInputs(one, lin)[0].name, 'input0');
});

test('missing, duplicated and mismatched inputs are refused with what was expected and found', async () => {
  const { io } = ioOf(join(MODELS, 'bert_tiny'));
  const partial = await readTensorSet([join(MODELS, 'bert_tiny', 'input_0.npy')], io);
  assert.throws(() => selectInputs(partial, io), /no tensor for inputs 'attention_mask', 'token_type_ids' in .*input_0\.npy; found 'input_0'/);
  await assert.rejects(
    readTensorSet([join(MODELS, 'bert_tiny', 'refs.npz'), join(MODELS, 'bert_tiny', 'refs.npz')], io),
    /tensor 'input_ids' is given twice/,
  );
  const f = (dims: number[], dt = DataType.INT64): HostTensor => hostFromNumbers(dt, dims, new Array(dims.reduce((a, b) => a * b, 1)).fill(0));
  assert.throws(
    () => checkInputs([f([2, 3], DataType.INT32), f([2]), f([3, 3])], io.inputs),
    (e: Error) => /input 'input_ids' is int64\[batch_size,length\] but the tensor given is int32\[2,3\]/.test(e.message) &&
      /input 'attention_mask' has rank 2/.test(e.message),
  );
  assert.throws(() => checkInputs([f([2, 3]), f([2, 4]), f([2, 3])], io.inputs), /dim 'length' is 3 in input 'input_ids' axis 1 but 4 in input 'attention_mask' axis 1/);
  const mob = ioOf(join(MODELS, 'mobilenet_v2')).io;
  assert.throws(() => checkInputs([f([2, 3, 224, 224], DataType.FLOAT)], mob.inputs), /input 'input' needs size 1 on axis 0/);
  await assert.rejects(readTensorSet([join(MODELS, 'seed_asinh_opset7')], io), /neither/);
});

test('generated inputs saved as .npz (or Polygraphy .json) come back identical', async () => {
  const { model, io } = ioOf(join(MODELS, 'bert_tiny'));
  const gen = generateModelInputs(model, { seed: 3, dims: parseDimSizes(['batch_size=2', 'length=4']) });
  const dir = mkdtempSync(join(tmpdir(), 'onnx-lens-inputs-'));
  for (const file of ['in.npz', 'in.json']) {
    await saveTensors(join(dir, file), gen);
    const back = selectInputs(await readTensorSet([join(dir, file)], io), io);
    assert.deepEqual(back.map((t) => [t.name, t.dtype, t.dims, Array.from(t.data)]), gen.map((t) => [t.name, t.dtype, t.dims, Array.from(t.data)]), file);
  }
  await assert.rejects(
    saveTensors(join(dir, 'x.npz'), [{ ...gen[0], name: '/Slice_output_0' }]),
    /'\/Slice_output_0': it is an absolute path\) cannot be \.npz keys.*save to a \.json file/,
  );
});
