/**
 * Structural rewrites of simplify, each linear in the graph:
 *
 * - eliminateNoOps: Identity; Dropout in inference mode (its mask unused); Cast/CastLike to the type the input
 *   already has; Reshape, Expand, Flatten, Squeeze, Unsqueeze, Tile and Slice (positive steps) whose inferred
 *   output shape is the input's; Pad with constant zero pads; Transpose with the identity permutation; Concat,
 *   Sum, Max, Min and Mean of one input; Split into one part. A graph output keeps its name (its producer's
 *   input takes it over) or, when that is impossible (the input is a graph input or a constant), the node stays.
 * - rewriteSymbolicShapes: a Reshape (or Expand) whose target shape is computed from symbolic dims (Shape ->
 *   Gather -> Unsqueeze -> Concat chains, as exporters write `x.view(x.size(0), -1, 4, 16)`) gets a constant
 *   target instead: 0 copies the input's own dim where inference shows the target dim is that dim, -1 stands
 *   for the one remaining symbolic dim (Expand uses 1 where the input already has the dim). The glue chain is
 *   then dead. This is onnxruntime's ReshapeFusion, driven by symbolic shape inference.
 * - inlineConstantIfs: an If whose condition is a constant is replaced by the branch it takes.
 */
import type { Model, Node, Value } from '../../ir/model';
import { DataType } from '../../ir/dtype';
import { addInitializer, inlineSubgraph, removeNodes, replaceAllUsesWith, setInput } from '../../ir/edit';
import { topologicalOrder } from '../../ir/traverse';
import { hostFromNumbers, hostToTensorProto } from '../../codec/tensordata';
import type { InferenceResult, SymDim } from '../../infer/index';
import { canReplaceOutput, constantData, constantInts, editableGraphs, isAnyGraphOutput, opsetOf, removeNodeReplacing } from './graph';

export interface NoOpStats {
  removed: Map<string, number>;
}

function sameShape(a: SymDim[] | undefined, b: SymDim[] | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === null || b[i] === null || a[i] !== b[i]) return false;
  }
  return true;
}

/** Whether a Dropout runs in inference mode (no training_mode input, or a constant false one). */
function dropoutIsInference(n: Node): boolean {
  const tm = n.inputs[2];
  if (tm) {
    const h = constantData(tm);
    if (!h || h.dtype !== DataType.BOOL || h.data.some((b) => b !== 0)) return false;
  }
  const mask = n.outputs[1];
  if (mask && (mask.uses.length || isAnyGraphOutput(mask))) return false;
  return true;
}

/** The value a no-op node passes through, or undefined when the node does something. */
function passThrough(n: Node, inf: InferenceResult | undefined, opset: number): Value | undefined {
  if (n.domain !== '' && n.domain !== 'ai.onnx') return undefined;
  const x = n.inputs[0];
  const o = n.outputs[0];
  if (!x || !o) return undefined;
  if (n.outputs.some((v, i) => i > 0 && v && (v.uses.length || isAnyGraphOutput(v))) && n.opType !== 'Dropout') return undefined;
  const tx = inf?.typeOf(x);
  const to = inf?.typeOf(o);
  // Only shapes inference computed itself count: a declared (possibly stale) value_info must not make a node look idle.
  const trusted = inf?.sources.get(o) === 'inferred';
  const shapeKept = () => trusted && !!tx && !!to && !tx.wrap && !to.wrap && sameShape(tx.shape, to.shape);
  switch (n.opType) {
    case 'Identity':
      return tx?.wrap || to?.wrap ? undefined : x;
    case 'Dropout':
      return dropoutIsInference(n) ? x : undefined;
    case 'Cast': {
      const t = n.attr('to');
      return tx && !tx.wrap && tx.elemType && t && Number(t.proto.i) === tx.elemType ? x : undefined;
    }
    case 'CastLike': {
      const y = n.inputs[1];
      const ty = y && inf?.typeOf(y);
      return tx && ty && tx.elemType && tx.elemType === ty.elemType ? x : undefined;
    }
    case 'Reshape':
    case 'Expand':
    case 'Flatten':
    case 'Squeeze':
    case 'Unsqueeze':
    case 'Tile':
      return shapeKept() ? x : undefined;
    case 'Slice': {
      if (!shapeKept()) return undefined;
      if (opset < 10) return x;
      const steps = n.inputs[4];
      if (!steps) return x;
      const s = constantInts(steps);
      return s && s.every((v) => v > 0) ? x : undefined;
    }
    case 'Pad': {
      if (!shapeKept()) return undefined;
      const pads = opset < 11 ? n.attr('pads')?.proto.ints?.map(Number) : constantInts(n.inputs[1]);
      return pads && pads.every((p) => p === 0) ? x : undefined;
    }
    case 'Transpose': {
      const perm = n.attr('perm')?.proto.ints?.map(Number);
      if (perm) return perm.every((p, i) => p === i) ? x : undefined;
      return tx?.shape && tx.shape.length <= 1 ? x : undefined;
    }
    case 'Concat':
    case 'Sum':
    case 'Max':
    case 'Min':
    case 'Mean':
      return n.inputs.filter((v) => v).length === 1 ? x : undefined;
    case 'Split':
      return n.outputs.length === 1 && shapeKept() ? x : undefined;
    default:
      return undefined;
  }
}

/** Removes no-op nodes (see the module comment). */
export function eliminateNoOps(model: Model, inf: InferenceResult | undefined): NoOpStats {
  const removed = new Map<string, number>();
  const opset = opsetOf(model, '');
  for (const g of editableGraphs(model)) {
    const batch: Node[] = [];
    for (const n of topologicalOrder(g).order) {
      const x = passThrough(n, inf, opset);
      const o = n.outputs[0];
      if (!x || !o || x === o) continue;
      if (!isAnyGraphOutput(o)) {
        // Readers move now; the node goes with the others at the end (one pass over the node list).
        replaceAllUsesWith(o, x);
        batch.push(n);
      } else if (canReplaceOutput(n, o, x)) {
        removeNodeReplacing(n, o, x);
      } else continue;
      removed.set(n.opType, (removed.get(n.opType) ?? 0) + 1);
    }
    if (batch.length) removeNodes(g, batch, { allowDangling: true });
  }
  return { removed };
}

/**
 * Gives Reshape/Expand nodes with a computed, symbolically known target a constant target (see the module
 * comment). Returns how many nodes were rewritten.
 */
export function rewriteSymbolicShapes(model: Model, inf: InferenceResult): number {
  let n = 0;
  const opset = opsetOf(model, '');
  if (opset < 5) return 0;
  for (const g of editableGraphs(model)) {
    // Many nodes get the same target ([0, 0, 4, 16]): one initializer each.
    const made = new Map<string, Value>();
    for (const node of g.nodes) {
      if (node.domain !== '' && node.domain !== 'ai.onnx') continue;
      if (node.opType !== 'Reshape' && node.opType !== 'Expand') continue;
      const x = node.inputs[0];
      const s = node.inputs[1];
      if (!x || !s || s.isConstant) continue;
      const target = inf.symbolicValue(s);
      const xs = inf.typeOf(x)?.shape;
      if (!target || !xs || target.some((d) => d === null)) continue;
      const st = inf.typeOf(s);
      if (!st || st.elemType !== DataType.INT64) continue;
      const out = node.opType === 'Reshape' ? reshapeTarget(target, xs, opset >= 14 && Number(node.attr('allowzero')?.proto.i ?? 0) === 1) : expandTarget(target, xs);
      if (!out) continue;
      const key = out.join(',');
      let c = made.get(key);
      if (!c) {
        const h = hostFromNumbers(DataType.INT64, [out.length], out);
        c = addInitializer(g, `${node.opType === 'Reshape' ? 'shape' : 'expand_shape'}_${out.map((d) => (d < 0 ? 'm' + -d : d)).join('_')}`, hostToTensorProto(h));
        made.set(key, c);
      }
      setInput(node, 1, c);
      n++;
    }
  }
  return n;
}

function reshapeTarget(target: SymDim[], xs: SymDim[], allowzero: boolean): number[] | undefined {
  const out: number[] = [];
  let minus = target.some((t) => t === -1);
  for (let i = 0; i < target.length; i++) {
    const t = target[i];
    if (typeof t === 'number') {
      out.push(t);
      continue;
    }
    if (!allowzero && i < xs.length && xs[i] === t) {
      out.push(0);
      continue;
    }
    if (minus) return undefined;
    minus = true;
    out.push(-1);
  }
  return out;
}

function expandTarget(target: SymDim[], xs: SymDim[]): number[] | undefined {
  const out: number[] = [];
  const off = target.length - xs.length;
  for (let i = 0; i < target.length; i++) {
    const t = target[i];
    if (typeof t === 'number') {
      out.push(t);
      continue;
    }
    const j = i - off;
    if (j >= 0 && xs[j] === t) out.push(1);
    else return undefined;
  }
  return out;
}

/** Inlines every If whose condition is constant. Returns how many. */
export function inlineConstantIfs(model: Model, inf: InferenceResult | undefined): number {
  let n = 0;
  // Outer graphs first; an inlined branch's own Ifs are found on the next round.
  for (const g of editableGraphs(model)) {
    for (const node of [...g.nodes]) {
      if (node.opType !== 'If' || (node.domain !== '' && node.domain !== 'ai.onnx') || node.graph !== g) continue;
      const c = node.inputs[0];
      if (!c) continue;
      let cond: boolean | undefined;
      const h = constantData(c);
      if (h && h.data.byteLength >= 1 && h.dims.reduce((a, b) => a * b, 1) === 1) cond = h.data.some((b) => b !== 0);
      else {
        const k = inf?.knownValue(c);
        if (k && k.data.length === 1) cond = k.data[0] !== 0;
      }
      if (cond === undefined) continue;
      const branch = node.attr(cond ? 'then_branch' : 'else_branch')?.graph;
      if (!branch || branch.inputs.length || branch.outputs.length !== node.outputs.length) continue;
      inlineSubgraph(node, branch);
      n++;
    }
  }
  return n;
}
