// Layer by layer: intermediates exposed in chunks, compared with reference intermediates (a), another
// configuration (b) or another model (c); the first diverging node is the one that reads an altered weight.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModelFile } from '../../../src/core/codec/file';
import { encodeModel } from '../../../src/core/codec/encode';
import { decodeModel } from '../../../src/core/codec/decode';
import { readTensorFile, writeTensorFile } from '../../../src/core/codec/files';
import { onnx } from '../../../src/core/codec/pb';
import { readGraphIo } from '../../../src/runtime/typecheck';
import { RuntimeClient } from '../../../src/runtime/client';
import { topologicalOrder } from '../../../src/core/ir/traverse';
import type { Model } from '../../../src/core/ir/model';
import type { HostTensor } from '../../../src/core/ir/hosttensor';
import { collectIntermediates, compareLayerwise, type Runner } from '../../../src/core/compare';
import { generateModelInputs, modelInputs, modelOutputs, readTensorSet, selectInputs } from '../../../src/core/inputs';

const MODELS = join(__dirname, '..', '..', 'fixtures', 'models');
const client = new RuntimeClient({ timeoutMs: 60_000 });
after(() => client.dispose());

function load(name: string): { model: Model; path: string } {
  const path = join(MODELS, name, 'model.onnx');
  return { model: readModelFile(path), path };
}

async function inputsOf(name: string, model: Model): Promise<HostTensor[]> {
  const io = { inputs: modelInputs(model), outputs: modelOutputs(model) };
  return selectInputs(await readTensorSet([join(MODELS, name, 'input_0.npy')], io), io);
}

/** A copy of `name` whose initializer `weight` has its first element raised by `delta`; returns it and the node that reads it. */
function altered(name: string, weight: string, delta: number): { model: Model; bytes: Uint8Array; reader: string } {
  const { model } = load(name);
  const t = model.graph.initializers.find((x) => x.name === weight)!;
  assert.ok(t, `${name} has initializer ${weight}`);
  const raw = Uint8Array.from(t.proto.rawData!);
  new DataView(raw.buffer).setFloat32(0, new DataView(raw.buffer).getFloat32(0, true) + delta, true);
  t.proto.rawData = raw;
  const readers = t.value!.uses.map((u) => u.node.label);
  assert.equal(readers.length, 1, `${weight} has one reader`);
  const bytes = encodeModel(model);
  return { model: decodeModel(bytes), bytes, reader: readers[0] };
}

test('(a) against reference intermediates: the first diverging node is the one that reads the altered weight', async () => {
  const { model, path } = load('mobilenet_v2');
  const inputs = await inputsOf('mobilenet_v2', model);
  // Reference intermediates of the unaltered model, saved as Polygraphy RunResults and read back.
  const collected = await collectIntermediates({ runner: client, side: { model, modelPath: path, label: 'mobilenet_v2' }, inputs });
  assert.ok(collected.tensors.size >= 130, `${collected.tensors.size} tensors`);
  assert.deepEqual(collected.skipped, []);
  const file = join(mkdtempSync(join(tmpdir(), 'onnx-lens-layerwise-')), 'reference.json');
  await writeTensorFile(file, collected.tensors);
  const reference = (await readTensorFile(file)).tensors;
  assert.equal(reference.size, collected.tensors.size);

  // A weight in the middle of the network (features.8), read directly by one Conv.
  const alt = altered('mobilenet_v2', 'onnx::Conv_601', 0.5);
  const rep = await compareLayerwise({
    runner: client, subject: { model: alt.model, modelBytes: alt.bytes, label: 'altered' }, inputs,
    reference: { kind: 'tensors', tensors: reference, label: file }, rtol: 1e-3, atol: 1e-5, chunkSize: 50,
  });
  const fd = rep.firstDivergence!;
  assert.ok(fd, 'a divergence is found');
  assert.equal(fd.nodeName, alt.reader);
  assert.equal(fd.nodeName, '/features/features.8/conv/conv.0/conv.0.0/Conv');
  assert.equal(fd.opType, 'Conv');
  assert.equal(fd.graph, 'main');
  assert.equal(alt.model.graph.nodes[fd.nodeIndex].label, alt.reader, 'nodeIndex finds the node in the file order');
  assert.deepEqual(fd.inputs.map((i) => i.status), ['pass', 'constant', 'constant']);
  assert.equal(fd.inputs[1].name, 'onnx::Conv_601');
  assert.equal(fd.note, undefined);
  assert.ok(fd.maxAbs > 1e-5 && fd.cosine < 1);
  const lw = rep.layerwise!;
  assert.deepEqual(lw.roots, [alt.reader]);
  assert.equal(lw.tensors.length, reference.size, 'every reference tensor was compared');
  // Per node: everything before the reader passes; the reader fails; nodes are in topological order.
  const at = lw.nodes.findIndex((n) => n.nodeName === alt.reader);
  assert.ok(at > 20, `the reader sits deep in the graph (${at})`);
  assert.ok(lw.nodes.slice(0, at).every((n) => n.pass));
  assert.equal(lw.nodes[at].pass, false);
  assert.ok(lw.nodes.every((n, i) => i === 0 || n.position > lw.nodes[i - 1].position));
  assert.ok(lw.nodes.every((n) => typeof n.maxAbs === 'number' && typeof n.cosine === 'number' && n.graph === 'main'));
  assert.equal(rep.pass, false);
  assert.equal(lw.chunks, Math.ceil(reference.size / 50), `${lw.chunks} sessions of at most ${lw.chunkSize}`);
  assert.equal(lw.chunkSize, 50);
  // The graph output is compared too (with its histogram).
  assert.deepEqual(rep.outputs.map((o) => o.name), ['logits']);
  assert.ok(rep.outputs[0].histogram);
});

test('(c) against another version of the model: the changed weight is named and its reader found', async () => {
  const { model, path } = load('mobilenet_v2');
  const inputs = await inputsOf('mobilenet_v2', model);
  const alt = altered('mobilenet_v2', 'onnx::Conv_601', 0.5);
  const rep = await compareLayerwise({
    runner: client, subject: { model: alt.model, modelBytes: alt.bytes, label: 'altered' }, inputs,
    reference: { kind: 'model', side: { model, modelPath: path, label: 'mobilenet_v2' } }, chunkBytes: 16 * 2 ** 20,
  });
  assert.deepEqual(rep.layerwise!.changedConstants, ['onnx::Conv_601']);
  assert.equal(rep.firstDivergence?.nodeName, alt.reader);
  assert.equal(rep.firstDivergence?.inputs[1].status, 'changed constant');
  assert.match(rep.firstDivergence!.note!, /it reads 'onnx::Conv_601', which differs between the two models/);
  // Adaptive chunks: 64 tensors first, then as many as fit 16 MiB at the sizes seen (mobilenet's early
  // activations are up to 4.8 MB each).
  const lw = rep.layerwise!;
  assert.equal(lw.chunkSize, 64);
  assert.ok(lw.chunks >= 3, `${lw.chunks} sessions`);
  assert.equal(lw.tensors.length + lw.skipped.length, 139);
});

test('(b) all graph optimizations vs none: every shared tensor agrees; stop-at-first and small chunks', async () => {
  const { model, path } = load('seed_focus');
  const inputs = await inputsOf('seed_focus', model);
  const rep = await compareLayerwise({
    runner: client, subject: { model, modelPath: path, loadOptions: { graphOptimizationLevel: 'all' }, label: 'all' }, inputs,
    reference: { kind: 'model', side: { model, modelPath: path, loadOptions: { graphOptimizationLevel: 'disabled' }, label: 'disabled' } },
    chunkSize: 3,
  });
  assert.equal(rep.pass, true);
  assert.equal(rep.firstDivergence, null);
  assert.equal(rep.layerwise!.tensors.length, 10);
  assert.equal(rep.layerwise!.chunks, 4);
  assert.equal(rep.layerwise!.changedConstants, undefined, 'the same model: no weights to compare');
  assert.equal(model.graph.outputs.length, 1, 'the IR is restored after each chunk');

  // A tolerance of zero with a fake divergence: a reference with one tensor changed, compared 2 per session.
  const ref = (await collectIntermediates({ runner: client, side: { model, modelPath: path, label: 'focus' }, inputs })).tensors;
  const target = '/Concat_output_0';
  const t = ref.get(target)!;
  const data = Uint8Array.from(t.data);
  new DataView(data.buffer).setFloat32(40, 123, true);
  ref.set(target, { ...t, data });
  const stopped = await compareLayerwise({
    runner: client, subject: { model, modelPath: path, label: 'focus' }, inputs,
    reference: { kind: 'tensors', tensors: ref, label: 'edited' }, chunkSize: 2, stopAtFirstDivergence: true,
  });
  assert.equal(stopped.firstDivergence?.nodeName, '/Concat');
  assert.deepEqual(stopped.firstDivergence?.inputs.map((i) => i.status), ['pass', 'pass', 'pass', 'pass']);
  const order = topologicalOrder(model.graph).order.filter((n) => n.opType !== 'Constant').map((n) => n.label);
  const concatAt = order.indexOf('/Concat');
  assert.ok(stopped.layerwise!.tensors.length <= concatAt + 2, 'nothing past the chunk of the divergence was compared');
  assert.ok(stopped.layerwise!.skipped.some((s) => s.reason === 'not reached (stopped at the first divergence)'));
  assert.match(stopped.notes.join(' '), /stopped after the first divergence/);
});

/**
 * A graph with a sequence in the middle (nothing to fetch there):
 *
 *   x ─Relu─> r ─SplitToSequence─> s ─Identity─> s2 ─ConcatFromSequence─> c ─Neg─> y
 */
function sequenceModel(): Uint8Array {
  const tt = (dims: number[]) => ({ tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } });
  return onnx.ModelProto.encode({
    irVersion: 8, opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'seq',
      node: [
        { opType: 'Relu', input: ['x'], output: ['r'], name: 'relu' },
        { opType: 'SplitToSequence', input: ['r'], output: ['s'], name: 'split', attribute: [{ name: 'axis', type: 2, i: 0 }] },
        { opType: 'Identity', input: ['s'], output: ['s2'], name: 'idseq' },
        { opType: 'ConcatFromSequence', input: ['s2'], output: ['c'], name: 'concat', attribute: [{ name: 'axis', type: 2, i: 0 }] },
        { opType: 'Neg', input: ['c'], output: ['y'], name: 'neg' },
      ],
      input: [{ name: 'x', type: tt([4, 2]) }],
      output: [{ name: 'y', type: tt([4, 2]) }],
    },
  }).finish();
}

test('sequences in the middle are skipped with why, and the tensors around them compared', async () => {
  const bytes = sequenceModel();
  const model = decodeModel(bytes);
  const inputs = generateModelInputs(model);
  const rep = await compareLayerwise({
    runner: client, subject: { model, modelBytes: bytes, label: 'seq' }, inputs,
    reference: { kind: 'model', side: { model, modelBytes: bytes, loadOptions: { graphOptimizationLevel: 'disabled' }, label: 'seq (no opt)' } },
  });
  assert.deepEqual(rep.layerwise!.tensors.map((t) => t.name), ['r', 'c', 'y']);
  assert.deepEqual(rep.layerwise!.skipped, [
    { name: 's', reason: 'SplitToSequence returns a sequence or optional, not a tensor' },
    { name: 's2', reason: 'onnxruntime reports it is not a tensor' },
  ]);
  assert.equal(rep.pass, true);
});

test('a tensor onnxruntime refuses to expose is isolated by halving the chunk, and skipped with the reason', async () => {
  const { model, path } = load('seed_focus');
  const inputs = await inputsOf('seed_focus', model);
  const poisoned = '/Slice_3_output_0';
  let loads = 0;
  // The real client, except that a model exposing `poisoned` fails to load the way onnxruntime fails.
  const picky: Runner = {
    load: async (args, call) => {
      loads++;
      if (args.modelBytes && readGraphIo(args.modelBytes).outputs.some((o) => o.name === poisoned)) {
        throw Object.assign(new Error(`Load model failed: cannot expose ${poisoned}`), { kind: 'ort-error' });
      }
      return client.load(args, call);
    },
    run: (...a) => client.run(...a),
    bench: (...a) => client.bench(...a),
    release: (id) => client.release(id),
  };
  const reference = (await collectIntermediates({ runner: client, side: { model, modelPath: path, label: 'focus' }, inputs })).tensors;
  const rep = await compareLayerwise({ runner: picky, subject: { model, modelPath: path, label: 'focus' }, inputs, reference: { kind: 'tensors', tensors: reference, label: 'ref' }, chunkSize: 8 });
  assert.deepEqual(rep.layerwise!.skipped, [{ name: poisoned, reason: `onnxruntime cannot expose it: Load model failed: cannot expose ${poisoned}` }]);
  assert.equal(rep.layerwise!.tensors.length, 9);
  assert.equal(rep.pass, true);
  assert.ok(loads >= 6 && loads <= 9, `${loads} loads: two chunks, a probe of the plain model, then halves of the bad one`);
  // The final output keeps being compared, and a note would say if inputs did not match the reference.
  assert.deepEqual(rep.notes, []);
  const other = inputs.map((t) => ({ ...t, data: new Uint8Array(t.data.byteLength) }));
  const rep2 = await compareLayerwise({ runner: client, subject: { model, modelPath: path, label: 'focus' }, inputs: other, reference: { kind: 'tensors', tensors: new Map([...reference, ['images', inputs[0]]]), label: 'ref' } });
  assert.match(rep2.notes.join(' '), /the reference's 'images' differs from the input that was fed/);
  assert.equal(rep2.firstDivergence?.nodeName, '/Slice', 'with other inputs the very first node diverges');
});

test('nothing shared is an error that says what the reference must hold', async () => {
  const { model, path } = load('seed_linear');
  await assert.rejects(
    compareLayerwise({ runner: client, subject: { model, modelPath: path, label: 'lin' }, inputs: generateModelInputs(model), reference: { kind: 'tensors', tensors: new Map(), label: 'empty.npz' } }),
    /empty\.npz holds no tensor named like a tensor of lin: reference intermediates must be keyed by ONNX tensor name/,
  );
});

test('external data: the instrumented copy sits beside the model while it runs, and is removed after', async () => {
  const src = join(__dirname, '..', '..', 'fixtures', 'compare', 'external_mlp');
  const dir = mkdtempSync(join(tmpdir(), 'onnx-lens-layerwise-ext-'));
  for (const f of ['model.onnx', 'weights.bin', 'input_0.npy']) copyFileSync(join(src, f), join(dir, f));
  const path = join(dir, 'model.onnx');
  const model = readModelFile(path);
  const io = { inputs: modelInputs(model), outputs: modelOutputs(model) };
  const inputs = selectInputs(await readTensorSet([join(dir, 'input_0.npy')], io), io);
  const collected = await collectIntermediates({ runner: client, side: { model, modelPath: path, label: 'mlp' }, inputs });
  assert.deepEqual([...collected.tensors.keys()], ['h', 'a', 'r', 'y']);
  assert.ok(model.graph.initializers.every((x) => x.isExternal));
  // Both sides (all vs no graph optimizations) load instrumented copies written beside the model.
  const loaded: string[] = [];
  const recording: Runner = {
    load: (args, call) => {
      loaded.push(args.modelPath ?? '(bytes)');
      return client.load(args, call);
    },
    run: (...x) => client.run(...x),
    bench: (...x) => client.bench(...x),
    release: (id) => client.release(id),
  };
  const rep = await compareLayerwise({
    runner: recording, subject: { model, modelPath: path, label: 'mlp' }, inputs,
    reference: { kind: 'model', side: { model, modelPath: path, loadOptions: { graphOptimizationLevel: 'disabled' }, label: 'mlp (no opt)' } },
  });
  assert.equal(rep.pass, true);
  assert.equal(rep.layerwise!.tensors.length, 4);
  assert.equal(loaded.length, 2);
  for (const p of loaded) assert.ok(p.startsWith(join(dir, '.onnx-lens-layerwise-')) && p.endsWith('-model.onnx'), p);
  assert.deepEqual(readdirSync(dir).sort(), ['input_0.npy', 'model.onnx', 'weights.bin'], 'no temporary model left behind');
  // A reference whose 'a' (the Add's output) is zeroed: the Add is the first diverging node.
  const ref = new Map(collected.tensors);
  const a = ref.get('a')!;
  ref.set('a', { ...a, data: new Uint8Array(a.data.byteLength) });
  const r2 = await compareLayerwise({ runner: client, subject: { model, modelPath: path, label: 'mlp' }, inputs, reference: { kind: 'tensors', tensors: ref, label: 'edited' } });
  assert.equal(r2.firstDivergence?.nodeName, 'add1');
  assert.deepEqual(r2.firstDivergence?.inputs, [{ name: 'h', status: 'pass' }, { name: 'b1', status: 'constant' }]);
});
