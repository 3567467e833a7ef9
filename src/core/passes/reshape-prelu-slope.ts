/**
 * reshape-prelu-slope: a PRelu slope of shape [C] (as MXNet and some converters write it) against an NCHW input
 * does not broadcast unidirectionally (ONNX aligns it with W, not C), and onnxruntime rejects the model. The
 * slope becomes [C, 1, ..., 1], which applies it per channel as intended:
 *
 *   X[N,C,H,W] -> PRelu(slope[C]) -> Y        becomes        X -> PRelu(slope[C,1,1]) -> Y
 *
 * Handles constant slopes of rank 1 when the input's rank is known (>= 3) and its dim 1 is C (or unknown); a
 * slope another node also reads is copied. Leaves alone (with the reason in the details) slopes that already
 * broadcast, non-constant slopes, and inputs of unknown rank. Refuses a named node that is no PRelu.
 */
import type { Node, Value } from '../ir/model';
import { addInitializer, setInput } from '../ir/edit';
import { onnx } from '../codec/pb';
import { inferShapes, type InferenceResult } from '../infer/index';
import { editableGraphs, findNode, isAnyGraphOutput, plural } from './lib/graph';
import { PassError, type Pass } from './types';

/** True when `slope` is 1-D of length C != 1 and does not broadcast unidirectionally to x's (known) shape. */
export function slopeNeedsReshape(inf: InferenceResult, x: Value, slope: Value): boolean {
  const xs = inf.typeOf(x)?.shape;
  const ss = slope.initializer ? slope.initializer.dims.map(Number) : inf.typeOf(slope)?.shape;
  if (!xs || !ss || ss.length !== 1 || xs.length < 3) return false;
  const c = ss[0];
  if (typeof c !== 'number' || c === 1) return false;
  const last = xs[xs.length - 1];
  if (last === c) return false;
  const ch = xs[1];
  return ch === c || typeof ch !== 'number';
}

export const reshapePreluSlopePass: Pass = {
  id: 'reshape-prelu-slope',
  title: 'Reshape PRelu slopes [C] to [C,1,1]',
  description: 'Makes a per-channel PRelu slope of shape [C] broadcast over NCHW inputs by reshaping it to [C,1,...,1] (onnxruntime rejects the [C] form).',
  kind: 'edit',
  args: [{ name: 'node', type: 'node', description: 'Only this PRelu (default: all of them)', required: false }],
  run(model, args) {
    let targets: Node[];
    if (typeof args.node === 'string' && args.node) {
      const n = findNode(model, args.node);
      if (n.opType !== 'PRelu') throw new PassError(`${n.label} is a ${n.opType}, not a PRelu: pick a PRelu node`);
      targets = [n];
    } else targets = editableGraphs(model).flatMap((g) => g.nodes.filter((n) => n.opType === 'PRelu'));
    if (!targets.length) return { modified: false, summary: 'the model has no PRelu' };
    const inf = inferShapes(model);
    const details: string[] = [];
    let n = 0;
    for (const p of targets) {
      const [x, slope] = p.inputs;
      if (!x || !slope) continue;
      if (!slopeNeedsReshape(inf, x, slope)) {
        details.push(`left ${p.label}: its slope already broadcasts (or the input's rank is unknown)`);
        continue;
      }
      if (!slope.isConstant) {
        details.push(`left ${p.label}: its slope '${slope.name}' is not a constant`);
        continue;
      }
      const rank = inf.typeOf(x)!.shape!.length;
      const c = Number(slope.initializer!.dims[0]);
      const dims = [c, ...new Array(rank - 2).fill(1)];
      if (slope.uses.length === 1 && !isAnyGraphOutput(slope)) {
        slope.initializer!.proto.dims = dims;
      } else {
        const copy = new onnx.TensorProto({ ...slope.initializer!.proto, dims });
        setInput(p, 1, addInitializer(p.graph, `${slope.name}_reshaped`, copy));
      }
      details.push(`${p.label}: slope '${slope.name}' [${c}] -> [${dims.join(',')}]`);
      n++;
    }
    return {
      modified: n > 0,
      summary: n ? `reshaped ${plural(n, 'PRelu slope')} to broadcast per channel` : 'every PRelu slope already broadcasts',
      details,
      stats: { reshaped: n },
    };
  },
};
