/**
 * BatchNormalization right after a Conv (or ConvTranspose) with constant weights and statistics, that
 * nothing else reads in between: it can be folded into the convolution's weights and bias.
 *
 *      x ──► Conv(W, b) ──► BatchNormalization(scale, B, mean, var) ──► y
 *   => x ──► Conv(W * scale/sqrt(var+eps), (b - mean) * scale/sqrt(var+eps) + B) ──► y
 *
 *   batchnorm-not-folded  info, fix fold-batchnorm. onnxruntime folds it at load; NPU compilers, quantizers
 *                         and readers of the graph see two nodes per block.
 *
 * Left alone: a BatchNormalization in training mode (training_mode = 1, or more than one output used), a
 * Conv whose output is also read elsewhere or is a graph output, non-constant weights or statistics.
 */
import { ALL_PROFILES, type Rule } from '../types';
import { isAnyGraphOutput, isOp } from './util';

export const foldBatchnormRule: Rule = {
  id: 'fold-batchnorm',
  description: 'BatchNormalization after a Conv with constant parameters: foldable into the Conv',
  profiles: ALL_PROFILES,
  codes: ['batchnorm-not-folded'],
  run(ctx) {
    for (const g of ctx.graphs) {
      for (const bn of g.nodes) {
        if (!isOp(bn, 'BatchNormalization')) continue;
        if (Number(bn.attr('training_mode')?.proto.i ?? 0) !== 0) continue;
        if (bn.outputs.slice(1).some((o) => o && (o.uses.length || isAnyGraphOutput(o)))) continue;
        const x = bn.inputs[0];
        const conv = x?.producer;
        if (!x || !conv || !isOp(conv, 'Conv', 'ConvTranspose') || conv.graph !== g) continue;
        if (x.uses.length !== 1 || isAnyGraphOutput(x)) continue;
        if (![1, 2, 3, 4].every((i) => ctx.constantOf(bn.inputs[i]))) continue;
        if (!ctx.constantOf(conv.inputs[1])) continue;
        if (conv.inputs[2] && !ctx.constantOf(conv.inputs[2])) continue;
        ctx.report({
          code: 'batchnorm-not-folded', severity: 'info', node: bn, graph: g, related: [conv],
          message: `${bn.label} (BatchNormalization) follows ${conv.label} (${conv.opType}) with constant weights and statistics: ` +
            `fold it into the ${conv.opType}'s weights and bias (one node instead of two; onnxruntime does this at load, ` +
            'but NPU compilers, quantizers and readers of the graph see both)',
          fixes: [{ id: 'fold-batchnorm', label: `fold ${bn.label} into ${conv.label}`, args: { conv: conv.label, batchNorm: bn.label } }],
        });
      }
    }
  },
};
