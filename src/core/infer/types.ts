/** The types shape inference works with and returns. */
import type { SymDim } from './symbolic';

export type { SymDim } from './symbolic';

/** A container around a tensor type: seq(tensor), optional(tensor), optional(seq(tensor)). */
export type TypeWrap = 'sequence' | 'optional';

/**
 * What inference knows about a value's type. For a tensor: element type (DataType; 0 when unknown) and
 * shape (undefined when even the rank is unknown). For a sequence or optional, `wrap` lists the
 * containers outermost first and elemType/shape describe the tensor inside (for a sequence: a shape that
 * every element has, dims null where elements differ).
 */
export interface InferredType {
  elemType: number;
  shape: SymDim[] | undefined;
  wrap?: TypeWrap[];
}

/**
 * A statically known tensor value ("partial data propagation", like onnx's data_prop): its dtype, its
 * static dims and its elements in row-major order. Elements are numbers when known, symbolic dims
 * ('batch', 'seq+1') for integer elements that are known only symbolically (a Shape of [batch,3] is
 * ['batch', 3]), and null when unknown. Kept only for small tensors (InferOptions.maxValueElements).
 *
 * Integers are JS numbers: int64 values beyond 2^53 (INT64_MAX as a Slice end) are rounded to the
 * nearest double; `toInt64` turns them back into bigint, saturating at the int64 range.
 */
export interface PropValue {
  dtype: number;
  dims: number[];
  data: SymDim[];
}

/** A PropValue whose every element is known. */
export interface KnownValue {
  dtype: number;
  dims: number[];
  data: number[];
}

/** A value whose declared type (graph input/output, value_info) disagrees with what inference found. */
export interface TypeConflict {
  value: import('../ir/model').Value;
  stored: InferredType;
  inferred: InferredType;
  /** What differs: 'element type float vs int64', 'rank 3 vs 4', 'dim 1: 3 vs 5'. */
  message: string;
}

/** Something inference found wrong with a node (mismatched dims, a Reshape that cannot hold the data). */
export interface InferenceProblem {
  node: import('../ir/model').Node;
  message: string;
}

export interface InferOptions {
  /** Largest tensor (in elements) whose values are propagated. Default 1024. */
  maxValueElements?: number;
  /** Use stored value_info and graph output types (default true). */
  useStored?: boolean;
  /** Infer bodies of model-local functions at their call sites (default true). */
  functions?: boolean;
}

/** Why a value's data does (not) fold to a constant now. */
export type FoldStatus =
  | { kind: 'known'; value: KnownValue }
  /** The value is known except for these symbolic dims (a Reshape target built from x.shape with batch symbolic). */
  | { kind: 'symbolic'; symbols: string[]; data: SymDim[] }
  /** Nothing is known statically about the value's data. */
  | { kind: 'unknown' };
