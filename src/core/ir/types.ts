/** Reading ONNX TypeProtos: element type, shape with symbolic dims, and a textual form. */
import type { onnx } from '../codec/pb';
import { dtypeName } from './dtype';

type TypeProto = onnx.TypeProto.$Properties;

/** A dim: a number, a symbolic name ('batch'), or null when unknown. */
export type Dim = number | string | null;

export interface TensorTypeInfo {
  elemType: number;
  /** undefined when the rank itself is unknown. */
  shape: Dim[] | undefined;
}

export function tensorTypeOf(t: TypeProto | undefined | null): TensorTypeInfo | undefined {
  const tt = t?.tensorType ?? t?.sparseTensorType;
  if (!tt) return undefined;
  return {
    elemType: tt.elemType ?? 0,
    shape: tt.shape ? (tt.shape.dim ?? []).map(dimOf) : undefined,
  };
}

export function dimOf(d: onnx.TensorShapeProto.Dimension.$Properties): Dim {
  if (d.dimValue !== undefined && d.dimValue !== null && Object.prototype.hasOwnProperty.call(d, 'dimValue')) {
    return Number(d.dimValue);
  }
  if (d.dimParam) return d.dimParam;
  return null;
}

/** What kind of value a TypeProto describes: tensor, sparse_tensor, sequence, map, optional, opaque. */
export function typeKind(t: TypeProto | undefined | null): string | undefined {
  if (!t) return undefined;
  if (t.tensorType) return 'tensor';
  if (t.sparseTensorType) return 'sparse_tensor';
  if (t.sequenceType) return 'sequence';
  if (t.mapType) return 'map';
  if (t.optionalType) return 'optional';
  if (t.opaqueType) return 'opaque';
  return undefined;
}

/** "float[batch,3,224,224]", "sequence(float[?])", "map(int64, float[])": as a person reads types. */
export function describeType(t: TypeProto | undefined | null, depth = 0): string {
  if (!t) return '?';
  if (depth > 64) return '…';
  if (t.tensorType || t.sparseTensorType) {
    const info = tensorTypeOf(t)!;
    const shape = info.shape ? `[${info.shape.map((d) => (d === null ? '?' : String(d))).join(',')}]` : '';
    return `${t.sparseTensorType ? 'sparse ' : ''}${dtypeName(info.elemType)}${shape}`;
  }
  if (t.sequenceType) return `sequence(${describeType(t.sequenceType.elemType, depth + 1)})`;
  if (t.mapType) return `map(${dtypeName(t.mapType.keyType ?? 0)}, ${describeType(t.mapType.valueType, depth + 1)})`;
  if (t.optionalType) return `optional(${describeType(t.optionalType.elemType, depth + 1)})`;
  if (t.opaqueType) return `opaque(${t.opaqueType.domain ?? ''}.${t.opaqueType.name ?? ''})`;
  return '?';
}

export function formatShape(shape: Dim[] | undefined): string {
  if (!shape) return '[?]';
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}
