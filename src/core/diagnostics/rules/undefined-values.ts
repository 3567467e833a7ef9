/**
 * Values read or returned without a definition (no producer, initializer or graph input in scope):
 *
 *   undefined-input   a node input nothing defines ("Node input 'x' is not a graph input, initializer, or
 *                     output of a previous node"): error
 *   output-undefined  a graph output nothing defines ("Graph output (z) does not exist in the graph"): error
 */
import { ALL_PROFILES, type Rule } from '../types';
import { isDefined } from './util';

export const undefinedValuesRule: Rule = {
  id: 'undefined-values',
  description: 'Node inputs and graph outputs that nothing defines',
  profiles: ALL_PROFILES,
  codes: ['undefined-input', 'output-undefined'],
  run(ctx) {
    for (const g of ctx.graphs) {
      for (const n of g.nodes) {
        n.inputs.forEach((v, i) => {
          if (!v || isDefined(v)) return;
          ctx.report({
            code: 'undefined-input', severity: 'error', node: n, graph: g, tensor: v.name,
            message: `input ${i} '${v.name}' is not a graph input, an initializer or the output of any node${g.parent ? ' in this or an enclosing graph' : ''}: ` +
              'connect it to the value that was meant (a typo in the name?), or add the missing input or initializer',
          });
        });
      }
      for (const o of g.outputs) {
        const v = o.value;
        if (isDefined(v)) continue;
        ctx.report({
          code: 'output-undefined', severity: 'error', graph: g, tensor: v.name,
          message: `graph output '${v.name}' of ${g.path} is produced by no node and is no input or initializer: ` +
            'remove it from the outputs, or connect the node that should produce it',
        });
      }
    }
  },
};
