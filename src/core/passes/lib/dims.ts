/**
 * Changing the declared dims of graph inputs, and keeping the declared types downstream honest afterwards.
 *
 * After an input's shape changes, every declared type (value_info, graph outputs) of a value computed from it is
 * rewritten from shape inference: where inference knows a dim it is written (a number or a symbolic expression),
 * where it cannot tell (after a custom op) the dim is cleared rather than left stale. Element types are kept.
 */
import type { Model, Value, ValueInfo } from '../../ir/model';
import type { Dim } from '../../ir/types';
import { onnx } from '../../codec/pb';
import { inferShapes, typeToProto, type InferredType } from '../../infer/index';
import { PassError } from '../types';
import { findGraphInput } from './graph';

/** A dim as typed by a user: digits are a size, anything else a symbolic name. */
export function parseDimValue(text: string, what = 'value'): number | string {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (!Number.isSafeInteger(n)) throw new PassError(`${what} ${t} is too large for a dim`);
    return n;
  }
  if (!t) throw new PassError(`${what} is empty: give a size (e.g. 1) or a symbolic name (e.g. batch)`);
  if (/^-/.test(t)) throw new PassError(`${what} ${t} is negative: a dim is a size >= 0 or a symbolic name`);
  if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(t)) {
    throw new PassError(`${what} '${t}' is neither a size nor a symbolic name (letters, digits, '_' and '.', not starting with a digit)`);
  }
  return t;
}

/** The shape dims of a graph input's declared tensor type, or a PassError saying why it has none. */
export function inputDims(info: ValueInfo): onnx.TensorShapeProto.Dimension[] {
  const name = info.value.name;
  if (info.value.initializer) {
    throw new PassError(`'${name}' is an initializer listed as an input (a default value): its shape is its tensor's, not a declared one`);
  }
  const tt = info.proto?.type?.tensorType;
  if (!tt) throw new PassError(`input '${name}' has no tensor type to change`);
  if (!tt.shape) throw new PassError(`input '${name}' declares no shape (its rank is unknown): nothing to change; declare its rank first`);
  return (tt.shape.dim ?? []) as onnx.TensorShapeProto.Dimension[];
}

export function dimText(d: onnx.TensorShapeProto.Dimension.$Properties): Dim {
  if (Object.prototype.hasOwnProperty.call(d, 'dimValue') && d.dimValue !== undefined && d.dimValue !== null) return Number(d.dimValue);
  return d.dimParam ? d.dimParam : null;
}

export function makeDim(value: number | string | null, like?: onnx.TensorShapeProto.Dimension.$Properties): onnx.TensorShapeProto.Dimension {
  const d = new onnx.TensorShapeProto.Dimension();
  if (typeof value === 'number') d.dimValue = value;
  else if (typeof value === 'string') d.dimParam = value;
  if (like?.denotation) d.denotation = like.denotation;
  return d;
}

/** Sets one dim of a main-graph input; returns the dim it had. */
export function setInputDim(model: Model, input: string, axis: number, value: number | string | null): { info: ValueInfo; old: Dim; axis: number } {
  const info = findGraphInput(model, input);
  const dims = inputDims(info);
  const a = axis < 0 ? axis + dims.length : axis;
  if (!Number.isInteger(a) || a < 0 || a >= dims.length) {
    throw new PassError(`input '${input}' has rank ${dims.length}; axis ${axis} is out of range (0 to ${dims.length - 1}, or negative from the end)`);
  }
  const old = dimText(dims[a]);
  dims[a] = makeDim(value, dims[a]);
  return { info, old, axis: a };
}

/** Every value computed from `roots` (through nodes, including nodes in subgraphs that read them). */
export function downstreamValues(roots: Value[]): Set<Value> {
  const seen = new Set<Value>(roots);
  const stack = [...roots];
  while (stack.length) {
    const v = stack.pop()!;
    for (const u of v.uses) {
      // The node itself, and every node owning the subgraph it sits in.
      for (let n: typeof u.node | undefined = u.node; n; n = n.graph.ownerNode) {
        for (const o of n.outputs) {
          if (o && !seen.has(o)) {
            seen.add(o);
            stack.push(o);
          }
        }
      }
    }
  }
  return seen;
}

/**
 * Rewrites the declared types (value_info and graph outputs, every graph) of the values downstream of `roots`
 * from shape inference. Returns how many entries changed.
 */
export function refreshDownstreamTypes(model: Model, roots: Value[]): number {
  const down = downstreamValues(roots);
  for (const r of roots) down.delete(r);
  const entries: ValueInfo[] = [];
  for (const g of model.allGraphs()) {
    for (const e of [...g.valueInfo, ...g.outputs]) if (down.has(e.value) && e.proto?.type) entries.push(e);
  }
  if (!entries.length) return 0;
  // Inference must not read the stale declarations: strip their shapes first.
  const before = new Map<ValueInfo, string>();
  for (const e of entries) {
    before.set(e, typeKey(e.proto!.type as onnx.TypeProto));
    stripShape(e.proto!.type as onnx.TypeProto);
  }
  const inf = inferShapes(model);
  let changed = 0;
  for (const e of entries) {
    const declared = e.proto!.type as onnx.TypeProto;
    const t = inf.typeOf(e.value);
    if (t && (t.shape || t.wrap)) {
      const merged: InferredType = { ...t, elemType: t.elemType || elemOf(declared) };
      e.proto!.type = typeToProto(merged) as onnx.TypeProto;
    }
    if (typeKey(e.proto!.type as onnx.TypeProto) !== before.get(e)) changed++;
  }
  return changed;
}

function typeKey(t: onnx.TypeProto): string {
  return Buffer.from(onnx.TypeProto.encode(t).finish()).toString('base64');
}

function elemOf(t: onnx.TypeProto): number {
  let x: onnx.TypeProto.$Properties | null | undefined = t;
  for (let i = 0; i < 16 && x; i++) {
    if (x.tensorType) return x.tensorType.elemType ?? 0;
    x = x.sequenceType?.elemType ?? x.optionalType?.elemType;
  }
  return 0;
}

function stripShape(t: onnx.TypeProto.$Properties): void {
  let x: onnx.TypeProto.$Properties | null | undefined = t;
  for (let i = 0; i < 16 && x; i++) {
    if (x.tensorType) {
      delete (x.tensorType as { shape?: unknown }).shape;
      return;
    }
    x = x.sequenceType?.elemType ?? x.optionalType?.elemType;
  }
}

/** Inference problems that a dim change caused (for the details of a pass). */
export function newProblems(model: Model, before: Set<string>): string[] {
  const inf = inferShapes(model);
  return inf.problems.map((p) => `${p.node.label}: ${p.message}`).filter((m) => !before.has(m));
}

export function currentProblems(model: Model): Set<string> {
  return new Set(inferShapes(model).problems.map((p) => `${p.node.label}: ${p.message}`));
}
