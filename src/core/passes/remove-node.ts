/**
 * remove-node: takes a node out of the graph, in one of two ways.
 *
 *   bypass (a one-in-one-out node; other inputs constant or absent):
 *     A -> Dropout -> B        ->        A -> B          (B's readers read A; an output name is kept)
 *   delete (the node, every node that can no longer compute without it, and what only fed them):
 *     x -> Shape -> Gather -> Reshape.shape             ->   the chain goes; refused when it would drop a graph
 *                                                            output, unless force (the outputs go too)
 *
 * mode 'auto' bypasses when the node has one output in use and its first input is data (the others constant or
 * absent), and deletes otherwise. Upstream nodes and initializers that fed only what was removed go as well.
 * Refuses a bypass that changes the element type (Cast, QuantizeLinear, ...) unless force; reports one that
 * changes the shape.
 */
import type { Node } from '../ir/model';
import { insertNode, removeGraphOutput, removeNodes, replaceAllUsesWith } from '../ir/edit';
import { inferShapes } from '../infer/index';
import { dtypeName } from '../ir/dtype';
import { formatDims } from '../infer/index';
import { canReplaceOutput, downstreamNodes, findNode, isAnyGraphOutput, plural, pruneUpstream, removeNodeReplacing } from './lib/graph';
import { PassError, type Pass, type PassResult } from './types';

function canBypass(n: Node): boolean {
  const x = n.inputs[0];
  if (!x) return false;
  const used = n.outputs.filter((o) => o && (o.uses.length || isAnyGraphOutput(o)));
  if (used.length !== 1 || used[0] !== n.outputs[0]) return false;
  return n.inputs.slice(1).every((v) => !v || v.isConstant);
}

function bypass(n: Node, force: boolean): PassResult {
  const x = n.inputs[0]!;
  const o = n.outputs[0]!;
  const inf = inferShapes(n.graph.model);
  const tx = inf.typeOf(x);
  const to = inf.typeOf(o);
  const details: string[] = [];
  if (tx && to && tx.elemType && to.elemType && tx.elemType !== to.elemType) {
    const msg = `bypassing ${n.label} would feed ${dtypeName(tx.elemType)} where ${dtypeName(to.elemType)} is read`;
    if (!force) throw new PassError(`${msg}: the model would be invalid. Pass force to bypass it anyway, or use mode delete`);
    details.push(`warning: ${msg}`);
  }
  if (tx?.shape && to?.shape && formatDims(tx.shape) !== formatDims(to.shape)) {
    details.push(`note: ${n.label} changed the shape ${formatDims(tx.shape)} -> ${formatDims(to.shape)}; its readers now get ${formatDims(tx.shape)}`);
  }
  const others = n.inputs.slice(1);
  if (canReplaceOutput(n, o, x)) removeNodeReplacing(n, o, x);
  else {
    // o is a graph output that x cannot take over (x is an input or a constant): an Identity keeps the name.
    const g = n.graph;
    const at = g.nodes.indexOf(n);
    replaceAllUsesWith(o, x);
    removeNodes(g, [n], { allowDangling: true });
    insertNode(g, { opType: 'Identity', name: n.name || undefined, inputs: [x], outputs: [o] }, at);
    details.push(`'${o.name}' is a graph output: an Identity keeps its name`);
  }
  const pruned = pruneUpstream(others);
  if (pruned.nodes || pruned.initializers) details.push(`also removed ${plural(pruned.nodes, 'node')} and ${plural(pruned.initializers, 'initializer')} that only fed it`);
  return { modified: true, summary: `bypassed ${n.label}: its readers now read '${x.name}'`, details, stats: { removed: 1 + pruned.nodes } };
}

function deleteWithDownstream(n: Node, force: boolean): PassResult {
  const g = n.graph;
  const doomed = downstreamNodes(n);
  const here = [...doomed].filter((m) => m.graph === g);
  const outputs: string[] = [];
  for (const m of here) for (const o of m.outputs) if (o && isAnyGraphOutput(o)) outputs.push(o.name);
  const ownOutputs = outputs.filter((name) => g.outputs.some((i) => i.value.name === name));
  if (outputs.length) {
    const list = outputs.map((s) => `'${s}'`).join(', ');
    const head = `deleting ${n.label} removes ${plural(here.length, 'node')} and with them the graph output(s) ${list}`;
    if (g !== n.graph.model.graph || ownOutputs.length !== outputs.length) {
      throw new PassError(`${head}, which ${g.path} must return: bypass the node instead (mode bypass)`);
    }
    if (g.outputs.length === ownOutputs.length) throw new PassError(`${head}: that is every output of the model, nothing would be left`);
    if (!force) throw new PassError(`${head}: pass force to remove those outputs too, or bypass the node (mode bypass)`);
  }
  for (const name of ownOutputs) {
    const i = g.outputs.findIndex((x) => x.value.name === name);
    if (i >= 0) removeGraphOutput(g, i);
  }
  const reads = here.flatMap((m) => m.inputs);
  removeNodes(g, here, { allowDangling: true });
  const pruned = pruneUpstream(reads);
  const details = here.length > 1 ? [`removed with it: ${here.filter((m) => m !== n).map((m) => m.label).slice(0, 20).join(', ')}${here.length > 21 ? ', ...' : ''}`] : [];
  if (ownOutputs.length) details.push(`removed graph output(s) ${ownOutputs.map((s) => `'${s}'`).join(', ')}`);
  if (pruned.nodes || pruned.initializers) details.push(`also removed ${plural(pruned.nodes, 'node')} and ${plural(pruned.initializers, 'initializer')} that only fed them`);
  return {
    modified: true,
    summary: `deleted ${n.label}${here.length > 1 ? ` and ${plural(here.length - 1, 'node')} after it` : ''}`,
    details,
    stats: { removed: here.length + pruned.nodes },
  };
}

export const removeNodePass: Pass = {
  id: 'remove-node',
  title: 'Remove a node',
  description: 'Bypasses a one-in-one-out node (its readers read its input), or deletes it with every node that depends on it and what only fed them.',
  kind: 'edit',
  args: [
    { name: 'node', type: 'node', description: 'The node', required: true },
    { name: 'mode', type: 'enum', choices: ['auto', 'bypass', 'delete'], description: 'bypass, delete, or auto (bypass when possible)', required: false, default: 'auto' },
    { name: 'force', type: 'boolean', description: 'Bypass even when the element type changes; delete even when graph outputs go', required: false, default: false },
  ],
  run(model, args) {
    const n = findNode(model, String(args.node));
    const mode = String(args.mode ?? 'auto');
    const force = args.force === true;
    if (mode === 'bypass' || (mode === 'auto' && canBypass(n))) {
      if (!canBypass(n)) {
        throw new PassError(
          `${n.label} (${n.opType}) cannot be bypassed: that needs a first input and exactly one output in use, other inputs constant or absent. Use mode delete`,
        );
      }
      return bypass(n, force);
    }
    return deleteWithDownstream(n, force);
  },
};
