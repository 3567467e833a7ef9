// Helpers for the save tests: models with external data laid out in real folders, folder snapshots (to prove
// that nothing changed), temporary-file listings.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { onnx } from '../../../src/core/codec/pb';
import { parseTempName } from '../../../src/core/codec/atomic';
import { DataType } from '../../../src/core/ir/dtype';

const made: string[] = [];

/** A fresh folder under os.tmpdir(); removed by `cleanup()`. */
export function tmpDir(tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `onnx-lens-save-${tag}-`));
  made.push(d);
  return d;
}

export function cleanup(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);

/** Values 0.5, 1.5, ... shifted by `seed` so that every tensor differs. */
export const ramp = (n: number, seed: number) => Array.from({ length: n }, (_, i) => seed + i + 0.5);

export interface ExtSpec {
  name: string;
  location: string;
  offset?: number;
  values: number[];
}

/** A float tensor whose data lives at `location` (offset/length entries as onnx writes them). */
export function extTensor(t: ExtSpec): onnx.TensorProto.$Properties {
  return {
    name: t.name,
    dims: [t.values.length],
    dataType: DataType.FLOAT,
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: 'location', value: t.location },
      { key: 'offset', value: String(t.offset ?? 0) },
      { key: 'length', value: String(t.values.length * 4) },
    ],
  };
}

/**
 *   main graph:   W (external) -> Identity -> y_W          (one per `main` tensor)
 *                 Constant(value = C, external) -> y_C      (when `constant` is given)
 *                 If(cond) then: Identity(V, V external in the subgraph) -> y_V   (when `sub` is given)
 * A model that references external data from initializers, a tensor attribute and a subgraph initializer.
 */
export function extModelBytes(spec: { main: ExtSpec[]; constant?: ExtSpec; sub?: ExtSpec; inline?: { name: string; values: number[] }[] }): Uint8Array {
  const node: onnx.NodeProto.$Properties[] = [];
  const output: onnx.ValueInfoProto.$Properties[] = [];
  const input: onnx.ValueInfoProto.$Properties[] = [];
  const initializer: onnx.TensorProto.$Properties[] = [];
  for (const t of spec.main) {
    initializer.push(extTensor(t));
    node.push({ opType: 'Identity', input: [t.name], output: [`y_${t.name}`] });
    output.push({ name: `y_${t.name}` });
  }
  for (const t of spec.inline ?? []) {
    initializer.push({ name: t.name, dims: [t.values.length], dataType: DataType.FLOAT, rawData: f32(t.values) });
    node.push({ opType: 'Identity', input: [t.name], output: [`y_${t.name}`] });
    output.push({ name: `y_${t.name}` });
  }
  if (spec.constant) {
    node.push({
      opType: 'Constant',
      input: [],
      output: ['y_const'],
      attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: extTensor(spec.constant) }],
    });
    output.push({ name: 'y_const' });
  }
  if (spec.sub) {
    input.push({ name: 'cond', type: { tensorType: { elemType: DataType.BOOL, shape: { dim: [] } } } });
    const branch = (tag: string): onnx.GraphProto.$Properties => ({
      name: tag,
      initializer: [extTensor(spec.sub!)],
      node: [{ opType: 'Identity', input: [spec.sub!.name], output: [`o_${tag}`] }],
      output: [{ name: `o_${tag}` }],
    });
    node.push({
      opType: 'If',
      input: ['cond'],
      output: ['y_if'],
      attribute: [
        { name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch('then') },
        { name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch('else') },
      ],
    });
    output.push({ name: 'y_if' });
  }
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'onnx-lens-save-tests',
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'g', node, input, output, initializer },
  }).finish();
}

/** Writes the data files of `tensors` (each tensor's values at its offset) under `dir`, creating subfolders. */
export function writeData(dir: string, tensors: ExtSpec[]): void {
  const files = new Map<string, { at: number; bytes: Uint8Array }[]>();
  for (const t of tensors) {
    const list = files.get(t.location) ?? [];
    list.push({ at: t.offset ?? 0, bytes: f32(t.values) });
    files.set(t.location, list);
  }
  for (const [loc, parts] of files) {
    const size = Math.max(...parts.map((p) => p.at + p.bytes.byteLength));
    const buf = new Uint8Array(size);
    for (const p of parts) buf.set(p.bytes, p.at);
    mkdirSync(dirname(join(dir, loc)), { recursive: true });
    writeFileSync(join(dir, loc), buf);
  }
}

export interface Entry {
  kind: 'file' | 'dir' | 'link' | 'other';
  mode: number;
  /** sha256 of a file, the target of a link. */
  content?: string;
}

/** Every entry under `dir` (links not followed): kind, mode and content hash, by relative path. */
export function snapshot(dir: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const walk = (rel: string) => {
    const abs = join(dir, rel);
    for (const name of readdirSync(abs).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, r));
      if (st.isSymbolicLink()) out.set(r, { kind: 'link', mode: 0, content: readlinkSync(join(dir, r)) });
      else if (st.isDirectory()) {
        out.set(r, { kind: 'dir', mode: st.mode & 0o7777 });
        walk(r);
      } else if (st.isFile()) out.set(r, { kind: 'file', mode: st.mode & 0o7777, content: createHash('sha256').update(readFileSync(join(dir, r))).digest('hex') });
      else out.set(r, { kind: 'other', mode: st.mode & 0o7777 });
    }
  };
  walk('');
  return out;
}

/** Temporary and backup files (`.<name>.<pid>.<hex>.tmp|bak`) anywhere under `dir`. */
export function tempFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (parseTempName(name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** An Error as node:fs throws it. */
export function fsError(code: string, syscall: string): NodeJS.ErrnoException {
  const messages: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EROFS: 'read-only file system',
    EIO: 'i/o error',
    EACCES: 'permission denied',
    EXDEV: 'cross-device link not permitted',
  };
  return Object.assign(new Error(`${code}: ${messages[code] ?? 'failure'}, ${syscall}`), { code, syscall, errno: -1 });
}
