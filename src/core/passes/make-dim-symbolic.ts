/**
 * make-dim-symbolic: a fixed dim of a graph input (any axis, not only the batch) becomes a symbolic name, so that
 * the model accepts any size there.
 *
 *   input x: float[1,3,224,224]   make-dim-symbolic x 2 height   ->   float[1,3,height,224]
 *
 * Declared types downstream are re-inferred. Shape glue that folded the old size into constants (a Reshape to
 * [1, 150528]) still holds it: the details list nodes inference now finds inconsistent. Refuses what set-dim
 * refuses, and a dim that already has that name.
 */
import { currentProblems, newProblems, parseDimValue, refreshDownstreamTypes, setInputDim } from './lib/dims';
import { PassError, type Pass } from './types';

export const makeDimSymbolicPass: Pass = {
  id: 'make-dim-symbolic',
  title: 'Make an input dim symbolic',
  description: 'Turns one dim of a graph input (any axis) into a symbolic name; declared shapes downstream are re-inferred.',
  kind: 'edit',
  args: [
    { name: 'input', type: 'input', description: 'The graph input', required: true },
    { name: 'axis', type: 'integer', description: 'Which dim (0-based; negative counts from the end)', required: true },
    { name: 'name', type: 'string', description: 'The symbolic name (default: <input>_<axis>)', required: false },
  ],
  run(model, args) {
    const input = String(args.input);
    const axisArg = Number(args.axis);
    const name = parseDimValue(String(args.name ?? `${input.replace(/[^A-Za-z0-9_.]/g, '_').replace(/^(?=[0-9.])/, 'd')}_${axisArg < 0 ? `m${-axisArg}` : axisArg}`), 'name');
    if (typeof name !== 'string') throw new PassError(`name ${name} is a size; give a symbolic name (e.g. batch), or use set-dim to set a size`);
    const before = currentProblems(model);
    const { info, old, axis } = setInputDim(model, input, axisArg, name);
    if (old === name) return { modified: false, summary: `dim ${axis} of '${info.value.name}' is already '${name}'` };
    const refreshed = refreshDownstreamTypes(model, [info.value]);
    const problems = newProblems(model, before);
    return {
      modified: true,
      summary: `dim ${axis} of input '${info.value.name}': ${old ?? '?'} -> ${name}${refreshed ? `; ${refreshed} declared type(s) downstream re-inferred` : ''}`,
      details: problems.map((p) => `warning: ${p} (a constant computed from the old size?)`),
      stats: { refreshed, problems: problems.length },
    };
  },
};
