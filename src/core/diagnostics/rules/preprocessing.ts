/**
 * Preprocessing baked into the graph: arithmetic with constants straight on a graph input, before the
 * network proper (the `(x - mean) / std` of an image model):
 *
 *      input ──► Sub(·, mean) ──► Div(·, std) ──► Conv ...
 *
 *   preprocessing  info on the first node, the chain as `related`. Fine for onnxruntime; NPU toolchains
 *                  and TensorRT pipelines often normalize on the host or the camera ISP (feeding them
 *                  normalized data would normalize twice), and some fold it into the first layer.
 *
 * The chain: Sub/Div/Mul/Add whose other operand is a constant, optionally after a Cast or Transpose of
 * the input; at least one arithmetic node. Main graph only.
 */
import type { Node, Value } from '../../ir/model';
import { ALL_PROFILES, type Rule, type RuleContext } from '../types';
import { isOp } from './util';

const ARITH = ['Sub', 'Div', 'Mul', 'Add'];

function constOperand(ctx: RuleContext, n: Node, v: Value): boolean {
  if (n.inputs.length !== 2) return false;
  const other = n.inputs[0] === v ? n.inputs[1] : n.inputs[1] === v ? n.inputs[0] : undefined;
  return !!other && !!ctx.constantOf(other);
}

export const preprocessingRule: Rule = {
  id: 'preprocessing',
  description: 'Normalization arithmetic with constants applied straight to a graph input',
  profiles: ALL_PROFILES,
  codes: ['preprocessing'],
  run(ctx) {
    const g = ctx.model.graph;
    for (const info of g.inputs) {
      const x = info.value;
      if (x.initializer) continue;
      for (const u of x.uses) {
        if (u.node.graph !== g) continue;
        const chain: Node[] = [];
        let v: Value = x;
        let n: Node | undefined = u.node;
        while (n) {
          if (isOp(n, ...ARITH) && constOperand(ctx, n, v)) chain.push(n);
          else if (isOp(n, 'Cast', 'Transpose') && chain.every((c) => !isOp(c, ...ARITH))) chain.push(n);
          else break;
          const out: Value | null = n.outputs[0];
          if (!out || out.uses.length !== 1 || n.outputs.length !== 1) break;
          v = out;
          n = out.uses[0].node;
        }
        while (chain.length && !isOp(chain[chain.length - 1], ...ARITH)) chain.pop();
        if (!chain.some((c) => isOp(c, ...ARITH))) continue;
        const ops = chain.map((c) => c.opType).join(' -> ');
        ctx.report({
          code: 'preprocessing', severity: 'info', node: chain[0], graph: g, tensor: x.name, related: chain,
          message: `preprocessing inside the graph: input '${x.name}' goes through ${ops} with constant operands before the network ` +
            '(mean/std normalization?). Fine for onnxruntime; for NPU or TensorRT deployment decide where it runs: ' +
            'feeding already-normalized data would normalize twice, and some toolchains expect it outside the model or folded into the first layer',
        });
      }
    }
  },
};
