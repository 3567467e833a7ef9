/**
 * Things nobody reads:
 *
 *   unused-node         a node none of whose outputs is read by a live node or returned by a graph: warning,
 *                       one per dead end, with the nodes that only feed it as `related`; fix remove-unused
 *   unused-initializer  an initializer no node reads and no graph returns: info, fix remove-unused
 *   unused-input        a main-graph input no node reads: info (callers must still feed it); subgraph inputs
 *                       are left alone (a Loop body must declare its iteration count and condition)
 *
 * Runtimes drop unused nodes and initializers themselves; the findings point at leftovers of editing or
 * export (a computed value that was meant to be returned?).
 */
import type { Graph, Node } from '../../ir/model';
import { ALL_PROFILES, type Rule, type RuleContext } from '../types';
import { isAnyGraphOutput } from './util';

export const unusedRule: Rule = {
  id: 'unused',
  description: 'Nodes whose outputs nobody uses, unused initializers and unused graph inputs',
  profiles: ALL_PROFILES,
  codes: ['unused-node', 'unused-initializer', 'unused-input'],
  run(ctx) {
    for (const g of ctx.graphs) {
      deadNodes(ctx, g);
      for (const t of g.initializers) {
        const v = t.value;
        if (!v || v.uses.length || isAnyGraphOutput(v)) continue;
        ctx.report({
          code: v.isGraphInput ? 'unused-input' : 'unused-initializer', severity: 'info', graph: g, tensor: v.name,
          message: `initializer '${v.name}' (${t.describe()}) is read by no node${v.isGraphInput ? ' (it is also listed as a graph input)' : ''}: ` +
            'it only makes the file bigger; remove it',
          fixes: [{ id: 'remove-unused', label: `remove initializer '${v.name}'`, args: { initializers: [v.name] } }],
        });
      }
      // Main graph only: Loop/Scan bodies must declare inputs (iteration count, condition) they may not read.
      if (g !== ctx.model.graph) continue;
      for (const i of g.inputs) {
        const v = i.value;
        if (v.initializer || v.uses.length || isAnyGraphOutput(v)) continue;
        ctx.report({
          code: 'unused-input', severity: 'info', graph: g, tensor: v.name,
          message: `graph input '${v.name}' of ${g.path} is read by no node: callers must still feed it; remove it from the inputs if it is not needed`,
        });
      }
    }
  },
};

function deadNodes(ctx: RuleContext, g: Graph): void {
  const order = ctx.order(g);
  const cyclic = new Set(ctx.cyclic(g));
  const live = new Set<Node>();
  // Reverse topological order: a node's readers in this graph are decided before the node.
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k];
    if (cyclic.has(n)) {
      live.add(n);
      continue;
    }
    let isLive = false;
    for (const v of n.outputs) {
      if (!v) continue;
      if (isAnyGraphOutput(v)) {
        isLive = true;
        break;
      }
      for (const u of v.uses) {
        if (u.node.graph !== g || live.has(u.node)) {
          isLive = true;
          break;
        }
      }
      if (isLive) break;
    }
    if (isLive) live.add(n);
  }
  if (live.size === order.length) return;
  for (const n of order) {
    if (live.has(n)) continue;
    const read = n.outputs.some((v) => v && v.uses.length > 0);
    if (read) continue; // an upstream part of a dead region: reported with its dead end
    const related = deadUpstream(n, live);
    const outs = n.outputs.filter((v) => v).map((v) => `'${v!.name}'`);
    ctx.report({
      code: 'unused-node', severity: 'warning', node: n, graph: g, related,
      message: `nothing reads ${outs.length ? `the output${outs.length === 1 ? '' : 's'} of ${n.label} (${outs.join(', ')})` : `${n.label}, which has no outputs`}` +
        `${related.length ? `, so it and ${related.length} node${related.length === 1 ? '' : 's'} feeding only it compute values nobody uses` : ''}: ` +
        'remove them, or add the output to the graph outputs if it was meant to be returned',
      fixes: [{ id: 'remove-unused', label: `remove ${n.label}${related.length ? ` and ${related.length} upstream node${related.length === 1 ? '' : 's'}` : ''}`, args: { node: n.label } }],
    });
  }
}

/** Dead nodes upstream of `n` (iterative walk over dead producers in the same graph). */
function deadUpstream(n: Node, live: Set<Node>): Node[] {
  const out: Node[] = [];
  const seen = new Set<Node>([n]);
  const stack: Node[] = [n];
  while (stack.length) {
    const m = stack.pop()!;
    for (const v of m.inputs) {
      const p = v?.producer;
      if (!p || p.graph !== n.graph || seen.has(p) || live.has(p)) continue;
      seen.add(p);
      out.push(p);
      stack.push(p);
    }
  }
  return out;
}
