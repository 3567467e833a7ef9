/**
 * raise-opset: raises the model's ai.onnx opset import when that changes no operator's meaning: every op the
 * model uses must resolve to the same schema version at the new opset as at the old one (opsChangedBetween), or
 * not exist at the old one at all (the Asinh-at-opset-7 case: the node was invalid, and opset 9 is where Asinh
 * appears, so raising 7 -> 9 makes it valid while Relu & co. stay as they were).
 *
 *   opset 7, ops {Asinh}                 raise-opset (to 9)   ->   opset 9
 *   opset 7, ops {Gemm, Relu}            raise-opset to 9     ->   refused: Gemm changed (7 -> 9)
 *
 * Without `to`, the smallest opset at which every op the model uses exists. The IR version is raised too when
 * the new opset needs a newer one (opset 9 needs IR 4, 10: 5, 11: 6, 12-14: 7, 15-18: 8, 19-20: 9, 21-22: 10,
 * 23+: 11). Only ai.onnx nodes of the main graph and its subgraphs count (local functions import their own
 * opsets). Refuses lowering, an opset beyond what the schema facts know, ops removed or deprecated at the
 * target, and ops whose semantics differ (named, with their versions).
 */
import { maxOpsetVersion, normalizeDomain, schemaAtOpset } from '../schema/index';
import { editableGraphs, plural } from './lib/graph';
import { PassError, type Pass } from './types';
import type { Model } from '../ir/model';

/** The oldest IR version that can carry an ai.onnx opset. */
export function minIrVersion(opset: number): number {
  if (opset <= 8) return 3;
  if (opset === 9) return 4;
  if (opset === 10) return 5;
  if (opset === 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}

function usedOps(model: Model): Map<string, number> {
  const ops = new Map<string, number>();
  for (const g of editableGraphs(model)) {
    for (const n of g.nodes) if (normalizeDomain(n.domain) === '') ops.set(n.opType, (ops.get(n.opType) ?? 0) + 1);
  }
  return ops;
}

export const raiseOpsetPass: Pass = {
  id: 'raise-opset',
  title: 'Raise the ai.onnx opset',
  description: 'Raises the ai.onnx opset import when every operator the model uses keeps its meaning (same schema version), or did not exist before; refuses and names the operators that changed otherwise.',
  kind: 'edit',
  args: [{ name: 'to', type: 'integer', description: 'The new opset (default: the lowest at which every op exists)', required: false }],
  run(model, args) {
    const from = model.opsetVersion('');
    if (from === undefined) throw new PassError('the model imports no ai.onnx opset: there is nothing to raise');
    const max = maxOpsetVersion('') ?? from;
    const ops = usedOps(model);
    const missing = (v: number) => [...ops.keys()].filter((op) => !schemaAtOpset('', op, v));
    let to: number;
    if (args.to === undefined || args.to === null || args.to === '') {
      if (!missing(from).length) throw new PassError(`every operator the model uses exists at opset ${from}: name the opset to raise to (to)`);
      let v = from + 1;
      while (v <= max && missing(v).length) v++;
      if (v > max) throw new PassError(`no opset up to ${max} has ${missing(max).join(', ')}: they are not ai.onnx operators of any known opset`);
      to = v;
    } else to = Number(args.to);
    if (!Number.isInteger(to)) throw new PassError(`to must be an opset number; found ${args.to}`);
    if (to === from) return { modified: false, summary: `the model already imports ai.onnx opset ${from}` };
    if (to < from) throw new PassError(`opset ${to} is lower than the model's ${from}: raise-opset only raises (lowering changes operators)`);
    if (to > max) throw new PassError(`opset ${to} is beyond the newest opset known here (${max})`);
    const gone = missing(to);
    if (gone.length) throw new PassError(`${gone.join(', ')} ${gone.length === 1 ? 'does' : 'do'} not exist at opset ${to}: pick another opset`);
    const changed: string[] = [];
    const fixed: string[] = [];
    for (const op of [...ops.keys()].sort()) {
      const a = schemaAtOpset('', op, from);
      const b = schemaAtOpset('', op, to)!;
      if (b.deprecated) changed.push(`${op} (deprecated at opset ${to})`);
      else if (!a) fixed.push(`${op} (exists since opset ${b.sinceVersion})`);
      else if (a.sinceVersion !== b.sinceVersion) changed.push(`${op} (${op}-${a.sinceVersion} at opset ${from}, ${op}-${b.sinceVersion} at opset ${to})`);
    }
    if (changed.length) {
      throw new PassError(
        `raising ai.onnx from opset ${from} to ${to} would change the meaning of ${plural(changed.length, 'operator')}: ${changed.join(', ')}. ` +
          `Convert the model with onnx.version_converter, or raise to an opset before the first change`,
      );
    }
    const entry = (model.proto.opsetImport ?? []).find((o) => normalizeDomain(o.domain) === '');
    if (!entry) throw new PassError('the model imports no ai.onnx opset');
    entry.version = to;
    const details: string[] = [];
    const ir = model.irVersion;
    const need = minIrVersion(to);
    if (ir !== undefined && ir < need) {
      model.proto.irVersion = need;
      details.push(`IR version ${ir} -> ${need} (opset ${to} needs it)`);
    }
    if (fixed.length) details.push(`now valid: ${fixed.join(', ')}`);
    return { modified: true, summary: `ai.onnx opset ${from} -> ${to}; no operator the model uses changes meaning`, details };
  },
};
