/**
 * IR -> the webview's view model (src/protocol/view.ts). Pure: no vscode import, so it is unit-tested in Node
 * and reused by the open benchmark.
 */
import type { Graph, Model, Node, Value } from '../core/ir/model';
import { describeType } from '../core/ir/types';
import { countNodes } from '../core/ir/traverse';
import { describeTensor, shortAttribute } from '../core/format';
import { summarize } from '../core/summary';
import type { InferenceResult } from '../core/infer';
import { formatDims } from '../core/infer/symbolic';
import { dtypeName } from '../core/ir/dtype';
import {
  ViewCategory,
  ViewNodeFlags,
  ViewNodeKind,
  type GraphView,
  type ModelView,
} from '../protocol/view';

const CATEGORY: Record<string, ViewCategory> = {};
const put = (c: ViewCategory, ops: string) => ops.split(/\s+/).forEach((o) => (CATEGORY[o] = c));
put(ViewCategory.Layer, 'Conv ConvTranspose ConvInteger QLinearConv Gemm MatMul MatMulInteger QLinearMatMul LSTM GRU RNN Einsum DeformConv Attention');
put(ViewCategory.Activation, 'Relu LeakyRelu PRelu Sigmoid HardSigmoid Tanh Elu Selu Celu Gelu FastGelu Softplus Softsign HardSwish Mish Swish Clip ThresholdedRelu Softmax LogSoftmax Hardmax Erf');
put(ViewCategory.Normalization, 'BatchNormalization InstanceNormalization LayerNormalization GroupNormalization LpNormalization LRN MeanVarianceNormalization RMSNormalization SimplifiedLayerNormalization SkipLayerNormalization');
put(ViewCategory.Pool, 'MaxPool AveragePool GlobalAveragePool GlobalMaxPool LpPool GlobalLpPool MaxRoiPool RoiAlign MaxUnpool');
put(ViewCategory.Shape, 'Shape Size Reshape Flatten Squeeze Unsqueeze Concat Split Slice Gather GatherElements GatherND Transpose Expand Tile Pad ConstantOfShape Range Resize Upsample DepthToSpace SpaceToDepth Identity Cast CastLike NonZero Where ScatterND ScatterElements Scatter Trilu OneHot Compress');
put(ViewCategory.Math, 'Add Sub Mul Div Pow Sqrt Exp Log Neg Abs Reciprocal Floor Ceil Round Sign Min Max Mean Sum Mod Equal Greater Less GreaterOrEqual LessOrEqual And Or Not Xor BitShift Sin Cos Tan Asin Acos Atan Sinh Cosh Asinh Acosh Atanh IsNaN IsInf CumSum');
put(ViewCategory.Control, 'If Loop Scan SequenceMap');
put(ViewCategory.Constant, 'Constant');
put(ViewCategory.Quantize, 'QuantizeLinear DequantizeLinear DynamicQuantizeLinear');
put(ViewCategory.Reduce, 'ReduceMean ReduceSum ReduceMax ReduceMin ReduceProd ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceSumSquare ArgMax ArgMin TopK NonMaxSuppression');

export function categoryOf(node: Node): ViewCategory {
  const d = node.domain;
  if (d && d !== 'ai.onnx' && d !== 'ai.onnx.ml' && d !== 'com.microsoft') return ViewCategory.Custom;
  return CATEGORY[node.opType] ?? ViewCategory.Other;
}

/** Attributes worth showing in the node box, per op; others show the first few. */
const KEY_ATTRS: Record<string, string[]> = {
  Conv: ['kernel_shape', 'strides'],
  ConvTranspose: ['kernel_shape', 'strides'],
  MaxPool: ['kernel_shape', 'strides', 'pads'],
  AveragePool: ['kernel_shape', 'strides', 'pads'],
  Gemm: ['transA', 'transB', 'alpha', 'beta'],
  Transpose: ['perm'],
  Concat: ['axis'],
  Softmax: ['axis'],
  Gather: ['axis'],
  Split: ['axis', 'split'],
  Cast: ['to'],
  InstanceNormalization: ['epsilon'],
  BatchNormalization: ['epsilon'],
  LayerNormalization: ['axis', 'epsilon'],
};

function nodeDetail(node: Node): string {
  const lines: string[] = [];
  const keys = KEY_ATTRS[node.opType];
  const attrs = keys ? keys.map((k) => node.attr(k)).filter((a) => a !== undefined) : node.attributes.filter((a) => !a.graph && !a.graphs).slice(0, 3);
  for (const a of attrs) if (a) lines.push(shortAttribute(a));
  node.inputs.forEach((v, i) => {
    if (v?.initializer) lines.push(`${i === 1 ? 'W' : i === 2 ? 'B' : `in${i}`} ⟨${describeTensor(v.initializer)}⟩`);
  });
  for (const a of node.attributes) if (a.graph || a.graphs) lines.push(`${a.name}: subgraph`);
  return lines.join('\n');
}

class Strings {
  readonly list: string[] = [''];
  private index = new Map<string, number>([['', 0]]);
  id(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

export function breadcrumb(g: Graph): { graphId: number; label: string }[] {
  const out: { graphId: number; label: string }[] = [];
  for (let x: Graph | undefined = g; x; x = x.parent) {
    out.push({
      graphId: x.id,
      label: x.kind === 'function' ? `function ${x.name}` : x.ownerNode ? `${x.ownerNode.label}.${x.ownerAttribute}` : x.name || 'main',
    });
  }
  return out.reverse();
}

/** A tensor's type as text: the declared one, else what inference found ("float[batch,64]"). */
export function tensorLabel(v: Value, inference?: InferenceResult): string {
  if (v.initializer) return describeTensor(v.initializer);
  const t = inference?.typeOf(v);
  if (t && (t.shape || !v.type)) return `${dtypeName(t.elemType)}${t.shape ? formatDims(t.shape) : ''}`;
  return v.type ? describeType(v.type) : '';
}

export function buildGraphView(g: Graph, inference?: InferenceResult): GraphView {
  const S = new Strings();
  const kind: number[] = [];
  const id: number[] = [];
  const op: number[] = [];
  const name: number[] = [];
  const domain: number[] = [];
  const category: number[] = [];
  const flags: number[] = [];
  const detail: number[] = [];
  const subgraphs: GraphView['subgraphs'] = [];

  const tensorIndex = new Map<Value, number>();
  const tensorName: number[] = [];
  const tensorLabels: number[] = [];
  const tensorOf = (v: Value): number => {
    let t = tensorIndex.get(v);
    if (t === undefined) {
      t = tensorName.length;
      tensorIndex.set(v, t);
      tensorName.push(S.id(v.name));
      tensorLabels.push(S.id(tensorLabel(v, inference)));
    }
    return t;
  };
  const addNode = (k: ViewNodeKind, irId: number, o: string, n: string, d: string, c: ViewCategory, f: number, det: string) => {
    kind.push(k);
    id.push(irId);
    op.push(S.id(o));
    name.push(S.id(n));
    domain.push(S.id(d));
    category.push(c);
    flags.push(f);
    detail.push(S.id(det));
    return kind.length - 1;
  };

  // Where each value comes from, as a layout node index.
  const source = new Map<Value, number>();
  for (const info of g.inputs) {
    const v = info.value;
    if (v.initializer) continue;
    source.set(v, addNode(ViewNodeKind.Input, v.id, v.name, v.name, '', ViewCategory.Data, 0, v.type ? describeType(v.type) : ''));
  }
  const nodeIndex = new Map<Node, number>();
  for (const n of g.nodes) {
    const sg = n.subgraphs;
    let f = sg.length ? ViewNodeFlags.HasSubgraph : 0;
    if (n.inputs.some((v) => v?.initializer)) f |= ViewNodeFlags.HasWeights;
    if (n.domain && g.model.findFunction(n.domain, n.opType, n.proto.overload ?? '')) f |= ViewNodeFlags.Function | ViewNodeFlags.HasSubgraph;
    const k = n.opType === 'Constant' && !n.domain ? ViewNodeKind.Constant : ViewNodeKind.Op;
    const i = addNode(k, n.id, n.opType, n.name, n.domain, categoryOf(n), f, nodeDetail(n));
    nodeIndex.set(n, i);
    n.outputs.forEach((v) => v && source.set(v, i));
    const fn = n.domain ? g.model.findFunction(n.domain, n.opType, n.proto.overload ?? '') : undefined;
    if (fn) subgraphs.push({ node: i, graphId: fn.id, label: `function ${n.domain}::${n.opType}` });
    for (const a of n.attributes) {
      if (a.graph) subgraphs.push({ node: i, graphId: a.graph.id, label: a.name });
      a.graphs?.forEach((sgr, j) => subgraphs.push({ node: i, graphId: sgr.id, label: `${a.name}[${j}]` }));
    }
  }
  const srcOf = (v: Value): number | undefined => {
    let s = source.get(v);
    if (s === undefined && v.graph !== g && !v.initializer) {
      // A value read from the enclosing scope: one node per such value.
      s = addNode(ViewNodeKind.OuterValue, v.id, v.name, v.name, '', ViewCategory.Data, 0, v.type ? describeType(v.type) : 'outer scope');
      source.set(v, s);
    }
    return s;
  };
  const edgeSrc: number[] = [];
  const edgeDst: number[] = [];
  const edgeTensor: number[] = [];
  for (const n of g.nodes) {
    const dst = nodeIndex.get(n)!;
    const seen = new Set<Value>();
    for (const v of n.inputs) {
      if (!v || v.initializer || seen.has(v)) continue;
      seen.add(v);
      const s = srcOf(v);
      if (s === undefined) continue;
      edgeSrc.push(s);
      edgeDst.push(dst);
      edgeTensor.push(tensorOf(v));
    }
  }
  for (const info of g.outputs) {
    const v = info.value;
    const o = addNode(ViewNodeKind.Output, v.id, v.name, v.name, '', ViewCategory.Data, 0, v.type ? describeType(v.type) : '');
    const s = srcOf(v);
    if (s !== undefined) {
      edgeSrc.push(s);
      edgeDst.push(o);
      edgeTensor.push(tensorOf(v));
    }
  }
  return {
    graphId: g.id,
    path: g.path,
    kind: g.kind,
    breadcrumb: breadcrumb(g),
    strings: S.list,
    nodeCount: kind.length,
    nodeKind: Uint8Array.from(kind),
    nodeId: Int32Array.from(id),
    nodeOp: Uint32Array.from(op),
    nodeName: Uint32Array.from(name),
    nodeDomain: Uint32Array.from(domain),
    nodeCategory: Uint8Array.from(category),
    nodeFlags: Uint8Array.from(flags),
    nodeDetail: Uint32Array.from(detail),
    edgeCount: edgeSrc.length,
    edgeSrc: Uint32Array.from(edgeSrc),
    edgeDst: Uint32Array.from(edgeDst),
    edgeTensor: Uint32Array.from(edgeTensor),
    tensorCount: tensorName.length,
    tensorName: Uint32Array.from(tensorName),
    tensorLabel: Uint32Array.from(tensorLabels),
    subgraphs,
  };
}

export function buildModelView(model: Model, fileName: string): ModelView {
  const s = summarize(model);
  return {
    fileName,
    irVersion: s.irVersion,
    opsetImports: s.opsetImports,
    producer: `${s.producer.name} ${s.producer.version}`.trim(),
    docString: s.docString,
    metadata: Object.entries(s.metadata),
    nodeCount: countNodes(model),
    graphs: model.allGraphs().map((g) => ({ graphId: g.id, path: g.path, kind: g.kind, nodeCount: g.nodes.length })),
    problems: s.problems.map((p) => p.message),
  };
}

/** The ArrayBuffers of a graph view, to post as transferables. */
export function transferablesOf(v: GraphView): ArrayBuffer[] {
  return [
    v.nodeKind, v.nodeId, v.nodeOp, v.nodeName, v.nodeDomain, v.nodeCategory, v.nodeFlags, v.nodeDetail,
    v.edgeSrc, v.edgeDst, v.edgeTensor, v.tensorName, v.tensorLabel,
  ].map((a) => a.buffer as ArrayBuffer);
}
