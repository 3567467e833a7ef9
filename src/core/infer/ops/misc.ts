/**
 * The rest: NonMaxSuppression, Attention (opset 23+), losses (NegativeLogLikelihoodLoss,
 * SoftmaxCrossEntropyLoss), signal ops (DFT, STFT, windows, MelWeightMatrix), random generators,
 * Multinomial, text ops (TfIdfVectorizer, StringNormalizer, StringSplit), ImageDecoder, and the
 * ai.onnx.preview.training optimizers (Adagrad, Adam, Momentum).
 */
import { DataType } from '../../ir/dtype';
import { register, type OpContext } from '../registry';
import { dimAdd, dimDivExact, dimFloorDiv, dimMul, dimSub, type SymDim } from '../symbolic';
import { normAxis } from './util';

register('NonMaxSuppression', (ctx) => ctx.setOutput(0, DataType.INT64, [null, 3]));

register('Attention', (ctx) => {
  const q = ctx.shape(0);
  const k = ctx.shape(1);
  const v = ctx.shape(2);
  const elem = ctx.elemType(0);
  const velem = ctx.elemType(2) || elem;
  const past = ctx.hasInput(4) ? ctx.shape(4) : undefined;
  const qHeads = ctx.int('q_num_heads');
  const kvHeads = ctx.int('kv_num_heads');
  if (!q) {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  let b: SymDim, sq: SymDim, hq: SymDim, hkv: SymDim, e: SymDim, ev: SymDim, l: SymDim;
  const four = q.length === 4;
  if (four) {
    [b, hq, sq, e] = q;
    hkv = k ? k[1] : null;
    l = k ? k[2] : null;
    ev = v ? v[3] : null;
  } else {
    [b, sq] = q;
    hq = qHeads ?? null;
    hkv = kvHeads ?? null;
    l = k ? k[1] : null;
    e = k && hkv !== null ? dimDivExact(k[2], hkv) : null;
    ev = v && hkv !== null ? dimDivExact(v[2], hkv) : null;
  }
  const total = past ? dimAdd(past[2], l) : ctx.hasInput(4) ? null : l;
  ctx.setOutput(0, elem, four ? [b, hq, sq, ev] : [b, sq, dimMul(hq, ev)]);
  if (ctx.hasOutput(1)) ctx.setOutput(1, elem, [b, hkv, total, e]);
  if (ctx.hasOutput(2)) ctx.setOutput(2, velem, [b, hkv, total, ev]);
  if (ctx.hasOutput(3)) ctx.setOutput(3, elem, [b, hq, sq, total]);
});

register('NegativeLogLikelihoodLoss', (ctx) => {
  const reduction = ctx.str('reduction', 'mean');
  ctx.setOutput(0, ctx.elemType(0), reduction === 'none' ? ctx.shape(1) : []);
});

register('SoftmaxCrossEntropyLoss', (ctx) => {
  const reduction = ctx.str('reduction', 'mean');
  ctx.setOutput(0, ctx.elemType(0), reduction === 'none' ? ctx.shape(1) : []);
  if (ctx.hasOutput(1)) ctx.setOutput(1, ctx.elemType(0), ctx.shape(0));
});

register(['HannWindow', 'HammingWindow', 'BlackmanWindow'], (ctx) => {
  const size = ctx.value(0)?.data[0] ?? null;
  ctx.setOutput(0, ctx.int('output_datatype', DataType.FLOAT), [size]);
});

register('MelWeightMatrix', (ctx) => {
  const bins = ctx.value(0)?.data[0] ?? null;
  const dft = ctx.value(1)?.data[0] ?? null;
  ctx.setOutput(0, ctx.int('output_datatype', DataType.FLOAT), [dft === null ? null : dimAdd(dimFloorDiv(dft, 2), 1), bins]);
});

register('DFT', (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elemType(0);
  if (!s) {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  let axis: number | undefined;
  if (ctx.since < 20) axis = ctx.int('axis', 1);
  else if (ctx.hasInput(2)) {
    const a = ctx.known(2);
    axis = a ? a.data[0] : undefined;
  } else axis = -2;
  const out = s.slice();
  out[out.length - 1] = 2;
  if (axis === undefined) {
    ctx.setOutput(0, elem, out.map((d, i) => (i === out.length - 1 ? 2 : i === 0 ? d : null)));
    return;
  }
  const a = normAxis(axis, s.length);
  const len: SymDim = ctx.hasInput(1) ? (ctx.value(1)?.data[0] ?? null) : s[a];
  out[a] = ctx.int('onesided', 0) && !ctx.int('inverse', 0) ? (len === null ? null : dimAdd(dimFloorDiv(len, 2), 1)) : len;
  ctx.setOutput(0, elem, out);
});

register('STFT', (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elemType(0);
  const step = ctx.value(1)?.data[0] ?? null;
  const win = ctx.hasInput(2) ? ctx.shape(2) : undefined;
  const frameLen: SymDim = ctx.hasInput(3) ? (ctx.value(3)?.data[0] ?? null) : win ? win[0] : null;
  const batch = s ? s[0] : null;
  const length = s ? s[1] : null;
  const frames = length !== null && frameLen !== null && step !== null ? dimAdd(dimFloorDiv(dimSub(length, frameLen), step), 1) : null;
  const onesided = ctx.int('onesided', 1);
  const bins = frameLen === null ? null : onesided ? dimAdd(dimFloorDiv(frameLen, 2), 1) : frameLen;
  ctx.setOutput(0, elem, [batch, frames, bins, 2]);
});

register(['RandomNormal', 'RandomUniform'], (ctx) => {
  ctx.setOutput(0, ctx.int('dtype', DataType.FLOAT), ctx.ints('shape'));
});

register('Multinomial', (ctx) => {
  const s = ctx.shape(0);
  ctx.setOutput(0, ctx.int('dtype', DataType.INT32), [s ? s[0] : null, ctx.int('sample_size', 1)]);
});

register('TfIdfVectorizer', (ctx) => {
  const s = ctx.shape(0);
  const idx = ctx.ints('ngram_indexes') ?? [];
  const width = idx.length ? Math.max(...idx) + 1 : null;
  ctx.setOutput(0, DataType.FLOAT, !s ? undefined : s.length === 1 ? [width] : [s[0], width]);
});

register('StringNormalizer', (ctx) => {
  const s = ctx.shape(0);
  ctx.setOutput(0, DataType.STRING, !s ? undefined : s.length === 2 ? [s[0], null] : [null]);
});

register('StringSplit', (ctx) => {
  const s = ctx.shape(0);
  ctx.setOutput(0, DataType.STRING, s ? [...s, null] : undefined);
  ctx.setOutput(1, DataType.INT64, s);
});

register('ImageDecoder', (ctx) => {
  const fmt = ctx.str('pixel_format', 'RGB');
  ctx.setOutput(0, DataType.UINT8, [null, null, fmt === 'Grayscale' ? 1 : 3]);
});

// ai.onnx.preview.training optimizers: each output has the shape of the input it updates.
function optimizer(groups: number, outGroups: number[]): (ctx: OpContext) => void {
  return (ctx) => {
    const n = (ctx.inputCount - 2) / groups;
    if (!Number.isInteger(n)) return;
    outGroups.forEach((g, k) => {
      for (let i = 0; i < n; i++) {
        const t = ctx.type(2 + g * n + i);
        ctx.setOutput(k * n + i, t?.elemType ?? 0, t?.shape);
      }
    });
  };
}
register('Adagrad', optimizer(3, [0, 2]), 'ai.onnx.preview.training');
register('Adam', optimizer(4, [0, 2, 3]), 'ai.onnx.preview.training');
register('Momentum', optimizer(3, [0, 2]), 'ai.onnx.preview.training');

// com.microsoft (onnxruntime contrib ops) that optimized transformer and CNN exports commonly hold and
// whose output has the input's shape: activations with an optional bias, fused convolution, layer norms.
const MS = 'com.microsoft';
register(['Gelu', 'FastGelu', 'BiasGelu', 'QuickGelu', 'BiasAdd'], (ctx) => {
  const t = ctx.type(0);
  ctx.setOutput(0, t?.elemType ?? 0, t?.shape);
}, MS);
register(['LayerNormalization', 'SimplifiedLayerNormalization', 'SkipLayerNormalization', 'SkipSimplifiedLayerNormalization'], (ctx) => {
  const t = ctx.type(0);
  ctx.setOutput(0, t?.elemType ?? 0, t?.shape);
  // SkipLayerNormalization's output 3 is input + skip (+ bias): the input's shape.
  if (ctx.opType.startsWith('Skip') && ctx.hasOutput(3)) ctx.setOutput(3, t?.elemType ?? 0, t?.shape);
}, MS);
