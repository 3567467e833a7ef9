/**
 * Constant folding, one sweep: Constant nodes become initializers, then every node whose inputs are all constant
 * is evaluated (TypeScript first, see ./evaluate.ts; onnxruntime in the runtime child for the rest, in one batch
 * per graph), and integer glue whose value shape inference knows (Shape of a statically shaped tensor, Gather of
 * a known dim, ...) is replaced by its value. Results become initializers holding the folded value's own name.
 *
 * Left alone: nodes with subgraphs (If is inlined elsewhere), non-deterministic ops (Random*, Multinomial,
 * Bernoulli), sequence/optional ops, QuantizeLinear/DequantizeLinear (a quantized model keeps its int8 weights),
 * ops of custom domains, nodes reading external data, function bodies, and results of growing ops (Expand, Tile,
 * ConstantOfShape, Range, ... any result larger than both the size limit and its inputs).
 */
import type { Graph, Model, Node, Value } from '../../ir/model';
import type { HostTensor } from '../../ir/hosttensor';
import { DataType, dtypeName, rawByteLength } from '../../ir/dtype';
import { attachInitializer, removeNodes } from '../../ir/edit';
import { topologicalOrder } from '../../ir/traverse';
import { onnx } from '../../codec/pb';
import { hostFromNumbers, hostToTensorProto, tensorProtoToHost } from '../../codec/tensordata';
import { modelToProto, nodeToProto } from '../../codec/encode';
import { typeToProto, toInt64, type InferenceResult } from '../../infer/index';
import { evaluateNode, count } from './evaluate';
import { constantData, editableGraphs, isAnyGraphOutput, opsetOf } from './graph';
import type { PassRuntime } from '../types';

/** Never folded: their value is not a function of their inputs, or folding them defeats their purpose. */
export const NEVER_FOLD = new Set([
  'RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Multinomial', 'Bernoulli',
  'QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear', 'If', 'Loop', 'Scan',
  'SequenceEmpty', 'SequenceConstruct', 'SequenceInsert', 'SequenceAt', 'SequenceErase', 'SequenceLength',
  'SplitToSequence', 'ConcatFromSequence', 'SequenceMap', 'Optional', 'OptionalHasElement', 'OptionalGetElement',
]);

/** Ops whose output can be much larger than their inputs: folded only below the size limit. */
const GROWING = new Set(['Expand', 'Tile', 'ConstantOfShape', 'Range', 'Pad', 'Resize', 'Upsample', 'OneHot', 'EyeLike', 'MatMul', 'Gemm', 'Einsum']);

export interface FoldOptions {
  /** Results of growing ops above this many bytes stay ops. */
  sizeLimit: number;
  runtime?: PassRuntime;
  /** Shape inference of the model as it is now (used for integer glue and for runtime output types). */
  inference?: InferenceResult;
  log?: (line: string) => void;
}

export interface FoldStats {
  constants: number;
  folded: number;
  foldedByRuntime: number;
  foldedFromShapes: number;
  /** Why nodes were left, one line each (deduplicated by op). */
  notes: string[];
}

function tensorBytes(h: HostTensor): number {
  if (h.dtype === DataType.STRING) return (h.strings ?? []).reduce((s, x) => s + x.byteLength, 0);
  return h.data.byteLength;
}

/** The tensor a Constant node holds, as an initializer proto (undefined: sparse or unusual). */
export function constantNodeTensor(n: Node): onnx.TensorProto | undefined {
  if (n.attributes.length !== 1) return undefined;
  const a = n.attributes[0];
  if (a.refAttrName) return undefined;
  const p = a.proto;
  switch (a.name) {
    case 'value': {
      if (!p.t || p.t.dataLocation === 1) return undefined;
      const t = new onnx.TensorProto({ ...p.t });
      delete (t as { name?: string }).name;
      return t;
    }
    case 'value_float':
      return new onnx.TensorProto({ dataType: DataType.FLOAT, dims: [], floatData: [p.f ?? 0] });
    case 'value_floats':
      return new onnx.TensorProto({ dataType: DataType.FLOAT, dims: [(p.floats ?? []).length], floatData: p.floats ?? [] });
    case 'value_int':
      return new onnx.TensorProto({ dataType: DataType.INT64, dims: [], int64Data: [p.i ?? 0] });
    case 'value_ints':
      return new onnx.TensorProto({ dataType: DataType.INT64, dims: [(p.ints ?? []).length], int64Data: p.ints ?? [] });
    case 'value_string':
      return new onnx.TensorProto({ dataType: DataType.STRING, dims: [], stringData: [p.s ?? new Uint8Array(0)] });
    case 'value_strings':
      return new onnx.TensorProto({ dataType: DataType.STRING, dims: [(p.strings ?? []).length], stringData: p.strings ?? [] });
    default:
      return undefined;
  }
}

/** IR version 3 wants every initializer listed as a graph input; from 4 on it does not. */
function ensureIrForInitializers(model: Model): void {
  const ir = model.irVersion;
  if (ir !== undefined && ir < 4) model.proto.irVersion = 4;
}

/** Constant nodes (main graph and subgraphs) become initializers of their graph. Returns how many. */
export function constantsToInitializers(model: Model): number {
  let n = 0;
  for (const g of editableGraphs(model)) {
    const conv: [Node, onnx.TensorProto][] = [];
    for (const node of g.nodes) {
      if (node.opType !== 'Constant' || (node.domain !== '' && node.domain !== 'ai.onnx')) continue;
      const out = node.outputs[0];
      if (!out || node.outputs.length !== 1 || out.infos.some((i) => i.role === 'input')) continue;
      // A subgraph returning a constant keeps its Constant node (runtimes differ on initializers as subgraph outputs).
      if (g !== model.graph && isAnyGraphOutput(out)) continue;
      const t = constantNodeTensor(node);
      if (t) conv.push([node, t]);
    }
    if (!conv.length) continue;
    removeNodes(g, conv.map((c) => c[0]), { allowDangling: true });
    for (const [node, t] of conv) {
      const v = node.outputs[0]!;
      if (v.uses.length || isAnyGraphOutput(v)) attachInitializer(v, t);
    }
    n += conv.length;
  }
  if (n) ensureIrForInitializers(model);
  return n;
}

const isIntLike = (t: number) =>
  t === DataType.INT64 || t === DataType.INT32 || t === DataType.BOOL || t === DataType.INT8 || t === DataType.UINT8 ||
  t === DataType.INT16 || t === DataType.UINT16 || t === DataType.UINT32;

/** A statically known integer value from inference, as a tensor (undefined when not fully known or not integer). */
function knownTensor(inf: InferenceResult, v: Value): HostTensor | undefined {
  const k = inf.knownValue(v);
  if (!k || !isIntLike(k.dtype)) return undefined;
  try {
    if (k.dtype === DataType.INT64) return hostFromNumbers(k.dtype, k.dims, k.data.map(toInt64));
    return hostFromNumbers(k.dtype, k.dims, k.data);
  } catch {
    return undefined;
  }
}

interface PendingFold {
  node: Node;
  outputs: (HostTensor | undefined)[];
}

/** One sweep of folding over every editable graph. */
export async function foldConstants(model: Model, opts: FoldOptions): Promise<FoldStats> {
  const stats: FoldStats = { constants: 0, folded: 0, foldedByRuntime: 0, foldedFromShapes: 0, notes: [] };
  stats.constants = constantsToInitializers(model);
  const noted = new Set<string>();
  const note = (key: string, line: string) => {
    if (noted.has(key)) return;
    noted.add(key);
    stats.notes.push(line);
  };
  const opset = opsetOf(model, '');
  const known = new Map<Value, HostTensor>();
  const constOf = (v: Value): HostTensor | undefined => {
    const k = known.get(v);
    if (k) return k;
    if (!v.isConstant) return undefined;
    if (v.initializer!.isExternal) return undefined;
    const h = constantData(v);
    if (h) known.set(v, h);
    return h;
  };
  for (const g of editableGraphs(model)) {
    const folds: PendingFold[] = [];
    const forRuntime: Node[] = [];
    for (const n of topologicalOrder(g).order) {
      if (n.subgraphs.length || NEVER_FOLD.has(n.opType) || n.opType === 'Constant') continue;
      if (g !== model.graph && n.outputs.some((o) => o && isAnyGraphOutput(o))) continue;
      const domain = n.domain === 'ai.onnx' ? '' : n.domain;
      if (n.outputs.every((o) => !o)) continue;
      const ins: (HostTensor | undefined)[] = [];
      let allConst = true;
      for (const v of n.inputs) {
        if (!v) {
          ins.push(undefined);
          continue;
        }
        const h = constOf(v);
        if (!h) allConst = false;
        ins.push(h);
      }
      if (allConst && n.inputs.some((v) => v)) {
        if (domain !== '' && domain !== 'ai.onnx.ml') continue;
        if (n.inputs.some((v) => v && v.initializer?.isExternal)) {
          note('external', 'nodes reading external data are not folded (their weights stay in the data file)');
          continue;
        }
        const r = domain === '' ? evaluateNode(n, ins, { opset, maxBytes: opts.sizeLimit }) : ({ ok: false, reason: 'unsupported' } as const);
        if (r.ok) {
          const inBytes = ins.reduce((s, h) => s + (h ? tensorBytes(h) : 0), 0);
          const big = r.outputs.find((h) => tensorBytes(h) > opts.sizeLimit && tensorBytes(h) > inBytes);
          if (big) {
            note(`large:${n.opType}`, `${n.opType} results above the size limit (${opts.sizeLimit} bytes) stay as ops (e.g. ${n.label}: ${tensorBytes(big)} bytes)`);
            continue;
          }
          folds.push({ node: n, outputs: r.outputs });
          r.outputs.forEach((h, i) => {
            const o = n.outputs[i];
            if (o) known.set(o, h);
          });
          continue;
        }
        if (r.reason === 'too-large') {
          note(`large:${n.opType}`, `${n.opType} results above the size limit (${opts.sizeLimit} bytes) stay as ops (e.g. ${n.label})`);
          continue;
        }
        if (r.reason === 'invalid') {
          note(`invalid:${n.label}`, `${n.label} (${n.opType}) was not folded: ${r.detail ?? 'its constant inputs are not valid for it'}`);
          continue;
        }
        forRuntime.push(n);
        continue;
      }
      // Integer glue that shape inference knows statically.
      if (opts.inference && domain === '') {
        const outs = n.outputs.map((o) => (o ? knownTensor(opts.inference!, o) : undefined));
        if (n.outputs.every((o, i) => !o || outs[i])) {
          folds.push({ node: n, outputs: outs });
          outs.forEach((h, i) => {
            const o = n.outputs[i];
            if (o && h) known.set(o, h);
          });
          stats.foldedFromShapes++;
        }
      }
    }
    if (forRuntime.length) {
      if (!opts.runtime) {
        const ops = [...new Set(forRuntime.map((n) => n.opType))].sort();
        note('no-runtime', `${forRuntime.length} constant node(s) (${ops.join(', ')}) need onnxruntime to fold; run with the runtime to fold them`);
      } else {
        const more = await runtimeFold(model, g, forRuntime, known, opts, note);
        stats.foldedByRuntime += more.length;
        folds.push(...more);
      }
    }
    if (!folds.length) continue;
    removeNodes(g, folds.map((f) => f.node), { allowDangling: true });
    for (const f of folds) {
      f.node.outputs.forEach((o, i) => {
        const h = f.outputs[i];
        if (!o || !h || o.producer || o.initializer) return;
        if (!o.uses.length && !isAnyGraphOutput(o)) return;
        attachInitializer(o, hostToTensorProto(h, o.name));
      });
    }
    stats.folded += folds.length;
  }
  if (stats.folded) ensureIrForInitializers(model);
  return stats;
}

const WRAPPED_OUTPUT_OPS = /^(Sequence|Optional|SplitToSequence)/;

/**
 * Folds `candidates` (nodes whose inputs are constant, not covered by the TypeScript evaluator) and every node
 * fed only by them and by constants, in one onnxruntime session per graph.
 */
async function runtimeFold(
  model: Model,
  g: Graph,
  candidates: Node[],
  known: Map<Value, HostTensor>,
  opts: FoldOptions,
  note: (key: string, line: string) => void,
): Promise<PendingFold[]> {
  const rt = opts.runtime!;
  const inf = opts.inference;
  const pending = new Set<Node>(candidates);
  // Grow the set downstream: nodes all of whose inputs are constants or pending results.
  const order = topologicalOrder(g).order;
  const isPendingOut = (v: Value) => !!v.producer && pending.has(v.producer);
  for (const n of order) {
    if (pending.has(n) || n.subgraphs.length || NEVER_FOLD.has(n.opType)) continue;
    if (g !== model.graph && n.outputs.some((o) => o && isAnyGraphOutput(o))) continue;
    const domain = n.domain === 'ai.onnx' ? '' : n.domain;
    if (domain !== '' && domain !== 'ai.onnx.ml') continue;
    if (WRAPPED_OUTPUT_OPS.test(n.opType)) continue;
    const present = n.inputs.filter((v): v is Value => !!v);
    if (!present.length || !present.some(isPendingOut)) continue;
    if (present.every((v) => isPendingOut(v) || (known.has(v) && !v.producer) || (v.isConstant && !v.initializer!.isExternal))) pending.add(n);
  }
  // Drop growing ops whose (inferred) result would pass the size limit, and what depends on them.
  for (const n of order) {
    if (!pending.has(n)) continue;
    const tooBig = GROWING.has(n.opType) && n.outputs.some((o) => {
      const s = o && inf?.typeOf(o);
      if (!s || !s.shape || s.shape.some((d) => typeof d !== 'number')) return false;
      return (rawByteLength(s.elemType, count(s.shape as number[])) ?? 0) > opts.sizeLimit;
    });
    const orphan = n.inputs.some((v) => v && v.producer && !pending.has(v.producer) && !known.has(v) && !v.isConstant);
    if (tooBig || orphan) {
      pending.delete(n);
      if (tooBig) note(`large:${n.opType}`, `${n.opType} results above the size limit (${opts.sizeLimit} bytes) stay as ops (e.g. ${n.label})`);
    }
  }
  // Re-check: a node whose pending producer was dropped is not computable any more.
  for (const n of order) {
    if (!pending.has(n)) continue;
    if (n.inputs.some((v) => v && v.producer && !pending.has(v.producer) && !(known.has(v) && !v.producer) && !v.isConstant)) pending.delete(n);
  }
  if (!pending.size) return [];
  const nodes = order.filter((n) => pending.has(n));
  // Inputs: constants read by the pending nodes.
  const inits = new Map<Value, onnx.TensorProto>();
  for (const n of nodes) {
    for (const v of n.inputs) {
      if (!v || isPendingOut(v) || inits.has(v)) continue;
      const h = known.get(v) ?? (v.initializer ? safeHost(v) : undefined);
      if (!h) return [];
      inits.set(v, hostToTensorProto(h, v.name));
    }
  }
  // Outputs: pending results read by something that stays, or named as graph outputs.
  const needed: Value[] = [];
  for (const n of nodes) {
    for (const o of n.outputs) {
      if (!o) continue;
      if (isAnyGraphOutput(o) || o.uses.some((u) => !pending.has(u.node))) needed.push(o);
    }
  }
  if (!needed.length) return [];
  const graphProto = new onnx.GraphProto({
    name: 'onnx_lens_fold',
    node: nodes.map(nodeToProto),
    initializer: [...inits.values()],
    output: needed.map((o) => {
      const t = inf?.typeOf(o);
      const vi = new onnx.ValueInfoProto({ name: o.name });
      if (t && t.elemType && !t.wrap) vi.type = typeToProto({ elemType: t.elemType, shape: undefined }) as onnx.TypeProto;
      return vi;
    }),
  });
  const full = modelToProto(model);
  const mini = new onnx.ModelProto({
    irVersion: Math.max(Number(full.irVersion ?? 7), 4),
    opsetImport: full.opsetImport,
    graph: graphProto,
    functions: full.functions ?? [],
  });
  const bytes = onnx.ModelProto.encode(mini).finish();
  let sessionId: string | undefined;
  try {
    const s = await rt.load({ modelBytes: bytes, options: { graphOptimizationLevel: 'disabled' } });
    sessionId = s.sessionId;
    const r = await rt.run(sessionId, [], { fetches: needed.map((o) => o.name) });
    const byValue = new Map<Value, HostTensor>();
    needed.forEach((o, i) => byValue.set(o, ownBytes(r.outputs[i])));
    const inBytes = [...inits.values()].reduce((s, t) => s + (t.rawData?.byteLength ?? 0), 0);
    for (const [o, h] of byValue) {
      if (tensorBytes(h) > opts.sizeLimit && tensorBytes(h) > inBytes) {
        note(`large:${o.producer!.opType}`, `${o.producer!.opType} results above the size limit (${opts.sizeLimit} bytes) stay as ops (e.g. ${o.producer!.label})`);
        return [];
      }
    }
    opts.log?.(`folded ${nodes.length} constant node(s) in onnxruntime`);
    return nodes.map((n) => ({ node: n, outputs: n.outputs.map((o) => (o ? byValue.get(o) : undefined)) }));
  } catch (e) {
    const ops = [...new Set(nodes.map((n) => n.opType))].sort().join(', ');
    note(`rt:${g.id}`, `onnxruntime could not fold ${nodes.length} constant node(s) (${ops}): ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    return [];
  } finally {
    if (sessionId) await rt.release(sessionId).catch(() => false);
  }
}

function safeHost(v: Value): HostTensor | undefined {
  try {
    return tensorProtoToHost(v.initializer!.proto);
  } catch {
    return undefined;
  }
}

/** A copy whose bytes own their buffer (what crosses from the runtime may be a view into a message buffer). */
function ownBytes(h: HostTensor): HostTensor {
  const out: HostTensor = { dtype: h.dtype, dims: h.dims.slice(), data: new Uint8Array(h.data) };
  if (h.strings) out.strings = h.strings.map((s) => new Uint8Array(s));
  return out;
}

/** For messages. */
export function describeTensor(h: HostTensor): string {
  return `${dtypeName(h.dtype)}[${h.dims.join(',')}]`;
}

