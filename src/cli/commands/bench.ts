import { resolve } from 'node:path';
import { writeFileAtomic } from '../../core/codec/atomic';
import { readTensorSet, selectInputs } from '../../core/inputs';
import { benchModel, benchToCsv, benchToTable, toJson, type BenchConfig } from '../../core/compare';
import { CliError, number, one, parseArgs, positional } from '../args';
import type { Command } from '../command';
import {
  INPUT_FLAGS, INPUT_VALUES, RUNTIME_FLAGS, RUNTIME_HELP, RUNTIME_VALUES, asCliError, generateOptionsFrom, loadOptionsFrom, modelIo,
  readModel, withRuntime,
} from '../runtime';

function wholeNumber(v: number | undefined, name: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isSafeInteger(v) || v < min) throw new CliError(`bench: --${name} expects a whole number >= ${min}; found ${v}`);
  return v;
}

export const bench: Command = {
  name: 'bench',
  summary: 'latency (p50/p90/p99, mean) and throughput of MODEL in onnxruntime by batch size, warm-up runs reported apart',
  usage:
    'onnx-lens bench MODEL [--batch 1,2,4] [--warmup N] [--iterations N] [--json] [--csv F]\n' +
    '  --batch: batch sizes on the inputs\' shared symbolic first dim (default 1,2,4,8,16; a model with a fixed first dim runs\n' +
    '           at that size only); --warmup N runs per batch before timing (default 3), --iterations N timed runs (default 20)\n' +
    '  inputs:  seeded random (--seed N, --dim NAME=N for other symbolic dims, --uniform, --int-range LO,HI), or --inputs F\n' +
    '           (one batch: theirs). --provider NAME (repeatable): one session per provider\n' +
    `${RUNTIME_HELP}\n` +
    '  output:  a table, or --json; --csv F writes one row per provider and batch (F = - for stdout)',
  async run(argv, io) {
    const args = parseArgs(
      argv,
      { values: [...INPUT_VALUES, ...RUNTIME_VALUES, 'batch', 'warmup', 'iterations', 'csv'], flags: [...INPUT_FLAGS, ...RUNTIME_FLAGS, 'json'] },
      'bench',
    );
    const file = positional(args, 0, 'MODEL', 'bench');
    const batchText = one(args, 'batch');
    let batches: number[] | undefined;
    if (batchText !== undefined) {
      batches = batchText.split(',').map((s) => Number(s.trim()));
      if (!batches.length || batches.some((b) => !Number.isSafeInteger(b) || b < 1)) {
        throw new CliError(`bench: --batch expects whole numbers >= 1 separated by commas (e.g. 1,2,4); found '${batchText}'`);
      }
    }
    const warmup = wholeNumber(number(args, 'warmup', 'bench'), 'warmup', 0);
    const iterations = wholeNumber(number(args, 'iterations', 'bench'), 'iterations', 1);
    const csv = one(args, 'csv');
    try {
      const model = readModel(file);
      const base = loadOptionsFrom(args, 'bench');
      const providers = base.executionProviders ?? [];
      const configs: BenchConfig[] = providers.length > 1
        ? providers.map((p) => ({ label: p, loadOptions: { ...base, executionProviders: [p] } }))
        : [{ label: providers[0] ?? 'cpu', loadOptions: base }];
      const files = args.values.get('inputs');
      const inputs = files?.length ? selectInputs(await readTensorSet(files, modelIo(model)), modelIo(model)) : undefined;
      const report = await withRuntime(io, args, 'bench', (runner) =>
        benchModel({
          runner, model, modelPath: resolve(file), label: file, configs,
          ...(batches ? { batches } : {}),
          ...(warmup !== undefined ? { warmup } : {}),
          ...(iterations !== undefined ? { iterations } : {}),
          ...(inputs ? { inputs } : { generate: generateOptionsFrom(args, 'bench') }),
          onProgress: (m) => io.err(m),
        }),
      );
      for (const n of report.notes) io.err(`note: ${n}`);
      if (csv === '-') io.out(benchToCsv(report).trimEnd());
      else if (csv) {
        writeFileAtomic(csv, [new TextEncoder().encode(benchToCsv(report))]);
        io.err(`wrote ${csv}`);
      }
      if (csv !== '-') {
        if (args.flags.has('json')) io.out(toJson(report));
        else io.out(`${file} (${report.warmup} warm-up + ${report.iterations} timed runs per batch)\n${benchToTable(report)}`);
      }
      return 0;
    } catch (e) {
      throw asCliError(e, 'bench');
    }
  },
};
