/**
 * RuntimeClient: the parent side of the onnxruntime child process. onnxruntime-node never loads in the
 * calling process (a native crash there would take the VS Code extension host down, microsoft/vscode#115185).
 *
 * - The child is forked lazily on the first request that needs it, with stdio piped (its stderr, where
 *   onnxruntime logs, goes to `log` and a tail is kept for crash reports) and structured-clone IPC.
 * - Requests are matched to responses by id. The child handles them in order, so the oldest pending
 *   request is the running one: its timeout clock starts when it reaches the head of the line.
 * - A request over its timeout, an abort of the running request, `cancel()`, or resident memory over the
 *   ceiling (VmRSS from /proc/<pid>/status, polled every ~100 ms: it counts onnxruntime's native
 *   allocations, and a child blocked in session.run could not report on itself) kill the child with
 *   SIGKILL; every pending request then fails with a RuntimeError saying why (kind 'timeout',
 *   'cancelled', 'out-of-memory'); a child that dies on its own gives 'crashed' with exit code/signal.
 * - The next request starts a fresh child. Sessions of a stopped child are invalid, and using one fails
 *   with kind 'invalid-session' naming what ended it.
 * - `load` first checks the model's graph inputs/outputs (typecheck.ts) and refuses sequences, maps,
 *   optionals and element types the JS API lacks, before any child starts.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HostTensor } from '../core/ir/hosttensor';
import {
  INSTANCE_ARG,
  isChildEvent,
  isResponse,
  sessionInstance,
  type BenchResult,
  type InfoResult,
  type LoadOptions,
  type LoadResult,
  type Request,
  type RequestPayload,
  type RequestType,
  type ResultOf,
  type RunResult,
  type RuntimeErrorData,
  type RuntimeErrorKind,
  type SessionId,
} from './protocol';
import { checkRuntimeIoBytes, refusalMessage, type IoTypeProblem } from './typecheck';

/** A failed runtime request. `kind` says what happened; see RuntimeErrorKind in protocol.ts. */
export class RuntimeError extends Error implements RuntimeErrorData {
  override name = 'RuntimeError';
  readonly kind: RuntimeErrorKind;
  readonly exitCode?: number | null;
  readonly signal?: string | null;
  readonly pid?: number;
  readonly stderrTail?: string;
  /** For a refused load: every graph input/output the JS API cannot pass. */
  readonly problems?: IoTypeProblem[];

  constructor(data: RuntimeErrorData & { problems?: IoTypeProblem[] }) {
    super(data.message);
    this.kind = data.kind;
    if (data.exitCode !== undefined) this.exitCode = data.exitCode;
    if (data.signal !== undefined) this.signal = data.signal;
    if (data.pid !== undefined) this.pid = data.pid;
    if (data.stderrTail !== undefined) this.stderrTail = data.stderrTail;
    if (data.problems !== undefined) this.problems = data.problems;
  }

  /** The plain data form (for webview messages, JSON output). */
  toData(): RuntimeErrorData {
    const d: RuntimeErrorData = { kind: this.kind, message: this.message };
    if (this.exitCode !== undefined) d.exitCode = this.exitCode;
    if (this.signal !== undefined) d.signal = this.signal;
    if (this.pid !== undefined) d.pid = this.pid;
    if (this.stderrTail !== undefined) d.stderrTail = this.stderrTail;
    return d;
  }
}

export interface RuntimeClientOptions {
  /** The child entry. Default: runtime-child.js beside this module (bundled), else child.ts (from source, via tsx). */
  childPath?: string;
  /** Node binary for the child. Default: process.execPath (fork's default; in VS Code that is Electron run as Node). */
  execPath?: string;
  /** Node flags for the child. Default: none for .js, ['--import', tsx] for .ts. Never inherited from this process. */
  execArgv?: string[];
  /** Per-request limit in ms, counted from when the request reaches the child's head of line. Default 120000; 0: none. */
  timeoutMs?: number;
  /** Limit for the child to start and say it is ready, in ms. Default 30000. */
  startTimeoutMs?: number;
  /** Ceiling on the child's resident memory, in MiB. Default: 75 % of the machine's memory; 0: none. */
  memoryLimitMb?: number;
  /** How often to read the child's resident memory, in ms. Default 100. */
  memoryPollMs?: number;
  /** Receives each line the child writes to stdout or stderr (onnxruntime's log goes to stderr). */
  log?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Environment for the child. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Lines of the child's output kept for crash reports. Default 30. */
  stderrTailLines?: number;
  /** Reads a process's resident memory in bytes. Default: VmRSS from /proc/<pid>/status (Linux); elsewhere no ceiling. */
  readRssBytes?: (pid: number) => Promise<number | undefined>;
}

/** Per-call options. */
export interface CallOptions {
  /** Overrides the client's timeoutMs for this request. */
  timeoutMs?: number;
  /**
   * Aborting a request the child has not started drops it quietly; aborting the running one kills the
   * child (onnxruntime cannot interrupt a run), which fails every other pending request too.
   */
  signal?: AbortSignal;
}

export interface LoadArgs {
  /** Exactly one of modelPath and modelBytes. */
  modelPath?: string;
  modelBytes?: Uint8Array;
  options?: LoadOptions;
  /**
   * Skip the check of graph inputs/outputs (typecheck.ts). Unsafe: a model with sequence/optional I/O can
   * crash onnxruntime-node natively. Meant for tests and for users who insist.
   */
  unsafeSkipTypeCheck?: boolean;
}

export interface RunOptions extends CallOptions {
  /** Output names to fetch; all when absent. */
  fetches?: string[];
}

export interface BenchOptions extends RunOptions {
  warmup: number;
  iterations: number;
}

/** Why a child stopped, for listeners (e.g. to log "runtime restarted"). */
export interface ChildStopEvent {
  pid: number | undefined;
  instance: string;
  error: RuntimeErrorData;
}

interface Pending {
  id: number;
  type: RequestType;
  resolve: (v: unknown) => void;
  reject: (e: RuntimeError) => void;
  timeoutMs: number;
  timer?: NodeJS.Timeout;
  /** Already answered locally (aborted while queued); the child's answer will be ignored. */
  settled: boolean;
  /** Internal messages (cancel) travel out of band: not in the child's queue, no timer. */
  outOfBand: boolean;
  cleanup?: () => void;
}

interface StopReason {
  kind: RuntimeErrorKind;
  message: string;
  /** The request that caused the stop, when one did. */
  causeId?: number;
}

interface ChildHandle {
  proc: ChildProcess;
  instance: string;
  pid: number | undefined;
  ready: boolean;
  /** Messages waiting for the child's 'ready' (anything sent earlier could reach it before its listener). */
  outbox: Request[];
  pending: Map<number, Pending>;
  /** Ids in the child's queue, oldest (running) first. */
  order: number[];
  stopReason?: StopReason;
  exited: boolean;
  /** Resolves when the child has exited and every pending request has been answered. */
  done: Promise<void>;
  markDone: () => void;
  tail: string[];
  partial: { stdout: string; stderr: string };
  startTimer?: NodeJS.Timeout;
  rssTimer?: NodeJS.Timeout;
  rssReading: boolean;
  peakRss: number;
  referenced: boolean;
}

const MiB = 1024 * 1024;

async function procRssBytes(pid: number): Promise<number | undefined> {
  try {
    const s = await fsp.readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s*kB/m.exec(s);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Where the child entry is: bundled next to this code (dist/), or the source beside this file. */
export function defaultChildPath(): string {
  const candidates = [path.join(__dirname, 'runtime-child.js'), path.join(__dirname, 'child.ts')];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new RuntimeError({
    kind: 'crashed',
    message: `the onnxruntime child entry was not found (looked for ${candidates.join(' and ')}); build with 'npm run build' or pass childPath`,
  });
}

function tsxImport(): string {
  try {
    return pathToFileURL(require.resolve('tsx')).href;
  } catch {
    return 'tsx';
  }
}

function mb(bytes: number): string {
  return `${Math.round(bytes / MiB)} MiB`;
}

export class RuntimeClient {
  private readonly opts: RuntimeClientOptions;
  private readonly token = randomBytes(4).toString('hex');
  private generation = 0;
  private nextId = 1;
  private child: ChildHandle | undefined;
  /** Instances of children that have stopped, and what stopped them. */
  private readonly dead = new Map<string, string>();
  private disposed = false;
  private started = 0;
  private readonly stopListeners = new Set<(e: ChildStopEvent) => void>();

  constructor(options: RuntimeClientOptions = {}) {
    this.opts = { ...options };
  }

  /** The running child's pid, if one is running. */
  get pid(): number | undefined {
    const c = this.child;
    return c && !c.exited ? c.pid : undefined;
  }

  /** How many child processes this client has started (a refused load starts none). */
  get childrenStarted(): number {
    return this.started;
  }

  /** The effective memory ceiling in bytes (0: none). */
  get memoryLimitBytes(): number {
    const mbLimit = this.opts.memoryLimitMb ?? Math.floor((os.totalmem() * 0.75) / MiB);
    return mbLimit > 0 ? mbLimit * MiB : 0;
  }

  /** Called whenever a child stops (crash, kill, dispose). Returns a disposable. */
  onDidStopChild(listener: (e: ChildStopEvent) => void): { dispose(): void } {
    this.stopListeners.add(listener);
    return { dispose: () => this.stopListeners.delete(listener) };
  }

  /**
   * Creates a session. Refuses (kind 'refused', with `problems`) a model whose graph takes or returns a
   * sequence, map, optional or sparse value or a tensor of an element type the JS API lacks, without
   * starting a child, unless `unsafeSkipTypeCheck`.
   */
  async load(args: LoadArgs, call?: CallOptions): Promise<LoadResult> {
    this.assertNotDisposed();
    const hasPath = typeof args.modelPath === 'string' && args.modelPath.length > 0;
    const hasBytes = args.modelBytes instanceof Uint8Array;
    if (hasPath === hasBytes) {
      throw new RuntimeError({
        kind: 'refused',
        message: `load needs exactly one of modelPath and modelBytes; found ${hasPath ? 'both' : 'neither'}`,
      });
    }
    const modelPath = hasPath ? path.resolve(args.modelPath!) : undefined;
    if (!args.unsafeSkipTypeCheck) {
      let bytes: Uint8Array;
      if (hasBytes) bytes = args.modelBytes!;
      else {
        try {
          bytes = await fsp.readFile(modelPath!);
        } catch (e) {
          throw new RuntimeError({ kind: 'refused', message: `cannot read the model file ${modelPath}: ${(e as Error).message}` });
        }
      }
      let problems: IoTypeProblem[];
      try {
        problems = checkRuntimeIoBytes(bytes);
      } catch (e) {
        throw new RuntimeError({
          kind: 'refused',
          message: `${modelPath ?? 'the model bytes'} is not a well-formed ONNX model (protobuf decoding failed: ${(e as Error).message})`,
        });
      }
      if (problems.length > 0) throw new RuntimeError({ kind: 'refused', message: refusalMessage(problems), problems });
    }
    const payload: RequestPayload<'load'> = { type: 'load' };
    if (modelPath !== undefined) payload.modelPath = modelPath;
    else payload.modelBytes = args.modelBytes!;
    if (args.options) payload.options = args.options;
    return this.request<'load'>(payload, call);
  }

  /** Runs a session once. Outputs come back in the order of `fetches` (or of the session's outputs). */
  async run(sessionId: SessionId, feeds: HostTensor[], options: RunOptions = {}): Promise<RunResult> {
    this.assertSession(sessionId);
    const payload: RequestPayload<'run'> = { type: 'run', sessionId, feeds };
    if (options.fetches) payload.fetches = options.fetches;
    return this.request<'run'>(payload, options);
  }

  /** Runs a session warmup + iterations times in the child, timing each session.run there. */
  async bench(sessionId: SessionId, feeds: HostTensor[], options: BenchOptions): Promise<BenchResult> {
    this.assertSession(sessionId);
    const payload: RequestPayload<'bench'> = {
      type: 'bench', sessionId, feeds, warmup: options.warmup, iterations: options.iterations,
    };
    if (options.fetches) payload.fetches = options.fetches;
    return this.request<'bench'>(payload, options);
  }

  /** Frees a session. A session of a stopped child is already gone: that resolves to false. */
  async release(sessionId: SessionId, call?: CallOptions): Promise<boolean> {
    const c = this.child;
    if (this.disposed || !c || c.exited || c.stopReason || sessionInstance(sessionId) !== c.instance) return false;
    const r = await this.request<'release'>({ type: 'release', sessionId }, call);
    return r.released;
  }

  /** onnxruntime version, the execution providers its binaries report, and the child's pid. Starts a child if needed. */
  async info(call?: CallOptions): Promise<InfoResult> {
    return this.request<'info'>({ type: 'info' }, call);
  }

  /**
   * Cancels everything pending: when any request is pending, kills the child (onnxruntime cannot
   * interrupt a run) and resolves once it has exited and every pending request has failed with kind
   * 'cancelled'. With nothing pending it does nothing, and loaded sessions stay valid.
   */
  async cancel(): Promise<void> {
    const c = this.child;
    if (!c || c.exited) return;
    const live = [...c.pending.values()].some((p) => !p.settled && !p.outOfBand);
    if (!live) return;
    this.stop(c, {
      kind: 'cancelled',
      message: `cancelled: the onnxruntime process (pid ${c.pid}) was stopped, since a running request cannot be interrupted otherwise`,
    });
    await c.done;
  }

  /** Stops the child (pending requests fail with kind 'disposed'); the client cannot be used afterwards. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const c = this.child;
    if (c && !c.exited) {
      this.stop(c, { kind: 'disposed', message: 'the runtime client was disposed' });
      await c.done;
    }
    this.stopListeners.clear();
  }

  /** Sends one request and waits for its response. The typed methods above are the usual way in. */
  request<K extends RequestType>(payload: RequestPayload<K>, call: CallOptions = {}): Promise<ResultOf<K>> {
    try {
      this.assertNotDisposed();
    } catch (e) {
      return Promise.reject(e);
    }
    if (call.signal?.aborted) {
      return Promise.reject(new RuntimeError({ kind: 'cancelled', message: `${payload.type} was cancelled before it was sent` }));
    }
    let c: ChildHandle;
    try {
      c = this.ensureChild();
    } catch (e) {
      return Promise.reject(e);
    }
    const id = this.nextId++;
    const outOfBand = payload.type === 'cancel';
    return new Promise<ResultOf<K>>((resolve, reject) => {
      const p: Pending = {
        id,
        type: payload.type,
        resolve: resolve as (v: unknown) => void,
        reject,
        timeoutMs: call.timeoutMs ?? this.opts.timeoutMs ?? 120_000,
        settled: false,
        outOfBand,
      };
      c.pending.set(id, p);
      if (!outOfBand) c.order.push(id);
      const signal = call.signal;
      if (signal) {
        const onAbort = () => this.abortRequest(c, p);
        signal.addEventListener('abort', onAbort, { once: true });
        p.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.setReferenced(c, true);
      const msg = { ...payload, id } as Request;
      if (c.ready) this.send(c, msg);
      else c.outbox.push(msg);
      this.armHead(c);
    });
  }

  // ---- internals ----

  private assertNotDisposed(): void {
    if (this.disposed) throw new RuntimeError({ kind: 'disposed', message: 'the runtime client was disposed; create a new one' });
  }

  private assertSession(sessionId: SessionId): void {
    this.assertNotDisposed();
    if (typeof sessionId !== 'string') {
      throw new RuntimeError({ kind: 'invalid-session', message: `a session id is a string from load(); found ${typeof sessionId}` });
    }
    const inst = sessionInstance(sessionId);
    const c = this.child;
    if (c && !c.exited && !c.stopReason && inst === c.instance) return;
    const why = inst !== undefined ? this.dead.get(inst) : undefined;
    if (why !== undefined) {
      throw new RuntimeError({
        kind: 'invalid-session',
        message: `session '${sessionId}' belonged to an onnxruntime process that has stopped (${why}); its sessions are gone: load the model again`,
      });
    }
    if (c && c.stopReason && inst === c.instance) {
      throw new RuntimeError({
        kind: 'invalid-session',
        message: `session '${sessionId}' belongs to an onnxruntime process that is being stopped (${c.stopReason.kind}); load the model again`,
      });
    }
    throw new RuntimeError({
      kind: 'invalid-session',
      message: `session '${sessionId}' was not created by this runtime client; use the sessionId that load() returned`,
    });
  }

  private ensureChild(): ChildHandle {
    const c = this.child;
    if (c && !c.exited && !c.stopReason) return c;
    return this.spawn();
  }

  private spawn(): ChildHandle {
    const childPath = this.opts.childPath ?? defaultChildPath();
    const isTs = /\.[cm]?ts$/.test(childPath);
    const execArgv = this.opts.execArgv ?? (isTs ? ['--import', tsxImport()] : []);
    const instance = `${this.token}-${++this.generation}`;
    let env = this.opts.env ?? process.env;
    // Inside VS Code, process.execPath is Electron: make the child run as plain Node (as vscode-languageclient does).
    if (process.versions.electron && env.ELECTRON_RUN_AS_NODE === undefined) env = { ...env, ELECTRON_RUN_AS_NODE: '1' };
    const forkOpts: Parameters<typeof fork>[2] = {
      execArgv,
      env,
      stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    };
    if (this.opts.execPath) forkOpts.execPath = this.opts.execPath;
    const proc = fork(childPath, [INSTANCE_ARG + instance], forkOpts);
    this.started++;
    let markDone!: () => void;
    const done = new Promise<void>((r) => (markDone = r));
    const c: ChildHandle = {
      proc, instance, pid: proc.pid, ready: false, outbox: [], pending: new Map(), order: [],
      exited: false, done, markDone, tail: [], partial: { stdout: '', stderr: '' },
      rssReading: false, peakRss: 0, referenced: true,
    };
    this.child = c;
    proc.stdin?.end();
    proc.stdout?.setEncoding('utf8');
    proc.stderr?.setEncoding('utf8');
    proc.stdout?.on('data', (d: string) => this.onOutput(c, 'stdout', d));
    proc.stderr?.on('data', (d: string) => this.onOutput(c, 'stderr', d));
    proc.on('message', (m) => this.onMessage(c, m));
    proc.on('error', (err) => {
      this.log(c, 'stderr', `onnx-lens runtime: child process error: ${err.message}`);
      // A process that never started emits no 'exit': finish it here.
      if (proc.pid === undefined && !c.exited) this.onExit(c, null, null, `could not be started: ${err.message}`);
    });
    proc.on('exit', (code, signal) => this.onExit(c, code, signal));

    const startMs = this.opts.startTimeoutMs ?? 30_000;
    c.startTimer = setTimeout(() => {
      if (!c.ready) {
        this.stop(c, {
          kind: 'timeout',
          message: `the onnxruntime process (pid ${c.pid}) did not start within ${startMs} ms`,
        });
      }
    }, startMs);

    const limit = this.memoryLimitBytes;
    const reader = this.opts.readRssBytes ?? (process.platform === 'linux' ? procRssBytes : undefined);
    if (limit > 0 && reader && c.pid !== undefined) {
      const pid = c.pid;
      c.rssTimer = setInterval(() => {
        if (c.rssReading || c.exited || c.stopReason) return;
        c.rssReading = true;
        reader(pid).then(
          (rss) => {
            c.rssReading = false;
            if (rss === undefined || c.exited || c.stopReason) return;
            if (rss > c.peakRss) c.peakRss = rss;
            if (rss > limit) {
              const head = c.order[0] !== undefined ? c.pending.get(c.order[0]) : undefined;
              this.stop(c, {
                kind: 'out-of-memory',
                message:
                  `the onnxruntime process (pid ${pid}) used ${mb(rss)} of memory, over the ${mb(limit)} limit, and was stopped` +
                  (head ? ` during request ${head.id} (${head.type})` : '') +
                  `. Raise the runtime memory limit, or use smaller inputs or a smaller model.`,
                causeId: head?.id,
              });
            }
          },
          () => {
            c.rssReading = false;
          },
        );
      }, this.opts.memoryPollMs ?? 100);
      c.rssTimer.unref();
    }
    return c;
  }

  private send(c: ChildHandle, msg: Request): void {
    try {
      c.proc.send(msg, (err) => {
        if (err) this.log(c, 'stderr', `onnx-lens runtime: could not send request ${msg.id} (${msg.type}): ${err.message}`);
      });
    } catch (e) {
      // The channel is closed: the child is exiting, and onExit answers this request.
      this.log(c, 'stderr', `onnx-lens runtime: could not send request ${msg.id} (${msg.type}): ${(e as Error).message}`);
    }
  }

  private onMessage(c: ChildHandle, m: unknown): void {
    if (isChildEvent(m)) {
      if (m.type === 'ready' && !c.ready) {
        c.ready = true;
        if (c.startTimer) clearTimeout(c.startTimer);
        const out = c.outbox.splice(0);
        for (const msg of out) this.send(c, msg);
        this.armHead(c);
      }
      return;
    }
    if (!isResponse(m)) {
      this.log(c, 'stderr', 'onnx-lens runtime: ignored a malformed message from the child');
      return;
    }
    const p = c.pending.get(m.id);
    if (!p) return;
    c.pending.delete(m.id);
    const i = c.order.indexOf(m.id);
    if (i >= 0) c.order.splice(i, 1);
    if (p.timer) clearTimeout(p.timer);
    p.cleanup?.();
    if (!p.settled) {
      p.settled = true;
      if (m.ok) p.resolve(m.result);
      else p.reject(new RuntimeError(m.error));
    }
    this.armHead(c);
    if (c.pending.size === 0) this.setReferenced(c, false);
  }

  /** Starts the timeout clock of the request at the head of the child's queue (the one running). */
  private armHead(c: ChildHandle): void {
    if (!c.ready || c.exited || c.stopReason) return;
    const id = c.order[0];
    if (id === undefined) return;
    const p = c.pending.get(id);
    if (!p || p.timer || !(p.timeoutMs > 0)) return;
    p.timer = setTimeout(() => {
      this.stop(c, {
        kind: 'timeout',
        message:
          `request ${p.id} (${p.type}) did not finish within ${p.timeoutMs} ms; the onnxruntime process (pid ${c.pid}) was stopped ` +
          `(a run cannot be interrupted otherwise). Raise the runtime timeout if the model needs longer.`,
        causeId: p.id,
      });
    }, p.timeoutMs);
  }

  private abortRequest(c: ChildHandle, p: Pending): void {
    if (p.settled || c.exited) return;
    if (c.stopReason) {
      // The child is already being stopped: this request fails anyway; say it was cancelled.
      p.settled = true;
      p.cleanup?.();
      p.reject(new RuntimeError({ kind: 'cancelled', message: `request ${p.id} (${p.type}) was cancelled` }));
      return;
    }
    const unsent = c.outbox.findIndex((m) => m.id === p.id);
    if (unsent >= 0) {
      // The child is still starting and has not seen this request: forget it.
      c.outbox.splice(unsent, 1);
      c.pending.delete(p.id);
      const i = c.order.indexOf(p.id);
      if (i >= 0) c.order.splice(i, 1);
      p.settled = true;
      p.cleanup?.();
      p.reject(new RuntimeError({ kind: 'cancelled', message: `request ${p.id} (${p.type}) was cancelled before it was sent` }));
      if (c.pending.size === 0) this.setReferenced(c, false);
      return;
    }
    if (c.order[0] === p.id) {
      // Running (or the child is not even up): the only way to stop it is to stop the child.
      this.stop(c, {
        kind: 'cancelled',
        message: `request ${p.id} (${p.type}) was cancelled; the onnxruntime process (pid ${c.pid}) was stopped to interrupt it`,
        causeId: p.id,
      });
      return;
    }
    // Still queued in the child: answer now, and ask the child to drop it.
    p.settled = true;
    p.cleanup?.();
    p.reject(new RuntimeError({ kind: 'cancelled', message: `request ${p.id} (${p.type}) was cancelled before it started` }));
    const id = this.nextId++;
    c.pending.set(id, { id, type: 'cancel', resolve: () => undefined, reject: () => undefined, timeoutMs: 0, settled: false, outOfBand: true });
    this.send(c, { type: 'cancel', targetId: p.id, id });
  }

  /** Kills the child with SIGKILL, remembering why; onExit answers the pending requests. */
  private stop(c: ChildHandle, reason: StopReason): void {
    if (c.exited || c.stopReason) return;
    c.stopReason = reason;
    for (const p of c.pending.values()) if (p.timer) clearTimeout(p.timer);
    if (c.rssTimer) clearInterval(c.rssTimer);
    if (c.startTimer) clearTimeout(c.startTimer);
    this.setReferenced(c, true);
    try {
      c.proc.kill('SIGKILL');
    } catch (e) {
      this.log(c, 'stderr', `onnx-lens runtime: could not kill pid ${c.pid}: ${(e as Error).message}`);
    }
  }

  private onExit(c: ChildHandle, code: number | null, signal: NodeJS.Signals | null, startError?: string): void {
    if (c.exited) return;
    c.exited = true;
    if (this.child === c) this.child = undefined;
    if (c.rssTimer) clearInterval(c.rssTimer);
    if (c.startTimer) clearTimeout(c.startTimer);
    for (const p of c.pending.values()) if (p.timer) clearTimeout(p.timer);
    // Let the pipes deliver what the child wrote last (onnxruntime's message before an abort), briefly.
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      this.flushPartial(c);
      this.failAll(c, code, signal, startError);
    };
    const t = setTimeout(finish, 150);
    c.proc.once('close', () => {
      clearTimeout(t);
      finish();
    });
    if (startError) {
      clearTimeout(t);
      finish();
    }
  }

  private failAll(c: ChildHandle, code: number | null, signal: NodeJS.Signals | null, startError?: string): void {
    const tail = c.tail.join('\n');
    const lastLine = [...c.tail].reverse().find((l) => l.trim().length > 0);
    const base: Omit<RuntimeErrorData, 'kind' | 'message'> = { exitCode: code, signal, pid: c.pid };
    if (tail) base.stderrTail = tail;
    const reason = c.stopReason;
    const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
    let kind: RuntimeErrorKind;
    let message: string;
    let summary: string;
    if (reason) {
      kind = reason.kind;
      message = reason.message;
      summary = `${reason.kind}`;
    } else {
      kind = 'crashed';
      const oomHint = signal === 'SIGKILL' ? ' (SIGKILL from outside: the system may have run out of memory)' : '';
      message = startError
        ? `the onnxruntime process ${startError}`
        : `the onnxruntime process (pid ${c.pid}) ${how}${oomHint}` + (lastLine ? `; its last output: ${lastLine.trim()}` : '');
      summary = `crashed, ${startError ?? how}`;
    }
    this.dead.set(c.instance, summary);
    const error: RuntimeErrorData = { ...base, kind, message };
    const head = c.order[0] !== undefined ? c.pending.get(c.order[0]) : undefined;
    const headText = head ? `request ${head.id} (${head.type})` : 'no request';
    for (const p of c.pending.values()) {
      p.cleanup?.();
      if (p.settled || p.outOfBand) continue;
      p.settled = true;
      let m = message;
      if (reason) {
        if (reason.causeId !== undefined && reason.causeId !== p.id) m = `request ${p.id} (${p.type}) was lost: ${message}`;
      } else if (!startError) {
        m = p === head ? `${message}, during ${headText}` : `request ${p.id} (${p.type}) was lost: ${message}, during ${headText}`;
      }
      p.reject(new RuntimeError({ ...error, message: `${m}. Sessions of that process are gone: load the model again.` }));
    }
    c.pending.clear();
    c.order.length = 0;
    for (const l of this.stopListeners) {
      try {
        l({ pid: c.pid, instance: c.instance, error });
      } catch {
        // a listener's failure is not the runtime's
      }
    }
    c.markDone();
  }

  private onOutput(c: ChildHandle, stream: 'stdout' | 'stderr', chunk: string): void {
    const text = c.partial[stream] + chunk;
    const lines = text.split(/\r?\n/);
    c.partial[stream] = lines.pop() ?? '';
    for (const line of lines) this.log(c, stream, line);
  }

  private flushPartial(c: ChildHandle): void {
    for (const s of ['stdout', 'stderr'] as const) {
      if (c.partial[s]) this.log(c, s, c.partial[s]);
      c.partial[s] = '';
    }
  }

  private log(c: ChildHandle, stream: 'stdout' | 'stderr', line: string): void {
    // onnxruntime colours its log lines; keep the tail readable.
    // eslint-disable-next-line no-control-regex
    const clean = line.replace(/\x1b\[[0-9;]*m/g, '');
    c.tail.push(clean);
    const max = this.opts.stderrTailLines ?? 30;
    if (c.tail.length > max) c.tail.splice(0, c.tail.length - max);
    try {
      this.opts.log?.(clean, stream);
    } catch {
      // a logger's failure is not the runtime's
    }
  }

  /** An idle child does not keep this process alive (a CLI that forgets dispose() still exits). */
  private setReferenced(c: ChildHandle, on: boolean): void {
    if (c.referenced === on || c.exited) return;
    c.referenced = on;
    const proc = c.proc as ChildProcess & { channel?: { ref(): void; unref(): void } | null };
    const streams = [proc.stdout, proc.stderr] as unknown as ({ ref?(): void; unref?(): void } | null)[];
    if (on) {
      proc.ref();
      proc.channel?.ref();
      for (const s of streams) s?.ref?.();
    } else {
      proc.unref();
      proc.channel?.unref();
      for (const s of streams) s?.unref?.();
    }
  }
}
