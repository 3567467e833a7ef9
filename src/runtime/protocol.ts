/**
 * Messages between the parent (RuntimeClient) and the onnxruntime child process (child.ts).
 *
 * The channel is Node's IPC with `serialization: 'advanced'` (structured clone), so Uint8Array data,
 * bigint and nested objects cross unchanged; a received Uint8Array may be an unaligned view into the
 * message buffer, so receivers never assume alignment. Every request carries a numeric `id`; the child
 * answers each with exactly one response of the same id, either `{ok: true, result}` or `{ok: false,
 * error}` (errors are data, never thrown across the boundary). The child handles requests one at a time
 * in arrival order, except `cancel`, which it handles as soon as it reads it.
 *
 * Pure types plus two tiny helpers: no onnxruntime import, safe for the extension host, CLI and tests.
 */
import type { HostTensor } from '../core/ir/hosttensor';

export type { HostTensor };

/** Session ids are minted by the child and name the child instance: `<instance>#<n>`. */
export type SessionId = string;

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'layout' | 'all';

/** The session options the runtime exposes (a subset of onnxruntime's SessionOptions, all optional). */
export interface LoadOptions {
  /** onnxruntime's default is 'all'. Never default to 'disabled' on large graphs: session creation gets very slow. */
  graphOptimizationLevel?: GraphOptimizationLevel;
  /** Threads for one operator; onnxruntime's default (0) uses every core. */
  intraOpNumThreads?: number;
  /** Provider names in preference order, e.g. ['cpu']; see `info().availableProviders`. */
  executionProviders?: string[];
  /** 0 verbose, 1 info, 2 warning (default), 3 error, 4 fatal. onnxruntime logs to the child's stderr. */
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  /**
   * Where onnxruntime writes the model as it optimized it (at `graphOptimizationLevel`), an absolute path of a
   * .onnx file. Used to compare against onnxruntime's own graph optimizations (e.g. the node count of 'basic').
   */
  optimizedModelFilePath?: string;
}

/** What onnxruntime says about one input or output of a session. */
export interface ValueMetadata {
  name: string;
  isTensor: boolean;
  /** onnxruntime-node's element type string ('float32', 'int64', ...), for tensors. */
  type?: string;
  /** Dims: numbers, or the symbolic name of a dynamic dim. For tensors. */
  shape?: (number | string)[];
}

export interface LoadRequest {
  type: 'load';
  /** Exactly one of modelPath and modelBytes. External data files are resolved next to modelPath. */
  modelPath?: string;
  modelBytes?: Uint8Array;
  options?: LoadOptions;
}
export interface LoadResult {
  sessionId: SessionId;
  inputNames: string[];
  outputNames: string[];
  inputMetadata: ValueMetadata[];
  outputMetadata: ValueMetadata[];
  /** Milliseconds the child spent creating the session. */
  loadMs: number;
}

export interface RunRequest {
  type: 'run';
  sessionId: SessionId;
  /** One tensor per input to feed, matched by `name`. */
  feeds: HostTensor[];
  /** Output names to fetch; all outputs when absent. */
  fetches?: string[];
}
export interface RunTimings {
  /** HostTensor -> onnxruntime tensors. */
  feedMs: number;
  /** Around session.run, measured in the child. */
  runMs: number;
  /** onnxruntime tensors -> HostTensor. */
  fetchMs: number;
}
export interface RunResult {
  /** In the order of `fetches` (or of the session's outputs), each with its name. */
  outputs: HostTensor[];
  timings: RunTimings;
}

export interface BenchRequest {
  type: 'bench';
  sessionId: SessionId;
  feeds: HostTensor[];
  fetches?: string[];
  /** Runs before measuring (not reported individually). */
  warmup: number;
  /** Measured runs. */
  iterations: number;
}
export interface BenchResult {
  /** Milliseconds of each measured session.run, in order. */
  latenciesMs: number[];
  /** Milliseconds of each warm-up run, in order. */
  warmupMs: number[];
}

export interface ReleaseRequest {
  type: 'release';
  sessionId: SessionId;
}
export interface ReleaseResult {
  /** False when the child had no such session (already released). */
  released: boolean;
}

/** Drop a request the child has queued but not yet started. A running request cannot be interrupted. */
export interface CancelRequest {
  type: 'cancel';
  targetId: number;
}
export interface CancelResult {
  /** True when the target was still queued and is now answered with a 'cancelled' error. */
  dropped: boolean;
}

export interface InfoRequest {
  type: 'info';
}
export interface ProviderInfo {
  name: string;
  /** True when the provider's binaries ship inside onnxruntime-node (false: they must be installed separately). */
  bundled: boolean;
}
export interface InfoResult {
  ortVersion: string;
  /** What the installed onnxruntime-node binding reports (listSupportedBackends). */
  availableProviders: ProviderInfo[];
  pid: number;
  nodeVersion: string;
  platform: string;
  arch: string;
}

/** Request payload and result for every request type. */
export interface RequestMap {
  load: { request: LoadRequest; result: LoadResult };
  run: { request: RunRequest; result: RunResult };
  bench: { request: BenchRequest; result: BenchResult };
  release: { request: ReleaseRequest; result: ReleaseResult };
  cancel: { request: CancelRequest; result: CancelResult };
  info: { request: InfoRequest; result: InfoResult };
}
export type RequestType = keyof RequestMap;
export type RequestPayload<K extends RequestType = RequestType> = RequestMap[K]['request'];
export type ResultOf<K extends RequestType> = RequestMap[K]['result'];

/** A request as it travels: the payload plus its id. */
export type Request = { [K in RequestType]: RequestMap[K]['request'] & { id: number } }[RequestType];

/**
 * What went wrong, as data. The first four kinds come from the parent (the child was stopped or died);
 * the rest come from the child, which keeps running.
 * - out-of-memory: the child's resident memory passed the limit and the parent killed it
 * - timeout: a request ran longer than its limit and the parent killed the child
 * - crashed: the child exited on its own (native crash, abort, startup failure)
 * - cancelled: the caller cancelled; a running request is stopped by killing the child
 * - disposed: the client was disposed while the request was pending
 * - invalid-session: the session id is unknown, released, or belonged to a child that has stopped
 * - refused: the request asks for something the runtime cannot do (non-tensor model I/O, unsupported
 *   element type, malformed tensor), caught before onnxruntime sees it
 * - ort-error: onnxruntime itself threw (load or run failure); the message is onnxruntime's
 */
export type RuntimeErrorKind =
  | 'out-of-memory'
  | 'timeout'
  | 'crashed'
  | 'cancelled'
  | 'disposed'
  | 'invalid-session'
  | 'refused'
  | 'ort-error';

export interface RuntimeErrorData {
  kind: RuntimeErrorKind;
  message: string;
  /** The child's exit code when it exited. */
  exitCode?: number | null;
  /** The signal that ended the child (e.g. 'SIGSEGV', 'SIGKILL'). */
  signal?: string | null;
  /** The child's pid. */
  pid?: number;
  /** The last lines the child wrote to stderr before it ended (onnxruntime's own messages land there). */
  stderrTail?: string;
}

export type Response =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: RuntimeErrorData };

/** Unsolicited messages from the child. */
export type ChildEvent = { type: 'ready'; pid: number; instance: string };

/** Everything the child may send. */
export type ChildMessage = Response | ChildEvent;

/** argv flag that hands the child its instance name (used to mint session ids). */
export const INSTANCE_ARG = '--onnx-lens-instance=';

export function isResponse(m: unknown): m is Response {
  return typeof m === 'object' && m !== null && typeof (m as { id?: unknown }).id === 'number' &&
    typeof (m as { ok?: unknown }).ok === 'boolean';
}

export function isChildEvent(m: unknown): m is ChildEvent {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'ready';
}

/** The instance part of a session id (`<instance>#<n>`), or undefined when it has none. */
export function sessionInstance(sessionId: SessionId): string | undefined {
  const i = sessionId.lastIndexOf('#');
  return i > 0 ? sessionId.slice(0, i) : undefined;
}
