/**
 * simplify: what onnx-simplifier and onnxruntime's basic level do, to a fixed point.
 *
 * Each round: shape inference; If nodes with a constant condition inlined; constant folding (Constant nodes to
 * initializers, a TypeScript evaluator for shape glue, integer math, data movement and exactly-rounded float
 * math, onnxruntime in its child process for the other constant subgraphs when ctx.runtime is given, integer glue
 * whose value symbolic shape inference knows); no-op elimination (Identity, inference Dropout, same-type Cast,
 * shape-preserving Reshape/Expand/Slice/..., identity Transpose); Reshape/Expand targets computed from symbolic
 * dims replaced by constants with 0/-1 (the Shape/Gather/Unsqueeze/Concat chains then die); BatchNormalization
 * and per-channel Add/Mul folded into the Conv before them; common subexpressions merged; identical constants
 * shared; dead nodes, unused initializers and stale value_info removed. Rounds repeat until nothing changes.
 *
 * Kept: graph inputs and outputs with their names and order, opset imports, metadata, node names, function
 * bodies (never rewritten), results of growing ops above the size limit (default 1 MiB), nodes reading external
 * data, quantization nodes, random ops, Loop/Scan, custom-domain ops.
 */
import type { Model } from '../ir/model';
import { countNodes } from '../ir/traverse';
import { inferShapes } from '../infer/index';
import { foldConstants } from './lib/fold';
import { eliminateNoOps, inlineConstantIfs, rewriteSymbolicShapes } from './lib/rewrite';
import { foldBatchNorms, fuseConvAddMul } from './lib/conv';
import { eliminateCommonSubexpressions, shareConstants } from './lib/share';
import { removeUnused } from './lib/graph';
import type { Pass, PassContext, PassResult } from './types';

export const DEFAULT_SIZE_LIMIT = 1024 * 1024;

export interface SimplifyOptions {
  /** Results of growing ops (Expand, Tile, ConstantOfShape, ...) above this many bytes stay as ops. */
  sizeLimit?: number;
  /** Fold BatchNormalization and per-channel Add/Mul into Conv (default true). */
  fuse?: boolean;
  /** Most rounds (default 10). */
  maxRounds?: number;
}

export interface SimplifyReport extends PassResult {
  stats: {
    nodesBefore: number;
    nodesAfter: number;
    initializersBefore: number;
    initializersAfter: number;
    rounds: number;
    [k: string]: number;
  };
  /** Milliseconds spent in each phase over all rounds. */
  timings: Record<string, number>;
}

function countInitializers(model: Model): number {
  let n = 0;
  for (const g of model.allGraphs()) n += g.initializers.length;
  return n;
}

const fmt = (n: number) => n.toLocaleString('en-US');

export async function simplifyModel(model: Model, options: SimplifyOptions = {}, ctx: PassContext = {}): Promise<SimplifyReport> {
  const sizeLimit = options.sizeLimit ?? DEFAULT_SIZE_LIMIT;
  const maxRounds = options.maxRounds ?? 10;
  const fuse = options.fuse ?? true;
  const nodesBefore = countNodes(model);
  const initializersBefore = countInitializers(model);
  const counts = new Map<string, number>();
  const add = (k: string, n: number) => {
    if (n) counts.set(k, (counts.get(k) ?? 0) + n);
  };
  const notes = new Set<string>();
  let rounds = 0;
  let modified = false;
  const timings: Record<string, number> = {};
  const timed = <T>(phase: string, fn: () => T): T => {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      timings[phase] = (timings[phase] ?? 0) + performance.now() - t0;
    }
  };
  for (; rounds < maxRounds; ) {
    if (ctx.signal?.aborted) throw new Error('simplify was cancelled');
    rounds++;
    let changed = 0;
    // Declared value_info is not trusted for folding: only what inference derives from the inputs' declared types.
    const inf = timed('infer', () => inferShapes(model, { useStored: false }));
    const ifs = timed('if', () => inlineConstantIfs(model, inf));
    add('If nodes inlined', ifs);
    changed += ifs;
    const t0 = performance.now();
    const fold = await foldConstants(model, { sizeLimit, runtime: ctx.runtime, inference: inf, log: ctx.log });
    timings.fold = (timings.fold ?? 0) + performance.now() - t0;
    add('Constant nodes turned into initializers', fold.constants);
    add('nodes folded to constants', fold.folded - fold.foldedByRuntime);
    add('nodes folded in onnxruntime', fold.foldedByRuntime);
    for (const n of fold.notes) notes.add(n);
    changed += fold.constants + fold.folded;
    const noops = timed('noops', () => eliminateNoOps(model, inf));
    for (const [op, n] of noops.removed) {
      add(`${op} nodes removed (no-ops)`, n);
      changed += n;
    }
    const shapes = timed('shapes', () => rewriteSymbolicShapes(model, inf));
    add('Reshape/Expand targets made constant from symbolic shapes', shapes);
    changed += shapes;
    if (fuse) {
      const bn = timed('fuse', () => foldBatchNorms(model));
      add('BatchNormalization nodes folded into Conv/Gemm', bn.folded.length);
      changed += bn.folded.length;
      const cm = timed('fuse', () => fuseConvAddMul(model));
      add('Add/Mul nodes folded into Conv', cm);
      changed += cm;
    }
    const cse = timed('cse', () => eliminateCommonSubexpressions(model));
    add('repeated nodes merged', cse);
    changed += cse;
    const shared = timed('share', () => shareConstants(model));
    add('identical constants shared', shared);
    changed += shared;
    const unused = timed('unused', () => removeUnused(model));
    add('dead nodes removed', unused.nodes);
    add('unused initializers removed', unused.initializers);
    add('stale value_info entries removed', unused.valueInfos);
    changed += unused.nodes + unused.initializers + unused.valueInfos;
    ctx.log?.(`simplify round ${rounds}: ${fmt(countNodes(model))} nodes`);
    if (!changed) break;
    modified = true;
  }
  const nodesAfter = countNodes(model);
  const initializersAfter = countInitializers(model);
  const details = [...counts].map(([k, n]) => `${fmt(n)} ${k}`);
  details.push(...notes);
  const stats: SimplifyReport['stats'] = { nodesBefore, nodesAfter, initializersBefore, initializersAfter, rounds };
  for (const [k, n] of counts) stats[k] = n;
  const summary = modified
    ? `${fmt(nodesBefore)} -> ${fmt(nodesAfter)} nodes, ${fmt(initializersBefore)} -> ${fmt(initializersAfter)} initializers (${rounds} rounds)`
    : `nothing to simplify: ${fmt(nodesBefore)} nodes, no constant subgraph, no-op or dead node found`;
  return { modified, summary, details, stats, timings };
}

export const simplifyPass: Pass = {
  id: 'simplify',
  title: 'Simplify',
  description:
    'Constant folding (TypeScript, and onnxruntime for the rest), shape glue folded with symbolic shape inference, constant If inlined, Identity/Dropout/no-op removal, Conv+BN/Add/Mul fusion, shared constants, dead code removal, to a fixed point. Keeps inputs, outputs and their names; large Tile/Expand/ConstantOfShape results stay as ops.',
  kind: 'edit',
  usesRuntime: true,
  args: [
    { name: 'sizeLimit', type: 'integer', description: 'Largest folded result of a growing op (Expand, Tile, ConstantOfShape, ...) in bytes', required: false, default: DEFAULT_SIZE_LIMIT },
    { name: 'fuse', type: 'boolean', description: 'Fold BatchNormalization and per-channel Add/Mul into the Conv before them', required: false, default: true },
  ],
  run(model, args, ctx) {
    return simplifyModel(model, { sizeLimit: args.sizeLimit as number | undefined, fuse: args.fuse as boolean | undefined }, ctx);
  },
};
