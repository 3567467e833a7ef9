/**
 * Run a model in the runtime and compare its outputs with reference outputs: tensors from files
 * (PyTorch's outputs, a test data set, Polygraphy results) or the outputs of another run (another model
 * file, or the same model under other session options such as no graph optimizations).
 *
 * Outputs are matched by name, else by position (output_K files, test data sets). Outputs the reference
 * has nothing for are listed in `unmatched` and do not fail the comparison; a reference that has none of
 * them is an error.
 */
import type { HostTensor } from '../ir/hosttensor';
import type { Model } from '../ir/model';
import { compareTensors, makeReport, type CompareReport, type MetricsOptions, type TensorComparison, DEFAULT_TOLERANCE } from './metrics';
import { runFailure, type Runner, type RunnerLoadOptions, type RunnerSession } from './runner';

/** One model to run: its IR (for names and explanations) and how the runtime loads it. */
export interface ModelSide {
  model: Model;
  /** Loaded by path when given (external data resolves next to it), else from modelBytes. */
  modelPath?: string;
  modelBytes?: Uint8Array;
  loadOptions?: RunnerLoadOptions;
  /** For messages and reports: a file name, "onnxruntime (optimizations disabled)", ... */
  label: string;
}

export class CompareError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompareError';
  }
}

export interface RunOutcome {
  outputs: HostTensor[];
  session: RunnerSession;
  loadMs: number;
  runMs: number;
}

/** Loads `side`, runs it once on `inputs`, releases the session. Runtime errors become RunFailure. */
export async function runModel(
  runner: Runner,
  side: ModelSide,
  inputs: HostTensor[],
  opts: { fetches?: string[]; signal?: AbortSignal } = {},
): Promise<RunOutcome> {
  const t0 = Date.now();
  let session: RunnerSession;
  try {
    const args: Parameters<Runner['load']>[0] = side.modelPath && !side.modelBytes ? { modelPath: side.modelPath } : { modelBytes: side.modelBytes! };
    if (!args.modelPath && !args.modelBytes) throw new CompareError(`${side.label}: no model path or bytes to load`);
    if (side.loadOptions) args.options = side.loadOptions;
    session = await runner.load(args, opts.signal ? { signal: opts.signal } : undefined);
  } catch (e) {
    if (e instanceof CompareError) throw e;
    throw runFailure(e, `loading ${side.label} in onnxruntime`, side.model);
  }
  const loadMs = session.loadMs ?? Date.now() - t0;
  try {
    const runOpts: { fetches?: string[]; signal?: AbortSignal } = {};
    if (opts.fetches) runOpts.fetches = opts.fetches;
    if (opts.signal) runOpts.signal = opts.signal;
    const r = await runner.run(session.sessionId, inputs, runOpts);
    return { outputs: r.outputs, session, loadMs, runMs: r.timings.runMs };
  } catch (e) {
    throw runFailure(e, `running ${side.label}`, side.model);
  } finally {
    await runner.release(session.sessionId).catch(() => false);
  }
}

/** Compares outputs with references given per output position (undefined: nothing to compare with). */
export function compareOutputs(
  actual: readonly HostTensor[],
  names: readonly string[],
  reference: readonly (HostTensor | undefined)[],
  opts: MetricsOptions = {},
): { outputs: TensorComparison[]; unmatched: string[] } {
  const outputs: TensorComparison[] = [];
  const unmatched: string[] = [];
  actual.forEach((a, k) => {
    const name = names[k] ?? a.name ?? `output_${k}`;
    const ref = reference[k];
    if (!ref) unmatched.push(name);
    else outputs.push(compareTensors(a, ref, name, opts));
  });
  return { outputs, unmatched };
}

/** The tensors of `outputs` (named) in the order of `names`: by name, else by position. */
export function alignByName(names: readonly string[], outputs: readonly HostTensor[]): (HostTensor | undefined)[] {
  const byName = new Map(outputs.filter((o) => o.name).map((o) => [o.name!, o]));
  const allNamed = names.every((n) => byName.has(n));
  return names.map((n, k) => byName.get(n) ?? (allNamed ? undefined : outputs[k]));
}

export type Reference =
  /** Reference tensors per output position of the subject (see selectOutputs in ../inputs). */
  | { kind: 'tensors'; outputs: (HostTensor | undefined)[]; label: string }
  /** The outputs of another run. */
  | { kind: 'model'; side: ModelSide };

export interface CompareModelOptions extends MetricsOptions {
  runner: Runner;
  subject: ModelSide;
  inputs: HostTensor[];
  reference: Reference;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

/** Runs the subject (and the reference model, if the reference is one) and compares the outputs. */
export async function compareModel(o: CompareModelOptions): Promise<CompareReport> {
  const progress = o.onProgress ?? (() => undefined);
  const names = o.subject.model.graph.outputs.map((v) => v.value.name);
  const notes: string[] = [];
  progress(`running ${o.subject.label}`);
  const subj = await runModel(o.runner, o.subject, o.inputs, { signal: o.signal });
  const timings: Record<string, number> = { subjectLoadMs: subj.loadMs, subjectRunMs: subj.runMs };
  let refs: (HostTensor | undefined)[];
  let label: string;
  if (o.reference.kind === 'tensors') {
    refs = o.reference.outputs;
    label = o.reference.label;
  } else {
    const side = o.reference.side;
    label = side.label;
    progress(`running ${side.label}`);
    const ref = await runModel(o.runner, side, o.inputs, { signal: o.signal });
    timings.referenceLoadMs = ref.loadMs;
    timings.referenceRunMs = ref.runMs;
    refs = alignByName(names, ref.outputs);
    const extra = ref.outputs.map((t) => t.name ?? '').filter((n) => n && !names.includes(n));
    if (extra.length && refs.some((r) => r)) notes.push(`${side.label} also returns ${extra.map((n) => `'${n}'`).join(', ')}, which ${o.subject.label} does not: not compared`);
  }
  if (!refs.some((r) => r)) {
    throw new CompareError(
      `the reference (${label}) has no tensor for any output of ${o.subject.label} (${names.map((n) => `'${n}'`).join(', ')}): ` +
        `name the reference tensors after the outputs, or give them in output order (output_K files, a test_data_set folder)`,
    );
  }
  const { outputs, unmatched } = compareOutputs(subj.outputs, names, refs, o);
  if (unmatched.length) notes.push(`no reference for ${unmatched.map((n) => `'${n}'`).join(', ')}: not compared`);
  return makeReport(outputs, {
    model: o.subject.label,
    reference: label,
    rtol: o.rtol ?? DEFAULT_TOLERANCE.rtol,
    atol: o.atol ?? DEFAULT_TOLERANCE.atol,
    unmatched,
    timings,
    notes,
  });
}
