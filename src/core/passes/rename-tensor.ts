/**
 * rename-tensor: gives a tensor (a value: graph input/output, intermediate, initializer) a new name everywhere:
 * the nodes that write and read it (also inside If/Loop bodies that read it from outside), graph inputs,
 * outputs, value_info and the initializer.
 *
 *   x -> Relu -> "onnx::Relu_12" -> ...   ->   x -> Relu -> "relu1" -> ...
 *
 * Refuses an unknown tensor, an empty name, and a name already used in the tensor's scope, an enclosing one or
 * a nested one (ONNX names are SSA: one name, one value). Renaming a graph input or output changes the model's
 * interface: the summary says so.
 */
import { EditError, renameValue } from '../ir/edit';
import { findValue } from './lib/graph';
import { PassError, type Pass } from './types';

export const renameTensorPass: Pass = {
  id: 'rename-tensor',
  title: 'Rename a tensor',
  description: 'Renames a tensor everywhere it appears (nodes, subgraphs, inputs, outputs, value_info, initializers).',
  kind: 'edit',
  args: [
    { name: 'tensor', type: 'tensor', description: 'The tensor', required: true },
    { name: 'name', type: 'string', description: 'The new name', required: true },
  ],
  run(model, args) {
    const v = findValue(model, String(args.tensor));
    const name = String(args.name ?? '');
    if (v.name === name) return { modified: false, summary: `'${name}' already has that name` };
    if (!name) throw new PassError('a tensor name cannot be empty: ONNX uses "" for an absent optional input');
    const old = v.name;
    try {
      renameValue(v, name);
    } catch (e) {
      if (e instanceof EditError) throw new PassError(`${e.message}: pick another name`);
      throw e;
    }
    const io = v.infos.find((i) => i.role === 'input' || i.role === 'output');
    return {
      modified: true,
      summary: `renamed tensor '${old}' to '${name}'${io && io.graph === model.graph ? ` (a graph ${io.role}: the model's interface changes)` : ''}`,
    };
  },
};
