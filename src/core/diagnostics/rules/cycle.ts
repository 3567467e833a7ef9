/**
 * Graph order:
 *
 *   cycle                      nodes that depend on their own outputs: error (no runtime can order them)
 *   not-topologically-sorted   a node listed before the producer of one of its inputs: warning (the ONNX
 *                              checker rejects it; onnxruntime sorts the graph itself)
 */
import { ALL_PROFILES, type Rule } from '../types';

export const cycleRule: Rule = {
  id: 'cycle',
  description: 'Cycles, and nodes listed before the nodes they depend on',
  profiles: ALL_PROFILES,
  codes: ['cycle', 'not-topologically-sorted'],
  run(ctx) {
    for (const g of ctx.graphs) {
      const cyclic = ctx.cyclic(g);
      if (cyclic.length) {
        const names = cyclic.slice(0, 6).map((n) => n.label).join(', ');
        ctx.report({
          code: 'cycle', severity: 'error', node: cyclic[0], graph: g, related: [...cyclic],
          message: `${cyclic.length} node${cyclic.length === 1 ? '' : 's'} of ${g.path} sit on or behind a cycle (${names}${cyclic.length > 6 ? ', …' : ''}): ` +
            'a node reads a value that depends on its own output. Break the loop (a wrong input connection?), or use Loop for iteration',
        });
        continue;
      }
      const pos = new Map(g.nodes.map((n, i) => [n, i] as const));
      outer: for (let i = 0; i < g.nodes.length; i++) {
        const n = g.nodes[i];
        for (const v of n.inputs) {
          const p = v?.producer ? pos.get(v.producer) : undefined;
          if (p !== undefined && p > i) {
            ctx.report({
              code: 'not-topologically-sorted', severity: 'warning', node: n, graph: g, related: [v!.producer!],
              message: `${n.label} is listed before ${v!.producer!.label}, which produces its input '${v!.name}': ONNX requires nodes in ` +
                'topological order and the ONNX checker rejects this graph (onnxruntime sorts it itself). Re-save the model with sorted nodes',
            });
            break outer;
          }
        }
      }
    }
  },
};
