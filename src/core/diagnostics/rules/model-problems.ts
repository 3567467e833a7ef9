/**
 * Model-level problems found outside the graph walk:
 *
 *   tensor-invalid   a tensor decoding found broken (model.problems: invalid dims, raw_data of the wrong
 *                    size, a typed field with the wrong count, an unknown data type): error, runtimes
 *                    refuse to load it
 *   runtime-io       a graph input or output onnxruntime-node's JavaScript API cannot pass (a sequence, map
 *                    or optional; bfloat16 and other element types without a typed array): warning, the
 *                    model is valid ONNX but cannot be run from the extension (src/runtime/typecheck.ts)
 */
import { checkRuntimeIo } from '../../../runtime/typecheck';
import { ALL_PROFILES, type Rule } from '../types';

export const modelProblemsRule: Rule = {
  id: 'model-problems',
  description: 'Broken tensors found while decoding, and graph inputs/outputs onnxruntime-node cannot pass',
  profiles: ALL_PROFILES,
  codes: ['tensor-invalid', 'runtime-io'],
  run(ctx) {
    const byPath = new Map(ctx.graphs.map((g) => [g.path, g] as const));
    for (const p of ctx.model.problems) {
      ctx.report({
        code: 'tensor-invalid', severity: 'error', graph: byPath.get(p.graph) ?? ctx.model.graph, tensor: p.tensor,
        message: `${p.message}: runtimes refuse to load a model with a broken tensor; re-export the model or repair the tensor`,
      });
    }
    for (const p of checkRuntimeIo(ctx.model.proto)) {
      ctx.report({ code: 'runtime-io', severity: 'warning', graph: ctx.model.graph, tensor: p.name, message: p.message });
    }
  },
};
