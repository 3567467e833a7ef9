/**
 * fold-constants: constant folding alone (what simplify does first, without its other rewrites): Constant
 * nodes become initializers, nodes whose inputs are all constant are evaluated (TypeScript; onnxruntime for
 * the rest when a runtime is given), integer shape glue that inference knows becomes constants, then what
 * nothing reads any more goes. See lib/fold.ts for what is left alone. Repeats until nothing folds.
 */
import { inferShapes } from '../infer/index';
import { countNodes } from '../ir/traverse';
import { foldConstants } from './lib/fold';
import { removeUnused } from './lib/graph';
import { DEFAULT_SIZE_LIMIT } from './simplify';
import type { Pass } from './types';

export const foldConstantsPass: Pass = {
  id: 'fold-constants',
  title: 'Fold constants',
  description: 'Evaluates constant subgraphs into initializers (Constant nodes included); results of growing ops above the size limit stay as ops.',
  kind: 'edit',
  usesRuntime: true,
  args: [{ name: 'sizeLimit', type: 'integer', description: 'Largest folded result of a growing op, in bytes', required: false, default: DEFAULT_SIZE_LIMIT }],
  async run(model, args, ctx) {
    const before = countNodes(model);
    let folded = 0;
    let constants = 0;
    const notes = new Set<string>();
    for (let i = 0; i < 16; i++) {
      const s = await foldConstants(model, { sizeLimit: Number(args.sizeLimit ?? DEFAULT_SIZE_LIMIT), runtime: ctx.runtime, inference: inferShapes(model, { useStored: false }), log: ctx.log });
      s.notes.forEach((n) => notes.add(n));
      folded += s.folded;
      constants += s.constants;
      if (!s.folded && !s.constants) break;
    }
    const unused = removeUnused(model);
    if (!folded && !constants && !unused.nodes) return { modified: false, summary: 'nothing to fold', details: [...notes] };
    return {
      modified: true,
      summary: `folded ${folded} node(s), ${constants} Constant node(s) to initializers: ${before} -> ${countNodes(model)} nodes`,
      details: [...notes],
      stats: { folded, constants },
    };
  },
};
