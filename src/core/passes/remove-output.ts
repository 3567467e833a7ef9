/**
 * remove-output: a graph output is no longer returned; the nodes and initializers that only computed it go too
 * (prune=false keeps them).
 *
 *   x -> A -> y (output) -> B -> z (output)     remove-output z   ->   x -> A -> y (output)
 *
 * Refuses a name that is not an output of the main graph, and removing the last output (a model must return
 * something).
 */
import { removeGraphOutput } from '../ir/edit';
import { plural, pruneUpstream } from './lib/graph';
import { PassError, type Pass } from './types';

export const removeOutputPass: Pass = {
  id: 'remove-output',
  title: 'Remove a graph output',
  description: 'Stops returning a graph output and removes what only computed it.',
  kind: 'edit',
  args: [
    { name: 'output', type: 'tensor', description: 'The graph output', required: true },
    { name: 'prune', type: 'boolean', description: 'Also remove the nodes that only computed it', required: false, default: true },
  ],
  run(model, args) {
    const name = String(args.output);
    const g = model.graph;
    const i = g.outputs.findIndex((o) => o.value.name === name);
    if (i < 0) throw new PassError(`'${name}' is not an output of the model; its outputs are ${g.outputs.map((o) => `'${o.value.name}'`).join(', ')}`);
    if (g.outputs.length === 1) throw new PassError(`'${name}' is the model's only output: a model must return something. Add another output first (add-output)`);
    const v = g.outputs[i].value;
    removeGraphOutput(g, i);
    const pruned = args.prune === false ? { nodes: 0, initializers: 0 } : pruneUpstream([v]);
    return {
      modified: true,
      summary: `removed output '${name}'${pruned.nodes || pruned.initializers ? ` and ${plural(pruned.nodes, 'node')}, ${plural(pruned.initializers, 'initializer')} that only computed it` : ''}`,
      stats: { nodes: pruned.nodes, initializers: pruned.initializers },
    };
  },
};
