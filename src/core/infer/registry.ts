/**
 * The per-operator inference registry: one function per (domain, op_type), written against OpContext.
 *
 * An inference function reads input types, shapes and propagated values through the context, and sets
 * output types (and values) with `setOutput` / `setValue`. It throws InferError (or calls
 * `ctx.problem`) for inputs that cannot be right (a MatMul whose inner dims differ); it simply leaves an
 * output unset, or sets null dims, where it cannot tell. Output element types it does not set come from
 * the operator's schema (a literal output type, or the type variable shared with an input).
 */
import type { Attribute, Graph, Node } from '../ir/model';
import type { OpSchema } from '../schema/index';
import type { InferredType, KnownValue, PropValue, TypeWrap } from './types';
import type { SymDim } from './symbolic';

export class InferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InferError';
  }
}

export interface OpContext {
  readonly node: Node;
  readonly opType: string;
  /** Normalized: '' for ai.onnx. */
  readonly domain: string;
  /** The imported opset version of the node's domain (0 when the model imports none). */
  readonly opset: number;
  /** since_version of the schema in effect (the opset itself when no schema is known). */
  readonly since: number;
  readonly schema: OpSchema | undefined;
  /** Largest value (elements) to propagate. */
  readonly maxValueElements: number;

  /** The node has input i (present and not an empty name). */
  hasInput(i: number): boolean;
  readonly inputCount: number;
  readonly outputCount: number;
  hasOutput(i: number): boolean;

  type(i: number): InferredType | undefined;
  /** Element type of input i (0 when unknown). */
  elemType(i: number): number;
  /** Shape of input i, undefined when it or its rank is unknown. */
  shape(i: number): SymDim[] | undefined;
  rank(i: number): number | undefined;
  /** Propagated value of input i (possibly partly symbolic or unknown). */
  value(i: number): PropValue | undefined;
  /** Input i's value when every element is known. */
  known(i: number): KnownValue | undefined;

  attr(name: string): Attribute | undefined;
  int(name: string): number | undefined;
  int(name: string, def: number): number;
  ints(name: string): number[] | undefined;
  float(name: string): number | undefined;
  float(name: string, def: number): number;
  floats(name: string): number[] | undefined;
  str(name: string): string | undefined;
  str(name: string, def: string): string;
  /** A TENSOR attribute: its dtype, dims and (when small enough) value. */
  tensorAttr(name: string): { dtype: number; dims: number[]; value: PropValue | undefined } | undefined;

  /** Sets output i's type. A shape's symbolic dims are canonicalized. elemType 0 means "from the schema". */
  setOutput(i: number, elemType: number, shape: SymDim[] | undefined, wrap?: TypeWrap[]): void;
  setValue(i: number, value: PropValue): void;
  /** Records a problem with the node (inference goes on). */
  problem(message: string): void;

  /**
   * Infers a subgraph (If branch, Loop/Scan body) given the types of its formal inputs, and returns the
   * types (and values) of its outputs. The subgraph sees the enclosing scopes' values.
   */
  inferGraph(
    g: Graph,
    inputs: (InferredType | undefined)[],
    inputValues?: (PropValue | undefined)[],
  ): { types: (InferredType | undefined)[]; values: (PropValue | undefined)[] };
}

export type InferFn = (ctx: OpContext) => void;

const registry = new Map<string, InferFn>();

function key(domain: string, opType: string): string {
  return `${domain === 'ai.onnx' ? '' : domain}\u0000${opType}`;
}

/** Registers `fn` for each op type (in ai.onnx unless a domain is given). */
export function register(opTypes: string | string[], fn: InferFn, domain = ''): void {
  for (const op of Array.isArray(opTypes) ? opTypes : [opTypes]) registry.set(key(domain, op), fn);
}

export function lookupInfer(domain: string, opType: string): InferFn | undefined {
  return registry.get(key(domain, opType));
}

/** Every covered (domain, op_type), for reports: 'Conv', 'com.microsoft::Gelu'. */
export function coveredOps(): string[] {
  return [...registry.keys()].map((k) => {
    const [d, op] = k.split('\u0000');
    return d ? `${d}::${op}` : op;
  }).sort();
}
