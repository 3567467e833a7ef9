/** Shared by the infer tests that compare against onnx's inference and real output shapes. */
import { readFileSync } from 'node:fs';
import type { Model, Value } from '../../../src/core/ir/model';
import { dimEqual, formatDims, type InferenceResult, type SymDim } from '../../../src/core/infer/index';

/** The shape in a .npy header (format versions 1-3), read minimally: magic, header length, 'shape': (...). */
export function npyShape(path: string): number[] {
  const b = readFileSync(path);
  if (b[0] !== 0x93 || b.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = b[6];
  const len = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = b.toString('latin1', start, start + len);
  const m = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!m) throw new Error(`${path}: no shape in header ${header}`);
  return m[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
}

export interface Expected {
  onnx: string;
  values: [string, number, SymDim[] | null][];
}

export interface Agreement {
  /** Same element type and the same dims (unknown where onnx is unknown). */
  same: number;
  /** Inference knows more than onnx (a dim or rank onnx left unknown). */
  more: number;
  /** onnx knows more (a dim or rank left unknown here). */
  less: number;
  /** Both know and they differ. */
  differ: number;
  /** No type at all here. */
  missing: number;
  total: number;
  notes: string[];
}

/** Compares inferred types with onnx's, value by value (by name, over every graph of the model). */
export function compareWithOnnx(model: Model, r: InferenceResult, expected: Expected, explain: (v: Value | undefined, kind: string) => string | undefined): Agreement {
  const byName = new Map<string, Value>();
  for (const g of model.allGraphs()) for (const [n, v] of g.values) if (!byName.has(n)) byName.set(n, v);
  const a: Agreement = { same: 0, more: 0, less: 0, differ: 0, missing: 0, total: expected.values.length, notes: [] };
  const note = (v: Value | undefined, kind: string, text: string) => {
    const why = explain(v, kind);
    a.notes.push(`${kind} ${text}${why ? ` — explained: ${why}` : ''}`);
    return why !== undefined;
  };
  for (const [name, elem, shape] of expected.values) {
    const v = byName.get(name);
    const t = v && r.typeOf(v);
    if (!t) {
      a.missing++;
      note(v, 'missing', `${name}: onnx says element type ${elem}, shape ${JSON.stringify(shape)}`);
      continue;
    }
    if (t.elemType !== elem) {
      a.differ++;
      note(v, 'differ', `${name}: element type ${t.elemType} vs onnx ${elem}`);
      continue;
    }
    if (shape === null) {
      if (t.shape) a.more++;
      else a.same++;
      continue;
    }
    if (!t.shape) {
      a.less++;
      note(v, 'less', `${name}: rank unknown, onnx ${JSON.stringify(shape)}`);
      continue;
    }
    if (t.shape.length !== shape.length) {
      a.differ++;
      note(v, 'differ', `${name}: ${formatDims(t.shape)} vs onnx ${JSON.stringify(shape)}`);
      continue;
    }
    let kind: 'same' | 'more' | 'less' | 'differ' = 'same';
    for (let i = 0; i < shape.length; i++) {
      const ours = t.shape[i];
      const theirs = shape[i];
      if (theirs === null) {
        if (ours !== null && kind === 'same') kind = 'more';
      } else if (ours === null) {
        if (kind !== 'differ') kind = 'less';
      } else if (!dimEqual(ours, theirs)) kind = 'differ';
    }
    a[kind]++;
    if (kind === 'less' || kind === 'differ') note(v, kind, `${name}: ${formatDims(t.shape)} vs onnx ${JSON.stringify(shape)}`);
  }
  return a;
}

export function loadExpected(path: string): Expected {
  return JSON.parse(readFileSync(path, 'utf8')) as Expected;
}
