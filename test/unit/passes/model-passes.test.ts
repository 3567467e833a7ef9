// extract, external-data, raise-opset: passes about the model as a whole, checked in onnxruntime.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeClient } from '../../../src/runtime/client';
import { encodeModel } from '../../../src/core/codec/encode';
import { decodeModel } from '../../../src/core/codec/decode';
import { writeFileAtomic } from '../../../src/core/codec/atomic';
import { readModelFile } from '../../../src/core/codec/file';
import { hostFromNumbers, hostToNumbers } from '../../../src/core/codec/tensordata';
import { DataType } from '../../../src/core/ir/dtype';
import { runPass } from '../../../src/core/passes/registry';
import { PassError } from '../../../src/core/passes/types';
import { closeExternal } from '../../../src/core/weights';
import { buildModel, floatTensor } from '../../helpers/build';
import { copyOf, loadSample, maxScaledDiff, runBytes, sampleInputs } from './helpers';

const rt = new RuntimeClient();
const tmp = mkdtempSync(join(tmpdir(), 'onnx-lens-passes-'));
after(async () => {
  await rt.dispose();
  rmSync(tmp, { recursive: true, force: true });
});
const refuses = (p: Promise<unknown>, re: RegExp) => assert.rejects(p, (e: unknown) => e instanceof PassError && re.test(e.message));

//   bert_tiny: extract the first encoder layer's attention output from the embeddings' LayerNorm output;
//   the new model, fed the intermediate computed by an add-output copy of the original, gives the same tensor.
test('extract: the subgraph between two tensors runs on its own and agrees with the full model', async () => {
  const original = loadSample('bert_tiny');
  const g = original.graph;
  const softmax = g.nodes.find((n) => n.opType === 'Softmax')!;
  const matmul = g.nodes.find((n) => n.opType === 'MatMul')!;
  const from = matmul.inputs[0]!.name; // the embeddings after LayerNorm
  const to = softmax.outputs[0]!.name;
  const before = encodeModel(original);
  const r = await runPass('extract', original, { inputs: from, outputs: to });
  assert.equal(r.modified, false);
  assert.deepEqual(encodeModel(original), before, 'the model itself is unchanged');
  const sub = decodeModel(r.newModel!);
  assert.deepEqual(sub.graph.inputs.map((i) => i.value.name).sort(), [from, 'attention_mask'].sort(), r.details!.join('\n'));
  assert.ok(r.details!.some((d) => /attention_mask/.test(d)), 'a graph input the walk reached becomes an input too');
  assert.deepEqual(sub.graph.outputs.map((o) => o.value.name), [to]);
  assert.ok(sub.graph.nodes.length < original.graph.nodes.length / 4);
  // Reference: the full model with both tensors exposed.
  const full = copyOf(original);
  await runPass('add-output', full, { tensor: from });
  await runPass('add-output', full, { tensor: to });
  const feeds = sampleInputs('bert_tiny', original);
  const outs = await runBytes(rt, encodeModel(full), feeds);
  const mid = { ...outs[1], name: from };
  const mask = feeds.find((f) => f.name === 'attention_mask')!;
  const got = await runBytes(rt, r.newModel!, sub.graph.inputs.map((i) => (i.value.name === from ? mid : mask)));
  assert.ok(maxScaledDiff(outs[2], got[0]) <= 1e-6);
});

test('extract refusals: unknown tensors, constants as inputs, no outputs', async () => {
  const m = loadSample('seed_linear');
  await refuses(runPass('extract', m, { outputs: 'nope' }), /no tensor is named 'nope'/);
  await refuses(runPass('extract', m, { inputs: 'onnx::MatMul_4', outputs: 'output0' }), /is a constant/);
  await refuses(runPass('extract', m, { outputs: '' }), /no outputs given/);
  const whole = await runPass('extract', m, { inputs: 'input0', outputs: 'output0' });
  assert.equal(decodeModel(whole.newModel!).graph.nodes.length, 1);
});

//   x -> MatMul(W[64,64]) -> Add(b[64]) -> y    external-data out (threshold 1024): W goes to the file, b (256 bytes) stays;
//   the saved pair loads in onnxruntime and gives the same outputs; external-data in brings W back.
test('external-data out then in: files beside the model, same outputs, byte-identical weights back', async () => {
  const W = Array.from({ length: 64 * 64 }, (_, i) => Math.sin(i));
  const spec = () =>
    buildModel({
      inputs: [{ name: 'x', shape: [1, 64] }],
      outputs: [{ name: 'y' }],
      initializers: [floatTensor('W', [64, 64], W), floatTensor('b', [64], W.slice(0, 64))],
      nodes: [
        { op: 'MatMul', inputs: ['x', 'W'], outputs: ['m'] },
        { op: 'Add', inputs: ['m', 'b'], outputs: ['y'] },
      ],
    });
  const m = spec();
  const r = await runPass('external-data', m, { location: 'weights.bin' });
  assert.ok(r.modified);
  assert.equal(r.stats!.tensors, 1);
  const [file] = r.files!;
  assert.equal(file.location, 'weights.bin');
  assert.equal(file.byteLength, 64 * 64 * 4);
  const dir = mkdtempSync(join(tmp, 'ext-'));
  writeFileAtomic(join(dir, file.location), file.chunks);
  writeFileAtomic(join(dir, 'model.onnx'), encodeModel(m));
  assert.ok(statSync(join(dir, 'model.onnx')).size < 2048);
  const x = hostFromNumbers(DataType.FLOAT, [1, 64], W.slice(100, 164), 'x');
  const want = await runBytes(rt, encodeModel(spec()), [x]);
  const s = await rt.load({ modelPath: join(dir, 'model.onnx') });
  const got = (await rt.run(s.sessionId, [x])).outputs;
  await rt.release(s.sessionId);
  assert.equal(maxScaledDiff(want[0], got[0]), 0);
  // A second move to the same file would destroy it.
  await refuses(runPass('external-data', m, { location: 'weights.bin', threshold: 0 }), /already keep their data in 'weights.bin'/);
  // Back in.
  const back = readModelFile(join(dir, 'model.onnx'));
  const rin = await runPass('external-data', back, { direction: 'in' });
  closeExternal(back);
  assert.ok(rin.modified);
  assert.ok(!back.graph.initializers.some((t) => t.isExternal));
  assert.deepEqual(Buffer.from(back.graph.initializers[0].proto.rawData!), Buffer.from(spec().graph.initializers[0].proto.rawData!));
  assert.equal((await runPass('external-data', back, { direction: 'in' })).modified, false);
});

test('external-data refuses locations outside the model folder, and a model not read from a file', async () => {
  for (const loc of ['../x.bin', '/abs/x.bin', 'C:\\x.bin', 'http://h/x']) {
    await refuses(runPass('external-data', loadSample('seed_focus'), { location: loc, threshold: 0 }), /is not a safe place for external data/);
  }
  const m = loadSample('seed_focus');
  await runPass('external-data', m, { location: 'w.bin', threshold: 0 });
  const copy = decodeModel(encodeModel(m));
  await refuses(runPass('external-data', copy, { direction: 'in' }), /not read from a file/);
  assert.equal((await runPass('external-data', loadSample('seed_linear'))).modified, false, 'a 48-byte weight stays under the threshold');
});

//   seed_asinh_opset7: Asinh at opset 7 (Asinh exists since 9): raise-opset picks 9; onnxruntime then runs it
test('raise-opset: the Asinh-at-7 model goes to 9 and runs; IR version follows', async () => {
  const m = loadSample('seed_asinh_opset7');
  const r = await runPass('raise-opset', m);
  assert.match(r.summary, /opset 7 -> 9/);
  assert.ok(r.details!.some((d) => /now valid: Asinh/.test(d)));
  assert.equal(m.opsetVersion(''), 9);
  assert.ok((m.irVersion ?? 0) >= 4);
  const info = m.graph.inputs[0];
  const dims = info.proto!.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue));
  const feed = hostFromNumbers(DataType.FLOAT, dims, new Array(dims.reduce((a, b) => a * b, 1)).fill(0.5), info.value.name);
  const out = await runBytes(rt, encodeModel(m), [feed]);
  assert.ok(Math.abs(hostToNumbers(out[0])[0] - Math.asinh(0.5)) < 1e-6);
});

//   Gemm + Relu at opset 7: raising to 9 changes Gemm (7 -> 9): refused, naming it; to 8 is fine (nothing changed)
test('raise-opset refuses when an op changes meaning, and names it', async () => {
  const spec = () =>
    buildModel({
      opset: 7,
      irVersion: 3,
      inputs: [{ name: 'x', shape: [1, 2] }],
      outputs: [{ name: 'y' }],
      initializers: [floatTensor('B', [2, 2], [1, 0, 0, 1]), floatTensor('C', [2], [0, 0])],
      nodes: [
        { op: 'Gemm', inputs: ['x', 'B', 'C'], outputs: ['g'] },
        { op: 'Relu', inputs: ['g'], outputs: ['y'] },
      ],
    });
  await refuses(runPass('raise-opset', spec(), { to: 9 }), /change the meaning of 1 operator: Gemm \(Gemm-7 at opset 7, Gemm-9 at opset 9\)/);
  const m = spec();
  const r = await runPass('raise-opset', m, { to: 8 });
  assert.ok(r.modified);
  assert.equal(m.opsetVersion(''), 8);
  await refuses(runPass('raise-opset', spec(), { to: 5 }), /lower than the model's 7/);
  await refuses(runPass('raise-opset', spec()), /every operator the model uses exists at opset 7/);
  await refuses(runPass('raise-opset', spec(), { to: 99 }), /beyond the newest opset/);
  assert.equal((await runPass('raise-opset', spec(), { to: 7 })).modified, false);
});
