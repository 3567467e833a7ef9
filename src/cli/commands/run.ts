import { resolve } from 'node:path';
import { dtypeName } from '../../core/ir/dtype';
import type { HostTensor } from '../../core/ir/hosttensor';
import { saveTensors } from '../../core/inputs';
import { collectIntermediates, runModel, tensorStats, toJson, fmtNum } from '../../core/compare';
import { CliError, number, parseArgs, positional } from '../args';
import type { Command } from '../command';
import {
  INPUT_FLAGS, INPUT_HELP, INPUT_VALUES, RUNTIME_FLAGS, RUNTIME_HELP, RUNTIME_VALUES, asCliError, chooseInputs, inputFilesBeside,
  loadOptionsFrom, modelIo, readModel, withRuntime,
} from '../runtime';

interface TensorSummary {
  name: string;
  dtype: string;
  shape: number[];
  min?: number;
  max?: number;
  mean?: number;
  std?: number;
  nan?: number;
  inf?: number;
  first?: (number | string)[];
}

function summarizeTensor(t: HostTensor): TensorSummary {
  const s: TensorSummary = { name: t.name ?? '', dtype: dtypeName(t.dtype), shape: [...t.dims] };
  if (t.strings) {
    const dec = new TextDecoder();
    s.first = t.strings.slice(0, 8).map((b) => dec.decode(b));
    return s;
  }
  const st = tensorStats(t, { bins: 0, first: 8 });
  Object.assign(s, { min: st.min, max: st.max, mean: st.mean, std: st.std, nan: st.nan, inf: st.inf, first: st.first });
  return s;
}

function line(s: TensorSummary): string {
  const head = `  ${s.name}: ${s.dtype}[${s.shape.join(',')}]`;
  if (s.min === undefined) return `${head} ${JSON.stringify(s.first)}`;
  const special = (s.nan ? ` nan ${s.nan}` : '') + (s.inf ? ` inf ${s.inf}` : '');
  return `${head} min ${fmtNum(s.min)} max ${fmtNum(s.max!)} mean ${fmtNum(s.mean!)} std ${fmtNum(s.std!)}${special}`;
}

export const run: Command = {
  name: 'run',
  summary: 'run MODEL once in onnxruntime on inputs from files or seeded random ones; print or save the outputs',
  usage:
    'onnx-lens run MODEL [--inputs F] [--dim NAME=N ...] [--seed N] [--save-inputs F] [--save-outputs F] [--json]\n' +
    `${INPUT_HELP}\n${RUNTIME_HELP}\n` +
    '  --save-inputs F / --save-outputs F: write the tensors keyed by name (.npz, or .json for Polygraphy)\n' +
    '  --mark-all: fetch every tensor the main graph computes, in sessions of --chunk K tensors (default: 64, then as many\n' +
    '              as fit 256 MiB), e.g. to save reference intermediates for `compare --layerwise` (use .json: ONNX tensor\n' +
    '              names such as /conv/Conv_output_0 cannot be .npz keys)',
  async run(argv, io) {
    const args = parseArgs(
      argv,
      { values: [...INPUT_VALUES, ...RUNTIME_VALUES, 'save-inputs', 'save-outputs', 'chunk'], flags: [...INPUT_FLAGS, ...RUNTIME_FLAGS, 'json', 'mark-all'] },
      'run',
    );
    const file = positional(args, 0, 'MODEL', 'run');
    try {
      const model = readModel(file);
      const mio = modelIo(model);
      const inputs = await chooseInputs(args, 'run', model, mio);
      if (inputs.generated) {
        const beside = inputFilesBeside(file);
        io.err(`inputs: ${inputs.source}${beside.length ? ` (the model's folder has ${beside.map((p) => p.split(/[\\/]/).pop()).join(', ')}: pass --inputs to use them)` : ''}`);
      } else io.err(`inputs: ${inputs.source}`);
      const saveIn = args.values.get('save-inputs')?.at(-1);
      if (saveIn) {
        await saveTensors(saveIn, inputs.tensors);
        io.err(`saved inputs to ${saveIn}`);
      }
      const side = { model, modelPath: resolve(file), loadOptions: loadOptionsFrom(args, 'run'), label: file };
      const chunk = number(args, 'chunk', 'run');
      if (chunk !== undefined && (!Number.isSafeInteger(chunk) || chunk < 1)) throw new CliError(`run: --chunk expects a whole number >= 1; found ${chunk}`);
      const t0 = Date.now();
      const outcome = await withRuntime(io, args, 'run', async (runner) => {
        if (!args.flags.has('mark-all')) return runModel(runner, side, inputs.tensors);
        const r = await collectIntermediates({
          runner, side, inputs: inputs.tensors, ...(chunk !== undefined ? { chunkSize: chunk } : {}),
          onProgress: (p) => io.err(`mark-all: ${p.message}`),
        });
        for (const s of r.skipped) io.err(`mark-all: '${s.name}' not fetched: ${s.reason}`);
        return { outputs: [...r.tensors.values()], session: { outputNames: [...r.tensors.keys()] }, loadMs: NaN, runMs: Date.now() - t0 };
      });
      const named = outcome.outputs.map((t, k) => ({ ...t, name: outcome.session.outputNames[k] ?? t.name }));
      const saveOut = args.values.get('save-outputs')?.at(-1);
      if (saveOut) {
        await saveTensors(saveOut, named);
        io.err(`saved outputs to ${saveOut}`);
      }
      const result = {
        model: file,
        inputs: inputs.tensors.map(summarizeTensor),
        inputSource: inputs.source,
        outputs: named.map(summarizeTensor),
        timings: { loadMs: outcome.loadMs, runMs: outcome.runMs },
      };
      if (args.flags.has('json')) io.out(toJson(result));
      else {
        io.out(
          [`${file}`, '  inputs:', ...result.inputs.map((s) => `  ${line(s)}`), '  outputs:', ...result.outputs.map((s) => `  ${line(s)}`),
            Number.isNaN(outcome.loadMs) ? `  ${named.length} tensors in ${outcome.runMs} ms` : `  session ${outcome.loadMs.toFixed(0)} ms, run ${outcome.runMs.toFixed(2)} ms`].join('\n'),
        );
      }
      return 0;
    } catch (e) {
      throw asCliError(e, 'run');
    }
  },
};
