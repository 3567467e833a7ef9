/**
 * TensorRT profile. InstanceNormalization with epsilon below 1e-4 (the default is 1e-5): onnx-tensorrt's
 * importer (TensorRT 7/8, the InstanceNormalization plugin path) clamps it, `epsilon = std::max(epsilon,
 * 1e-4f); // TensorRT only supports epsilon values >= 1e-4` (NVIDIA/TensorRT#260), so the engine
 * computes something else than onnxruntime on channels of small variance.
 *
 *   trt-instancenorm-epsilon  warning
 */
import { TENSORRT_MIN_INSTANCENORM_EPSILON } from '../data/tensorrt';
import { TENSORRT_ONLY, type Rule } from '../types';
import { isOp, num } from './util';

export const trtInstanceNormRule: Rule = {
  id: 'trt-instancenorm-epsilon',
  description: 'TensorRT: InstanceNormalization epsilon below 1e-4, which older onnx-tensorrt importers clamp',
  profiles: TENSORRT_ONLY,
  codes: ['trt-instancenorm-epsilon'],
  run(ctx) {
    for (const g of ctx.graphs) {
      for (const n of g.nodes) {
        if (!isOp(n, 'InstanceNormalization')) continue;
        const a = n.attr('epsilon');
        const eps = a && !a.refAttrName ? Number(a.proto.f ?? 0) : a ? undefined : 1e-5;
        if (eps === undefined || !(eps < TENSORRT_MIN_INSTANCENORM_EPSILON)) continue;
        ctx.report({
          code: 'trt-instancenorm-epsilon', severity: 'warning', node: n, graph: g,
          message: `epsilon is ${num(eps)}${a ? '' : ' (the default)'}, below 1e-4: onnx-tensorrt's InstanceNormalization importer (TensorRT 7/8) clamps it to 1e-4, ` +
            'so results differ from onnxruntime on channels with small variance. Compare the TensorRT engine against onnxruntime on real data, ' +
            'or train/export with epsilon >= 1e-4',
        });
      }
    }
  },
};
