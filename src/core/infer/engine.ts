/**
 * The graph walk: every graph in topological order (no recursion as deep as the graph), each node through
 * its registered inference function, outputs merged with the types the model declares (value_info, graph
 * outputs), subgraphs (If branches, Loop/Scan bodies) inferred when their node is, with the outer scope's
 * values visible, and model-local functions inferred at their call sites.
 *
 * The model is never mutated: everything lands in an InferenceResult.
 */
import type { onnx } from '../codec/pb';
import { Attribute, type Graph, type Model, type Node, type Value } from '../ir/model';
import { tensorTypeOf } from '../ir/types';
import { dtypeName } from '../ir/dtype';
import { topologicalOrder } from '../ir/traverse';
import { allowedElemTypes, elemTypeOfTypeString, formalInput, formalOutput, normalizeDomain, schemaAtOpset, type OpSchema } from '../schema/index';
import { InferError, lookupInfer, type OpContext } from './registry';
import { canonicalDim, dimsDiffer, dimSymbols, formatDims, type SymDim } from './symbolic';
import type {
  FoldStatus, InferenceProblem, InferOptions, InferredType, KnownValue, PropValue, TypeConflict, TypeWrap,
} from './types';
import { DEFAULT_MAX_VALUE_ELEMENTS, isKnown, tensorValue } from './values';

/** Where a value's type came from. */
export type TypeSource = 'inferred' | 'stored' | 'merged' | 'input' | 'initializer';

export class InferenceResult {
  /** Every value inference knows something about (all graphs: main, subgraphs, function bodies). */
  readonly types = new Map<Value, InferredType>();
  /** Values whose data is known statically, fully or partly (symbolic elements, null for unknown ones). */
  readonly constants = new Map<Value, PropValue>();
  /** Declared types that disagree with inference. */
  readonly conflicts: TypeConflict[] = [];
  /** Ops without an inference function ('deform_conv2d' as 'custom::deform_conv2d'), with how many nodes. */
  readonly uncovered = new Map<string, number>();
  /** Values left without a type or rank because of an uncovered node (the node at the root of it). */
  readonly unresolved = new Map<Value, Node>();
  /** Nodes whose inputs cannot be right (mismatched dims, impossible reshapes), with what is wrong. */
  readonly problems: InferenceProblem[] = [];
  readonly sources = new Map<Value, TypeSource>();

  typeOf(v: Value): InferredType | undefined {
    return this.types.get(v);
  }

  shapeOf(v: Value): SymDim[] | undefined {
    return this.types.get(v)?.shape;
  }

  /** The value's data when every element is known statically (Constant, small initializer, folded glue). */
  knownValue(v: Value): KnownValue | undefined {
    const c = this.constants.get(v);
    return isKnown(c) ? c : undefined;
  }

  /**
   * The data of a scalar or 1-D integer value as far as it is known: numbers, symbolic dims, null for
   * unknown elements (Shape of x:[batch,3] is ['batch', 3]). Undefined when nothing is known.
   */
  symbolicValue(v: Value): SymDim[] | undefined {
    const c = this.constants.get(v);
    if (!c || c.dims.length > 1) return undefined;
    return c.data;
  }

  /** Whether the value's data folds to a constant now, or which symbolic dims block it. */
  foldStatus(v: Value): FoldStatus {
    const c = this.constants.get(v);
    if (!c) return { kind: 'unknown' };
    if (isKnown(c)) return { kind: 'known', value: c };
    const symbols = new Set<string>();
    for (const d of c.data) for (const s of dimSymbols(d)) symbols.add(s);
    if (symbols.size === 0) return { kind: 'unknown' };
    return { kind: 'symbolic', symbols: [...symbols].sort(), data: c.data };
  }
}

/** Shape and type inference over the whole model. Does not mutate the model. */
export function inferShapes(model: Model, options: InferOptions = {}): InferenceResult {
  const result = new InferenceResult();
  const walker = new Walker(model, result, {
    maxValueElements: options.maxValueElements ?? DEFAULT_MAX_VALUE_ELEMENTS,
    useStored: options.useStored ?? true,
    functions: options.functions ?? true,
  });
  walker.inferMain();
  return result;
}

// -------------------------------------------------------------------------------------------------

/** Converts a declared TypeProto into an InferredType (tensor, sparse tensor, sequence, optional). */
export function typeFromProto(t: onnx.TypeProto.$Properties | undefined | null, depth = 0): InferredType | undefined {
  if (!t || depth > 16) return undefined;
  if (t.tensorType || t.sparseTensorType) {
    const info = tensorTypeOf(t)!;
    return { elemType: info.elemType, shape: info.shape?.map(canonicalDim) };
  }
  const wrapOf = (w: TypeWrap, inner: onnx.TypeProto.$Properties | undefined | null): InferredType => {
    const i = typeFromProto(inner, depth + 1);
    return i ? { elemType: i.elemType, shape: i.shape, wrap: [w, ...(i.wrap ?? [])] } : { elemType: 0, shape: undefined, wrap: [w] };
  };
  if (t.sequenceType) return wrapOf('sequence', t.sequenceType.elemType);
  if (t.optionalType) return wrapOf('optional', t.optionalType.elemType);
  return undefined;
}

/**
 * An InferredType as a TypeProto (to write inferred value_info): known dims as dim_value, symbolic ones as
 * dim_param (their canonical text), unknown ones as an empty Dimension; sequences/optionals wrap the tensor.
 */
export function typeToProto(t: InferredType): onnx.TypeProto.$Properties {
  let proto: onnx.TypeProto.$Properties = {
    tensorType: {
      elemType: t.elemType,
      ...(t.shape ? { shape: { dim: t.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) } } : {}),
    },
  };
  for (const w of [...(t.wrap ?? [])].reverse()) {
    proto = w === 'sequence' ? { sequenceType: { elemType: proto } } : { optionalType: { elemType: proto } };
  }
  return proto;
}

function sameWrap(a: TypeWrap[] | undefined, b: TypeWrap[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((w, i) => w === y[i]);
}

function describe(t: InferredType): string {
  let s = `${t.elemType ? dtypeName(t.elemType) : '?'}${formatDims(t.shape)}`;
  for (const w of [...(t.wrap ?? [])].reverse()) s = `${w}(${s})`;
  return s;
}

/**
 * Merges an inferred type with a declared one: declared facts fill what inference left unknown; a known
 * number beats a symbol; where both are known and cannot be equal, the inferred one wins and the
 * disagreement is returned.
 */
export function mergeTypes(inferred: InferredType | undefined, stored: InferredType | undefined): { type: InferredType | undefined; conflict?: string; filled: boolean } {
  if (!stored) return { type: inferred, filled: false };
  if (!inferred) return { type: stored, filled: true };
  if (!sameWrap(inferred.wrap, stored.wrap)) {
    return { type: inferred, conflict: `declared ${describe(stored)}, inferred ${describe(inferred)}`, filled: false };
  }
  const msgs: string[] = [];
  let filled = false;
  let elemType = inferred.elemType;
  if (!elemType && stored.elemType) {
    elemType = stored.elemType;
    filled = true;
  } else if (elemType && stored.elemType && elemType !== stored.elemType) {
    msgs.push(`element type: declared ${dtypeName(stored.elemType)}, inferred ${dtypeName(elemType)}`);
  }
  let shape = inferred.shape;
  if (!shape && stored.shape) {
    shape = stored.shape;
    filled = true;
  } else if (shape && stored.shape) {
    if (shape.length !== stored.shape.length) {
      msgs.push(`rank: declared ${stored.shape.length} ${formatDims(stored.shape)}, inferred ${shape.length} ${formatDims(shape)}`);
    } else {
      const out = shape.slice();
      for (let i = 0; i < out.length; i++) {
        const a = out[i];
        const b = stored.shape[i];
        if (b === null) continue;
        if (a === null) {
          out[i] = b;
          filled = true;
        } else if (dimsDiffer(a, b)) {
          msgs.push(`dim ${i}: declared ${b}, inferred ${a}`);
        } else if (typeof a === 'string' && typeof b === 'number') {
          out[i] = b;
          filled = true;
        }
      }
      shape = out;
    }
  }
  const type: InferredType = { elemType, shape };
  if (inferred.wrap) type.wrap = inferred.wrap;
  return msgs.length ? { type, conflict: msgs.join('; '), filled } : { type, filled };
}

interface Frame {
  /** Imported opset version of a normalized domain (0 when none). */
  opset: (domain: string) => number;
  /** Inside a function body: the call's attributes (ref_attr_name resolves against them) and the defaults. */
  callAttrs?: Attribute[];
  defaultAttrs?: onnx.AttributeProto.$Properties[];
}

interface WalkOptions {
  maxValueElements: number;
  useStored: boolean;
  functions: boolean;
}

const MAX_SUBGRAPH_DEPTH = 200;

class Walker {
  private readonly schemaCache = new Map<string, OpSchema | null>();
  /** Conflicts by value: a subgraph inferred again (Loop passes) replaces or clears its earlier verdicts. */
  private readonly conflictByValue = new Map<Value, TypeConflict>();
  private readonly problemKeys = new Set<string>();
  private readonly activeFunctions = new Set<Graph>();
  private depth = 0;

  constructor(
    private readonly model: Model,
    private readonly r: InferenceResult,
    readonly opts: WalkOptions,
  ) {}

  inferMain(): void {
    const g = this.model.graph;
    const imports = new Map<string, number>();
    for (const o of this.model.opsetImports) {
      const d = normalizeDomain(o.domain);
      if (!imports.has(d)) imports.set(d, o.version);
    }
    const frame: Frame = { opset: (d) => imports.get(d) ?? 0 };
    this.seedInitializers(g);
    for (const info of g.inputs) {
      const v = info.value;
      const stored = this.opts.useStored || !v.initializer ? typeFromProto(info.proto?.type) : undefined;
      if (stored) {
        this.r.types.set(v, stored);
        this.r.sources.set(v, 'input');
      }
    }
    this.walk(g, frame);
    this.checkOutputs(g);
    this.r.conflicts.push(...this.conflictByValue.values());
  }

  private verdict(v: Value, stored: InferredType | undefined, inferred: InferredType | undefined, conflict: string | undefined): void {
    if (conflict && stored && inferred) this.conflictByValue.set(v, { value: v, stored, inferred, message: `${v.name}: ${conflict}` });
    else this.conflictByValue.delete(v);
  }

  private seedInitializers(g: Graph): void {
    for (const t of g.initializers) {
      const v = t.value;
      if (!v) continue;
      const dims = t.dims.map(Number);
      this.r.types.set(v, { elemType: t.dataType, shape: dims });
      this.r.sources.set(v, 'initializer');
      if (v.isConstant) {
        const val = tensorValue(t.proto, this.opts.maxValueElements);
        if (val) this.r.constants.set(v, val);
      }
    }
    for (const sp of g.sparseInitializers) {
      const v = g.values.get(sp.values?.name ?? '');
      if (v) this.r.types.set(v, { elemType: sp.values?.dataType ?? 0, shape: (sp.dims ?? []).map(Number) });
    }
  }

  private walk(g: Graph, frame: Frame): void {
    const { order, cyclic } = topologicalOrder(g);
    for (const n of order) this.inferNode(n, frame);
    for (const n of cyclic) this.inferNode(n, frame);
  }

  /**
   * Graph outputs that no node produces (an input or initializer passed through) keep their own type; one
   * that nothing else typed takes its declared type. Produced outputs were merged with it in commitOutputs.
   */
  private checkOutputs(g: Graph): void {
    if (!this.opts.useStored) return;
    for (const o of g.outputs) {
      const v = o.value;
      if (v.producer || this.r.sources.get(v) !== undefined) continue;
      const stored = typeFromProto(o.proto?.type);
      if (stored && !this.r.types.has(v)) {
        this.r.types.set(v, stored);
        this.r.sources.set(v, 'stored');
      }
    }
  }

  private schemaFor(domain: string, opType: string, opset: number): OpSchema | undefined {
    const k = `${domain}\u0000${opType}\u0000${opset}`;
    let s = this.schemaCache.get(k);
    if (s === undefined) {
      s = (opset > 0 ? schemaAtOpset(domain, opType, opset) : undefined) ?? null;
      this.schemaCache.set(k, s);
    }
    return s ?? undefined;
  }

  private inferNode(n: Node, frame: Frame): void {
    const domain = normalizeDomain(n.domain);
    const opset = frame.opset(domain);
    const schema = this.schemaFor(domain, n.opType, opset);
    const ctx = new Ctx(this, n, domain, opset, schema, frame);
    const fn = lookupInfer(domain, n.opType);
    let covered = true;
    if (fn) {
      try {
        fn(ctx);
      } catch (e) {
        const msg = e instanceof InferError ? e.message : `inference failed (${e instanceof Error ? e.message : String(e)})`;
        this.problem(n, msg);
      }
    } else {
      const fg = this.opts.functions ? this.model.findFunction(n.domain, n.opType, (n.proto as { overload?: string }).overload ?? '') : undefined;
      if (fg && !this.activeFunctions.has(fg)) {
        this.inferFunction(n, fg, ctx, frame);
      } else {
        covered = false;
        const k = domain ? `${domain}::${n.opType}` : n.opType;
        this.r.uncovered.set(k, (this.r.uncovered.get(k) ?? 0) + 1);
        // Still look inside the node's subgraphs so their values get what can be known.
        for (const sg of n.subgraphs) {
          this.inferGraph(sg, sg.inputs.map((i) => typeFromProto(i.proto?.type)), [], frame);
        }
      }
    }
    this.commitOutputs(n, ctx, schema, covered);
  }

  private commitOutputs(n: Node, ctx: Ctx, schema: OpSchema | undefined, covered: boolean): void {
    for (let i = 0; i < n.outputs.length; i++) {
      const v = n.outputs[i];
      if (!v) continue;
      let t = ctx.outTypes[i];
      const val = ctx.outValues[i];
      if (val) {
        this.r.constants.set(v, val);
        if (!t) t = { elemType: val.dtype, shape: val.dims.slice() };
        else if (!t.shape && !t.wrap) t = { ...t, shape: val.dims.slice() };
      } else this.r.constants.delete(v); // a subgraph inferred again may know less than before
      if (schema && (!t || !t.elemType)) {
        const e = schemaOutputElemType(schema, i, ctx);
        if (e) t = t ? { ...t, elemType: e } : { elemType: e, shape: undefined };
      }
      const stored = this.opts.useStored ? typeFromProto(v.type) : undefined;
      const m = mergeTypes(t, stored);
      this.verdict(v, stored, t, m.conflict);
      if (m.type) {
        this.r.types.set(v, m.type);
        this.r.sources.set(v, !t ? 'stored' : m.filled ? 'merged' : 'inferred');
      } else {
        this.r.types.delete(v);
      }
      // Blame: values left without a rank because an uncovered op sits upstream.
      this.r.unresolved.delete(v);
      if (!m.type || (!m.type.shape && !m.type.wrap)) {
        if (!covered) this.r.unresolved.set(v, n);
        else {
          for (const inp of n.inputs) {
            const b = inp && this.r.unresolved.get(inp);
            if (b) {
              this.r.unresolved.set(v, b);
              break;
            }
          }
        }
      }
    }
  }

  problem(n: Node, message: string): void {
    const k = `${n.id}\u0000${message}`;
    if (this.problemKeys.has(k)) return; // a subgraph inferred again repeats its findings
    this.problemKeys.add(k);
    this.r.problems.push({ node: n, message });
  }

  /** Infers a subgraph whose formal inputs have the given types; returns its outputs' types and values. */
  inferGraph(
    g: Graph,
    inputs: (InferredType | undefined)[],
    inputValues: (PropValue | undefined)[],
    frame: Frame,
  ): { types: (InferredType | undefined)[]; values: (PropValue | undefined)[] } {
    if (this.depth >= MAX_SUBGRAPH_DEPTH) {
      return { types: g.outputs.map(() => undefined), values: g.outputs.map(() => undefined) };
    }
    this.depth++;
    try {
      this.seedInitializers(g);
      g.inputs.forEach((info, i) => {
        const v = info.value;
        if (v.initializer && !inputs[i]) return;
        const stored = this.opts.useStored ? typeFromProto(info.proto?.type) : undefined;
        const m = mergeTypes(inputs[i], stored);
        this.verdict(v, stored, inputs[i], m.conflict);
        if (m.type) {
          this.r.types.set(v, m.type);
          this.r.sources.set(v, inputs[i] ? 'inferred' : 'stored');
        } else this.r.types.delete(v);
        const val = inputValues[i];
        if (val) this.r.constants.set(v, val);
        else if (!v.initializer) this.r.constants.delete(v);
      });
      this.walk(g, frame);
      const types: (InferredType | undefined)[] = [];
      const values: (PropValue | undefined)[] = [];
      for (const o of g.outputs) {
        const v = o.value;
        let t = this.r.types.get(v);
        if (!v.producer && !g.inputs.some((i) => i.value === v) && !v.initializer) {
          // An output read straight from an outer scope: merge with its declared type here.
          t = mergeTypes(t, this.opts.useStored ? typeFromProto(o.proto?.type) : undefined).type;
        }
        types.push(t);
        values.push(this.r.constants.get(v));
      }
      return { types, values };
    } finally {
      this.depth--;
    }
  }

  private inferFunction(n: Node, fg: Graph, ctx: Ctx, outer: Frame): void {
    const fp = fg.proto as onnx.FunctionProto;
    const imports = new Map<string, number>();
    for (const o of fp.opsetImport ?? []) {
      const d = normalizeDomain(o.domain);
      if (!imports.has(d)) imports.set(d, Number(o.version ?? 0));
    }
    const frame: Frame = {
      opset: (d) => imports.get(d) ?? outer.opset(d),
      callAttrs: n.attributes,
      defaultAttrs: (fp.attributeProto ?? []) as onnx.AttributeProto.$Properties[],
    };
    this.activeFunctions.add(fg);
    try {
      const inTypes = fg.inputs.map((_, i) => ctx.type(i));
      const inValues = fg.inputs.map((_, i) => ctx.value(i));
      const out = this.inferGraph(fg, inTypes, inValues, frame);
      out.types.forEach((t, i) => {
        if (t) ctx.outTypes[i] = t;
        const val = out.values[i];
        if (val) ctx.outValues[i] = val;
      });
    } finally {
      this.activeFunctions.delete(fg);
    }
  }

  typeOf(v: Value): InferredType | undefined {
    return this.r.types.get(v);
  }

  valueOf(v: Value): PropValue | undefined {
    return this.r.constants.get(v);
  }
}

/** The element type the schema gives output i: a literal type, the type variable bound by an input, or the only allowed type. */
function schemaOutputElemType(schema: OpSchema, i: number, ctx: OpContext): number {
  const f = formalOutput(schema, i);
  if (!f) return 0;
  const lit = elemTypeOfTypeString(f.typeStr);
  if (lit) return lit;
  for (let j = 0; j < ctx.inputCount; j++) {
    const fi = formalInput(schema, j);
    if (fi && fi.typeStr === f.typeStr) {
      const e = ctx.elemType(j);
      if (e) return e;
    }
  }
  const allowed = allowedElemTypes(schema, f.typeStr);
  return allowed && allowed.length === 1 ? allowed[0] : 0;
}

class Ctx implements OpContext {
  readonly outTypes: (InferredType | undefined)[] = [];
  readonly outValues: (PropValue | undefined)[] = [];
  readonly opType: string;
  readonly since: number;
  readonly maxValueElements: number;

  constructor(
    private readonly w: Walker,
    readonly node: Node,
    readonly domain: string,
    readonly opset: number,
    readonly schema: OpSchema | undefined,
    private readonly frame: Frame,
  ) {
    this.opType = node.opType;
    this.since = schema?.sinceVersion ?? opset;
    this.maxValueElements = w.opts.maxValueElements;
  }

  get inputCount(): number {
    return this.node.inputs.length;
  }
  get outputCount(): number {
    return this.node.outputs.length;
  }
  hasInput(i: number): boolean {
    return !!this.node.inputs[i];
  }
  hasOutput(i: number): boolean {
    return !!this.node.outputs[i];
  }
  type(i: number): InferredType | undefined {
    const v = this.node.inputs[i];
    return v ? this.w.typeOf(v) : undefined;
  }
  elemType(i: number): number {
    const t = this.type(i);
    return t && !t.wrap ? t.elemType : 0;
  }
  shape(i: number): SymDim[] | undefined {
    const t = this.type(i);
    return t && !t.wrap ? t.shape : undefined;
  }
  rank(i: number): number | undefined {
    return this.shape(i)?.length;
  }
  value(i: number): PropValue | undefined {
    const v = this.node.inputs[i];
    return v ? this.w.valueOf(v) : undefined;
  }
  known(i: number): KnownValue | undefined {
    const v = this.value(i);
    return isKnown(v) ? v : undefined;
  }

  attr(name: string): Attribute | undefined {
    const a = this.node.attr(name);
    if (a && a.refAttrName) {
      const fromCall = this.frame.callAttrs?.find((c) => c.name === a.refAttrName);
      if (fromCall) return fromCall;
      const def = this.frame.defaultAttrs?.find((d) => d.name === a.refAttrName);
      return def ? new Attribute(def as onnx.AttributeProto) : undefined;
    }
    return a;
  }
  int(name: string): number | undefined;
  int(name: string, def: number): number;
  int(name: string, def?: number): number | undefined {
    const a = this.attr(name);
    if (!a) return def;
    const i = a.proto.i;
    return i === undefined || i === null ? def : Number(i);
  }
  ints(name: string): number[] | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    return (a.proto.ints ?? []).map(Number);
  }
  float(name: string): number | undefined;
  float(name: string, def: number): number;
  float(name: string, def?: number): number | undefined {
    const a = this.attr(name);
    if (!a) return def;
    return a.proto.f ?? def;
  }
  floats(name: string): number[] | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    return (a.proto.floats ?? []).map(Number);
  }
  str(name: string): string | undefined;
  str(name: string, def: string): string;
  str(name: string, def?: string): string | undefined {
    const a = this.attr(name);
    if (!a || !a.proto.s) return def;
    return new TextDecoder().decode(a.proto.s);
  }
  tensorAttr(name: string): { dtype: number; dims: number[]; value: PropValue | undefined } | undefined {
    const a = this.attr(name);
    const t = a?.proto.t;
    if (!t) return undefined;
    return { dtype: t.dataType ?? 0, dims: (t.dims ?? []).map(Number), value: tensorValue(t, this.maxValueElements) };
  }

  setOutput(i: number, elemType: number, shape: SymDim[] | undefined, wrap?: TypeWrap[]): void {
    if (i >= this.node.outputs.length) return;
    let s = shape;
    if (s) {
      s = s.map((d) => {
        if (typeof d === 'string') return canonicalDim(d);
        if (typeof d === 'number' && (!Number.isInteger(d) || d < 0)) {
          this.problem(`output ${i} would have dim ${d}; expected a non-negative integer`);
          return null;
        }
        return d;
      });
    }
    const t: InferredType = { elemType, shape: s };
    if (wrap && wrap.length) t.wrap = wrap;
    this.outTypes[i] = t;
  }
  setValue(i: number, value: PropValue): void {
    if (i >= this.node.outputs.length) return;
    let n = 1;
    for (const d of value.dims) n *= d;
    if (n > this.maxValueElements || value.data.length !== n) return;
    this.outValues[i] = value;
  }
  problem(message: string): void {
    this.w.problem(this.node, message);
  }
  inferGraph(g: Graph, inputs: (InferredType | undefined)[], inputValues: (PropValue | undefined)[] = []) {
    return this.w.inferGraph(g, inputs, inputValues, this.frame);
  }
}
