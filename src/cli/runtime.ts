/**
 * Shared glue of the commands that run models (run, compare, bench): starting the onnxruntime child
 * (dist/runtime-child.js beside the bundled CLI; src/runtime/child.ts under tsx when run from source; or
 * ONNX_LENS_RUNTIME_CHILD), the runtime flags, reading the model and its inputs, and turning every failure
 * into one CliError line (exit 2).
 */
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { RuntimeClient, type RuntimeClientOptions } from '../runtime/client';
import { readModelFile } from '../core/codec/file';
import { ModelDecodeError } from '../core/codec/decode';
import type { Model } from '../core/ir/model';
import type { HostTensor } from '../core/ir/hosttensor';
import { TensorFileError } from '../core/codec/files';
import { TensorDataError } from '../core/codec/tensordata';
import {
  InputError, checkInputs, generateModelInputs, modelInputs, modelOutputs, parseDimSizes, readTensorSet, selectInputs,
  type GenerateOptions, type ModelIo,
} from '../core/inputs';
import { CompareError, RunFailure, type OptimizationLevel, type Runner, type RunnerLoadOptions } from '../core/compare';
import { CliError, number, one, type Io, type ParsedArgs } from './args';

/** Options every running command takes. */
export const RUNTIME_VALUES = ['threads', 'opt-level', 'provider', 'timeout', 'memory-limit'];
export const RUNTIME_FLAGS = ['verbose'];
/** Options of the commands that may generate inputs. */
export const INPUT_VALUES = ['inputs', 'dim', 'seed', 'int-range'];
export const INPUT_FLAGS = ['uniform'];

export const RUNTIME_HELP =
  '  runtime: --threads N (intra-op threads; default all cores), --opt-level disabled|basic|extended|layout|all (default all),\n' +
  '           --provider NAME (execution provider; default cpu), --timeout SECONDS (per request, default 120),\n' +
  '           --memory-limit MIB (runtime process), --verbose (onnxruntime\'s log on stderr)';
export const INPUT_HELP =
  '  inputs:  --inputs F (repeatable: .npz/.json keyed by input name, .npy/.pb, a test_data_set folder or a folder of\n' +
  '           input_K.npy files, by position); otherwise seeded random: --seed N (default 0), --dim NAME=N for symbolic\n' +
  '           dims (or INPUT:AXIS=N), --uniform (floats uniform in [-1,1) instead of N(0,1)), --int-range LO,HI (default 0,10;\n' +
  '           an input that indexes a table, e.g. token ids: [0, rows))';

/** A runtime client for a CLI command; onnxruntime's own log goes to stderr only with --verbose. */
export function startRuntime(io: Io, args: ParsedArgs, command: string): RuntimeClient {
  const opts: RuntimeClientOptions = {};
  const child = process.env.ONNX_LENS_RUNTIME_CHILD;
  if (child) opts.childPath = child;
  const timeout = number(args, 'timeout', command);
  if (timeout !== undefined) {
    if (timeout < 0) throw new CliError(`${command}: --timeout expects seconds >= 0 (0: no limit); found ${timeout}`);
    opts.timeoutMs = timeout * 1000;
  }
  const mem = number(args, 'memory-limit', command);
  if (mem !== undefined) {
    if (mem < 0) throw new CliError(`${command}: --memory-limit expects MiB >= 0 (0: no limit); found ${mem}`);
    opts.memoryLimitMb = mem;
  }
  if (args.flags.has('verbose')) opts.log = (line) => io.err(`onnxruntime: ${line}`);
  return new RuntimeClient(opts);
}

/** Runs `fn` with a runtime client and always stops the child afterwards. */
export async function withRuntime<T>(io: Io, args: ParsedArgs, command: string, fn: (runner: Runner) => Promise<T>): Promise<T> {
  const rt = startRuntime(io, args, command);
  try {
    return await fn(rt);
  } finally {
    await rt.dispose();
  }
}

const LEVELS: readonly OptimizationLevel[] = ['disabled', 'basic', 'extended', 'layout', 'all'];

/** Session options from --threads, --opt-level and --provider. */
export function loadOptionsFrom(args: ParsedArgs, command: string): RunnerLoadOptions {
  const o: RunnerLoadOptions = {};
  const threads = number(args, 'threads', command);
  if (threads !== undefined) {
    if (!Number.isSafeInteger(threads) || threads < 0) throw new CliError(`${command}: --threads expects a whole number >= 0 (0: all cores); found ${threads}`);
    o.intraOpNumThreads = threads;
  }
  const level = one(args, 'opt-level');
  if (level !== undefined) {
    if (!LEVELS.includes(level as OptimizationLevel)) throw new CliError(`${command}: --opt-level expects one of ${LEVELS.join(', ')}; found '${level}'`);
    o.graphOptimizationLevel = level as OptimizationLevel;
  }
  const providers = args.values.get('provider');
  if (providers?.length) o.executionProviders = [...providers];
  return o;
}

/** Reads MODEL with a one-line error for what is not a model file. */
export function readModel(file: string): Model {
  try {
    return readModelFile(file);
  } catch (e) {
    if (e instanceof ModelDecodeError) throw e;
    throw new CliError(`${file}: ${(e as Error).message.split('\n')[0]}`);
  }
}

export function modelIo(model: Model): ModelIo {
  return { inputs: modelInputs(model), outputs: modelOutputs(model) };
}

/** Generation options from --seed, --dim, --uniform, --int-range. */
export function generateOptionsFrom(args: ParsedArgs, command: string): GenerateOptions {
  const o: GenerateOptions = {};
  const seed = number(args, 'seed', command);
  if (seed !== undefined) {
    if (!Number.isSafeInteger(seed)) throw new CliError(`${command}: --seed expects a whole number; found ${seed}`);
    o.seed = seed;
  }
  o.dims = parseDimSizes(args.values.get('dim') ?? []);
  if (args.flags.has('uniform')) o.float = 'uniform';
  const range = one(args, 'int-range');
  if (range !== undefined) {
    const m = /^\s*(-?\d+)\s*,\s*(-?\d+)\s*$/.exec(range);
    if (!m || Number(m[2]) <= Number(m[1])) throw new CliError(`${command}: --int-range expects LO,HI with LO < HI (values in [LO, HI)); found '${range}'`);
    o.intRange = [Number(m[1]), Number(m[2])];
  }
  return o;
}

/** input_K.npy files in the model's folder (the sample models ship them), for hints: never used unasked. */
export function inputFilesBeside(modelPath: string): string[] {
  try {
    const dir = dirname(resolve(modelPath));
    return readdirSync(dir).filter((n) => /^input_\d+\.npy$/.test(n)).sort().map((n) => join(dir, n));
  } catch {
    return [];
  }
}

export interface ChosenInputs {
  tensors: HostTensor[];
  /** Where they came from, for the report: file names or "random (seed 0)". */
  source: string;
  generated: boolean;
}

/** Inputs from --inputs files, else `fallback` (inputs a reference file holds), else seeded random ones. */
export async function chooseInputs(
  args: ParsedArgs,
  command: string,
  model: Model,
  io: ModelIo,
  fallback?: { tensors: HostTensor[]; source: string },
): Promise<ChosenInputs> {
  const files = args.values.get('inputs');
  if (files?.length) {
    const set = await readTensorSet(files, io);
    return { tensors: selectInputs(set, io), source: files.join(', '), generated: false };
  }
  if (fallback) {
    checkInputs(fallback.tensors, io.inputs);
    return { tensors: fallback.tensors, source: fallback.source, generated: false };
  }
  const g = generateOptionsFrom(args, command);
  return { tensors: generateModelInputs(model, g), source: `random (seed ${g.seed ?? 0})`, generated: true };
}

/** Every error of a running command as one CliError line (exit 2). */
export function asCliError(e: unknown, command: string): unknown {
  if (e instanceof CliError || e instanceof ModelDecodeError) return e;
  if (e instanceof RunFailure || e instanceof CompareError || e instanceof InputError) return new CliError(`${command}: ${e.message}`);
  if (e instanceof TensorFileError || e instanceof TensorDataError) return new CliError(`${command}: ${e.message}`);
  const kind = (e as { kind?: unknown } | null)?.kind;
  if (typeof kind === 'string' && e instanceof Error) return new CliError(`${command}: onnxruntime (${kind}): ${e.message.split('\n').filter(Boolean).join('; ')}`);
  return e;
}
