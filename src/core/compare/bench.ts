/**
 * Latency and throughput by batch size, per execution provider / session configuration.
 *
 * Timing is the runtime child's: its `bench` request times each session.run there (no IPC or tensor
 * conversion in the figures). One session per configuration serves every batch size; per batch size the
 * warm-up runs come first and are reported apart (the first run after a shape change is slow: onnxruntime
 * plans memory and picks kernels for the new shape), then the measured runs give mean, p50/p90/p99 (linear
 * interpolation between order statistics, numpy's default), min, max, std and throughput in items/s
 * (batch / mean latency).
 *
 * The batch dimension is the first dim of the inputs: every input's first dim must be symbolic (the same
 * dim_param for all) for batch sizes other than the model's own. A model whose first dim is fixed is
 * refused when asked for other batch sizes; without `batches` it is benchmarked at its fixed size.
 * Other symbolic dims need sizes (`dims`).
 */
import type { HostTensor } from '../ir/hosttensor';
import type { Model } from '../ir/model';
import { generateModelInputs, type GenerateOptions } from '../inputs/generate';
import { describeSignature, modelInputs, type ValueSignature } from '../inputs/signature';
import { InputError } from '../inputs/errors';
import { CompareError } from './compare';
import { runFailure, type Runner, type RunnerLoadOptions } from './runner';

export const DEFAULT_BATCHES: readonly number[] = [1, 2, 4, 8, 16];

export interface BenchConfig {
  /** Name in the report ("cpu", "cpu (no graph optimizations)"). */
  label: string;
  loadOptions?: RunnerLoadOptions;
}

export interface BenchOptions {
  runner: Runner;
  model: Model;
  /** Loaded by path when given (external data resolves next to it), else modelBytes. */
  modelPath?: string;
  modelBytes?: Uint8Array;
  label?: string;
  /** Batch sizes (default 1, 2, 4, 8, 16 when the first dim is dynamic). */
  batches?: readonly number[];
  /** Warm-up runs per batch size (default 3). */
  warmup?: number;
  /** Measured runs per batch size (default 20). */
  iterations?: number;
  /** Random inputs: seed, sizes of other symbolic dims, value ranges. */
  generate?: GenerateOptions;
  /** Fixed inputs instead of random ones: benchmarked at their own batch only. */
  inputs?: HostTensor[];
  /** One session per configuration (default: one, onnxruntime's defaults, labelled 'cpu'). */
  configs?: readonly BenchConfig[];
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

export interface LatencyStats {
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
  stdMs: number;
}

export interface BenchRow extends LatencyStats {
  provider: string;
  batch: number;
  /** Input shapes used. */
  shapes: Record<string, number[]>;
  iterations: number;
  /** Each warm-up run, in order (the first is the first run at this shape). */
  warmupMs: number[];
  /** The first run at this batch size (warm-up or, with no warm-up, measured). */
  firstRunMs: number;
  /** Items per second: batch / mean latency. */
  throughput: number;
  /** Each measured run, in order. */
  latenciesMs: number[];
}

export interface BenchReport {
  model?: string;
  /** The dim_param of the batch dim, or null when the first dim is fixed. */
  batchDim: string | null;
  rows: BenchRow[];
  /** Session creation time per configuration, in ms. */
  loadMs: Record<string, number>;
  warmup: number;
  iterations: number;
  notes: string[];
}

/** Percentile p (0..100) of ascending values, interpolating linearly (numpy's default). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function latencyStats(ms: readonly number[]): LatencyStats {
  const s = [...ms].sort((a, b) => a - b);
  const n = s.length;
  const mean = n ? s.reduce((a, b) => a + b, 0) / n : NaN;
  const variance = n ? s.reduce((a, b) => a + (b - mean) ** 2, 0) / n : NaN;
  return {
    meanMs: mean,
    p50Ms: percentile(s, 50),
    p90Ms: percentile(s, 90),
    p99Ms: percentile(s, 99),
    minMs: n ? s[0] : NaN,
    maxMs: n ? s[n - 1] : NaN,
    stdMs: Math.sqrt(variance),
  };
}

/**
 * The batch dim of a model's inputs: the shared dim_param of every input's first dim, or null with the
 * fixed size when the first dims are fixed. Throws when the inputs disagree (some fixed, some dynamic, or
 * different names).
 */
export function batchDimension(sigs: readonly ValueSignature[]): { symbol: string | null; fixed?: number } {
  if (sigs.length === 0) throw new InputError('the model takes no inputs: there is no batch dim to vary');
  const firsts = sigs.map((s) => s.shape?.[0]);
  const noRank = sigs.filter((s) => !s.shape || s.shape.length === 0);
  if (noRank.length) {
    throw new InputError(
      `input ${noRank.map((s) => `'${s.name}' (${describeSignature(s)})`).join(', ')} has no first dim: ` +
        'a batch dim is the first dim of every input',
    );
  }
  const symbols = [...new Set(firsts.filter((d): d is string => typeof d === 'string'))];
  const fixed = sigs.filter((s) => typeof s.shape![0] === 'number');
  if (symbols.length === 1 && fixed.length === 0 && firsts.every((d) => d !== null)) return { symbol: symbols[0] };
  if (symbols.length === 0 && fixed.length === sigs.length) {
    const sizes = [...new Set(fixed.map((s) => s.shape![0] as number))];
    if (sizes.length === 1) return { symbol: null, fixed: sizes[0] };
  }
  throw new InputError(
    `the inputs have no common batch dim: their first dims are ${sigs.map((s) => `${s.name}: ${s.shape![0] ?? '?'}`).join(', ')}; ` +
      'every input needs the same symbolic first dim (export with dynamic_axes on dim 0 for all inputs)',
  );
}

/** Runs the benchmark: one session per configuration, every batch size on it. */
export async function benchModel(o: BenchOptions): Promise<BenchReport> {
  const warmup = o.warmup ?? 3;
  const iterations = o.iterations ?? 20;
  for (const [k, v] of [['warmup', warmup], ['iterations', iterations]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new CompareError(`${k} must be a whole number >= 0; found ${v}`);
  }
  if (iterations < 1) throw new CompareError('iterations must be at least 1');
  const progress = o.onProgress ?? (() => undefined);
  const sigs = modelInputs(o.model);
  const notes: string[] = [];

  // Inputs per batch size.
  let plan: { batch: number; feeds: HostTensor[] }[];
  let batchDim: string | null = null;
  if (o.inputs) {
    if (o.batches && o.batches.length) throw new CompareError('give either fixed inputs or batch sizes, not both: fixed inputs have their own batch');
    const b = o.inputs[0]?.dims[0] ?? 1;
    plan = [{ batch: b, feeds: o.inputs }];
    notes.push(`fixed inputs: batch ${b} (the first dim of '${o.inputs[0]?.name ?? 'input 0'}')`);
  } else {
    const bd = batchDimension(sigs);
    batchDim = bd.symbol;
    let batches = o.batches && o.batches.length ? [...o.batches] : undefined;
    for (const b of batches ?? []) {
      if (!Number.isSafeInteger(b) || b < 1) throw new CompareError(`batch sizes must be whole numbers >= 1; found ${b}`);
    }
    if (bd.symbol === null) {
      const other = (batches ?? []).filter((b) => b !== bd.fixed);
      if (other.length) {
        throw new CompareError(
          `the model has no dynamic batch dim: the first dim of ${sigs.map((s) => `'${s.name}' (${describeSignature(s)})`).join(', ')} ` +
            `is fixed at ${bd.fixed}, so it cannot run at batch ${other.join(', ')}. Benchmark without --batch (batch ${bd.fixed}), ` +
            'or export the model with a dynamic first dim (dynamic_axes)',
        );
      }
      batches = [bd.fixed!];
      if (!o.batches?.length) notes.push(`the first dim is fixed at ${bd.fixed}: only batch ${bd.fixed} was benchmarked`);
    }
    batches ??= [...DEFAULT_BATCHES];
    plan = batches.map((batch) => {
      const dims = new Map(o.generate?.dims ?? []);
      if (bd.symbol !== null) dims.set(bd.symbol, batch);
      return { batch, feeds: generateModelInputs(o.model, { ...o.generate, dims }) };
    });
  }

  const configs = o.configs && o.configs.length ? o.configs : [{ label: 'cpu' }];
  const rows: BenchRow[] = [];
  const loadMs: Record<string, number> = {};
  const label = o.label ?? o.modelPath ?? 'the model';
  for (const cfg of configs) {
    progress(`${cfg.label}: creating the session`);
    const args: Parameters<Runner['load']>[0] = o.modelPath && !o.modelBytes ? { modelPath: o.modelPath } : { modelBytes: o.modelBytes! };
    if (cfg.loadOptions) args.options = cfg.loadOptions;
    const t0 = Date.now();
    let sessionId: string;
    try {
      const s = await o.runner.load(args, o.signal ? { signal: o.signal } : undefined);
      sessionId = s.sessionId;
      loadMs[cfg.label] = s.loadMs ?? Date.now() - t0;
    } catch (e) {
      throw runFailure(e, `loading ${label} in onnxruntime (${cfg.label})`, o.model);
    }
    try {
      for (const p of plan) {
        progress(`${cfg.label}: batch ${p.batch}: ${warmup} warm-up + ${iterations} runs`);
        let r: { latenciesMs: number[]; warmupMs: number[] };
        try {
          r = await o.runner.bench(sessionId, p.feeds, { warmup, iterations, ...(o.signal ? { signal: o.signal } : {}) });
        } catch (e) {
          throw runFailure(e, `benchmarking ${label} at batch ${p.batch} (${cfg.label})`, o.model);
        }
        const st = latencyStats(r.latenciesMs);
        rows.push({
          provider: cfg.label,
          batch: p.batch,
          shapes: Object.fromEntries(p.feeds.map((f) => [f.name ?? '', [...f.dims]])),
          iterations,
          warmupMs: r.warmupMs,
          firstRunMs: r.warmupMs.length ? r.warmupMs[0] : r.latenciesMs[0],
          ...st,
          throughput: (p.batch * 1000) / st.meanMs,
          latenciesMs: r.latenciesMs,
        });
      }
    } finally {
      await o.runner.release(sessionId).catch(() => false);
    }
  }
  return { model: label, batchDim, rows, loadMs, warmup, iterations, notes };
}

function num(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toFixed(digits) : String(v);
}

/** CSV, one row per provider and batch size (latencies in ms, throughput in items/s). */
export function benchToCsv(r: BenchReport): string {
  const head = 'provider,batch,iterations,warmup_runs,first_run_ms,warmup_mean_ms,mean_ms,p50_ms,p90_ms,p99_ms,min_ms,max_ms,std_ms,throughput_items_per_s';
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = r.rows.map((x) => [
    q(x.provider), x.batch, x.iterations, x.warmupMs.length, num(x.firstRunMs),
    num(x.warmupMs.length ? x.warmupMs.reduce((a, b) => a + b, 0) / x.warmupMs.length : NaN),
    num(x.meanMs), num(x.p50Ms), num(x.p90Ms), num(x.p99Ms), num(x.minMs), num(x.maxMs), num(x.stdMs), num(x.throughput, 2),
  ].join(','));
  return [head, ...lines].join('\n') + '\n';
}

/** A fixed-width table for terminals. */
export function benchToTable(r: BenchReport): string {
  const head = ['provider', 'batch', 'first run', 'p50', 'p90', 'p99', 'mean', 'items/s'];
  const rows = r.rows.map((x) => [
    x.provider, String(x.batch), `${num(x.firstRunMs, 2)} ms`, `${num(x.p50Ms, 2)} ms`, `${num(x.p90Ms, 2)} ms`,
    `${num(x.p99Ms, 2)} ms`, `${num(x.meanMs, 2)} ms`, num(x.throughput, 1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}
