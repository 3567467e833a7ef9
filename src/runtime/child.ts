/**
 * The onnxruntime child process: the only place onnxruntime-node is ever loaded. Forked by RuntimeClient
 * (bundled as dist/runtime-child.js; from source it runs under tsx). A native crash here ends this
 * process only; the parent reports it and starts a fresh child on the next request.
 *
 * Requests are handled one at a time in arrival order (a session.run blocks this thread anyway, so
 * ordering is explicit rather than accidental); `cancel` is handled as soon as it is read and drops a
 * queued request. Every request gets exactly one response; errors are data (see protocol.ts).
 */
import type * as Ort from 'onnxruntime-node';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import {
  INSTANCE_ARG,
  type BenchRequest,
  type ChildMessage,
  type InfoResult,
  type LoadRequest,
  type LoadResult,
  type Request,
  type RequestType,
  type RunRequest,
  type RuntimeErrorData,
  type RuntimeErrorKind,
  type ValueMetadata,
} from './protocol';
import { TensorConversionError, fromOrtTensor, toOrtTensor } from './tensors';
import type { HostTensor } from '../core/ir/hosttensor';

type OrtModule = typeof Ort;

class ChildError extends Error {
  constructor(readonly kind: RuntimeErrorKind, message: string) {
    super(message);
  }
}

let ortModule: OrtModule | undefined;
function ort(): OrtModule {
  if (!ortModule) {
    try {
      // A plain require so that esbuild keeps onnxruntime-node external and a load failure is a response.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ortModule = require('onnxruntime-node') as OrtModule;
    } catch (e) {
      throw new ChildError(
        'ort-error',
        `onnxruntime-node could not be loaded in the runtime process: ${errorText(e)}. ` +
          `Check that node_modules/onnxruntime-node has its native binaries for ${process.platform}-${process.arch}.`,
      );
    }
  }
  return ortModule;
}

interface OpenSession {
  session: Ort.InferenceSession;
  inputNames: string[];
  outputNames: string[];
}

const instance = process.argv.find((a) => a.startsWith(INSTANCE_ARG))?.slice(INSTANCE_ARG.length) ?? `pid${process.pid}`;
const sessions = new Map<string, OpenSession>();
let nextSession = 1;
const queue: Request[] = [];
const cancelled = new Set<number>();
let pumping = false;

const REQUEST_TYPES: ReadonlySet<string> = new Set<RequestType>(['load', 'run', 'bench', 'release', 'cancel', 'info']);

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

function send(m: ChildMessage): void {
  if (!process.send || !process.connected) return;
  process.send(m, undefined, undefined, (err) => {
    if (err) {
      process.stderr.write(`onnx-lens runtime: could not send response ${'id' in m ? m.id : ''}: ${err.message}\n`);
    }
  });
}

function fail(id: number, e: unknown): void {
  let error: RuntimeErrorData;
  if (e instanceof ChildError) error = { kind: e.kind, message: e.message };
  else if (e instanceof TensorConversionError) error = { kind: 'refused', message: e.message };
  else error = { kind: 'ort-error', message: errorText(e) };
  error.pid = process.pid;
  send({ id, ok: false, error });
}

function sessionOf(id: string): OpenSession {
  const s = sessions.get(id);
  if (!s) {
    throw new ChildError(
      'invalid-session',
      `session '${id}' is not open in this runtime process (pid ${process.pid}): it was released or never loaded here. Load the model again.`,
    );
  }
  return s;
}

function metadata(list: readonly Ort.InferenceSession.ValueMetadata[] | undefined, names: readonly string[]): ValueMetadata[] {
  if (!list) return names.map((name) => ({ name, isTensor: true }));
  return list.map((m) => {
    const out: ValueMetadata = { name: m.name, isTensor: m.isTensor };
    if (m.isTensor) {
      out.type = String(m.type);
      out.shape = Array.from(m.shape, (d) => (typeof d === 'string' ? d : Number(d)));
    }
    return out;
  });
}

function sessionOptions(req: LoadRequest): Ort.InferenceSession.SessionOptions {
  const o = req.options ?? {};
  const so: Ort.InferenceSession.SessionOptions = {};
  const levels = ['disabled', 'basic', 'extended', 'layout', 'all'];
  if (o.graphOptimizationLevel !== undefined) {
    if (!levels.includes(o.graphOptimizationLevel)) {
      throw new ChildError('refused', `graphOptimizationLevel must be one of ${levels.join(', ')}; found '${o.graphOptimizationLevel}'`);
    }
    so.graphOptimizationLevel = o.graphOptimizationLevel;
  }
  if (o.intraOpNumThreads !== undefined) {
    if (!Number.isInteger(o.intraOpNumThreads) || o.intraOpNumThreads < 0) {
      throw new ChildError('refused', `intraOpNumThreads must be a non-negative integer (0: all cores); found ${o.intraOpNumThreads}`);
    }
    so.intraOpNumThreads = o.intraOpNumThreads;
  }
  if (o.executionProviders !== undefined) {
    if (!Array.isArray(o.executionProviders) || o.executionProviders.some((p) => typeof p !== 'string')) {
      throw new ChildError('refused', `executionProviders must be an array of provider names such as ['cpu']`);
    }
    so.executionProviders = o.executionProviders.slice();
  }
  if (o.logSeverityLevel !== undefined) {
    if (![0, 1, 2, 3, 4].includes(o.logSeverityLevel)) {
      throw new ChildError('refused', `logSeverityLevel must be 0 (verbose) to 4 (fatal); found ${o.logSeverityLevel}`);
    }
    so.logSeverityLevel = o.logSeverityLevel;
  }
  if (o.optimizedModelFilePath !== undefined) {
    if (typeof o.optimizedModelFilePath !== 'string' || !path.isAbsolute(o.optimizedModelFilePath) || o.optimizedModelFilePath.includes('\0')) {
      throw new ChildError('refused', `optimizedModelFilePath must be an absolute file path; found ${JSON.stringify(o.optimizedModelFilePath)}`);
    }
    so.optimizedModelFilePath = o.optimizedModelFilePath;
  }
  return so;
}

async function load(req: LoadRequest): Promise<LoadResult> {
  const hasPath = typeof req.modelPath === 'string' && req.modelPath.length > 0;
  const hasBytes = req.modelBytes instanceof Uint8Array;
  if (hasPath === hasBytes) {
    throw new ChildError('refused', `load needs exactly one of modelPath and modelBytes; found ${hasPath ? 'both' : 'neither'}`);
  }
  const options = sessionOptions(req);
  const o = ort();
  const t0 = performance.now();
  const session = hasPath
    ? await o.InferenceSession.create(req.modelPath!, options)
    : await o.InferenceSession.create(req.modelBytes!, options);
  const loadMs = performance.now() - t0;
  const sessionId = `${instance}#${nextSession++}`;
  const inputNames = session.inputNames.slice();
  const outputNames = session.outputNames.slice();
  sessions.set(sessionId, { session, inputNames, outputNames });
  return {
    sessionId,
    inputNames,
    outputNames,
    inputMetadata: metadata(session.inputMetadata, inputNames),
    outputMetadata: metadata(session.outputMetadata, outputNames),
    loadMs,
  };
}

function quoteList(names: readonly string[]): string {
  return names.length ? names.map((n) => `'${n}'`).join(', ') : '(none)';
}

/** Feeds by name, checked against the session's inputs; fetch names checked against its outputs. */
function prepare(s: OpenSession, feeds: readonly HostTensor[], fetches: readonly string[] | undefined) {
  if (!Array.isArray(feeds)) throw new ChildError('refused', 'feeds must be an array of HostTensor');
  const o = ort();
  const map: Record<string, Ort.Tensor> = {};
  const seen = new Set<string>();
  for (let i = 0; i < feeds.length; i++) {
    const f = feeds[i];
    const name = f?.name;
    if (typeof name !== 'string' || !s.inputNames.includes(name)) {
      throw new ChildError(
        'refused',
        `feed ${i} is named ${name === undefined ? '(no name)' : `'${name}'`}, which is not an input of this session; ` +
          `its inputs are ${quoteList(s.inputNames)}`,
      );
    }
    if (seen.has(name)) throw new ChildError('refused', `input '${name}' is fed twice`);
    seen.add(name);
    map[name] = toOrtTensor(o, f, `feed '${name}'`);
  }
  const missing = s.inputNames.filter((n) => !seen.has(n));
  if (missing.length) {
    throw new ChildError(
      'refused',
      `no feed for input${missing.length > 1 ? 's' : ''} ${quoteList(missing)}; the session takes ${quoteList(s.inputNames)}`,
    );
  }
  let names = s.outputNames;
  if (fetches !== undefined) {
    if (!Array.isArray(fetches) || fetches.length === 0) {
      throw new ChildError('refused', 'fetches must be a non-empty array of output names (or absent for all outputs)');
    }
    const unknown = fetches.filter((n) => !s.outputNames.includes(n));
    if (unknown.length) {
      throw new ChildError('refused', `cannot fetch ${quoteList(unknown)}: the session's outputs are ${quoteList(s.outputNames)}`);
    }
    names = fetches.slice();
  }
  return { feeds: map, fetches: names };
}

async function run(req: RunRequest) {
  const s = sessionOf(req.sessionId);
  const t0 = performance.now();
  const p = prepare(s, req.feeds, req.fetches);
  const t1 = performance.now();
  const res = await s.session.run(p.feeds, p.fetches);
  const t2 = performance.now();
  const outputs = p.fetches.map((n) => {
    const v = res[n];
    if (!v) throw new ChildError('ort-error', `onnxruntime returned no value for output '${n}'`);
    return fromOrtTensor(n, v);
  });
  const t3 = performance.now();
  return { outputs, timings: { feedMs: t1 - t0, runMs: t2 - t1, fetchMs: t3 - t2 } };
}

async function bench(req: BenchRequest) {
  const s = sessionOf(req.sessionId);
  for (const [k, v] of [['warmup', req.warmup], ['iterations', req.iterations]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new ChildError('refused', `${k} must be a non-negative integer; found ${v}`);
  }
  const p = prepare(s, req.feeds, req.fetches);
  const warmupMs: number[] = [];
  const latenciesMs: number[] = [];
  for (let i = 0; i < req.warmup + req.iterations; i++) {
    const t0 = performance.now();
    await s.session.run(p.feeds, p.fetches);
    const dt = performance.now() - t0;
    (i < req.warmup ? warmupMs : latenciesMs).push(dt);
  }
  return { latenciesMs, warmupMs };
}

function info(): InfoResult {
  const o = ort();
  const versions = o.env.versions as Record<string, string | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const list = (o as any).listSupportedBackends as (() => { name: string; bundled: boolean }[]) | undefined;
  return {
    ortVersion: versions.node ?? versions.common ?? 'unknown',
    availableProviders: list ? list().map((b) => ({ name: b.name, bundled: !!b.bundled })) : [{ name: 'cpu', bundled: true }],
    pid: process.pid,
    nodeVersion: process.version,
    platform: process.platform,
    arch: process.arch,
  };
}

async function handle(req: Request): Promise<unknown> {
  switch (req.type) {
    case 'load':
      return load(req);
    case 'run':
      return run(req);
    case 'bench':
      return bench(req);
    case 'release': {
      const s = sessions.get(req.sessionId);
      if (!s) return { released: false };
      sessions.delete(req.sessionId);
      await s.session.release();
      return { released: true };
    }
    case 'info':
      return info();
    case 'cancel':
      return { dropped: false };
  }
}

async function pump(): Promise<void> {
  if (pumping) return;
  pumping = true;
  try {
    while (queue.length > 0) {
      const req = queue.shift()!;
      if (cancelled.delete(req.id)) {
        send({ id: req.id, ok: false, error: { kind: 'cancelled', message: `request ${req.id} (${req.type}) was cancelled before it started`, pid: process.pid } });
        continue;
      }
      try {
        const result = await handle(req);
        send({ id: req.id, ok: true, result });
      } catch (e) {
        fail(req.id, e);
      }
      // Let the event loop read the IPC pipe (a cancel may be waiting) before the next request starts.
      await new Promise<void>((r) => setImmediate(r));
    }
  } finally {
    pumping = false;
  }
}

function onMessage(m: unknown): void {
  const r = m as Request;
  if (typeof m !== 'object' || m === null || typeof r.id !== 'number') {
    process.stderr.write(`onnx-lens runtime: ignored a message without a numeric id\n`);
    return;
  }
  if (typeof r.type !== 'string' || !REQUEST_TYPES.has(r.type)) {
    send({ id: r.id, ok: false, error: { kind: 'refused', message: `unknown request type '${String(r.type)}'; expected one of ${[...REQUEST_TYPES].join(', ')}` } });
    return;
  }
  if (r.type === 'cancel') {
    const queued = queue.some((q) => q.id === r.targetId);
    if (queued) cancelled.add(r.targetId);
    send({ id: r.id, ok: true, result: { dropped: queued } });
    return;
  }
  queue.push(r);
  void pump();
}

/**
 * If the parent dies without a goodbye (SIGKILL, crash) while a run blocks this thread, 'disconnect' is
 * never seen and an endless run would keep a core busy forever. A tiny worker thread keeps running while
 * the main thread is inside onnxruntime; when this process is re-parented it kills the process.
 */
function watchParent(): void {
  try {
    const w = new Worker(
      `const { workerData } = require('node:worker_threads');
       setInterval(() => { if (process.ppid !== workerData) process.kill(process.pid, 'SIGKILL'); }, 500);`,
      { eval: true, workerData: process.ppid },
    );
    w.unref();
    w.on('error', (e) => process.stderr.write(`onnx-lens runtime: parent watchdog stopped: ${errorText(e)}\n`));
  } catch (e) {
    process.stderr.write(`onnx-lens runtime: no parent watchdog: ${errorText(e)}\n`);
  }
}

if (!process.send) {
  process.stderr.write('onnx-lens runtime: this is the onnxruntime child process; start it with child_process.fork (RuntimeClient)\n');
  process.exit(2);
}
watchParent();
process.on('message', onMessage);
// The parent went away: nothing left to answer to.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', pid: process.pid, instance });
