/**
 * Folding per-channel affine ops into the Conv/ConvTranspose/Gemm before them: BatchNormalization (inference
 * mode), and Add/Mul by a per-channel constant (onnxruntime's ConvBNFusion, ConvAddFusion, ConvMulFusion).
 * New weights are computed in float64 and written back in the weight's own element type.
 *
 * Handled: Conv (any group), ConvTranspose (any group), Gemm (any transB, alpha, beta, C absent/[N]/[1,N]/[M,N]/
 * scalar), weights and biases that are inline constants of type float, double or float16 (a weight shared with
 * another node is copied, never changed under the other node). Left alone: a producer whose output has other
 * readers or is a graph output, weights that are graph inputs or external data, BatchNormalization with
 * spatial=0 (opset < 9).
 */
import type { Model, Node, Value } from '../../ir/model';
import type { HostTensor } from '../../ir/hosttensor';
import { DataType } from '../../ir/dtype';
import { addInitializer, setInput } from '../../ir/edit';
import { hostFromNumbers, hostToNumbers, hostToTensorProto } from '../../codec/tensordata';
import { canReplaceOutput, constantData, editableGraphs, isAnyGraphOutput, opsetOf, removeNodeReplacing } from './graph';

const FLOATS = new Set<number>([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16]);

function floatConst(v: Value | null | undefined): { h: HostTensor; x: Float64Array } | undefined {
  if (!v) return undefined;
  const h = constantData(v);
  if (!h || !FLOATS.has(h.dtype)) return undefined;
  return { h, x: hostToNumbers(h) };
}

/** Why a BatchNormalization is in training mode, or undefined when it runs in inference mode. */
export function bnTrainingReason(bn: Node, opset: number): string | undefined {
  const tm = bn.attr('training_mode');
  if (tm && Number(tm.proto.i ?? 0) !== 0) return 'training_mode=1';
  const extra = bn.outputs.slice(1).filter((o) => o);
  if (extra.length) return `${extra.length + 1} outputs (running mean/variance are computed only in training mode)`;
  if (opset < 7) {
    const isTest = bn.attr('is_test');
    if (!isTest || Number(isTest.proto.i ?? 0) === 0) return 'is_test=0 (training mode at opset < 7)';
  }
  return undefined;
}

/** Replaces the data of the producer's input `index` (a constant) by `values` in the same dtype; copies when shared. */
function writeConst(node: Node, index: number, like: HostTensor, dims: number[], values: ArrayLike<number>, base: string): void {
  const h = hostFromNumbers(like.dtype, dims, Array.from(values));
  const old = node.inputs[index];
  if (old && old.isConstant && old.uses.length === 1 && !isAnyGraphOutput(old)) {
    old.initializer!.proto = hostToTensorProto(h, old.name);
    return;
  }
  const v = addInitializer(node.graph, old?.name ?? base, hostToTensorProto(h));
  setInput(node, index, v);
}

interface Affine {
  /** y = x * scale[c] + shift[c] per output channel. */
  scale: Float64Array;
  shift: Float64Array;
}

/** Applies a per-channel affine map to the output of a Conv/ConvTranspose/Gemm by rewriting its weights. */
function applyAffine(p: Node, a: Affine): string | undefined {
  const w = floatConst(p.inputs[1]);
  if (!w) return `its weight '${p.inputs[1]?.name ?? ''}' is not an inline float constant`;
  const C = a.scale.length;
  const wd = w.h.dims;
  const wx = w.x;
  const nw = new Float64Array(wx.length);
  if (p.opType === 'Conv') {
    if (wd[0] !== C) return `its weight has ${wd[0]} output channels, not ${C}`;
    const inner = wx.length / C;
    for (let i = 0; i < wx.length; i++) nw[i] = wx[i] * a.scale[Math.floor(i / inner)];
  } else if (p.opType === 'ConvTranspose') {
    const group = Number(p.attr('group')?.proto.i ?? 1);
    const cin = wd[0];
    const coutPerGroup = wd[1];
    if (coutPerGroup * group !== C || cin % group !== 0) return `its weight [${wd.join(',')}] with group ${group} does not give ${C} output channels`;
    const inner = wx.length / (cin * coutPerGroup);
    const cinPerGroup = cin / group;
    for (let i = 0; i < wx.length; i++) {
      const ci = Math.floor(i / (coutPerGroup * inner));
      const j = Math.floor(i / inner) % coutPerGroup;
      nw[i] = wx[i] * a.scale[Math.floor(ci / cinPerGroup) * coutPerGroup + j];
    }
  } else {
    // Gemm: scale the columns of B' (rows of B when transB).
    const transB = Number(p.attr('transB')?.proto.i ?? 0) === 1;
    if (wd.length !== 2) return 'its B is not 2-D';
    const N = transB ? wd[0] : wd[1];
    if (N !== C) return `its B gives ${N} columns, not ${C}`;
    for (let i = 0; i < wx.length; i++) nw[i] = wx[i] * a.scale[transB ? Math.floor(i / wd[1]) : i % wd[1]];
  }
  // Bias.
  let bias: Float64Array;
  let biasDims: number[];
  if (p.opType === 'Gemm') {
    const alphaBeta = p.attr('beta');
    const beta = alphaBeta ? (alphaBeta.proto.f ?? 1) : 1;
    const c = p.inputs[2] ? floatConst(p.inputs[2]) : undefined;
    if (p.inputs[2] && !c) return `its C '${p.inputs[2]!.name}' is not an inline float constant`;
    if (!c || beta === 0) {
      bias = Float64Array.from(a.shift);
      biasDims = [C];
      setBeta(p, 1);
    } else {
      const cd = c.h.dims;
      const rows = cd.length === 2 ? cd[0] : 1;
      const cols = cd.length === 0 ? 1 : cd[cd.length - 1];
      if (cols !== 1 && cols !== C) return `its C [${cd.join(',')}] does not broadcast to ${C} columns`;
      biasDims = rows === 1 ? [C] : [rows, C];
      bias = new Float64Array(rows * C);
      for (let m = 0; m < rows; m++) {
        for (let n = 0; n < C; n++) {
          const cv = c.x[m * cols + (cols === 1 ? 0 : n)];
          bias[m * C + n] = a.scale[n] * cv + a.shift[n] / beta;
        }
      }
    }
  } else {
    const b = p.inputs[2] ? floatConst(p.inputs[2]) : undefined;
    if (p.inputs[2] && !b) return `its bias '${p.inputs[2]!.name}' is not an inline float constant`;
    bias = new Float64Array(C);
    for (let c = 0; c < C; c++) bias[c] = (b ? b.x[c] : 0) * a.scale[c] + a.shift[c];
    biasDims = [C];
  }
  if (a.scale.some((v) => v !== 1)) writeConst(p, 1, w.h, wd, nw, `${p.name || p.opType}_weight`);
  if (p.inputs.length < 3) setInput(p, 2, null);
  writeConst(p, 2, w.h, biasDims, bias, `${p.name || p.opType}_bias`);
  return undefined;
}

/** Gemm's beta defaults to 1: only an explicit attribute needs changing. */
function setBeta(gemm: Node, beta: number): void {
  const a = gemm.attr('beta');
  if (a) a.proto.f = beta;
}

/** The producer `bn` (or Add/Mul) can fold into, or why not. */
function foldTarget(x: Value | null | undefined): { p: Node } | { why: string } {
  if (!x) return { why: 'it has no input' };
  const p = x.producer;
  if (!p || (p.opType !== 'Conv' && p.opType !== 'ConvTranspose' && p.opType !== 'Gemm') || (p.domain !== '' && p.domain !== 'ai.onnx')) {
    return { why: `its input '${x.name}' does not come from a Conv, ConvTranspose or Gemm` };
  }
  if (x.uses.length !== 1) return { why: `${p.label}'s output '${x.name}' is also read by another node` };
  if (isAnyGraphOutput(x)) return { why: `${p.label}'s output '${x.name}' is a graph output` };
  if (p.outputs.length !== 1) return { why: `${p.label} has several outputs` };
  return { p };
}

export interface BnFoldResult {
  folded: string[];
  left: string[];
}

/**
 * Folds inference-mode BatchNormalization nodes (all, or `only`) into the Conv/ConvTranspose/Gemm before them.
 * Training-mode ones are refused by the caller (see bnTrainingReason) or skipped here.
 */
export function foldBatchNorms(model: Model, only?: Node[]): BnFoldResult {
  const res: BnFoldResult = { folded: [], left: [] };
  const opset = opsetOf(model, '');
  const targets = only ?? editableGraphs(model).flatMap((g) => g.nodes.filter((n) => n.opType === 'BatchNormalization' && (n.domain === '' || n.domain === 'ai.onnx')));
  for (const bn of targets) {
    const why = bnTrainingReason(bn, opset);
    if (why) {
      res.left.push(`${bn.label}: training mode (${why})`);
      continue;
    }
    if (opset < 9 && bn.attr('spatial') && Number(bn.attr('spatial')!.proto.i) === 0) {
      res.left.push(`${bn.label}: spatial=0 (per-element statistics) is not folded`);
      continue;
    }
    const t = foldTarget(bn.inputs[0]);
    if ('why' in t) {
      res.left.push(`${bn.label}: ${t.why}`);
      continue;
    }
    const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => floatConst(bn.inputs[i]));
    if (!scale || !bias || !mean || !variance) {
      res.left.push(`${bn.label}: its scale, bias, mean and variance must be inline float constants`);
      continue;
    }
    const eps = bn.attr('epsilon')?.proto.f ?? 1e-5;
    const C = scale.x.length;
    if ([bias, mean, variance].some((c) => c.x.length !== C)) {
      res.left.push(`${bn.label}: its scale, bias, mean and variance differ in length`);
      continue;
    }
    const y = bn.outputs[0];
    const x = bn.inputs[0]!;
    if (!y || !canReplaceOutput(bn, y, x)) {
      res.left.push(`${bn.label}: its output is a graph output that '${x.name}' cannot take over`);
      continue;
    }
    const s = new Float64Array(C);
    const sh = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      s[c] = scale.x[c] / Math.sqrt(variance.x[c] + eps);
      sh[c] = bias.x[c] - mean.x[c] * s[c];
    }
    const err = applyAffine(t.p, { scale: s, shift: sh });
    if (err) {
      res.left.push(`${bn.label}: ${t.p.label}: ${err}`);
      continue;
    }
    removeNodeReplacing(bn, y, x);
    res.folded.push(`${bn.label} into ${t.p.label}`);
  }
  return res;
}

/**
 * Conv + Add(per-channel constant) and Conv + Mul(per-channel constant) become one Conv. Returns how many.
 * The constant must broadcast only along the channel axis ([C,1,1], [1,C,1,1], [1], a scalar).
 */
export function fuseConvAddMul(model: Model): number {
  let n = 0;
  for (const g of editableGraphs(model)) {
    for (const node of [...g.nodes]) {
      if ((node.opType !== 'Add' && node.opType !== 'Mul') || (node.domain !== '' && node.domain !== 'ai.onnx')) continue;
      const [a, b] = node.inputs;
      if (!a || !b) continue;
      const [x, c] = a.isConstant ? [b, a] : [a, b];
      if (!c.isConstant || x.isConstant) continue;
      const t = foldTarget(x);
      if ('why' in t || t.p.opType === 'Gemm') continue;
      const p = t.p;
      const w = floatConst(p.inputs[1]);
      const k = floatConst(c);
      if (!w || !k || k.h.dtype !== w.h.dtype) continue;
      const oc = p.opType === 'ConvTranspose' ? w.h.dims[1] * Number(p.attr('group')?.proto.i ?? 1) : w.h.dims[0];
      const rank = w.h.dims.length; // output rank = weight rank
      const kd = k.h.dims;
      if (kd.length > rank) continue;
      const aligned = [...new Array(rank - kd.length).fill(1), ...kd];
      const chan = aligned[1];
      if (aligned[0] !== 1 || aligned.slice(2).some((d) => d !== 1) || (chan !== 1 && chan !== oc)) continue;
      const per = (i: number) => k.x[chan === 1 ? 0 : i];
      const scale = new Float64Array(oc);
      const shift = new Float64Array(oc);
      for (let i = 0; i < oc; i++) {
        scale[i] = node.opType === 'Mul' ? per(i) : 1;
        shift[i] = node.opType === 'Add' ? per(i) : 0;
      }
      const y = node.outputs[0];
      if (!y || !canReplaceOutput(node, y, x)) continue;
      if (applyAffine(p, { scale, shift })) continue;
      removeNodeReplacing(node, y, x);
      n++;
    }
  }
  return n;
}

