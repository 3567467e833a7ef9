/**
 * rename-node: gives a node a new name (what viewers, profilers and error messages show).
 *
 *   Conv "/model/Conv_3"  ->  "stem.conv"
 *
 * Refuses a name another node already has (names identify nodes: two nodes with one name make tools ambiguous);
 * an empty name removes the name.
 */
import { findNode } from './lib/graph';
import { PassError, type Pass } from './types';

export const renameNodePass: Pass = {
  id: 'rename-node',
  title: 'Rename a node',
  description: 'Gives a node a new name; refuses a name another node has.',
  kind: 'edit',
  args: [
    { name: 'node', type: 'node', description: 'The node', required: true },
    { name: 'name', type: 'string', description: 'The new name (empty: no name)', required: true },
  ],
  run(model, args) {
    const node = findNode(model, String(args.node));
    const name = String(args.name ?? '');
    if (node.name === name) return { modified: false, summary: `${node.label} already has that name` };
    if (name) {
      for (const n of model.allNodes()) {
        if (n !== node && n.name === name) throw new PassError(`another node (${n.opType} in ${n.graph.path}) is already named '${name}': pick a unique name`);
      }
    }
    const old = node.label;
    if (name) node.proto.name = name;
    else delete (node.proto as { name?: string }).name;
    return { modified: true, summary: `renamed ${old} to ${name ? `'${name}'` : '(no name)'}` };
  },
};
