// Helpers for the pass tests: sample models and their inputs, running models in onnxruntime (the runtime child),
// comparing outputs.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readModelFile } from '../../../src/core/codec/file';
import { decodeModel } from '../../../src/core/codec/decode';
import { encodeModel } from '../../../src/core/codec/encode';
import { readNpy } from '../../../src/core/codec/files/npy';
import { hostToNumbers } from '../../../src/core/codec/tensordata';
import type { Model } from '../../../src/core/ir/model';
import type { HostTensor } from '../../../src/core/ir/hosttensor';
import type { RuntimeClient } from '../../../src/runtime/client';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures');
export const MODELS = join(FIXTURES, 'models');

export function modelPath(name: string): string {
  return name.includes('/') ? join(FIXTURES, name, 'model.onnx') : join(MODELS, name, 'model.onnx');
}

export function loadSample(name: string): Model {
  return readModelFile(modelPath(name));
}

/** A fresh copy, as the extension gives a pass. */
export function copyOf(model: Model): Model {
  return decodeModel(encodeModel(model), model.path ? { path: model.path } : {});
}

/** input_K.npy of a sample folder, named after the model's real inputs (in order). */
export function sampleInputs(name: string, model: Model): HostTensor[] {
  const dir = join(modelPath(name), '..');
  const inputs = model.graph.inputs.filter((i) => !i.value.initializer);
  return inputs.map((info, k) => {
    const f = join(dir, `input_${k}.npy`);
    assert.ok(existsSync(f), `missing ${f}`);
    return readNpy(readFileSync(f), f, info.value.name);
  });
}

export function sampleOutputs(name: string, count: number): HostTensor[] {
  const dir = join(modelPath(name), '..');
  return Array.from({ length: count }, (_, k) => readNpy(readFileSync(join(dir, `output_${k}.npy`))));
}

/** Runs model bytes once in onnxruntime; outputs in graph order. */
export async function runBytes(rt: RuntimeClient, bytes: Uint8Array, feeds: HostTensor[], level: 'disabled' | 'basic' | 'all' = 'all'): Promise<HostTensor[]> {
  const s = await rt.load({ modelBytes: bytes, options: { graphOptimizationLevel: level } });
  try {
    return (await rt.run(s.sessionId, feeds)).outputs;
  } finally {
    await rt.release(s.sessionId);
  }
}

/** Largest |a - b| / max(1, |a|) over all elements (absolute for small values, relative for large ones). */
export function maxScaledDiff(a: HostTensor, b: HostTensor): number {
  assert.deepEqual(b.dims, a.dims, 'output shapes differ');
  assert.equal(b.dtype, a.dtype, 'output element types differ');
  const x = hostToNumbers(a);
  const y = hostToNumbers(b);
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i]) && Number.isNaN(y[i])) continue;
    const d = Math.abs(x[i] - y[i]) / Math.max(1, Math.abs(x[i]));
    if (!(d <= m)) m = d;
  }
  return m;
}

export function opHistogram(model: Model): Record<string, number> {
  const h: Record<string, number> = {};
  for (const n of model.allNodes()) h[n.opType] = (h[n.opType] ?? 0) + 1;
  return h;
}
