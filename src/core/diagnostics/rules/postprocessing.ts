/**
 * Post-processing baked into the graph: NonMaxSuppression anywhere, TopK whose results are (within two
 * nodes) graph outputs.
 *
 *      scores ──► TopK ──► values, indices (graph outputs)        boxes, scores ──► NonMaxSuppression ──► ...
 *
 *   postprocessing  info. NPU compilers often cannot run these (data-dependent output sizes, sorting),
 *                   and TensorRT deployments usually replace NMS by its EfficientNMS plugin: consider cutting
 *                   the graph before them and post-processing on the host.
 */
import { ALL_PROFILES, type Rule } from '../types';
import { isOp, reachesGraphOutput } from './util';

export const postprocessingRule: Rule = {
  id: 'postprocessing',
  description: 'NonMaxSuppression, and TopK feeding graph outputs: post-processing inside the model',
  profiles: ALL_PROFILES,
  codes: ['postprocessing'],
  run(ctx) {
    for (const g of ctx.graphs) {
      for (const n of g.nodes) {
        if (isOp(n, 'NonMaxSuppression')) {
          ctx.report({
            code: 'postprocessing', severity: 'info', node: n, graph: g,
            message: `post-processing inside the graph: ${n.label} (NonMaxSuppression) has a data-dependent output size. Fine for onnxruntime; ` +
              'NPU compilers often cannot place it and TensorRT deployments usually swap in the EfficientNMS plugin: ' +
              'consider cutting the graph before it and running NMS on the host',
          });
        } else if (isOp(n, 'TopK') && reachesGraphOutput(n, 2)) {
          ctx.report({
            code: 'postprocessing', severity: 'info', node: n, graph: g,
            message: `post-processing inside the graph: ${n.label} (TopK) feeds the graph outputs. Fine for onnxruntime; ` +
              'NPU compilers often run sorting poorly or not at all: consider returning the scores and selecting on the host',
          });
        }
      }
    }
  },
};
