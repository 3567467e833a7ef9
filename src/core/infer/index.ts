/**
 * Shape and type inference with symbolic dims and partial value propagation.
 *
 *   const r = inferShapes(model);
 *   r.typeOf(value)        // { elemType, shape: [ 'batch', 'seq', 64 ] }
 *   r.knownValue(value)    // a Constant / folded glue value, every element known
 *   r.symbolicValue(value) // Shape(x) of x:[batch,3] -> ['batch', 3]
 *   r.foldStatus(value)    // known now, or blocked by symbolic dims ['batch']
 *   r.conflicts, r.uncovered, r.unresolved, r.problems
 *
 * See ./engine.ts for the walk, ./symbolic.ts for the symbolic dim form, ./ops/ for the per-op rules.
 */
import './ops/index';

export { inferShapes, InferenceResult, mergeTypes, typeFromProto, typeToProto, type TypeSource } from './engine';
export { coveredOps, lookupInfer, register, InferError, type InferFn, type OpContext } from './registry';
export type {
  FoldStatus, InferenceProblem, InferOptions, InferredType, KnownValue, PropValue, SymDim, TypeConflict, TypeWrap,
} from './types';
export {
  canonicalDim, dimAdd, dimCeilDiv, dimDivExact, dimEqual, dimFloorDiv, dimMul, dimProduct, dimsDiffer, dimSub,
  dimSymbols, evaluateDim, formatDim, formatDims,
} from './symbolic';
export { toInt64 } from './values';
