// Builders for the external data tests: real model files and data files in a fresh temp folder, written with
// the project's own protobuf module and plain fs (no Python at test time).
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { onnx } from '../../../src/core/codec/pb';
import { DataType } from '../../../src/core/ir/dtype';

/** A fresh folder under the OS temp dir (its real path, so that comparisons are exact); `cleanup` removes it. */
export function tempRoot(tag: string): { root: string; cleanup: () => void } {
  const root = realpathSync(mkdtempSync(join(tmpdir(), `onnx-lens-${tag}-`)));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export type Entries = [string, string][];

/** An initializer with data_location EXTERNAL and the given external_data entries, in order. */
export function externalTensor(name: string, dataType: DataType, dims: number[], entries: Entries): onnx.TensorProto {
  return new onnx.TensorProto({
    name,
    dataType,
    dims,
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: entries.map(([key, value]) => new onnx.StringStringEntryProto({ key, value })),
  });
}

/** The usual entries onnx writes: location, offset, length. */
export function loc(location: string, offset: number, length?: number): Entries {
  const e: Entries = [['location', location], ['offset', String(offset)]];
  if (length !== undefined) e.push(['length', String(length)]);
  return e;
}

/**
 * Writes `<dir>/model.onnx`: one Identity per initializer so that the graph is well formed.
 *
 *   init_k --Identity--> init_k_out      (for each initializer)
 *
 * Returns the model's path; the tensors come back decoded from the written bytes (as a reader sees them).
 */
export function writeModel(dir: string, inits: onnx.TensorProto[]): { modelPath: string; tensors: onnx.TensorProto[] } {
  mkdirSync(dir, { recursive: true });
  const graph = new onnx.GraphProto({
    name: 'external_test',
    initializer: inits,
    node: inits.map((t) => new onnx.NodeProto({ opType: 'Identity', input: [t.name], output: [`${t.name}_out`] })),
    output: inits.map((t) => new onnx.ValueInfoProto({ name: `${t.name}_out` })),
  });
  const model = new onnx.ModelProto({
    irVersion: 8,
    opsetImport: [new onnx.OperatorSetIdProto({ domain: '', version: 13 })],
    producerName: 'onnx-lens-test',
    graph,
  });
  const modelPath = join(dir, 'model.onnx');
  const bytes = onnx.ModelProto.encode(model).finish();
  writeFileSync(modelPath, bytes);
  const back = onnx.ModelProto.decode(bytes);
  return { modelPath, tensors: (back.graph?.initializer ?? []) as onnx.TensorProto[] };
}

/** Writes a file (creating its folders). */
export function writeBytes(file: string, bytes: Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
}

/** Little-endian float32 bytes of the given values. */
export function f32(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

/** `n` bytes with a recognisable pattern that depends on `seed`. */
export function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return b;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
