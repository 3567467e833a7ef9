/**
 * TensorRT profile: what onnx-tensorrt does not import (data/tensorrt.ts, from its docs/operators.md):
 *
 *   trt-unsupported-op   an ai.onnx operator the support matrix marks N (NonZero is Y, Unique is N...), or an
 *                        operator of ai.onnx.ml / ai.onnx.preview.training (onnx-tensorrt parses ai.onnx only;
 *                        other names are looked up as plugins): error, the engine cannot be built
 *   trt-opset-range      ai.onnx opset outside 9..24 (TensorRT 10.15's range): warning
 *   trt-op-restriction   TopK with K >= 3840 (error) or sorted = 0 (warning)
 */
import { domainDisplayName, normalizeDomain } from '../../schema/index';
import { TENSORRT_DOC, TENSORRT_OPSET_RANGE, TENSORRT_UNSUPPORTED_OPS } from '../data/tensorrt';
import { TENSORRT_ONLY, type Rule } from '../types';
import { isOp } from './util';

export const trtUnsupportedRule: Rule = {
  id: 'trt-unsupported',
  description: "TensorRT: operators onnx-tensorrt does not import, opsets outside its range, TopK limits",
  profiles: TENSORRT_ONLY,
  codes: ['trt-unsupported-op', 'trt-opset-range', 'trt-op-restriction'],
  run(ctx) {
    const v = ctx.model.opsetVersion('');
    if (v !== undefined && (v < TENSORRT_OPSET_RANGE.min || v > TENSORRT_OPSET_RANGE.max)) {
      ctx.report({
        code: 'trt-opset-range', severity: 'warning', graph: ctx.model.graph,
        message: `the model imports ai.onnx opset ${v}; ${TENSORRT_DOC} covers opsets ${TENSORRT_OPSET_RANGE.min} to ${TENSORRT_OPSET_RANGE.max}: ` +
          'convert the model to an opset in that range',
      });
    }
    for (const g of ctx.graphs) {
      for (const n of g.nodes) {
        const r = ctx.resolve(n);
        if (r.kind === 'unknown-domain') continue; // custom-domain rule: a plugin may implement it
        const d = normalizeDomain(n.domain);
        if (d !== '') {
          ctx.report({
            code: 'trt-unsupported-op', severity: 'error', node: n, graph: g,
            message: `${domainDisplayName(d)}::${n.opType}: onnx-tensorrt imports ai.onnx operators only (and plugins by name), so the engine cannot be built: ` +
              'run this part outside TensorRT or replace it with ai.onnx operators',
          });
          continue;
        }
        if (TENSORRT_UNSUPPORTED_OPS.has(n.opType)) {
          ctx.report({
            code: 'trt-unsupported-op', severity: 'error', node: n, graph: g,
            message: `${n.opType} is not supported by onnx-tensorrt (${TENSORRT_DOC}): the engine cannot be built. ` +
              'Replace it with supported operators, implement a TensorRT plugin for it, or cut it out of the TensorRT part of the graph',
          });
          continue;
        }
        if (isOp(n, 'TopK')) {
          const k = ctx.shapes.knownValue(n.inputs[1]!)?.data[0] ?? ctx.constantOf(n.inputs[1])?.values?.[0];
          if (k !== undefined && k >= 3840) {
            ctx.report({
              code: 'trt-op-restriction', severity: 'error', node: n, graph: g,
              message: `TopK with K = ${k}: onnx-tensorrt requires K < 3840: select in two stages or on the host`,
            });
          }
          const sorted = n.attr('sorted');
          if (sorted && Number(sorted.proto.i ?? 1) === 0) {
            ctx.report({
              code: 'trt-op-restriction', severity: 'warning', node: n, graph: g,
              message: 'TopK with sorted = 0: onnx-tensorrt requires sorted = 1 (results come back sorted either way): set sorted to 1',
            });
          }
        }
      }
    }
  },
};
