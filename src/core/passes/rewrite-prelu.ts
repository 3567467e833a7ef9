/**
 * rewrite-prelu: PRelu as plain ops, for runtimes without PRelu (or with a broken one):
 *
 *   X -> PRelu(slope) -> Y
 *   becomes
 *   X -> Relu ----------------------> Sub -> Y        PRelu(x) = Relu(x) - slope * Relu(-x)
 *   X -> Neg -> Relu -> Mul(slope) --^
 *
 * Handles every PRelu (or the one named), in any graph; Y keeps its name. The slope keeps its shape: PRelu
 * broadcasts it unidirectionally, Mul in both directions, which agree whenever the PRelu was valid (a slope of
 * shape [C] against NCHW is not: run reshape-prelu-slope first; the details say so). Refuses opset < 7 (Mul
 * and Sub broadcast differently there) and a named node that is no PRelu.
 */
import type { Node } from '../ir/model';
import { insertNode, removeNodes } from '../ir/edit';
import { inferShapes } from '../infer/index';
import { editableGraphs, findNode, opsetOf, plural } from './lib/graph';
import { slopeNeedsReshape } from './reshape-prelu-slope';
import { PassError, type Pass } from './types';

export const rewritePreluPass: Pass = {
  id: 'rewrite-prelu',
  title: 'Rewrite PRelu as Relu/Neg/Mul/Sub',
  description: 'Replaces PRelu(x, slope) by Relu(x) - slope * Relu(-x), for runtimes without PRelu. Output names are kept.',
  kind: 'edit',
  args: [{ name: 'node', type: 'node', description: 'Only this PRelu (default: all of them)', required: false }],
  run(model, args) {
    const opset = opsetOf(model, '');
    let targets: Node[];
    if (typeof args.node === 'string' && args.node) {
      const n = findNode(model, args.node);
      if (n.opType !== 'PRelu') throw new PassError(`${n.label} is a ${n.opType}, not a PRelu: pick a PRelu node`);
      targets = [n];
    } else {
      targets = editableGraphs(model).flatMap((g) => g.nodes.filter((n) => n.opType === 'PRelu' && (n.domain === '' || n.domain === 'ai.onnx')));
    }
    if (!targets.length) return { modified: false, summary: 'the model has no PRelu' };
    if (opset < 7) {
      throw new PassError(`the model imports ai.onnx opset ${opset}; Mul and Sub broadcast with legacy attributes before opset 7: raise the opset to 7 or more first (raise-opset)`);
    }
    const inf = inferShapes(model);
    const details: string[] = [];
    for (const p of targets) {
      const [x, slope] = p.inputs;
      const y = p.outputs[0];
      if (!x || !slope || !y) {
        details.push(`left ${p.label}: it lacks an input or its output`);
        continue;
      }
      if (slopeNeedsReshape(inf, x, slope)) details.push(`${p.label}: its slope does not broadcast to the input as PRelu requires; run reshape-prelu-slope to fix the model`);
      const g = p.graph;
      const at = g.nodes.indexOf(p);
      const base = p.name || `PRelu_${at}`;
      removeNodes(g, [p], { allowDangling: true });
      const pos = g.nodes.length >= at ? at : g.nodes.length;
      const relu = insertNode(g, { opType: 'Relu', name: `${base}/relu_pos`, inputs: [x], outputs: [`${base}/relu_pos_out`] }, pos);
      const neg = insertNode(g, { opType: 'Neg', name: `${base}/neg`, inputs: [x], outputs: [`${base}/neg_out`] }, pos + 1);
      const reluNeg = insertNode(g, { opType: 'Relu', name: `${base}/relu_neg`, inputs: [neg.outputs[0]], outputs: [`${base}/relu_neg_out`] }, pos + 2);
      const mul = insertNode(g, { opType: 'Mul', name: `${base}/mul_slope`, inputs: [slope, reluNeg.outputs[0]], outputs: [`${base}/mul_slope_out`] }, pos + 3);
      insertNode(g, { opType: 'Sub', name: `${base}/sub`, inputs: [relu.outputs[0], mul.outputs[0]], outputs: [y] }, pos + 4);
      details.push(`rewrote ${p.label} into Relu, Neg, Relu, Mul, Sub`);
    }
    const n = details.filter((d) => d.startsWith('rewrote')).length;
    return { modified: n > 0, summary: n ? `rewrote ${plural(n, 'PRelu')} as Relu/Neg/Mul/Sub` : 'no PRelu could be rewritten', details, stats: { rewritten: n } };
  },
};
