/**
 * Did an edit change the numbers? The model before and after a pass run in onnxruntime on the same seeded
 * inputs, and their outputs are compared (onnx-simplifier's check, with its tolerance: rtol 1e-4, atol 1e-5).
 *
 * Inputs are generated from the edited model's signature (a pass may fix a dim: the fixed size must be used
 * for both) with every symbolic dim set to 1 unless sized; they are given to the model before by position when
 * a pass renamed an input. Outputs are matched by name, else by position when both have as many (a renamed
 * output); outputs only one side has (add-output, remove-output) are listed, not compared.
 */
import type { HostTensor } from '../ir/hosttensor';
import type { Model } from '../ir/model';
import { generateModelInputs, modelInputs, InputError } from '../inputs';
import { compareTensors, type TensorComparison } from './metrics';
import { runModel } from './compare';
import type { Runner, RunnerLoadOptions } from './runner';

export const EDIT_CHECK_TOLERANCE = Object.freeze({ rtol: 1e-4, atol: 1e-5 });

export interface EditCheckOptions {
  runner: Runner;
  before: { model: Model; bytes: Uint8Array };
  after: { model: Model; bytes: Uint8Array };
  loadOptions?: RunnerLoadOptions;
  rtol?: number;
  atol?: number;
  seed?: number;
  signal?: AbortSignal;
}

export type EditCheck =
  | {
      status: 'checked';
      /** True when every compared output is within tolerance. */
      pass: boolean;
      outputs: TensorComparison[];
      /** Outputs only one side has, not compared. */
      notCompared: string[];
      rtol: number;
      atol: number;
      /** The largest max-abs and max-rel differences over the outputs. */
      maxAbs: number;
      maxRel: number;
      ms: number;
    }
  | { status: 'skipped'; reason: string }
  /** The model before the edit runs and the model after it does not: the edit broke it. */
  | { status: 'broken'; reason: string };

function hasExternalData(m: Model): boolean {
  for (const g of m.allGraphs()) if (g.initializers.some((t) => t.isExternal)) return true;
  return false;
}

function symbolSizes(m: Model): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const s of modelInputs(m)) for (const d of s.shape ?? []) if (typeof d === 'string') sizes.set(d, 1);
  return sizes;
}

export async function checkEdit(o: EditCheckOptions): Promise<EditCheck> {
  const t0 = Date.now();
  const rtol = o.rtol ?? EDIT_CHECK_TOLERANCE.rtol;
  const atol = o.atol ?? EDIT_CHECK_TOLERANCE.atol;
  if (hasExternalData(o.before.model) || hasExternalData(o.after.model)) {
    return { status: 'skipped', reason: 'the model keeps weights in external data files, which onnxruntime cannot resolve for an unsaved model' };
  }
  const afterSigs = modelInputs(o.after.model);
  const beforeSigs = modelInputs(o.before.model);
  if (afterSigs.length !== beforeSigs.length) {
    return { status: 'skipped', reason: `the edit changed the number of graph inputs (${beforeSigs.length} -> ${afterSigs.length}): there are no common inputs to run both on` };
  }
  let inputs: HostTensor[];
  try {
    inputs = generateModelInputs(o.after.model, { seed: o.seed ?? 0, dims: symbolSizes(o.after.model) });
  } catch (e) {
    if (e instanceof InputError) return { status: 'skipped', reason: `no inputs to run the model on: ${e.message}` };
    throw e;
  }
  const beforeInputs = inputs.map((t, k) => ({ ...t, name: beforeSigs[k].name }));
  const side = (label: string, s: { model: Model; bytes: Uint8Array }) => ({
    model: s.model,
    modelBytes: s.bytes,
    label,
    ...(o.loadOptions ? { loadOptions: o.loadOptions } : {}),
  });
  const call = o.signal ? { signal: o.signal } : {};
  let before: Awaited<ReturnType<typeof runModel>>;
  try {
    before = await runModel(o.runner, side('the model before the edit', o.before), beforeInputs, call);
  } catch (e) {
    return { status: 'skipped', reason: `onnxruntime cannot run the model before the edit either: ${(e as Error).message ?? e}` };
  }
  let after: Awaited<ReturnType<typeof runModel>>;
  try {
    after = await runModel(o.runner, side('the model after the edit', o.after), inputs, call);
  } catch (e) {
    if ((e as { kind?: string }).kind === 'cancelled') throw e;
    return { status: 'broken', reason: `onnxruntime ran the model before the edit, but not after it: ${(e as Error).message ?? e}` };
  }
  const bNames = o.before.model.graph.outputs.map((v) => v.value.name);
  const aNames = o.after.model.graph.outputs.map((v) => v.value.name);
  const byPosition = aNames.length === bNames.length && aNames.some((n) => !bNames.includes(n));
  const outputs: TensorComparison[] = [];
  const notCompared: string[] = [];
  aNames.forEach((name, k) => {
    const j = byPosition ? k : bNames.indexOf(name);
    const a = after.outputs[k];
    const b = j >= 0 ? before.outputs[j] : undefined;
    if (!a || !b) notCompared.push(name);
    else outputs.push(compareTensors(a, b, name, { rtol, atol }));
  });
  for (const n of bNames) if (!byPosition && !aNames.includes(n)) notCompared.push(n);
  const finite = (x: number) => (Number.isFinite(x) ? x : 0);
  return {
    status: 'checked',
    pass: outputs.every((c) => c.pass),
    outputs,
    notCompared,
    rtol,
    atol,
    maxAbs: outputs.reduce((m, c) => Math.max(m, finite(c.maxAbs)), 0),
    maxRel: outputs.reduce((m, c) => Math.max(m, finite(c.maxRel)), 0),
    ms: Date.now() - t0,
  };
}

/** One line for a status bar or a log: "outputs equal (max abs 0, max rel 0)" / "out of tolerance: ...". */
export function describeEditCheck(c: EditCheck): string {
  if (c.status === 'skipped') return `not checked: ${c.reason}`;
  if (c.status === 'broken') return `the edit broke the model: ${c.reason}`;
  const fmt = (x: number) => (x === 0 ? '0' : x.toExponential(1));
  const nums = `max abs ${fmt(c.maxAbs)}, max rel ${fmt(c.maxRel)}`;
  if (!c.outputs.length) return `no output to compare (${c.notCompared.join(', ')} on one side only)`;
  if (c.pass) return `outputs agree within rtol ${c.rtol}, atol ${c.atol} (${nums})`;
  const bad = c.outputs.filter((o) => !o.pass);
  return `outputs changed: ${bad.map((o) => `'${o.name}'${o.reason ? ` (${o.reason})` : ''}`).join(', ')} beyond rtol ${c.rtol}, atol ${c.atol} (${nums})`;
}
