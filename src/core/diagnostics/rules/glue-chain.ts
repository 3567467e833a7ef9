/**
 * Glue chains: the small integer subgraphs exporters leave to compute a shape at run time (`x.view(x.shape[0],
 * -1)` without constant folding), ending in a node that takes a shape-like input:
 *
 *      x ──► Shape ──► Gather(0) ──► Unsqueeze ──┐
 *                      Constant(-1) ► Unsqueeze ─┴► Concat ──► Reshape(x, ·)   <- sink: one diagnostic here
 *
 * Sinks and their shape-like inputs: Reshape/Expand/Tile/Upsample (1), Slice (1-4), Resize (1-3),
 * ConstantOfShape (0). A value is glue when it is computed (not an initializer or Constant itself) by
 * integer/shape arithmetic (Gather, Unsqueeze, Squeeze, Concat, Cast, Slice, Reshape, Mul, Add, Sub, Div, ...)
 * from Shape/Size outputs and constants only; a sink whose own data input is glue is part of a chain, not
 * its end.
 *
 *   glue-chain  the chain's value is known now (shapes static): warning, fix fold-glue
 *               it depends on symbolic dims: info naming them ('batch'): it folds once they are fixed
 *               nothing is known about it: info
 *
 * `related` lists the chain's nodes (Constants and Shape sources included) in topological order.
 */
import type { Graph, Node, Value } from '../../ir/model';
import { ALL_PROFILES, type Rule, type RuleContext, type SymDim } from '../types';
import { dimsText, isOnnx, q } from './util';

/** Operators that take shape-like inputs, and which. */
const SINKS: Record<string, (n: Node) => number[]> = {
  Reshape: () => [1],
  Expand: () => [1],
  Tile: () => [1],
  Upsample: () => [1],
  ConstantOfShape: () => [0],
  Slice: () => [1, 2, 3, 4],
  Resize: () => [1, 2, 3],
};

/** Integer/shape arithmetic that stays glue when all its inputs are glue or constants. */
const GLUE_OPS = new Set([
  'Gather', 'GatherElements', 'GatherND', 'Unsqueeze', 'Squeeze', 'Concat', 'Cast', 'CastLike', 'Slice', 'Reshape', 'Flatten',
  'Identity', 'Mul', 'Add', 'Sub', 'Div', 'Mod', 'Floor', 'Ceil', 'Neg', 'Abs', 'Max', 'Min', 'Sum', 'Equal', 'Less',
  'LessOrEqual', 'Greater', 'GreaterOrEqual', 'Where', 'Not', 'And', 'Or', 'ReduceProd', 'ReduceSum', 'ReduceMax',
  'ReduceMin', 'Sqrt', 'Pow', 'Reciprocal', 'Range', 'Expand', 'Tile', 'Transpose', 'Split', 'Round', 'Sign', 'Clip',
]);

/** const: initializer or Constant; fold: computed from constants only; shape: computed from Shape/Size (+ constants); data: anything else. */
type Kind = 'const' | 'fold' | 'shape' | 'data';

export const glueChainRule: Rule = {
  id: 'glue-chain',
  description: 'Shape-computing subgraphs (Shape -> Gather -> Unsqueeze -> Concat -> Reshape ...): whether they fold now, or which symbolic dims block them',
  profiles: ALL_PROFILES,
  codes: ['glue-chain'],
  run(ctx) {
    const kinds = new Map<Value, Kind>();
    const kindOf = (v: Value): Kind => kinds.get(v) ?? (ctx.constantOf(v) ? 'const' : 'data');
    for (const g of ctx.graphs) {
      const order = ctx.order(g);
      const pos = new Map<Node, number>();
      order.forEach((m, i) => pos.set(m, i));
      for (const n of order) classify(ctx, n, kindOf, kinds);
      for (const n of order) {
        if (!isOnnx(n)) continue;
        const sinkInputs = SINKS[n.opType];
        if (!sinkInputs) continue;
        if (n.outputs.some((o) => o && kinds.get(o) !== undefined && kinds.get(o) !== 'data')) continue; // part of a chain
        const glueInputs = sinkInputs(n).map((i) => n.inputs[i]).filter((v): v is Value => !!v && (kindOf(v) === 'shape' || kindOf(v) === 'fold'));
        if (!glueInputs.length) continue;
        report(ctx, g, n, glueInputs, kindOf, pos);
      }
    }
  },
};

function classify(ctx: RuleContext, n: Node, kindOf: (v: Value) => Kind, kinds: Map<Value, Kind>): void {
  let k: Kind;
  if (!isOnnx(n)) k = 'data';
  else if (n.opType === 'Constant') k = ctx.constantOf(n.outputs[0]) ? 'const' : 'data';
  else if (n.opType === 'Shape' || n.opType === 'Size') k = 'shape';
  else if (!GLUE_OPS.has(n.opType) || n.subgraphs.length) k = 'data';
  else {
    k = 'fold';
    for (const v of n.inputs) {
      if (!v) continue;
      const vk = kindOf(v);
      if (vk === 'data') {
        k = 'data';
        break;
      }
      if (vk === 'shape') k = 'shape';
    }
  }
  for (const o of n.outputs) if (o) kinds.set(o, k);
}

function report(ctx: RuleContext, g: Graph, sink: Node, inputs: Value[], kindOf: (v: Value) => Kind, pos: Map<Node, number>): void {
  // The chain: producers of the glue inputs, back to Shape/Size sources and constants.
  const chain = new Set<Node>();
  const sources: Node[] = [];
  const stack: Node[] = [];
  for (const v of inputs) if (v.producer && v.producer.graph === g) stack.push(v.producer);
  while (stack.length) {
    const m = stack.pop()!;
    if (chain.has(m)) continue;
    chain.add(m);
    if (m.opType === 'Shape' || m.opType === 'Size') {
      sources.push(m);
      continue;
    }
    for (const v of m.inputs) {
      if (!v || !v.producer || v.producer.graph !== g || chain.has(v.producer)) continue;
      if (kindOf(v) !== 'data') stack.push(v.producer);
    }
  }
  const related = [...chain].sort((a, b) => (pos.get(a) ?? 0) - (pos.get(b) ?? 0));
  const ops = [...new Set(related.map((m) => m.opType))].join(', ');
  const what = `${sink.opType} ${sink.label}'s ${inputs.length === 1 ? `input '${inputs[0].name}'` : `inputs ${inputs.map((v) => q(v.name)).join(', ')}`}`;
  const head = `${what} ${inputs.length === 1 ? 'is' : 'are'} computed at run time by a glue chain of ${related.length} node${related.length === 1 ? '' : 's'} (${ops})`;

  // Fold status: from the facts about each input, else from the Shape sources' shapes.
  const values: string[] = [];
  const symbols = new Set<string>();
  let allKnown = true;
  for (const v of inputs) {
    const kv = ctx.shapes.knownValue(v);
    if (kv) {
      values.push(`${q(v.name)} = ${dimsText(kv.data)}`);
      continue;
    }
    allKnown = false;
    const sv = ctx.shapes.symbolicValue(v);
    if (sv) {
      values.push(`${q(v.name)} = ${dimsText(sv)}`);
      for (const d of sv) for (const s of symbolsOf(d)) symbols.add(s);
    }
  }
  // A chain of constants only (no Shape/Size source) always folds.
  const constOnly = sources.length === 0 && inputs.every((v) => kindOf(v) === 'fold');
  let staticSources = !allKnown && symbols.size === 0 && sources.length > 0;
  if (!allKnown && !constOnly && symbols.size === 0) {
    for (const s of sources) {
      // What the source reads: Shape's (start/end-sliced) dims as far as known, else its input's whole shape.
      const sliced = s.opType === 'Shape' && s.outputs[0] ? ctx.shapes.symbolicValue(s.outputs[0]) : undefined;
      const t = s.inputs[0] ? ctx.shapes.typeOf(s.inputs[0]) : undefined;
      const dims = sliced ?? (t && !t.wrap ? t.shape : undefined);
      if (!dims) {
        staticSources = false;
        continue;
      }
      for (const d of dims) {
        if (typeof d === 'number') continue;
        staticSources = false;
        for (const sym of symbolsOf(d)) symbols.add(sym);
      }
    }
  }
  const fold = { id: 'fold-glue' as const, label: `fold this glue chain into a constant (${related.length} node${related.length === 1 ? '' : 's'})`, args: { sink: sink.label, nodes: related.length } };
  if (allKnown || constOnly || staticSources) {
    ctx.report({
      code: 'glue-chain', severity: 'warning', node: sink, graph: g, related,
      message: `${head}, ${constOnly ? 'from constants only' : 'but every shape it reads is static'}, so the result is a constant${values.length ? ` (${values.join(', ')})` : ''}: ` +
        `fold the chain so ${sink.opType} takes a constant input (onnxruntime folds it at load; TensorRT, NPU compilers and readers of the graph see the glue)`,
      fixes: [fold],
    });
  } else if (symbols.size) {
    const list = [...symbols].sort();
    ctx.report({
      code: 'glue-chain', severity: 'info', node: sink, graph: g, related,
      message: `${head}; it depends on the symbolic dim${list.length === 1 ? '' : 's'} ${list.map(q).join(', ')}${values.length ? ` (${values.join(', ')})` : ''}, ` +
        `so it cannot fold to a constant while ${list.length === 1 ? 'that dim is' : 'those dims are'} dynamic. Nothing to do for a dynamic-shape model; ` +
        `if ${list.length === 1 ? 'it is' : 'they are'} fixed in deployment, set ${list.length === 1 ? 'it' : 'them'} to numbers and the chain folds`,
    });
  } else {
    ctx.report({
      code: 'glue-chain', severity: 'info', node: sink, graph: g, related,
      message: `${head}; the shapes it reads are not known here, so whether it folds to a constant cannot be told: ` +
        'declare the input shapes (or run shape inference) to find out',
    });
  }
}

/** The symbol names in a symbolic dim ('batch*seq+1' -> batch, seq). */
function symbolsOf(d: SymDim): string[] {
  if (typeof d !== 'string') return [];
  const m = d.match(/[A-Za-z_][A-Za-z0-9_.]*/g);
  return m && m.length ? m : [d];
}
