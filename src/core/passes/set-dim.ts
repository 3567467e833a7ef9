/**
 * set-dim: one dim of a graph input becomes a fixed size or a symbolic name.
 *
 *   input x: float[batch,3,224,224]   set-dim x 0 1   ->   float[1,3,224,224]
 *
 * Declared types downstream (value_info, graph outputs) are rewritten from shape inference so none is left
 * stale (see lib/dims.ts). Handles any axis (negative counts from the end). Refuses an unknown input, an input
 * without a declared shape, an axis out of range, an initializer listed as an input, and a value that is neither
 * a size nor a name. Reports (does not refuse) nodes that inference finds cannot work with the new dim.
 */
import { currentProblems, newProblems, parseDimValue, refreshDownstreamTypes, setInputDim } from './lib/dims';
import { PassError, type Pass } from './types';

export const setDimPass: Pass = {
  id: 'set-dim',
  title: 'Set an input dim',
  description: 'Sets one dim of a graph input to a size or a symbolic name; declared shapes downstream are re-inferred.',
  kind: 'edit',
  args: [
    { name: 'input', type: 'input', description: 'The graph input', required: true },
    { name: 'axis', type: 'integer', description: 'Which dim (0-based; negative counts from the end)', required: true },
    { name: 'value', type: 'string', description: 'A size (e.g. 1) or a symbolic name (e.g. batch)', required: true },
  ],
  run(model, args) {
    const value = parseDimValue(String(args.value ?? ''), 'value');
    const before = currentProblems(model);
    const { info, old, axis } = setInputDim(model, String(args.input), Number(args.axis), value);
    if (old === value) return { modified: false, summary: `dim ${axis} of '${info.value.name}' is already ${value}` };
    if (old === null && value === null) throw new PassError('nothing to set');
    const refreshed = refreshDownstreamTypes(model, [info.value]);
    const problems = newProblems(model, before);
    return {
      modified: true,
      summary: `dim ${axis} of input '${info.value.name}': ${old ?? '?'} -> ${value}${refreshed ? `; ${refreshed} declared type(s) downstream re-inferred` : ''}`,
      details: problems.map((p) => `warning: ${p}`),
      stats: { refreshed, problems: problems.length },
    };
  },
};
