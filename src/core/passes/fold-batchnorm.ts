/**
 * fold-batchnorm: BatchNormalization (inference mode) folded into the Conv, ConvTranspose or Gemm before it.
 *
 *   X -> Conv(W, B) -> y -> BatchNormalization(scale, bias, mean, var) -> Z
 *   becomes
 *   X -> Conv(W', B') -> Z      W' = W * s,  B' = (B - mean) * s + bias,  s = scale / sqrt(var + epsilon)
 *
 * The new weights are computed in float64 and written back in the weight's element type; a weight another node
 * also reads is copied. Handles Conv and ConvTranspose of any group, Gemm (transB, alpha, beta, C of any
 * broadcastable shape), a BN output that is a graph output (the Conv then writes it). Refuses, changing
 * nothing, a training-mode BatchNormalization (training_mode=1, or more than one output) and a named node that is
 * no BatchNormalization. Leaves alone (and says why in the details) a BN after anything else, after a Conv whose
 * output has other readers, or whose parameters are not inline float constants.
 */
import { foldBatchNorms, bnTrainingReason } from './lib/conv';
import { editableGraphs, findNode, opsetOf, plural } from './lib/graph';
import { PassError, type Pass } from './types';

export const foldBatchnormPass: Pass = {
  id: 'fold-batchnorm',
  title: 'Fold BatchNormalization into Conv/Gemm',
  description:
    'Folds inference-mode BatchNormalization into the Conv, ConvTranspose or Gemm before it (weights recomputed in float64, written back in their own type). Refuses training-mode BatchNormalization.',
  kind: 'edit',
  args: [{ name: 'node', type: 'node', description: 'Only this BatchNormalization (default: all of them)', required: false }],
  run(model, args) {
    const opset = opsetOf(model, '');
    let only;
    if (typeof args.node === 'string' && args.node) {
      const n = findNode(model, args.node);
      if (n.opType !== 'BatchNormalization') throw new PassError(`${n.label} is a ${n.opType}, not a BatchNormalization: pick a BatchNormalization node`);
      only = [n];
    }
    const targets = only ?? editableGraphs(model).flatMap((g) => g.nodes.filter((n) => n.opType === 'BatchNormalization'));
    if (!targets.length) return { modified: false, summary: 'the model has no BatchNormalization' };
    const training = targets.map((n) => [n, bnTrainingReason(n, opset)] as const).filter(([, why]) => why);
    if (training.length) {
      const fix = 'Only inference-mode BatchNormalization folds into a Conv: export the model in eval mode (model.eval(), training=TrainingMode.EVAL) and fold again';
      if (training.length === 1) {
        const [n, why] = training[0];
        throw new PassError(`cannot fold ${n.label}: it runs in training mode (${why}). ${fix}`);
      }
      const list = training.slice(0, 5).map(([n, why]) => `${n.label} (${why})`).join(', ');
      throw new PassError(`cannot fold: ${training.length} BatchNormalization nodes run in training mode: ${list}${training.length > 5 ? ', ...' : ''}. ${fix}`);
    }
    const r = foldBatchNorms(model, targets);
    const details = [...r.folded.map((s) => `folded ${s}`), ...r.left.map((s) => `left ${s}`)];
    if (!r.folded.length) return { modified: false, summary: `no BatchNormalization could be folded (${plural(r.left.length, 'left alone')})`, details };
    return {
      modified: true,
      summary: `folded ${plural(r.folded.length, 'BatchNormalization')}${r.left.length ? `; ${r.left.length} left alone` : ''}`,
      details,
      stats: { folded: r.folded.length, left: r.left.length },
    };
  },
};
