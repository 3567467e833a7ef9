/**
 * Layer-by-layer comparison and the first-divergence search.
 *
 * The subject model runs in the runtime with its intermediate tensors exposed as extra graph outputs (IR
 * edit: addGraphOutput; onnxruntime needs no type on such an output: a ValueInfo with just the name
 * loads), and each exposed tensor is compared with a reference for the same tensor name:
 *   (a) reference tensors: an .npz keyed by tensor name, or Polygraphy's `--mark-all` results;
 *   (b) the same model under other session options (all graph optimizations vs none, one execution
 *       provider vs another);
 *   (c) another version of the model (a second model file), on every tensor name both produce.
 *
 * Bounded memory: tensors are exposed in CHUNKS per session (Polygraphy's mark-all exposes everything at
 * once and runs out of memory on big models, NVIDIA/TensorRT#4443); each chunk is loaded, run, compared and
 * discarded before the next. The chunk size is fixed (`chunkSize`) or adaptive: 64 tensors first, then as
 * many as fit a byte budget (`chunkBytes`, 256 MiB) at the sizes seen so far, at most 1024, so a deep graph
 * of small tensors needs few sessions (session creation, not the run, is what costs on big graphs). A chunk that onnxruntime refuses is split in halves until
 * the tensor it cannot expose is found; that tensor is skipped with onnxruntime's reason.
 *
 * The walk follows the topological order of the main graph. The first diverging node is the first node
 * (in that order) with an output out of tolerance: every tensor it reads was then either compared and
 * within tolerance, a graph input, a constant, or not compared (the report then says so, since the
 * divergence may have started in an uncompared producer). Every node whose failing output reads only
 * confirmed inputs is a divergence root. Per node, the worst metrics of its compared outputs are returned
 * for colouring a graph view.
 *
 * Handles: the main graph's node outputs. Leaves alone: tensors inside subgraphs (If/Loop bodies cannot
 * expose them as graph outputs), outputs of Constant nodes (unless includeConstants), sequence/optional
 * values (the JS API fetches tensors only). Note: exposing a tensor as a graph output stops onnxruntime
 * from fusing the node that produces it, so with graph optimizations on, the instrumented run optimizes
 * less than the plain one; the final outputs are compared either way.
 */
import { unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { HostTensor } from '../ir/hosttensor';
import type { Model, Node, Value } from '../ir/model';
import { addGraphOutput, removeGraphOutput } from '../ir/edit';
import { implicitInputs, topologicalOrder } from '../ir/traverse';
import { encodeModel } from '../codec/encode';
import { readTensor } from '../weights';
import { tensorProtoToHost } from '../codec/tensordata';
import { CompareError, type ModelSide } from './compare';
import {
  compareTensors,
  DEFAULT_TOLERANCE,
  makeReport,
  type CompareReport,
  type FirstDivergence,
  type InputStatus,
  type LayerwiseSummary,
  type MetricsOptions,
  type NodeResult,
  type TensorComparison,
} from './metrics';
import { runFailure, runtimeErrorKind, type Runner, type RunnerSession } from './runner';

export type LayerwiseReference =
  /** Reference intermediates by tensor name (npz, Polygraphy mark-all results). */
  | { kind: 'tensors'; tensors: Map<string, HostTensor>; label: string }
  /** Another run: another model file, or the same model under other session options. */
  | { kind: 'model'; side: ModelSide };

export interface LayerwiseProgress {
  /** Tensors compared so far. */
  done: number;
  total: number;
  message: string;
}

export interface LayerwiseOptions extends MetricsOptions {
  runner: Runner;
  /** The model under test. Its IR is edited while a chunk is encoded and restored right after. */
  subject: ModelSide;
  inputs: HostTensor[];
  reference: LayerwiseReference;
  /** Tensors exposed per session; default: adaptive (64 first, then as many as fit chunkBytes). */
  chunkSize?: number;
  /** Budget of fetched bytes per session for the adaptive chunk size (default 256 MiB). */
  chunkBytes?: number;
  /** Stop after the chunk where the first divergence shows (default false: compare everything). */
  stopAtFirstDivergence?: boolean;
  /** Also compare outputs of Constant nodes (default false). */
  includeConstants?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: LayerwiseProgress) => void;
}

/** Ops whose outputs are sequences/optionals (never tensors the JS API can fetch). */
const NON_TENSOR_OPS = new Set([
  'SequenceConstruct', 'SequenceEmpty', 'SequenceInsert', 'SequenceErase', 'SplitToSequence', 'Optional',
]);

/** Default budget of fetched bytes per session when the chunk size is not fixed. */
export const DEFAULT_CHUNK_BYTES = 256 * 1024 * 1024;
const FIRST_CHUNK = 64;
const MAX_CHUNK = 1024;

/**
 * Hands out chunks in order. With a fixed size every chunk has it; otherwise the first has 64 tensors and
 * each later one as many as fit the byte budget at the average size seen so far (at most 1024), so big
 * activations get small chunks and a deep graph of small tensors needs few sessions. A chunk that failed
 * goes back as two halves, first.
 */
class ChunkPlanner<T> {
  private cursor = 0;
  private readonly retry: T[][] = [];
  private size: number;
  largest = 0;
  constructor(private readonly items: readonly T[], private readonly fixed: number | undefined, private readonly budget: number) {
    this.size = fixed ?? FIRST_CHUNK;
  }
  get done(): boolean {
    return this.retry.length === 0 && this.cursor >= this.items.length;
  }
  next(): T[] {
    const c = this.retry.length ? this.retry.shift()! : this.items.slice(this.cursor, (this.cursor += this.size));
    if (c.length > this.largest) this.largest = c.length;
    return c;
  }
  split(chunk: T[]): void {
    const half = Math.ceil(chunk.length / 2);
    this.retry.unshift(chunk.slice(0, half), chunk.slice(half));
  }
  /** After a chunk ran: `bytes` fetched for `count` tensors. */
  observe(count: number, bytes: number): void {
    if (this.fixed !== undefined || count === 0) return;
    const per = Math.max(1, bytes / count);
    this.size = Math.max(1, Math.min(MAX_CHUNK, Math.floor(this.budget / per)));
  }
  /** Everything not handed out yet (for a stop). */
  rest(): T[] {
    const out = this.retry.flat().concat(this.items.slice(this.cursor));
    this.retry.length = 0;
    this.cursor = this.items.length;
    return out;
  }
}

function fetchedBytes(tensors: Map<string, HostTensor>): number {
  let n = 0;
  for (const t of tensors.values()) n += t.data.byteLength + (t.strings?.reduce((a, s) => a + s.byteLength, 0) ?? 0);
  return n;
}

interface Candidate {
  value: Value;
  node: Node;
  /** The value of the same name in the reference model (mode: model). */
  refValue?: Value;
}

function hasExternalData(model: Model): boolean {
  return model.allGraphs().some((g) => g.initializers.some((t) => t.isExternal));
}

let tempCounter = 0;

/**
 * The model's bytes with `names` exposed as graph outputs (values already outputs stay as they are),
 * and the IR restored. For a model with external data the bytes go to a temporary file beside the model
 * (onnxruntime resolves external data next to the model file); the caller deletes it.
 */
function exposed(side: ModelSide, values: Value[]): { modelBytes?: Uint8Array; modelPath?: string; cleanup: () => void } {
  const g = side.model.graph;
  const before = g.outputs.length;
  for (const v of values) if (!g.outputs.some((o) => o.value === v)) addGraphOutput(g, v);
  let bytes: Uint8Array;
  try {
    bytes = encodeModel(side.model);
  } finally {
    for (let i = g.outputs.length - 1; i >= before; i--) removeGraphOutput(g, i);
  }
  if (!hasExternalData(side.model)) return { modelBytes: bytes, cleanup: () => undefined };
  const where = side.modelPath ?? side.model.path;
  if (!where) throw new CompareError(`${side.label} keeps weights in external data files but was not read from a file: layer-by-layer comparison needs its path`);
  const tmp = join(dirname(where), `.onnx-lens-layerwise-${process.pid}-${++tempCounter}-${basename(where)}`);
  try {
    writeFileSync(tmp, bytes);
  } catch (e) {
    throw new CompareError(
      `${side.label} keeps weights in external data files, so the instrumented copy must sit beside it, but ${tmp} cannot be written ` +
        `(${(e as NodeJS.ErrnoException).code ?? String(e)}): make the model's folder writable`,
    );
  }
  return { modelPath: tmp, cleanup: () => { try { unlinkSync(tmp); } catch { /* already gone */ } } };
}

/** Loads `side` with `values` exposed, runs it, and returns the fetched tensors by name. */
async function runExposed(
  runner: Runner,
  side: ModelSide,
  values: Value[],
  inputs: HostTensor[],
  signal: AbortSignal | undefined,
): Promise<{ tensors: Map<string, HostTensor>; nonTensor: string[] }> {
  const src = exposed(side, values);
  let session: RunnerSession | undefined;
  try {
    const args: Parameters<Runner['load']>[0] = src.modelPath ? { modelPath: src.modelPath } : { modelBytes: src.modelBytes! };
    if (side.loadOptions) args.options = side.loadOptions;
    session = await runner.load(args, signal ? { signal } : undefined);
    const meta = new Map((session.outputMetadata ?? []).map((m) => [m.name, m]));
    const nonTensor = values.map((v) => v.name).filter((n) => meta.get(n)?.isTensor === false);
    const fetches = values.map((v) => v.name).filter((n) => !nonTensor.includes(n));
    const tensors = new Map<string, HostTensor>();
    if (fetches.length) {
      const r = await runner.run(session.sessionId, inputs, signal ? { fetches, signal } : { fetches });
      r.outputs.forEach((t, k) => tensors.set(fetches[k], t));
    }
    return { tensors, nonTensor };
  } finally {
    if (session) await runner.release(session.sessionId).catch(() => false);
    src.cleanup();
  }
}

function sameTensor(a: HostTensor, b: HostTensor): boolean {
  if (a.dtype !== b.dtype || a.dims.length !== b.dims.length || a.dims.some((d, i) => d !== b.dims[i])) return false;
  if (a.strings || b.strings) {
    const x = a.strings ?? [];
    const y = b.strings ?? [];
    return x.length === y.length && x.every((s, i) => s.length === y[i].length && s.every((c, j) => c === y[i][j]));
  }
  if (a.data.byteLength !== b.data.byteLength) return false;
  for (let i = 0; i < a.data.byteLength; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

/** Initializers and Constant values (by name) of the main graph, read lazily. */
function constantsOf(model: Model): Map<string, () => HostTensor | undefined> {
  const out = new Map<string, () => HostTensor | undefined>();
  for (const t of model.graph.initializers) out.set(t.value?.name ?? t.name, () => readTensor(model, t));
  for (const n of model.graph.nodes) {
    if (n.opType !== 'Constant' || !n.outputs[0]) continue;
    const a = n.attributes.find((x) => x.name === 'value');
    const t = a?.tensor;
    out.set(n.outputs[0].name, () => (t ? tensorProtoToHost(t.proto) : undefined));
  }
  return out;
}

/** Names of constants (initializers, Constant outputs) present in both models whose values differ. */
function changedConstants(a: Model, b: Model): string[] {
  const ca = constantsOf(a);
  const cb = constantsOf(b);
  const out: string[] = [];
  for (const [name, read] of ca) {
    const other = cb.get(name);
    if (!other) continue;
    try {
      const x = read();
      const y = other();
      if (x && y && !sameTensor(x, y)) out.push(name);
    } catch {
      // unreadable weights (external data missing) are not compared here
    }
  }
  return out;
}

function isConstantValue(v: Value): boolean {
  return v.isConstant || v.producer?.opType === 'Constant';
}

/**
 * After a chunk failed: does the model load and run at all without anything exposed? If not, the failure is
 * the model's, not the chunk's: throw it (instead of blaming each tensor in turn).
 */
async function probe(runner: Runner, side: ModelSide, inputs: HostTensor[], signal: AbortSignal | undefined): Promise<void> {
  const src = exposed(side, []);
  let session: RunnerSession | undefined;
  try {
    const args: Parameters<Runner['load']>[0] = src.modelPath ? { modelPath: src.modelPath } : { modelBytes: src.modelBytes! };
    if (side.loadOptions) args.options = side.loadOptions;
    try {
      session = await runner.load(args, signal ? { signal } : undefined);
    } catch (e) {
      throw runFailure(e, `loading ${side.label} in onnxruntime`, side.model);
    }
    try {
      await runner.run(session.sessionId, inputs, signal ? { signal } : {});
    } catch (e) {
      throw runFailure(e, `running ${side.label}`, side.model);
    }
  } finally {
    if (session) await runner.release(session.sessionId).catch(() => false);
    src.cleanup();
  }
}

/** Compares every intermediate tensor the reference has, chunk by chunk, and finds the first divergence. */
export async function compareLayerwise(o: LayerwiseOptions): Promise<CompareReport> {
  const model = o.subject.model;
  const graph = model.graph;
  const fixed = o.chunkSize !== undefined ? Math.max(1, Math.floor(o.chunkSize)) : undefined;
  const progress = o.onProgress ?? (() => undefined);
  const metricOpts: MetricsOptions = { histogram: false };
  if (o.rtol !== undefined) metricOpts.rtol = o.rtol;
  if (o.atol !== undefined) metricOpts.atol = o.atol;
  if (o.tolerances !== undefined) metricOpts.tolerances = o.tolerances;
  if (o.chunk !== undefined) metricOpts.chunk = o.chunk;
  const notes: string[] = [];

  const topo = topologicalOrder(graph);
  if (topo.cyclic.length) {
    throw new CompareError(`the graph has a cycle through ${topo.cyclic.slice(0, 3).map((n) => n.label).join(', ')}: no topological order to walk`);
  }
  const position = new Map<Node, number>();
  topo.order.forEach((n, i) => position.set(n, i));
  const fileIndex = new Map<Node, number>();
  graph.nodes.forEach((n, i) => fileIndex.set(n, i));

  const ref = o.reference;
  const refModel = ref.kind === 'model' ? ref.side.model : undefined;
  const sameModel = refModel === model;
  const against = ref.kind === 'tensors' ? ref.label : ref.side.label;

  // What to compare, in topological order.
  const skipped: { name: string; reason: string }[] = [];
  const candidates: Candidate[] = [];
  for (const node of topo.order) {
    for (const v of node.outputs) {
      if (!v || !v.name) continue;
      if (node.opType === 'Constant' && !o.includeConstants) continue;
      if (NON_TENSOR_OPS.has(node.opType)) {
        skipped.push({ name: v.name, reason: `${node.opType} returns a sequence or optional, not a tensor` });
        continue;
      }
      if (ref.kind === 'tensors') {
        if (!ref.tensors.has(v.name)) {
          skipped.push({ name: v.name, reason: 'the reference has no tensor of this name' });
          continue;
        }
        candidates.push({ value: v, node });
      } else {
        const rv = sameModel ? v : refModel!.graph.values.get(v.name);
        if (!rv || !rv.producer) {
          skipped.push({ name: v.name, reason: `${ref.side.label} has no tensor of this name` });
          continue;
        }
        if (rv.producer && NON_TENSOR_OPS.has(rv.producer.opType)) {
          skipped.push({ name: v.name, reason: `${ref.side.label} computes it with ${rv.producer.opType}, which returns no tensor` });
          continue;
        }
        candidates.push({ value: v, node, refValue: rv });
      }
    }
  }
  if (candidates.length === 0) {
    throw new CompareError(
      ref.kind === 'tensors'
        ? `${ref.label} holds no tensor named like a tensor of ${o.subject.label}: reference intermediates must be keyed by ONNX tensor name`
        : `${o.subject.label} and ${ref.side.label} share no computed tensor name: nothing to compare layer by layer`,
    );
  }

  // The reference's copies of the graph inputs should be what was fed.
  if (ref.kind === 'tensors') {
    for (const t of o.inputs) {
      const r = t.name ? ref.tensors.get(t.name) : undefined;
      if (r && !sameTensor(t, r)) {
        notes.push(`the reference's '${t.name}' differs from the input that was fed: were the reference tensors computed from other inputs?`);
      }
    }
  }
  const changed = refModel && !sameModel ? changedConstants(model, refModel) : [];

  // Chunk by chunk.
  const results = new Map<string, TensorComparison>();
  let chunks = 0;
  let done = 0;
  const total = candidates.length;
  const plan = new ChunkPlanner(candidates, fixed, o.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  let firstFailureSeen = false;
  let probed = false;
  while (!plan.done) {
    if (o.signal?.aborted) throw new CompareError('the layer-by-layer comparison was cancelled');
    const chunk = plan.next();
    chunks++;
    progress({ done, total, message: `session ${chunks}: ${chunk.length} tensors from '${chunk[0].value.name}'` });
    let subjectOut: { tensors: Map<string, HostTensor>; nonTensor: string[] };
    let refOut: Map<string, HostTensor> | undefined;
    try {
      subjectOut = await runExposed(o.runner, o.subject, chunk.map((c) => c.value), o.inputs, o.signal);
      if (ref.kind === 'model') {
        const rvals = chunk.filter((c) => !subjectOut.nonTensor.includes(c.value.name)).map((c) => c.refValue!);
        refOut = rvals.length ? (await runExposed(o.runner, ref.side, rvals, o.inputs, o.signal)).tensors : new Map();
      }
    } catch (e) {
      const kind = runtimeErrorKind(e);
      if ((kind === 'ort-error' || kind === 'refused') && !probed) {
        probed = true;
        await probe(o.runner, o.subject, o.inputs, o.signal);
        if (ref.kind === 'model') await probe(o.runner, ref.side, o.inputs, o.signal);
      }
      if ((kind === 'ort-error' || kind === 'refused') && chunk.length > 1) {
        // One tensor onnxruntime cannot expose spoils the chunk: split it until that tensor is alone.
        plan.split(chunk);
        continue;
      }
      if ((kind === 'ort-error' || kind === 'refused') && chunk.length === 1) {
        skipped.push({ name: chunk[0].value.name, reason: `onnxruntime cannot expose it: ${(e as Error).message.split('\n')[0]}` });
        done++;
        continue;
      }
      throw runFailure(e, `running ${o.subject.label} with ${chunk.length} intermediate tensors exposed`, model);
    }
    for (const c of chunk) {
      const name = c.value.name;
      done++;
      if (subjectOut.nonTensor.includes(name)) {
        skipped.push({ name, reason: 'onnxruntime reports it is not a tensor' });
        continue;
      }
      const actual = subjectOut.tensors.get(name);
      const expected = ref.kind === 'tensors' ? ref.tensors.get(name) : refOut!.get(name);
      if (!actual || !expected) {
        skipped.push({ name, reason: 'no value came back for it' });
        continue;
      }
      const cmp = compareTensors(actual, expected, name, c.value.isGraphOutput ? { ...metricOpts, histogram: true } : metricOpts);
      results.set(name, cmp);
      if (!cmp.pass) firstFailureSeen = true;
    }
    plan.observe(subjectOut.tensors.size, fetchedBytes(subjectOut.tensors));
    progress({ done, total, message: `compared ${done} of ${total} tensors` });
    // Chunks follow the topological order: the first failure decides the first divergence.
    if (o.stopAtFirstDivergence && firstFailureSeen) {
      const left = plan.rest();
      if (left.length) notes.push(`stopped after the first divergence: ${left.length} later tensors were not compared`);
      for (const c of left) skipped.push({ name: c.value.name, reason: 'not reached (stopped at the first divergence)' });
      break;
    }
  }

  if (results.size === 0) {
    const why = skipped.find((x) => x.reason !== 'not reached (stopped at the first divergence)');
    throw new CompareError(
      `no intermediate tensor of ${o.subject.label} could be compared with ${against}` + (why ? ` (e.g. '${why.name}': ${why.reason})` : ''),
    );
  }

  // Per node, in topological order; and the divergence analysis.
  const changedSet = new Set(changed);
  const status = (v: Value): InputStatus => {
    const r = results.get(v.name);
    if (r) return r.pass ? 'pass' : 'fail';
    if (v.isGraphInput && !v.initializer) return 'graph input';
    if (isConstantValue(v)) return changedSet.has(v.name) ? 'changed constant' : 'constant';
    return 'not compared';
  };
  const nodes: NodeResult[] = [];
  const roots: string[] = [];
  let first: FirstDivergence | null = null;
  for (const node of topo.order) {
    const reads = [...node.inputs.filter((v): v is Value => !!v), ...(node.subgraphs.length ? implicitInputs(node) : [])];
    const inputStatus = reads.map((v) => ({ name: v.name, status: status(v) }));
    const compared = node.outputs.filter((v): v is Value => !!v && results.has(v.name));
    if (!compared.length) continue;
    const cmps = compared.map((v) => results.get(v.name)!);
    const finite = (xs: number[]) => xs.filter((x) => !Number.isNaN(x));
    const nr: NodeResult = {
      nodeName: node.label,
      opType: node.opType,
      graph: graph.path,
      position: position.get(node)!,
      nodeIndex: fileIndex.get(node)!,
      outputs: compared.map((v) => v.name),
      maxAbs: Math.max(...finite(cmps.map((c) => c.maxAbs)), -Infinity),
      maxRel: Math.max(...finite(cmps.map((c) => c.maxRel)), -Infinity),
      cosine: Math.min(...finite(cmps.map((c) => c.cosine)), Infinity),
      pass: cmps.every((c) => c.pass),
    };
    if (nr.maxAbs === -Infinity) nr.maxAbs = NaN;
    if (nr.maxRel === -Infinity) nr.maxRel = NaN;
    if (nr.cosine === Infinity) nr.cosine = NaN;
    nodes.push(nr);
    if (nr.pass) continue;
    const bad = cmps.find((c) => !c.pass)!;
    const confirmed = inputStatus.every((i) => i.status !== 'fail' && i.status !== 'not compared');
    const failedInput = inputStatus.some((i) => i.status === 'fail');
    if (confirmed) roots.push(node.label);
    if (!first && !failedInput) {
      first = {
        nodeName: node.label,
        opType: node.opType,
        graph: graph.path,
        position: position.get(node)!,
        nodeIndex: fileIndex.get(node)!,
        tensor: bad.name,
        maxAbs: bad.maxAbs,
        maxRel: bad.maxRel,
        cosine: bad.cosine,
        inputs: inputStatus,
      };
      const unknown = inputStatus.filter((i) => i.status === 'not compared').map((i) => `'${i.name}'`);
      const changedIn = inputStatus.filter((i) => i.status === 'changed constant').map((i) => `'${i.name}'`);
      const parts: string[] = [];
      if (changedIn.length) parts.push(`it reads ${changedIn.join(', ')}, which differ${changedIn.length > 1 ? '' : 's'} between the two models`);
      if (unknown.length) {
        parts.push(`input${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} ${unknown.length > 1 ? 'were' : 'was'} not compared (no reference), ` +
          'so the divergence may start in the nodes that produce them');
      }
      if (parts.length) first.note = parts.join('; ');
    }
  }

  const outputs = graph.outputs.map((info) => results.get(info.value.name)).filter((r): r is TensorComparison => !!r);
  const unmatched = graph.outputs.map((i) => i.value.name).filter((n) => !results.has(n));
  const layerwise: LayerwiseSummary = {
    against,
    tensors: candidates.map((c) => results.get(c.value.name)).filter((r): r is TensorComparison => !!r),
    nodes,
    skipped,
    chunks,
    chunkSize: plan.largest,
    roots,
  };
  if (refModel && !sameModel) layerwise.changedConstants = changed;
  return makeReport(outputs, {
    model: o.subject.label,
    reference: against,
    rtol: o.rtol ?? DEFAULT_TOLERANCE.rtol,
    atol: o.atol ?? DEFAULT_TOLERANCE.atol,
    unmatched,
    firstDivergence: first,
    layerwise,
    notes,
  });
}

export interface CollectOptions {
  runner: Runner;
  side: ModelSide;
  inputs: HostTensor[];
  /** Tensors exposed per session; default: adaptive (see compareLayerwise). */
  chunkSize?: number;
  chunkBytes?: number;
  /** Also the outputs of Constant nodes (default false). */
  includeConstants?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: LayerwiseProgress) => void;
}

/**
 * Every tensor the main graph computes (graph outputs included), by name, as reference intermediates for
 * a later `compareLayerwise` (what Polygraphy's --mark-all saves), exposed chunk by chunk. Tensors
 * onnxruntime cannot expose are left out and listed in `skipped`.
 */
export async function collectIntermediates(o: CollectOptions): Promise<{ tensors: Map<string, HostTensor>; skipped: { name: string; reason: string }[] }> {
  const graph = o.side.model.graph;
  const topo = topologicalOrder(graph);
  if (topo.cyclic.length) throw new CompareError(`the graph has a cycle through ${topo.cyclic.slice(0, 3).map((n) => n.label).join(', ')}`);
  const fixed = o.chunkSize !== undefined ? Math.max(1, Math.floor(o.chunkSize)) : undefined;
  const values: Value[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const node of topo.order) {
    if (node.opType === 'Constant' && !o.includeConstants) continue;
    for (const v of node.outputs) {
      if (!v || !v.name) continue;
      if (NON_TENSOR_OPS.has(node.opType)) skipped.push({ name: v.name, reason: `${node.opType} returns a sequence or optional, not a tensor` });
      else values.push(v);
    }
  }
  const tensors = new Map<string, HostTensor>();
  const plan = new ChunkPlanner(values, fixed, o.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  let done = 0;
  let probed = false;
  while (!plan.done) {
    if (o.signal?.aborted) throw new CompareError('collecting intermediate tensors was cancelled');
    const chunk = plan.next();
    try {
      const r = await runExposed(o.runner, o.side, chunk, o.inputs, o.signal);
      for (const n of r.nonTensor) skipped.push({ name: n, reason: 'onnxruntime reports it is not a tensor' });
      for (const [n, t] of r.tensors) tensors.set(n, { ...t, name: n });
      plan.observe(r.tensors.size, fetchedBytes(r.tensors));
      done += chunk.length;
    } catch (e) {
      const kind = runtimeErrorKind(e);
      if ((kind === 'ort-error' || kind === 'refused') && !probed) {
        probed = true;
        await probe(o.runner, o.side, o.inputs, o.signal);
      }
      if ((kind === 'ort-error' || kind === 'refused') && chunk.length > 1) {
        plan.split(chunk);
        continue;
      }
      if (kind === 'ort-error' || kind === 'refused') {
        skipped.push({ name: chunk[0].name, reason: `onnxruntime cannot expose it: ${(e as Error).message.split('\n')[0]}` });
        done++;
        continue;
      }
      throw runFailure(e, `running ${o.side.label} with ${chunk.length} intermediate tensors exposed`, o.side.model);
    }
    o.onProgress?.({ done, total: values.length, message: `${done} of ${values.length} tensors` });
  }
  return { tensors, skipped };
}
