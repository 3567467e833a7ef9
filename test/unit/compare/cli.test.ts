// onnx-lens run / compare / bench, end to end through main(): results on stdout, progress on stderr, exit
// codes 0 (fine), 1 (out of tolerance) and 2 (bad input, or a model onnxruntime cannot load: one line).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { readModelFile } from '../../../src/core/codec/file';
import { encodeModel } from '../../../src/core/codec/encode';

const FIX = join(__dirname, '..', '..', 'fixtures');
const MODELS = join(FIX, 'models');
const BACKEND = join(FIX, 'onnx-backend-node');
const tmp = mkdtempSync(join(tmpdir(), 'onnx-lens-cli-compare-'));

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n'), errLines: err };
}

const model = (name: string) => join(MODELS, name, 'model.onnx');

test('run: random inputs by default (saying the folder has input files), --json, saved inputs reproduce the run', async () => {
  const r = await cli('run', model('seed_two_heads'), '--json', '--seed', '5', '--save-inputs', join(tmp, 'in.npz'), '--save-outputs', join(tmp, 'out.npz'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /inputs: random \(seed 5\) \(the model's folder has input_0\.npy: pass --inputs to use them\)/);
  const j = JSON.parse(r.out);
  assert.deepEqual(j.outputs.map((o: { name: string }) => o.name), ['output0', 'output1']);
  assert.deepEqual(j.outputs[0].shape, [1, 1, 1, 3]);
  assert.equal(typeof j.outputs[0].mean, 'number');
  assert.ok(j.timings.runMs >= 0);
  const again = await cli('run', model('seed_two_heads'), '--json', '--inputs', join(tmp, 'in.npz'));
  assert.equal(again.code, 0, again.err);
  assert.deepEqual(JSON.parse(again.out).outputs, j.outputs, 'the saved inputs give the same outputs');
  // The saved outputs are a reference for compare.
  const c = await cli('compare', model('seed_two_heads'), '--reference', join(tmp, 'out.npz'), '--inputs', join(tmp, 'in.npz'));
  assert.equal(c.code, 0, c.err);
  assert.match(c.out, /PASS: 2 of 2 outputs within tolerance/);
});

test('run: unfilled dims and models onnxruntime cannot load are one line, exit 2', async () => {
  const dims = await cli('run', model('bert_tiny'));
  assert.equal(dims.code, 2);
  assert.match(dims.err, /^onnx-lens: run: symbolic dims 'batch_size' .*'length' .* have no size: give them sizes with --dim batch_size=N --dim length=N$/m);
  const ok = await cli('run', model('bert_tiny'), '--dim', 'batch_size=2', '--dim', 'length=7');
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /output: float\[2,128\]/);
  for (const [name, why] of [
    ['seed_asinh_opset7', /Asinh is not in opset 7 of ai\.onnx \(it exists since opset 9\): raise the ai\.onnx opset import to 9/],
    ['seed_deform_conv', /deform_conv2d is in domain 'custom', which onnxruntime does not know/],
  ] as const) {
    const r = await cli('run', model(name));
    assert.equal(r.code, 2, name);
    const last = r.errLines[r.errLines.length - 1];
    assert.match(last, /^onnx-lens: run: loading .* in onnxruntime failed \(ort-error: onnxruntime reported an error\): /);
    assert.match(last, why);
    assert.ok(!last.includes('\n'));
  }
});

test('compare --reference refs.npz --json: outputs with maxAbs, maxRel, cosine, pass; firstDivergence null', async () => {
  const r = await cli('compare', model('seed_two_heads'), '--reference', join(MODELS, 'seed_two_heads', 'refs.npz'), '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.pass, true);
  assert.equal(j.firstDivergence, null);
  assert.deepEqual(j.outputs.map((o: { name: string }) => o.name), ['output0', 'output1']);
  for (const o of j.outputs) {
    for (const k of ['maxAbs', 'maxRel', 'cosine', 'meanAbs', 'pass', 'mismatches', 'histogram']) assert.ok(k in o, k);
    assert.equal(o.pass, true);
  }
  assert.equal(j.rtol, 1e-3);
  assert.equal(j.atol, 1e-5);
  const help = await cli('help', 'compare');
  assert.match(help.out, /defaults rtol 1e-3, atol 1e-5/);
});

test('compare does not guess inputs: output_0.npy alone needs --inputs; a test_data_set carries its own', async () => {
  const r = await cli('compare', model('seed_linear'), '--reference', join(MODELS, 'seed_linear', 'output_0.npy'));
  assert.equal(r.code, 2);
  assert.match(r.err, /does not hold the model's inputs \('input0'\), so give the inputs it was computed from with --inputs F \(the model's folder has input_0\.npy; ONNX Lens does not guess/);
  const ok = await cli('compare', model('seed_linear'), '--reference', join(MODELS, 'seed_linear', 'output_0.npy'), '--inputs', join(MODELS, 'seed_linear', 'input_0.npy'));
  assert.equal(ok.code, 0, ok.err);
  const ds = await cli('compare', join(BACKEND, 'test_abs', 'model.onnx'), '--reference', join(BACKEND, 'test_abs', 'test_data_set_0'), '--atol', '1e-7');
  assert.equal(ds.code, 0, ds.err);
  assert.match(ds.out, /PASS y: float\[3,4,5\]/);
});

test('compare out of tolerance: exit 1, the reason; --markdown; per-output --tol loosens one output', async () => {
  const dir = join(BACKEND, 'test_dft_axis');
  const args = ['compare', join(dir, 'model.onnx'), '--reference', join(dir, 'test_data_set_0'), '--atol', '1e-7'];
  const r = await cli(...args);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /FAIL y: float\[.*\] max abs .* out of tolerance\n\s+20 of 200 elements are outside rtol 0\.001, atol 1e-7/);
  const md = await cli(...args, '--markdown');
  assert.equal(md.code, 1);
  assert.match(md.out, /Verdict: \*\*FAIL\*\*/);
  const loose = await cli(...args, '--tol', 'y=1e-3,1e-3');
  assert.equal(loose.code, 0, loose.out);
  assert.equal((await cli(...args, '--tol', 'y')).code, 2);
  assert.equal((await cli(...args, '--rtol', 'abc')).code, 2);
});

test('compare --layerwise against mark-all intermediates names the node that reads the altered weight', async () => {
  // Reference intermediates of the unaltered seed_focus, made with the CLI itself.
  const ref = join(tmp, 'focus-all.json');
  const inputs = join(MODELS, 'seed_focus', 'input_0.npy');
  const mark = await cli('run', model('seed_focus'), '--inputs', inputs, '--mark-all', '--save-outputs', ref);
  assert.equal(mark.code, 0, mark.err);
  // The Conv weight, one element changed.
  const m = readModelFile(model('seed_focus'));
  const w = m.graph.initializers.find((t) => t.name === 'onnx::Conv_44')!;
  const raw = Uint8Array.from(w.proto.rawData!);
  new DataView(raw.buffer).setFloat32(0, 0.75, true);
  w.proto.rawData = raw;
  const alteredPath = join(tmp, 'focus-altered.onnx');
  writeFileSync(alteredPath, encodeModel(m));
  const r = await cli('compare', alteredPath, '--inputs', inputs, '--reference', ref, '--layerwise', '--json');
  assert.equal(r.code, 1, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.firstDivergence.nodeName, '/conv/conv.0/Conv');
  assert.equal(j.firstDivergence.opType, 'Conv');
  assert.deepEqual(j.firstDivergence.inputs.map((i: { status: string }) => i.status), ['pass', 'constant', 'constant']);
  assert.ok(j.layerwise.nodes.length >= 9);
  assert.ok(j.layerwise.nodes.every((n: { nodeName: string; graph: string; pass: boolean }) => n.graph === 'main' && typeof n.pass === 'boolean'));
  assert.match(r.err, /layerwise: compared 10 of 10 tensors/);
  // The same, as text, and against the unaltered model file.
  const t = await cli('compare', alteredPath, '--inputs', inputs, '--against', model('seed_focus'), '--layerwise');
  assert.equal(t.code, 1);
  assert.match(t.out, /weights that differ: onnx::Conv_44/);
  assert.match(t.out, /first divergence: node '\/conv\/conv\.0\/Conv' \(Conv\)/);
  // Outputs only, against the other model: exit 1 as well.
  assert.equal((await cli('compare', alteredPath, '--inputs', inputs, '--against', model('seed_focus'))).code, 1);
});

test('compare --ort-opt: all optimizations vs none, random inputs allowed; one mode at a time', async () => {
  const r = await cli('compare', model('seed_prelu_instnorm'), '--ort-opt');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\(onnxruntime, optimizations all\) vs .*\(onnxruntime, optimizations disabled\)/);
  assert.match(r.err, /inputs: random \(seed 0\)/);
  const both = await cli('compare', model('seed_linear'), '--ort-opt', '--reference', 'x.npz');
  assert.equal(both.code, 2);
  assert.match(both.err, /give one of --reference, --against\/--against-provider and --ort-opt/);
  const none = await cli('compare', model('seed_linear'));
  assert.equal(none.code, 2);
  assert.match(none.err, /say what to compare with/);
});

test('bench: table, --json rows by batch, --csv file; a fixed batch refuses other sizes in one line', async () => {
  const csv = join(tmp, 'bench.csv');
  const r = await cli('bench', model('seed_dynamic_batch'), '--batch', '1,3', '--warmup', '1', '--iterations', '3', '--json', '--csv', csv);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(j.rows.map((x: { batch: number }) => x.batch), [1, 3]);
  assert.equal(j.rows[1].latenciesMs.length, 3);
  assert.equal(j.rows[1].warmupMs.length, 1);
  const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[2], /^cpu,3,3,1,/);
  const table = await cli('bench', model('seed_dynamic_batch'), '--batch', '2', '--iterations', '2', '--threads', '1');
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /provider\s+batch\s+first run\s+p50\s+p90\s+p99\s+mean\s+items\/s\ncpu\s+2\s+/);
  const fixed = await cli('bench', model('mobilenet_v2'), '--batch', '1,2');
  assert.equal(fixed.code, 2);
  assert.equal(fixed.errLines.filter((l) => l.startsWith('onnx-lens:')).length, 1);
  assert.match(fixed.err, /onnx-lens: bench: the model has no dynamic batch dim: the first dim of 'input' \(float\[1,3,224,224\]\) is fixed at 1, so it cannot run at batch 2/);
  assert.equal((await cli('bench', model('seed_dynamic_batch'), '--batch', '0')).code, 2);
  assert.equal((await cli('bench', model('seed_dynamic_batch'), '--opt-level', 'max')).code, 2);
});
