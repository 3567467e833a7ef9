/**
 * add-output: any intermediate tensor of the main graph becomes a graph output (to look at it when debugging),
 * declared with the type shape inference gives it (or the one the model declares).
 *
 *   x -> A -> t -> B -> y (output)     add-output t   ->   outputs y, t
 *
 * Refuses an unknown tensor, one that already is an output, one inside a subgraph (If/Loop bodies: outputs of
 * the main graph only), and a graph input (returning an input unchanged is rarely what is meant; use an
 * Identity).
 */
import { addGraphOutput } from '../ir/edit';
import { inferShapes, typeToProto, formatDims } from '../infer/index';
import { dtypeName } from '../ir/dtype';
import { findValue } from './lib/graph';
import { PassError, type Pass } from './types';
import type { onnx } from '../codec/pb';

export const addOutputPass: Pass = {
  id: 'add-output',
  title: 'Add a graph output',
  description: 'Makes any intermediate tensor a graph output, with its inferred type.',
  kind: 'edit',
  args: [{ name: 'tensor', type: 'tensor', description: 'The tensor to return', required: true }],
  run(model, args) {
    const v = findValue(model, String(args.tensor));
    if (v.graph !== model.graph) throw new PassError(`'${v.name}' lives in ${v.graph.path}; only tensors of the main graph can become model outputs`);
    if (model.graph.outputs.some((o) => o.value === v)) return { modified: false, summary: `'${v.name}' is already an output` };
    if (v.isGraphInput) throw new PassError(`'${v.name}' is a graph input; returning it unchanged needs an Identity node`);
    const t = inferShapes(model).typeOf(v);
    let type: onnx.TypeProto.$Properties | undefined;
    if (t && (t.elemType || t.shape)) type = typeToProto(t);
    else type = v.type;
    addGraphOutput(model.graph, v, type);
    const desc = t ? `${t.elemType ? dtypeName(t.elemType) : '?'}${formatDims(t.shape)}` : 'no known type';
    return { modified: true, summary: `'${v.name}' is now output ${model.graph.outputs.length - 1} (${desc})` };
  },
};
