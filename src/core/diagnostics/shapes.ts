/**
 * Shape facts for the rules: from shape inference (src/core/infer) when it runs, else from what the file
 * states (declared types, initializers, Constant nodes). Also the reading of constant tensors that several
 * rules share.
 *
 * The fallback (`declaredShapeFacts`) knows:
 *  - types: initializers (dtype, dims), Constant nodes (their value attribute), declared value types
 *    (graph inputs/outputs, value_info), sequences and optionals included;
 *  - known values: numeric initializers that are not graph inputs and Constant nodes, up to 4096 elements;
 *  - symbolic values: those known values, and Shape(x) (with its start/end attributes) of an x whose
 *    declared shape has a rank ([batch,3] gives ['batch', 3]).
 * It does not propagate through other operators: a glue chain's fold status then comes from its Shape
 * sources only (see rules/glue-chain.ts).
 */
import type { onnx } from '../codec/pb';
import { tensorProtoToHost, hostToNumbers } from '../codec/tensordata';
import { checkedElementCount, DataType } from '../ir/dtype';
import type { Attribute, Model, Node, Value } from '../ir/model';
import { tensorTypeOf } from '../ir/types';
import { inferShapes } from '../infer/index';
import type { ConstantFact, KnownValueFact, ShapeFacts, SymDim, TypeFact } from './types';

/** Largest constant (in elements) whose values rules read. */
export const MAX_CONSTANT_ELEMENTS = 4096;

/** Reads a TensorProto's numbers when it is numeric, inline and small; undefined otherwise. */
export function tensorNumbers(t: onnx.TensorProto | onnx.TensorProto.$Properties, max = MAX_CONSTANT_ELEMENTS): number[] | undefined {
  const dtype = t.dataType ?? 0;
  if (dtype === DataType.STRING || dtype === DataType.UNDEFINED || dtype === DataType.COMPLEX64 || dtype === DataType.COMPLEX128) return undefined;
  if (t.dataLocation === 1) return undefined;
  const count = checkedElementCount((t.dims ?? []) as (number | bigint)[]);
  if (typeof count === 'string' || count > max) return undefined;
  try {
    return Array.from(hostToNumbers(tensorProtoToHost(t)));
  } catch {
    return undefined; // a broken tensor: reported by the tensor-problems rule from model.problems
  }
}

/** A ConstantFact whose numbers are read on first use (weights are big; most rules need only dtype and dims). */
class LazyConstant implements ConstantFact {
  private read = false;
  private cached: number[] | undefined;
  constructor(
    readonly dtype: number,
    readonly dims: number[],
    readonly source: 'initializer' | 'Constant',
    private readonly load: () => number[] | undefined,
  ) {}
  get values(): number[] | undefined {
    if (!this.read) {
      this.read = true;
      this.cached = this.load();
    }
    return this.cached;
  }
}

function attrTensorFact(a: Attribute): ConstantFact | undefined {
  const p = a.proto;
  const fact = (dtype: number, dims: number[], load: () => number[] | undefined) => new LazyConstant(dtype, dims, 'Constant', load);
  switch (a.name) {
    case 'value':
    case 'sparse_value': {
      const t = p.t ?? undefined;
      if (a.name === 'value') {
        if (!t) return undefined;
        return fact(t.dataType ?? 0, (t.dims ?? []).map(Number), () => tensorNumbers(t));
      }
      const sp = p.sparseTensor;
      if (!sp) return undefined;
      return fact(sp.values?.dataType ?? 0, (sp.dims ?? []).map(Number), () => undefined);
    }
    case 'value_int':
      return fact(DataType.INT64, [], () => [Number(p.i ?? 0)]);
    case 'value_ints':
      return fact(DataType.INT64, [(p.ints ?? []).length], () => (p.ints ?? []).map(Number));
    case 'value_float':
      return fact(DataType.FLOAT, [], () => [p.f ?? 0]);
    case 'value_floats':
      return fact(DataType.FLOAT, [(p.floats ?? []).length], () => (p.floats ?? []).map(Number));
    case 'value_string':
      return fact(DataType.STRING, [], () => undefined);
    case 'value_strings':
      return fact(DataType.STRING, [(p.strings ?? []).length], () => undefined);
    default:
      return undefined;
  }
}

/** The constant a Constant node produces (its one value attribute), or undefined. */
export function constantNodeFact(n: Node): ConstantFact | undefined {
  if (n.opType !== 'Constant' || (n.domain !== '' && n.domain !== 'ai.onnx')) return undefined;
  for (const a of n.attributes) {
    if (a.refAttrName) return undefined; // inside a function: the value comes from the call
    const f = attrTensorFact(a);
    if (f) return f;
  }
  return undefined;
}

/**
 * The constant behind a value: an initializer that is not a graph input (an input would let callers
 * override it), or the output of a Constant node. Cached per Value by the caller when it matters.
 */
export function constantFact(v: Value | null | undefined): ConstantFact | undefined {
  if (!v) return undefined;
  if (v.initializer) {
    if (v.isGraphInput) return undefined;
    const t = v.initializer;
    const count = t.elementCount;
    if (typeof count === 'string') return undefined;
    return new LazyConstant(t.dataType, t.dims.map(Number), 'initializer', () => tensorNumbers(t.proto));
  }
  if (v.producer && v.producerIndex === 0) return constantNodeFact(v.producer);
  return undefined;
}

function declaredType(t: onnx.TypeProto.$Properties | undefined | null, depth = 0): TypeFact | undefined {
  if (!t || depth > 16) return undefined;
  if (t.tensorType || t.sparseTensorType) {
    const info = tensorTypeOf(t)!;
    return { elemType: info.elemType, shape: info.shape };
  }
  const wrap = (w: 'sequence' | 'optional', inner: onnx.TypeProto.$Properties | undefined | null): TypeFact => {
    const i = declaredType(inner, depth + 1);
    return i ? { elemType: i.elemType, shape: i.shape, wrap: [w, ...(i.wrap ?? [])] } : { elemType: 0, shape: undefined, wrap: [w] };
  };
  if (t.sequenceType) return wrap('sequence', t.sequenceType.elemType);
  if (t.optionalType) return wrap('optional', t.optionalType.elemType);
  return undefined;
}

/** Shape facts from the file alone (see the module comment). */
export function declaredShapeFacts(_model?: Model): ShapeFacts {
  const constants = new Map<Value, ConstantFact | null>();
  const constOf = (v: Value): ConstantFact | undefined => {
    let c = constants.get(v);
    if (c === undefined) {
      c = constantFact(v) ?? null;
      constants.set(v, c);
    }
    return c ?? undefined;
  };
  const facts: ShapeFacts = {
    typeOf(v) {
      if (v.initializer) return { elemType: v.initializer.dataType, shape: v.initializer.dims.map(Number) };
      const c = v.producer?.opType === 'Constant' ? constOf(v) : undefined;
      if (c) return { elemType: c.dtype, shape: c.dims.slice() };
      return declaredType(v.type);
    },
    knownValue(v): KnownValueFact | undefined {
      const c = constOf(v);
      return c && c.values ? { dtype: c.dtype, dims: c.dims, data: c.values } : undefined;
    },
    symbolicValue(v): SymDim[] | undefined {
      const c = constOf(v);
      if (c) return c.values && c.dims.length <= 1 ? c.values : undefined;
      const p = v.producer;
      if (p && p.opType === 'Shape' && (p.domain === '' || p.domain === 'ai.onnx') && p.inputs[0]) {
        const t = facts.typeOf(p.inputs[0]);
        if (!t || t.wrap || !t.shape) return undefined;
        const r = t.shape.length;
        const clamp = (x: number) => Math.min(r, Math.max(0, x < 0 ? x + r : x));
        const start = p.attr('start')?.proto.i;
        const end = p.attr('end')?.proto.i;
        const s = start === undefined || start === null ? 0 : clamp(Number(start));
        const e = end === undefined || end === null ? r : clamp(Number(end));
        return t.shape.slice(s, Math.max(s, e));
      }
      return undefined;
    },
  };
  return facts;
}

/**
 * Shape facts from shape inference; when inference throws (a bug there must not take diagnostics down),
 * the declared facts instead. `error` tells which happened.
 */
export function inferredShapeFacts(model: Model): { facts: ShapeFacts; error?: string } {
  try {
    return { facts: inferShapes(model) };
  } catch (e) {
    return { facts: declaredShapeFacts(model), error: e instanceof Error ? e.message : String(e) };
  }
}
