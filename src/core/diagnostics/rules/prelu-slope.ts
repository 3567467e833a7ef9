/**
 * PRelu slopes must broadcast unidirectionally to the input (opset 7+): a slope of shape [C] against an
 * NCHW input lines C up with W, not with the channels.
 *
 *      x:[N,8,H,W] ──► PRelu(slope:[8,1,1]) ok      x:[N,8,H,W] ──► PRelu(slope:[8]) wrong (8 vs W)
 *
 *   prelu-slope-broadcast  error. onnxruntime loads the model and fails when the node runs ("Attempting to
 *                          broadcast an axis by a dimension other than 1"), TensorRT rejects it; MXNet's
 *                          exporter writes such slopes. Fix reshape-prelu-slope {slope, shape: [C,1,1]} when
 *                          the slope has one value per channel.
 *
 * Needs the ranks of input and slope (declared, inferred, or the initializer's dims); silent otherwise.
 */
import { ALL_PROFILES, type Rule } from '../types';
import { dimsText, isOp, tensorType } from './util';

export const preluSlopeRule: Rule = {
  id: 'prelu-slope',
  description: 'PRelu slopes that do not broadcast unidirectionally against the input',
  profiles: ALL_PROFILES,
  codes: ['prelu-slope-broadcast'],
  run(ctx) {
    for (const g of ctx.graphs) {
      for (const n of g.nodes) {
        if (!isOp(n, 'PRelu')) continue;
        const r = ctx.resolve(n);
        if ((r.kind !== 'ok' && r.kind !== 'deprecated') || r.sinceVersion < 7) continue;
        const [x, slope] = n.inputs;
        if (!x || !slope) continue;
        const xs = tensorType(ctx.shapes.typeOf(x))?.shape;
        const ss = tensorType(ctx.shapes.typeOf(slope))?.shape ?? ctx.constantOf(slope)?.dims;
        if (!xs || !ss) continue;
        const bad = broadcastProblem(xs, ss);
        if (!bad) continue;
        const c = xs.length >= 3 ? xs[1] : undefined;
        const perChannel = ss.length === 1 && typeof c === 'number' && ss[0] === c;
        const target = perChannel ? [c as number, ...new Array(xs.length - 2).fill(1)] : undefined;
        ctx.report({
          code: 'prelu-slope-broadcast', severity: 'error', node: n, graph: g, tensor: slope.name,
          message: `slope '${slope.name}' ${dimsText(ss)} does not broadcast to the input ${dimsText(xs)} (${bad}): PRelu broadcasts the slope ` +
            'from the right, like numpy. onnxruntime fails when it runs the node and TensorRT rejects it. ' +
            (target ? `Reshape the slope to ${dimsText(target)} so its ${c} values line up with the channel axis` : 'Reshape the slope so each of its dims is 1 or equal to the input dim it lines up with'),
          ...(target ? { fixes: [{ id: 'reshape-prelu-slope' as const, label: `reshape '${slope.name}' to ${dimsText(target)}`, args: { slope: slope.name, shape: target } }] } : {}),
        });
      }
    }
  },
};

/** Why `s` does not broadcast unidirectionally to `x`, or undefined when it does (or cannot be told). */
export function broadcastProblem(x: readonly (number | string | null)[], s: readonly (number | string | null)[]): string | undefined {
  if (s.length > x.length) return `the slope has rank ${s.length}, the input ${x.length}`;
  for (let i = 1; i <= s.length; i++) {
    const sd = s[s.length - i];
    const xd = x[x.length - i];
    if (sd === 1 || sd === null || xd === null) continue;
    if (typeof sd === 'number' && typeof xd === 'number' && sd !== xd) {
      return `slope dim ${sd} lines up with input dim ${xd} at axis ${x.length - i}`;
    }
  }
  return undefined;
}
