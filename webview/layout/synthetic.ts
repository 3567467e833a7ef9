/**
 * Synthetic transformer-decoder graphs for tests, benches and demos: the shapes that make layered
 * layouts slow. Every node is an ONNX-like operator, a graph input, an initializer or a Constant.
 *
 * prologue: input_ids -> Gather(embedding) -> hidden; position_ids -> rotary cos/sin; attention_mask
 *           -> additive mask. cos and sin are read 4 times per block, the mask once per block.
 * block:    LayerNorm as 9 ops -> MatMul(qkv) -> Split -> per head input a Shape/Gather/Unsqueeze/
 *           Concat chain feeding Reshape -> Transpose -> rotary (Slice, Neg, Concat, Mul, Add) ->
 *           MatMul, Div, Add(mask), Softmax, MatMul -> Transpose, Reshape -> MatMul(out) -> residual
 *           Add -> LayerNorm -> SwiGLU MLP -> residual Add.  112 nodes per block.
 * epilogue: LayerNorm -> MatMul(lm_head, tied to the embedding) -> logits.
 */
import { GraphBuilder } from './graph';
import { NO_GROUP_KEY } from './summarize';
import type { LayoutGraph } from './types';

const NO_GROUP = NO_GROUP_KEY;

export interface SyntheticGraph {
  graph: LayoutGraph;
  /** Block index per node, NO_GROUP_KEY for the prologue and the epilogue (usable as summarize's groupKey). */
  block: Uint32Array;
  /** Op type per node (for debugging and drawings). */
  op: string[];
  /** Nodes producing the tensors every block reads. */
  shared: { mask: number; cos: number; sin: number; embedding: number };
}

export const DECODER_NODES_PER_BLOCK = 112;
const PROLOGUE_EPILOGUE = 38;

/** Number of blocks that gives about `nodes` nodes. */
export function decoderBlocksFor(nodes: number): number {
  return Math.max(1, Math.round((nodes - PROLOGUE_EPILOGUE) / DECODER_NODES_PER_BLOCK));
}

export function makeDecoderGraph(blocks: number): SyntheticGraph {
  const b = new GraphBuilder();
  const op: string[] = [];
  const blockOf: number[] = [];
  let current = NO_GROUP;
  // A tensor is (producer node, output slot); its id is node * 4 + slot.
  type T = { node: number; slot: number };
  const add = (type: string, inputs: T[], outputs = 1): T[] => {
    const w = type === 'Initializer' || type === 'Constant' ? 72 : 40 + 8 * type.length;
    const h = type === 'Initializer' || type === 'Constant' ? 24 : 32;
    const v = b.node(w, h);
    op.push(type);
    blockOf.push(current);
    for (const t of inputs) b.edge(t.node, v, t.node * 4 + t.slot);
    const outs: T[] = [];
    for (let s = 0; s < outputs; s++) outs.push({ node: v, slot: s });
    return outs;
  };
  const one = (type: string, ...inputs: T[]): T => add(type, inputs)[0];
  const konst = (): T => one('Constant');
  const init = (): T => one('Initializer');
  const layerNorm = (x: T): T => {
    const mean = one('ReduceMean', x);
    const d = one('Sub', x, mean);
    const sq = one('Pow', d, konst());
    const v = one('ReduceMean', sq);
    const s = one('Sqrt', one('Add', v, konst()));
    const nrm = one('Div', d, s);
    return one('Add', one('Mul', nrm, init()), init());
  };
  const dynReshape = (x: T, shapeOf: T): T => {
    const g = one('Gather', one('Shape', shapeOf), konst());
    const shape = one('Concat', one('Unsqueeze', g, konst()), konst());
    return one('Reshape', x, shape);
  };

  // Prologue.
  const ids = one('Input');
  const embedding = init();
  let h = one('Gather', embedding, ids);
  const pos = one('Input');
  const freqs = one('MatMul', one('Cast', one('Unsqueeze', pos, konst())), init());
  const emb = one('Concat', freqs, freqs);
  const cos = one('Cos', emb);
  const sin = one('Sin', emb);
  const am = one('Input');
  const m1 = one('Cast', one('Unsqueeze', one('Unsqueeze', am, konst()), konst()));
  const mask = one('Mul', one('Sub', konst(), m1), konst());

  const rotary = (t: T): T => {
    const a = one('Slice', t, konst(), konst());
    const c = one('Slice', t, konst(), konst());
    const rot = one('Concat', one('Neg', c), a);
    return one('Add', one('Mul', t, cos), one('Mul', rot, sin));
  };

  for (let i = 0; i < blocks; i++) {
    current = i;
    const x = layerNorm(h);
    const qkv = one('Add', one('MatMul', x, init()), init());
    const [q, k, v] = add('Split', [qkv, konst()], 3);
    const qh = rotary(one('Transpose', dynReshape(q, x)));
    const kh = rotary(one('Transpose', dynReshape(k, x)));
    const vh = one('Transpose', dynReshape(v, x));
    const scores = one('Add', one('Div', one('MatMul', qh, one('Transpose', kh)), konst()), mask);
    const ctx = one('MatMul', one('Softmax', scores), vh);
    const merged = dynReshape(one('Transpose', ctx), x);
    const attn = one('Add', one('MatMul', merged, init()), init());
    const h1 = one('Add', h, attn);
    const y = layerNorm(h1);
    const gate = one('MatMul', y, init());
    const upv = one('MatMul', y, init());
    const act = one('Mul', gate, one('Sigmoid', gate));
    const down = one('MatMul', one('Mul', act, upv), init());
    h = one('Add', h1, down);
  }
  current = NO_GROUP;
  const logits = one('MatMul', layerNorm(h), one('Transpose', embedding));
  one('Output', logits);
  return {
    graph: b.build(),
    block: Uint32Array.from(blockOf),
    op,
    shared: { mask: mask.node, cos: cos.node, sin: sin.node, embedding: embedding.node },
  };
}

/**
 * A deterministic pseudo-random DAG (for property tests): nodes in index order, each with up to
 * `maxIn` inputs from earlier nodes, mostly nearby ones. Seeded linear congruential generator.
 */
export function makeRandomDag(nodes: number, maxIn: number, seed: number): LayoutGraph {
  let s = seed >>> 0 || 1;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const b = new GraphBuilder();
  for (let v = 0; v < nodes; v++) {
    b.node(30 + Math.floor(rnd() * 120), 20 + Math.floor(rnd() * 30));
    if (v === 0) continue;
    const k = Math.floor(rnd() * (maxIn + 1));
    for (let i = 0; i < k; i++) {
      const back = rnd() < 0.8 ? 1 + Math.floor(rnd() * Math.min(v, 8)) : 1 + Math.floor(rnd() * v);
      b.edge(v - back, v, v - back);
    }
  }
  return b.build();
}
