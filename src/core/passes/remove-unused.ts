/**
 * remove-unused: removes nodes whose outputs nothing reads (transitively; subgraphs included), initializers
 * nothing reads, and value_info of tensors that no longer exist. Graph inputs and outputs are never removed.
 */
import { removeUnused } from './lib/graph';
import type { Pass } from './types';

export const removeUnusedPass: Pass = {
  id: 'remove-unused',
  title: 'Remove unused nodes and initializers',
  description: 'Dead code elimination: nodes nothing reads, unused initializers, stale value_info. Inputs and outputs stay.',
  kind: 'edit',
  args: [],
  run(model) {
    const s = removeUnused(model);
    if (!s.nodes && !s.initializers && !s.valueInfos) return { modified: false, summary: 'nothing is unused' };
    return {
      modified: true,
      summary: `removed ${s.nodes} node(s), ${s.initializers} initializer(s), ${s.valueInfos} value_info entr${s.valueInfos === 1 ? 'y' : 'ies'}`,
      stats: { ...s },
    };
  },
};
