// simplify on every sample model, checked in onnxruntime: no more nodes than onnxruntime's own 'basic' graph
// optimization leaves (measured here with optimizedModelFilePath), and the same outputs on the fixtures' inputs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeClient } from '../../../src/runtime/client';
import { encodeModel } from '../../../src/core/codec/encode';
import { decodeModel } from '../../../src/core/codec/decode';
import { countNodes } from '../../../src/core/ir/traverse';
import { simplifyModel } from '../../../src/core/passes/simplify';
import { copyOf, loadSample, maxScaledDiff, modelPath, opHistogram, runBytes, sampleInputs, sampleOutputs } from './helpers';

const rt = new RuntimeClient();
const tmp = mkdtempSync(join(tmpdir(), 'onnx-lens-simplify-'));
after(async () => {
  await rt.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

/** What the issue measured for onnxruntime 'basic' (the test measures it again and holds us to both). */
const ISSUE_ORT_BASIC: Record<string, number> = { bert_tiny: 257, decoder_48: 2792, seed_focus: 10, seed_preprocess: 3 };

const SAMPLES = [
  'seed_linear', 'seed_two_heads', 'seed_dynamic_batch', 'seed_asinh', 'seed_just_reshape', 'seed_preprocess',
  'seed_focus', 'seed_prelu_instnorm', 'const_if', 'mobilenet_v2', 'bert_tiny', 'decoder_48',
];

/** onnxruntime's own 'basic' optimization: the node count it leaves and the milliseconds it takes. */
async function ortBasic(name: string): Promise<{ nodes: number; ms: number }> {
  const out = join(tmp, `${name}.basic.onnx`);
  const s = await rt.load({ modelPath: modelPath(name), options: { graphOptimizationLevel: 'basic', optimizedModelFilePath: out } });
  await rt.release(s.sessionId);
  return { nodes: countNodes(decodeModel(readFileSync(out))), ms: s.loadMs };
}

const rows: string[] = [];

for (const name of SAMPLES) {
  test(`simplify ${name}: no more nodes than onnxruntime basic, same outputs`, async () => {
    const original = loadSample(name);
    const model = copyOf(original);
    const t0 = performance.now();
    const report = await simplifyModel(model, {}, { runtime: rt });
    const ms = performance.now() - t0;
    const bytes = encodeModel(model);
    const ort = await ortBasic(name);
    const basic = ort.nodes;
    // Less time than onnxruntime's basic optimization, on the graph large enough to measure (decoder_48).
    if (name === 'decoder_48') assert.ok(ms < ort.ms, `simplify took ${ms.toFixed(0)} ms, onnxruntime basic ${ort.ms.toFixed(0)} ms`);
    const ours = countNodes(model);
    assert.ok(ours <= basic, `${name}: ${ours} nodes after simplify, onnxruntime basic leaves ${basic}: ${JSON.stringify(opHistogram(model))}`);
    if (ISSUE_ORT_BASIC[name] !== undefined) assert.ok(ours <= ISSUE_ORT_BASIC[name], `${name}: ${ours} > ${ISSUE_ORT_BASIC[name]}`);
    // Interface kept: the same inputs and outputs, by name and order.
    assert.deepEqual(model.graph.inputs.map((i) => i.value.name), original.graph.inputs.map((i) => i.value.name));
    assert.deepEqual(model.graph.outputs.map((i) => i.value.name), original.graph.outputs.map((i) => i.value.name));
    const feeds = sampleInputs(name, original);
    const before = await runBytes(rt, encodeModel(original), feeds);
    const afterOut = await runBytes(rt, bytes, feeds);
    let diff = 0;
    before.forEach((b, i) => (diff = Math.max(diff, maxScaledDiff(b, afterOut[i]))));
    assert.ok(diff <= 1e-5, `${name}: outputs differ by ${diff}`);
    // And against what PyTorch computed, for good measure (the export itself is within 1e-4 of it).
    const ref = sampleOutputs(name, original.graph.outputs.length);
    ref.forEach((r, i) => assert.ok(maxScaledDiff(r, afterOut[i]) <= 1e-3, `${name}: output ${i} far from PyTorch's`));
    rows.push(
      `${name.padEnd(20)} ${String(report.stats.nodesBefore).padStart(6)} ${String(ours).padStart(6)} ${String(basic).padStart(10)} ${diff.toExponential(1).padStart(9)} ${ms.toFixed(0).padStart(8)} ${ort.ms.toFixed(0).padStart(8)}`,
    );
  });
}

test('the table: model, nodes before, ours, onnxruntime basic, max diff', () => {
  console.log(['model                 before   ours  ORT basic  max diff  ours ms   ORT ms', ...rows].join('\n'));
  assert.equal(rows.length, SAMPLES.length);
});

test('the runtime child writes the optimized model only to an absolute path it is given', async () => {
  await assert.rejects(
    rt.load({ modelPath: modelPath('seed_linear'), options: { graphOptimizationLevel: 'basic', optimizedModelFilePath: 'relative.onnx' } }),
    /optimizedModelFilePath must be an absolute file path/,
  );
});
