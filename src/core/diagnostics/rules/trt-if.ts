/**
 * TensorRT profile. If nodes whose condition is not constant become IIfConditional layers; onnx-tensorrt
 * requires "output tensors of the two conditional branches [to] have the same rank and ... different names".
 * (If with a constant condition: the constant-if rule, in every profile.)
 *
 *   trt-dynamic-if     info: control flow in the engine; both branches are built
 *   trt-if-branches    warning: the branches return outputs of the same name, or of different known ranks
 */
import type { Graph } from '../../ir/model';
import { TENSORRT_ONLY, type Rule } from '../types';
import { isOp } from './util';

export const trtIfRule: Rule = {
  id: 'trt-if',
  description: 'TensorRT: If nodes with a condition known only at run time, and branch outputs TensorRT cannot pair',
  profiles: TENSORRT_ONLY,
  codes: ['trt-dynamic-if', 'trt-if-branches'],
  run(ctx) {
    for (const g of ctx.graphs) {
      for (const n of g.nodes) {
        if (!isOp(n, 'If')) continue;
        const cond = n.inputs[0];
        if (!cond) continue;
        if (ctx.shapes.knownValue(cond) || ctx.constantOf(cond)?.values) continue;
        const thenG = n.attr('then_branch')?.graph;
        const elseG = n.attr('else_branch')?.graph;
        ctx.report({
          code: 'trt-dynamic-if', severity: 'info', node: n, graph: g, tensor: cond.name,
          message: `the condition '${cond.name}' of ${n.label} is known only at run time: TensorRT builds both branches into an IIfConditional. ` +
            'If the condition is in fact fixed for your deployment, fold it (fix the input or shape it depends on) and inline the taken branch',
        });
        if (!thenG || !elseG) continue;
        const problems = branchProblems(ctx.shapes.typeOf.bind(ctx.shapes), thenG, elseG);
        if (problems.length) {
          ctx.report({
            code: 'trt-if-branches', severity: 'warning', node: n, graph: g,
            message: `onnx-tensorrt needs the outputs of the two branches to have the same rank and different names: ${problems.join('; ')}. ` +
              'Rename the outputs of one branch (an Identity at its end) or make the ranks agree',
          });
        }
      }
    }
  },
};

function branchProblems(typeOf: (v: import('../../ir/model').Value) => import('../types').TypeFact | undefined, a: Graph, b: Graph): string[] {
  const out: string[] = [];
  const k = Math.min(a.outputs.length, b.outputs.length);
  for (let i = 0; i < k; i++) {
    const va = a.outputs[i].value;
    const vb = b.outputs[i].value;
    if (va.name === vb.name) out.push(`output ${i} is named '${va.name}' in both branches`);
    const ra = typeOf(va)?.shape?.length;
    const rb = typeOf(vb)?.shape?.length;
    if (ra !== undefined && rb !== undefined && ra !== rb) out.push(`output ${i} has rank ${ra} in then_branch and ${rb} in else_branch`);
  }
  return out;
}
