/**
 * set-batch: dim 0 of every graph input (or of the inputs named) becomes a size or a symbolic name.
 *
 *   x: float[1,3,224,224], mask: int64[1,224]   set-batch N   ->   float[N,3,224,224], int64[N,224]
 *
 * Skips scalar inputs and initializers listed as inputs; declared types downstream are re-inferred. Refuses a
 * named input that does not exist or declares no shape, and a value that is neither a size nor a name.
 */
import { currentProblems, inputDims, makeDim, dimText, newProblems, parseDimValue, refreshDownstreamTypes } from './lib/dims';
import { findGraphInput, plural } from './lib/graph';
import type { Value } from '../ir/model';
import type { Pass } from './types';

export const setBatchPass: Pass = {
  id: 'set-batch',
  title: 'Set the batch dim of the inputs',
  description: 'Sets dim 0 of every graph input (or the ones named) to a size or a symbolic name; declared shapes downstream are re-inferred.',
  kind: 'edit',
  args: [
    { name: 'value', type: 'string', description: 'A size (e.g. 1) or a symbolic name (e.g. batch)', required: true },
    { name: 'inputs', type: 'tensors', description: 'Only these inputs (default: every input with rank >= 1)', required: false },
  ],
  run(model, args) {
    const value = parseDimValue(String(args.value ?? ''), 'value');
    const names = Array.isArray(args.inputs) && args.inputs.length ? args.inputs : undefined;
    const infos = names ? names.map((n) => findGraphInput(model, n)) : model.graph.inputs.filter((i) => !i.value.initializer && i.proto?.type?.tensorType?.shape);
    const before = currentProblems(model);
    const changed: Value[] = [];
    const details: string[] = [];
    // Check every input before changing any (a refusal leaves the model as it was).
    const all = infos.map((info) => [info, inputDims(info)] as const);
    for (const [info, dims] of all) {
      if (!dims.length) {
        details.push(`skipped '${info.value.name}': a scalar has no batch dim`);
        continue;
      }
      const old = dimText(dims[0]);
      if (old === value) continue;
      dims[0] = makeDim(value, dims[0]);
      changed.push(info.value);
      details.push(`'${info.value.name}': dim 0 ${old ?? '?'} -> ${value}`);
    }
    if (!changed.length) return { modified: false, summary: `every input's dim 0 is already ${value}`, details };
    const refreshed = refreshDownstreamTypes(model, changed);
    for (const p of newProblems(model, before)) details.push(`warning: ${p}`);
    return {
      modified: true,
      summary: `batch dim of ${plural(changed.length, 'input')} set to ${value}${refreshed ? `; ${refreshed} declared type(s) downstream re-inferred` : ''}`,
      details,
      stats: { inputs: changed.length, refreshed },
    };
  },
};
