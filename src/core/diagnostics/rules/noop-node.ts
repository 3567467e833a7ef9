/**
 * Nodes that do nothing at inference:
 *
 *      a ──► Identity ──► b ──► Relu            a ──► Dropout(ratio, training_mode=false) ──► b
 *
 *   noop-node  info, fix remove-node. Identity always; Dropout from opset 7 (no is_test any more) when
 *              its training_mode input (opset 12+) is absent or a constant false and its mask output is unused.
 *
 * Left alone: a node whose removal would need a graph output renamed to a graph input, an initializer or
 * another graph output (input and output both graph-facing), or a value of an enclosing graph (a
 * subgraph returning an outer value through an Identity needs it).
 */
import type { Node } from '../../ir/model';
import { ALL_PROFILES, type Rule, type RuleContext } from '../types';
import { isAnyGraphOutput, isOp } from './util';

function removable(n: Node): boolean {
  const inp = n.inputs[0];
  const out = n.outputs[0];
  if (!inp || !out) return false;
  if (!isAnyGraphOutput(out)) return true;
  // The output is a graph output: removing the node renames the input's producer output to it.
  return !!inp.producer && inp.producer.graph === n.graph && !isAnyGraphOutput(inp) && !inp.isGraphInput;
}

function dropoutIsNoop(ctx: RuleContext, n: Node): string | undefined {
  const r = ctx.resolve(n);
  if (r.kind !== 'ok' && r.kind !== 'deprecated') return undefined;
  const since = r.sinceVersion;
  if (since < 7) return undefined; // is_test decides, and 0 (the default) means training
  const mask = n.outputs[1];
  if (mask && (mask.uses.length || isAnyGraphOutput(mask))) return undefined;
  if (since >= 12) {
    const tm = n.inputs[2];
    if (tm) {
      const c = ctx.shapes.knownValue(tm)?.data ?? ctx.constantOf(tm)?.values;
      if (!c || c.length !== 1 || c[0] !== 0) return undefined;
      return `its training_mode is a constant false, so it passes its input through`;
    }
  }
  return 'at inference Dropout passes its input through unchanged';
}

export const noopNodeRule: Rule = {
  id: 'noop-node',
  description: 'Identity nodes, and Dropout nodes in inference mode, that pass their input through',
  profiles: ALL_PROFILES,
  codes: ['noop-node'],
  run(ctx) {
    for (const g of ctx.graphs) {
      for (const n of g.nodes) {
        let why: string | undefined;
        if (isOp(n, 'Identity')) {
          const r = ctx.resolve(n);
          if (r.kind !== 'ok') continue;
          const t = n.inputs[0] ? ctx.shapes.typeOf(n.inputs[0]) : undefined;
          if (t?.wrap) continue; // sequences/optionals: an Identity there is often a deliberate copy
          why = 'Identity copies its input';
        } else if (isOp(n, 'Dropout')) {
          why = dropoutIsNoop(ctx, n);
        }
        if (!why || !removable(n)) continue;
        const out = n.outputs[0]!;
        if (!out.uses.length && !isAnyGraphOutput(out)) continue; // unread: the unused rule reports it
        const inp = n.inputs[0]!;
        ctx.report({
          code: 'noop-node', severity: 'info', node: n, graph: g,
          message: `${n.label} does nothing: ${why}. Remove it and let its readers use '${inp.name}' directly (runtimes drop it too, but it clutters the graph)`,
          fixes: [{ id: 'remove-node', label: `remove ${n.label}`, args: { node: n.label } }],
        });
      }
    }
  },
};
