/**
 * If nodes whose condition is known statically (a Constant, an initializer, or a value shape inference
 * folds): what exporters leave behind after tracing a Python `if` on a static fact.
 *
 *      Constant(true) ──► If ──► y        then_branch: Relu(x)   <- always taken
 *                                          else_branch: Neg(x)    <- dead
 *
 *   constant-if  warning, fix inline-if {branch}: replace the If by the taken branch's nodes
 */
import { ALL_PROFILES, type Rule } from '../types';
import { isOp } from './util';

export const constantIfRule: Rule = {
  id: 'constant-if',
  description: 'If nodes whose condition is a constant: only one branch can ever run',
  profiles: ALL_PROFILES,
  codes: ['constant-if'],
  run(ctx) {
    for (const g of ctx.graphs) {
      for (const n of g.nodes) {
        if (!isOp(n, 'If')) continue;
        const cond = n.inputs[0];
        if (!cond) continue;
        const known = ctx.shapes.knownValue(cond);
        const values = known?.data ?? ctx.constantOf(cond)?.values;
        if (!values || values.length !== 1) continue;
        const taken = values[0] !== 0 ? 'then_branch' : 'else_branch';
        const other = taken === 'then_branch' ? 'else_branch' : 'then_branch';
        const takenGraph = n.attr(taken)?.graph;
        const nodes = takenGraph ? `${takenGraph.nodes.length} node${takenGraph.nodes.length === 1 ? '' : 's'}` : 'its nodes';
        const src = cond.producer ? `${cond.producer.opType} ${cond.producer.label}` : 'an initializer';
        ctx.report({
          code: 'constant-if', severity: 'warning', node: n, graph: g, tensor: cond.name,
          message: `the condition '${cond.name}' of ${n.label} is always ${values[0] !== 0 ? 'true' : 'false'} (from ${src}), so ${taken} always runs and ` +
            `${other} never does: inline the ${taken} (${nodes}) in place of the If. Runtimes keep the If and both branches otherwise, ` +
            'and TensorRT and NPU compilers handle control flow poorly',
          fixes: [{ id: 'inline-if', label: `inline the taken branch (${taken})`, args: { branch: taken } }],
        });
      }
    }
  },
};
