import { basename, resolve } from 'node:path';
import type { HostTensor } from '../../core/ir/hosttensor';
import { inputsIfComplete, readTensorSet, selectOutputs } from '../../core/inputs';
import {
  DEFAULT_TOLERANCE, compareLayerwise, compareModel, fmtNum, toJson, toMarkdown,
  type CompareReport, type LayerwiseReference, type ModelSide, type Reference, type Tolerance,
} from '../../core/compare';
import { CliError, number, one, parseArgs, positional, type ParsedArgs } from '../args';
import type { Command } from '../command';
import {
  INPUT_FLAGS, INPUT_VALUES, RUNTIME_FLAGS, RUNTIME_HELP, RUNTIME_VALUES, asCliError, chooseInputs, inputFilesBeside,
  loadOptionsFrom, modelIo, readModel, withRuntime, type ChosenInputs,
} from '../runtime';

function tolerances(args: ParsedArgs): Map<string, Partial<Tolerance>> {
  const out = new Map<string, Partial<Tolerance>>();
  for (const spec of args.values.get('tol') ?? []) {
    const eq = spec.lastIndexOf('=');
    const name = eq > 0 ? spec.slice(0, eq) : '';
    const parts = eq > 0 ? spec.slice(eq + 1).split(',') : [];
    const nums = parts.map((p) => Number(p.trim()));
    if (!name || nums.length < 1 || nums.length > 2 || nums.some((n) => !Number.isFinite(n) || n < 0) || parts.some((p) => p.trim() === '')) {
      throw new CliError(`compare: --tol expects NAME=RTOL or NAME=RTOL,ATOL (numbers >= 0); found '${spec}'`);
    }
    const t: Partial<Tolerance> = { rtol: nums[0] };
    if (nums.length > 1) t.atol = nums[1];
    out.set(name, t);
  }
  return out;
}

function textReport(r: CompareReport): string {
  const L: string[] = [];
  L.push(`${r.model ?? 'model'} vs ${r.reference ?? 'reference'} (rtol ${r.rtol}, atol ${r.atol})`);
  for (const o of r.outputs) {
    L.push(
      `  ${o.pass ? 'PASS' : 'FAIL'} ${o.name}: ${o.dtype}[${o.shape.join(',')}] max abs ${fmtNum(o.maxAbs)}, max rel ${fmtNum(o.maxRel)}, ` +
        `mean abs ${fmtNum(o.meanAbs)}, cosine ${fmtNum(o.cosine)}, ${o.mismatches}/${o.count} out of tolerance`,
    );
    if (o.reason) L.push(`       ${o.reason}`);
  }
  for (const n of r.unmatched) L.push(`  ---- ${n}: no reference, not compared`);
  const lw = r.layerwise;
  if (lw) {
    const failing = lw.tensors.filter((t) => !t.pass).length;
    L.push(`  layer by layer: ${lw.tensors.length} tensors compared in ${lw.chunks} session(s), ${failing} out of tolerance, ${lw.skipped.length} not compared`);
    if (lw.changedConstants?.length) L.push(`  weights that differ: ${lw.changedConstants.join(', ')}`);
  }
  const fd = r.firstDivergence;
  if (fd) {
    L.push(`  first divergence: node '${fd.nodeName}' (${fd.opType}), output '${fd.tensor}': max abs ${fmtNum(fd.maxAbs)}, max rel ${fmtNum(fd.maxRel)}, cosine ${fmtNum(fd.cosine)}`);
    L.push(`    inputs: ${fd.inputs.map((i) => `${i.name} (${i.status})`).join(', ') || 'none'}`);
    if (fd.note) L.push(`    note: ${fd.note}`);
  }
  for (const n of r.notes) L.push(`  note: ${n}`);
  const ok = r.outputs.filter((o) => o.pass).length;
  L.push(`${r.pass ? 'PASS' : 'FAIL'}: ${ok} of ${r.outputs.length} outputs within tolerance${lw ? `, ${lw.tensors.filter((t) => t.pass).length} of ${lw.tensors.length} tensors` : ''}`);
  return L.join('\n');
}

export const compare: Command = {
  name: 'compare',
  summary: 'run MODEL in onnxruntime and compare its outputs (or every intermediate tensor) with a reference; exit 1 when out of tolerance',
  usage:
    'onnx-lens compare MODEL --reference F [--inputs F] [--rtol R] [--atol A] [--layerwise] [--against MODEL2|--ort-opt] [--json] [--markdown]\n' +
    '  reference: --reference F (repeatable): .npz/.json keyed by tensor name (refs.npz, Polygraphy results), output_K.npy/.pb\n' +
    '             by position, or a test_data_set folder (which also holds the inputs); --against MODEL2: the outputs of another\n' +
    '             model file; --ort-opt: onnxruntime with all graph optimizations vs none; --against-provider NAME: another\n' +
    '             execution provider\n' +
    '  tolerance: |a - b| <= atol + rtol * |b| (b = reference); defaults rtol 1e-3, atol 1e-5;\n' +
    '             --tol NAME=RTOL[,ATOL] per output. Integers, bool and strings compare exactly; NaN/Inf must sit at the same places\n' +
    '  --layerwise: compare every intermediate tensor the reference has (reference .npz keyed by tensor name or Polygraphy\n' +
    '             --mark-all results; or every tensor both models / both configurations compute) and name the first diverging\n' +
    '             node; --chunk K tensors per session (default: 64, then as many as fit 256 MiB, at most 1024),\n' +
    '             --stop-at-first stops after the first divergence\n' +
    '  inputs:   --inputs F, or the inputs held by the reference (test_data_set, npz keyed by input name); with --against/--ort-opt\n' +
    '            seeded random inputs are allowed (--seed, --dim, --uniform, --int-range)\n' +
    `${RUNTIME_HELP}\n` +
    '  output:   text, --json (`outputs`, `firstDivergence`, `layerwise` ...; NaN/Infinity as strings) or --markdown.\n' +
    '            Exit 0 within tolerance, 1 out of tolerance, 2 bad input or a model onnxruntime cannot load',
  async run(argv, io) {
    const args = parseArgs(
      argv,
      {
        values: [...INPUT_VALUES, ...RUNTIME_VALUES, 'reference', 'against', 'against-provider', 'rtol', 'atol', 'tol', 'chunk'],
        flags: [...INPUT_FLAGS, ...RUNTIME_FLAGS, 'layerwise', 'ort-opt', 'json', 'markdown', 'stop-at-first'],
      },
      'compare',
    );
    const file = positional(args, 0, 'MODEL', 'compare');
    const refs = args.values.get('reference') ?? [];
    const against = one(args, 'against');
    const againstProvider = one(args, 'against-provider');
    const ortOpt = args.flags.has('ort-opt');
    const modes = [refs.length > 0, against !== undefined || againstProvider !== undefined, ortOpt].filter(Boolean).length;
    if (modes === 0) throw new CliError('compare: say what to compare with: --reference F, --against MODEL2, --ort-opt or --against-provider NAME');
    if (modes > 1) throw new CliError('compare: give one of --reference, --against/--against-provider and --ort-opt');
    if (args.flags.has('json') && args.flags.has('markdown')) throw new CliError('compare: give one of --json and --markdown');
    const rtol = number(args, 'rtol', 'compare') ?? DEFAULT_TOLERANCE.rtol;
    const atol = number(args, 'atol', 'compare') ?? DEFAULT_TOLERANCE.atol;
    if (rtol < 0 || atol < 0) throw new CliError(`compare: --rtol and --atol must be >= 0; found rtol ${rtol}, atol ${atol}`);
    const chunk = number(args, 'chunk', 'compare');
    if (chunk !== undefined && (!Number.isSafeInteger(chunk) || chunk < 1)) throw new CliError(`compare: --chunk expects a whole number >= 1; found ${chunk}`);
    const layerwise = args.flags.has('layerwise');
    const metric = { rtol, atol, tolerances: tolerances(args) };

    let report: CompareReport;
    try {
      const model = readModel(file);
      const mio = modelIo(model);
      const base = loadOptionsFrom(args, 'compare');
      const subject: ModelSide = { model, modelPath: resolve(file), loadOptions: base, label: file };
      let inputs: ChosenInputs;
      let reference: Reference | undefined;
      let layerRef: LayerwiseReference | undefined;
      if (refs.length) {
        const set = await readTensorSet(refs, mio);
        const held = inputsIfComplete(set, mio);
        if (!args.values.get('inputs')?.length && !held) {
          const beside = inputFilesBeside(file);
          throw new CliError(
            `compare: the reference ${refs.join(', ')} does not hold the model's inputs (${mio.inputs.map((s) => `'${s.name}'`).join(', ')}), ` +
              `so give the inputs it was computed from with --inputs F` +
              (beside.length ? ` (the model's folder has ${beside.map((p) => basename(p)).join(', ')}; ONNX Lens does not guess that they belong to this reference)` : ''),
          );
        }
        inputs = await chooseInputs(args, 'compare', model, mio, held ? { tensors: held, source: `${refs.join(', ')} (inputs held by the reference)` } : undefined);
        const label = refs.join(', ');
        if (layerwise) {
          const tensors = new Map<string, HostTensor>(set.named);
          selectOutputs(set, mio).forEach((t, k) => {
            if (t && !tensors.has(mio.outputs[k].name)) tensors.set(mio.outputs[k].name, t);
          });
          layerRef = { kind: 'tensors', tensors, label };
        } else {
          reference = { kind: 'tensors', outputs: selectOutputs(set, mio), label };
        }
      } else {
        inputs = await chooseInputs(args, 'compare', model, mio);
        let side: ModelSide;
        if (ortOpt) {
          subject.loadOptions = { ...base, graphOptimizationLevel: base.graphOptimizationLevel ?? 'all' };
          subject.label = `${file} (onnxruntime, optimizations ${subject.loadOptions.graphOptimizationLevel})`;
          side = { model, modelPath: resolve(file), loadOptions: { ...base, graphOptimizationLevel: 'disabled' }, label: `${file} (onnxruntime, optimizations disabled)` };
        } else {
          const otherFile = against ?? file;
          const other = against ? readModel(against) : model;
          const opts = { ...base };
          if (againstProvider) opts.executionProviders = [againstProvider];
          side = { model: other, modelPath: resolve(otherFile), loadOptions: opts, label: againstProvider ? `${otherFile} (provider ${againstProvider})` : otherFile };
        }
        if (layerwise) layerRef = { kind: 'model', side };
        else reference = { kind: 'model', side };
      }
      if (inputs.generated) io.err(`inputs: ${inputs.source}`);
      report = await withRuntime(io, args, 'compare', async (runner) => {
        if (layerRef) {
          return compareLayerwise({
            runner, subject, inputs: inputs.tensors, reference: layerRef, ...metric,
            ...(chunk !== undefined ? { chunkSize: chunk } : {}),
            stopAtFirstDivergence: args.flags.has('stop-at-first'),
            onProgress: (p) => io.err(`layerwise: ${p.message}`),
          });
        }
        return compareModel({ runner, subject, inputs: inputs.tensors, reference: reference!, ...metric, onProgress: (m) => io.err(m) });
      });
      report.notes.unshift(`inputs: ${inputs.source}`);
    } catch (e) {
      throw asCliError(e, 'compare');
    }
    if (args.flags.has('json')) io.out(toJson(report));
    else if (args.flags.has('markdown')) io.out(toMarkdown(report));
    else io.out(textReport(report));
    return report.pass ? 0 : 1;
  },
};
