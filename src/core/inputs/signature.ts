/**
 * What a model takes and returns, as plain data: the main graph's inputs (initializer-backed inputs left
 * out: they are weights with defaults) and outputs, each with element type and shape (symbolic dims kept
 * as their names, unknown dims as null).
 */
import { DataType, dtypeName } from '../ir/dtype';
import type { Model } from '../ir/model';
import { tensorTypeOf, typeKind, type Dim } from '../ir/types';
import type { onnx } from '../codec/pb';

export interface ValueSignature {
  name: string;
  /** Element type; DataType.UNDEFINED (0) when the model does not declare it. */
  dtype: DataType;
  /** Dims as declared; undefined when the rank is unknown. */
  shape: Dim[] | undefined;
  /** 'tensor', 'sequence', 'optional', 'map', ... or undefined when the model declares no type. */
  kind: string | undefined;
  type: onnx.TypeProto.$Properties | undefined;
}

function sig(name: string, type: onnx.TypeProto.$Properties | undefined): ValueSignature {
  const t = tensorTypeOf(type);
  return { name, dtype: (t?.elemType ?? 0) as DataType, shape: t?.shape, kind: typeKind(type), type };
}

/** The inputs a caller must feed, in graph order. */
export function modelInputs(model: Model): ValueSignature[] {
  return model.graph.inputs.filter((i) => !i.value.initializer).map((i) => sig(i.value.name, i.proto?.type ?? undefined));
}

/** The graph outputs, in order. */
export function modelOutputs(model: Model): ValueSignature[] {
  return model.graph.outputs.map((o) => sig(o.value.name, o.proto?.type ?? undefined));
}

/** "float[batch,3,224,224]" */
export function describeSignature(s: ValueSignature): string {
  if (s.kind && s.kind !== 'tensor') return s.kind;
  const dt = s.dtype ? dtypeName(s.dtype) : '?';
  return s.shape ? `${dt}[${s.shape.map((d) => (d === null ? '?' : String(d))).join(',')}]` : `${dt}[?]`;
}
