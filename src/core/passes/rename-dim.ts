/**
 * rename-dim: a symbolic dim name becomes another, everywhere it is declared (graph inputs, outputs and
 * value_info of every graph), also inside expressions ('seq+1' -> 'length+1').
 *
 *   x: float[N,seq]  y: float[N,seq+1]   rename-dim seq length   ->   x: float[N,length]  y: float[N,length+1]
 *
 * Refuses a name no declaration uses, a new name that is not a valid name, and a new name already in use (that
 * would declare the two dims equal: use set-dim for that).
 */
import { parseDimValue } from './lib/dims';
import { PassError, type Pass } from './types';
import type { onnx } from '../codec/pb';

function forEachDim(t: onnx.TypeProto.$Properties | null | undefined, fn: (d: onnx.TensorShapeProto.Dimension.$Properties) => void, depth = 0): void {
  if (!t || depth > 16) return;
  const tt = t.tensorType ?? t.sparseTensorType;
  if (tt) for (const d of tt.shape?.dim ?? []) fn(d);
  forEachDim(t.sequenceType?.elemType, fn, depth + 1);
  forEachDim(t.optionalType?.elemType, fn, depth + 1);
  forEachDim(t.mapType?.valueType, fn, depth + 1);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const renameDimPass: Pass = {
  id: 'rename-dim',
  title: 'Rename a symbolic dim',
  description: 'Renames a symbolic dim (dim_param) everywhere it is declared, inside expressions too.',
  kind: 'edit',
  args: [
    { name: 'from', type: 'string', description: 'The symbolic name now', required: true },
    { name: 'to', type: 'string', description: 'The new name', required: true },
  ],
  run(model, args) {
    const from = String(args.from ?? '').trim();
    const to = parseDimValue(String(args.to ?? ''), 'to');
    if (typeof to !== 'string') throw new PassError(`'to' is a size (${to}); give a name, or use set-dim to fix the dim to a size`);
    if (!from) throw new PassError("'from' is empty: give the symbolic name to rename");
    const word = new RegExp(`(?<![A-Za-z0-9_.])${escape(from)}(?![A-Za-z0-9_.])`, 'g');
    const toWord = new RegExp(`(?<![A-Za-z0-9_.])${escape(to)}(?![A-Za-z0-9_.])`);
    const dims: onnx.TensorShapeProto.Dimension.$Properties[] = [];
    let clash = false;
    for (const g of model.allGraphs()) {
      for (const e of [...g.inputs, ...g.outputs, ...g.valueInfo]) {
        forEachDim(e.proto?.type, (d) => {
          if (!d.dimParam) return;
          if (d.dimParam === from || word.test(d.dimParam)) dims.push(d);
          word.lastIndex = 0;
          if (d.dimParam === to || toWord.test(d.dimParam)) clash = true;
        });
      }
    }
    if (from === to) return { modified: false, summary: `'${from}' already has that name` };
    if (!dims.length) throw new PassError(`no declared shape uses the symbolic dim '${from}'; check the name (dims are case-sensitive)`);
    if (clash) throw new PassError(`'${to}' is already used as a symbolic dim: renaming would declare '${from}' and '${to}' equal. Pick another name, or use set-dim to make the dims one`);
    for (const d of dims) d.dimParam = d.dimParam === from ? to : d.dimParam!.replace(word, to);
    return { modified: true, summary: `renamed symbolic dim '${from}' to '${to}' in ${dims.length} declared dim(s)`, stats: { dims: dims.length } };
  },
};
