/**
 * What compare, layerwise and bench need from a runtime, as a structural interface: the RuntimeClient of
 * src/runtime (onnxruntime-node in a child process) satisfies it, and src/core never imports it (core stays
 * free of onnxruntime-node and of the process machinery).
 *
 * Errors: a runtime failure is expected to carry `kind` (RuntimeErrorKind: 'ort-error', 'refused',
 * 'crashed', 'timeout', 'out-of-memory', 'cancelled', 'disposed', 'invalid-session') and a message;
 * `RunFailure` wraps it with what was being done and, for load failures, a plain reason.
 */
import type { HostTensor } from '../ir/hosttensor';
import type { Model } from '../ir/model';
import { resolutionMessage, resolveSchema } from '../schema';
import { dtypeName } from '../ir/dtype';

export type OptimizationLevel = 'disabled' | 'basic' | 'extended' | 'layout' | 'all';

export interface RunnerLoadOptions {
  graphOptimizationLevel?: OptimizationLevel;
  intraOpNumThreads?: number;
  executionProviders?: string[];
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

export interface RunnerValueMetadata {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: (number | string)[];
}

export interface RunnerSession {
  sessionId: string;
  inputNames: string[];
  outputNames: string[];
  inputMetadata?: RunnerValueMetadata[];
  outputMetadata?: RunnerValueMetadata[];
  loadMs?: number;
}

export interface RunnerCall {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface Runner {
  load(args: { modelPath?: string; modelBytes?: Uint8Array; options?: RunnerLoadOptions }, call?: RunnerCall): Promise<RunnerSession>;
  run(
    sessionId: string,
    feeds: HostTensor[],
    options?: RunnerCall & { fetches?: string[] },
  ): Promise<{ outputs: HostTensor[]; timings: { feedMs: number; runMs: number; fetchMs: number } }>;
  bench(
    sessionId: string,
    feeds: HostTensor[],
    options: RunnerCall & { fetches?: string[]; warmup: number; iterations: number },
  ): Promise<{ latenciesMs: number[]; warmupMs: number[] }>;
  release(sessionId: string): Promise<boolean>;
}

/** The kind of a runtime error (duck-typed: RuntimeError of src/runtime), or undefined. */
export function runtimeErrorKind(e: unknown): string | undefined {
  const k = (e as { kind?: unknown } | null)?.kind;
  return typeof e === 'object' && e !== null && typeof k === 'string' ? k : undefined;
}

/** A failed load or run, saying what was being done, what onnxruntime said and (when known) why. */
export class RunFailure extends Error {
  constructor(
    message: string,
    /** The runtime error kind ('ort-error', 'crashed', ...), when the cause was a runtime error. */
    readonly kind: string | undefined,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'RunFailure';
  }
}

function oneLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).filter(Boolean).join('; ');
}

/**
 * A plain reason for onnxruntime's load errors that ONNX Lens can explain from the model: an operator
 * missing at the imported opset, or an operator of an unknown (custom) domain.
 */
export function explainLoadError(message: string, model?: Model): string | undefined {
  const noOp = /No Op registered for (\S+) with domain_version of (\d+)/.exec(message);
  if (noOp) {
    const [, op, ver] = noOp;
    const node = model ? [...model.allNodes()].find((n) => n.opType === op) : undefined;
    const domain = node?.domain ?? '';
    const why = model ? resolutionMessage(domain, op, resolveSchema(domain, op, model.opsetImports)) : undefined;
    return why ?? `onnxruntime has no ${op} kernel for opset ${ver}`;
  }
  const unregistered = /([\w.-]+):([\w.-]+)\(-?\d+\) is not a registered function\/op/.exec(message);
  if (unregistered) {
    const [, domain, op] = unregistered;
    if (resolveSchema(domain, op, model?.opsetImports ?? new Map()).kind === 'unknown-domain') {
      return `${op} is in domain '${domain}', which onnxruntime does not know: it is a custom operator that needs the library ` +
        `that registers it (onnxruntime-node here has no such library), or replace the node with standard ONNX operators`;
    }
    return `${op} is an operator of ONNX's ${domain} set, but this onnxruntime build has no kernel for it` +
      (domain.includes('training') ? ' (training operators are not part of the inference build)' : '') +
      ': run it with a runtime that implements it, or replace the node';
  }
  const noKernel = /Could not find an implementation for (\S+)\((\d+)\) node with name '([^']*)'/.exec(message);
  if (noKernel) {
    const [, op, ver, nodeName] = noKernel;
    const node = model ? [...model.allNodes()].find((n) => n.opType === op && (nodeName ? n.name === nodeName : true)) : undefined;
    const types = node ? [...new Set(node.inputs.map((v) => (v?.type?.tensorType?.elemType ? dtypeName(v.type.tensorType.elemType) : undefined)).filter(Boolean))] : [];
    return `onnxruntime has no ${op}-${ver} kernel for ${types.length ? `the element type${types.length > 1 ? 's' : ''} ${types.join(', ')} that` : 'the element types'} ` +
      `${nodeName ? `node '${nodeName}'` : 'the node'} uses: Cast the inputs to a type the kernel takes (e.g. float or int32/int64)`;
  }
  return undefined;
}

/** Wraps a runtime error with what was being done; load failures get a plain reason when one is known. */
export function runFailure(e: unknown, doing: string, model?: Model): RunFailure {
  if (e instanceof RunFailure) return e;
  const kind = runtimeErrorKind(e);
  const raw = e instanceof Error ? e.message : String(e);
  if (!kind) return new RunFailure(`${doing} failed: ${oneLine(raw)}`, undefined, e);
  const explained = explainLoadError(raw, model);
  const what: Record<string, string> = {
    'ort-error': 'onnxruntime reported an error',
    refused: 'the runtime refused the request',
    crashed: 'the onnxruntime process crashed',
    timeout: 'the onnxruntime process timed out',
    'out-of-memory': 'the onnxruntime process ran out of its memory limit',
    cancelled: 'cancelled',
    disposed: 'the runtime was shut down',
    'invalid-session': 'the session was gone',
  };
  const head = `${doing} failed (${kind}: ${what[kind] ?? kind})`;
  return new RunFailure(explained ? `${head}: ${explained} [onnxruntime: ${oneLine(raw)}]` : `${head}: ${oneLine(raw)}`, kind, e);
}
