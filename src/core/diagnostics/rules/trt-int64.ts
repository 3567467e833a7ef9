/**
 * TensorRT profile, TensorRT 8.x (skipped when options.tensorrtVersion >= 9, where INT64 is native):
 * onnx-tensorrt "will attempt to cast down INT64 to INT32 ..., clamping values to +-INT_MAX".
 *
 *   trt-int64-weights   info, one per graph: how many INT64 constants get cast down
 *   trt-int64-overflow  warning: an INT64 constant holds values outside the INT32 range, which get clamped
 *                       (Slice starts/ends are left alone: clamping INT64_MAX there changes nothing)
 *   trt-int64-io        warning: an INT64 graph input or output is bound as INT32 by the engine: the
 *                       application must feed/read int32
 */
import { DataType } from '../../ir/dtype';
import type { Value } from '../../ir/model';
import { TENSORRT_NATIVE_INT64_SINCE } from '../data/tensorrt';
import { TENSORRT_ONLY, type Rule } from '../types';
import { isOp, nameList, tensorType } from './util';

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

/** Every reader treats the value as a Slice start or end (where clamping is harmless). */
function onlySliceBounds(v: Value): boolean {
  return v.uses.length > 0 && v.uses.every((u) => isOp(u.node, 'Slice') && (u.index === 1 || u.index === 2));
}

export const trtInt64Rule: Rule = {
  id: 'trt-int64',
  description: 'TensorRT 8.x: INT64 weights and graph inputs/outputs that TensorRT casts down to INT32',
  profiles: TENSORRT_ONLY,
  codes: ['trt-int64-weights', 'trt-int64-overflow', 'trt-int64-io'],
  run(ctx) {
    const v = ctx.options.tensorrtVersion;
    if (v !== undefined && v >= TENSORRT_NATIVE_INT64_SINCE) return;
    for (const g of ctx.graphs) {
      const int64: string[] = [];
      const consider = (val: Value) => {
        const c = ctx.constantOf(val);
        if (!c || c.dtype !== DataType.INT64) return;
        int64.push(val.name);
        if (!c.values || onlySliceBounds(val)) return;
        const out = c.values.filter((x) => x < I32_MIN || x > I32_MAX);
        if (!out.length) return;
        ctx.report({
          code: 'trt-int64-overflow', severity: 'warning', graph: g, tensor: val.name,
          ...(val.producer ? { node: val.producer } : {}),
          message: `INT64 constant '${val.name}' holds ${out.length} value${out.length === 1 ? '' : 's'} outside the INT32 range (e.g. ${out[0]}): ` +
            'TensorRT 8.x casts INT64 to INT32 and clamps them to +-2147483647, which changes what the model computes. Use values within INT32, or TensorRT 9+',
        });
      };
      for (const t of g.initializers) if (t.value) consider(t.value);
      for (const n of g.nodes) if (isOp(n, 'Constant') && n.outputs[0]) consider(n.outputs[0]);
      if (int64.length) {
        ctx.report({
          code: 'trt-int64-weights', severity: 'info', graph: g,
          message: `${int64.length} INT64 constant${int64.length === 1 ? '' : 's'} in ${g.path} (${nameList(int64)}): TensorRT 8.x has no INT64 and casts them ` +
            "to INT32 (its parser warns \"Your ONNX model has been generated with INT64 weights\"); harmless for shapes and indices within INT32's range",
        });
      }
    }
    const main = ctx.model.graph;
    for (const [role, list] of [['input', main.inputs], ['output', main.outputs]] as const) {
      for (const info of list) {
        const t = tensorType(ctx.shapes.typeOf(info.value));
        if (info.value.initializer || t?.elemType !== DataType.INT64) continue;
        ctx.report({
          code: 'trt-int64-io', severity: 'warning', graph: main, tensor: info.value.name,
          message: `graph ${role} '${info.value.name}' is int64: a TensorRT 8.x engine binds it as INT32, so the application must ` +
            `${role === 'input' ? 'feed int32 data' : 'read int32 data'} (and values must fit in INT32). Cast it in the graph, or use TensorRT 9+`,
        });
      }
    }
  },
};
