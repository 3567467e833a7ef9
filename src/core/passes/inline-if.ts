/**
 * inline-if: an If whose condition is a constant (a Constant or initializer, or a value shape inference knows)
 * is replaced by the branch it always takes; the other branch goes.
 *
 *   cond = Constant(true) -> If(then: x -> Relu -> y, else: ...) -> out     ->     x -> Relu -> out
 *
 * The If's outputs keep their names. Nested Ifs that become constant after inlining are inlined in the same run.
 * Leaves alone an If whose condition is computed at run time.
 */
import { inferShapes } from '../infer/index';
import { countNodes } from '../ir/traverse';
import { inlineConstantIfs } from './lib/rewrite';
import { removeUnused, plural } from './lib/graph';
import type { Pass } from './types';

export const inlineIfPass: Pass = {
  id: 'inline-if',
  title: 'Inline If with a constant condition',
  description: 'Replaces each If whose condition is constant by the branch it takes (output names kept).',
  kind: 'edit',
  args: [],
  run(model) {
    const before = countNodes(model);
    let total = 0;
    for (let i = 0; i < 16; i++) {
      const n = inlineConstantIfs(model, inferShapes(model, { useStored: false }));
      if (!n) break;
      total += n;
    }
    if (!total) return { modified: false, summary: 'no If has a constant condition' };
    removeUnused(model);
    return { modified: true, summary: `inlined ${plural(total, 'If')} (${before} -> ${countNodes(model)} nodes)`, stats: { inlined: total } };
  },
};
