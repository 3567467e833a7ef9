/**
 * Convolutions and pooling: Conv, ConvInteger, QLinearConv, DeformConv, ConvTranspose, MaxPool,
 * AveragePool, LpPool (auto_pad NOTSET/VALID/SAME_UPPER/SAME_LOWER, pads, strides, dilations,
 * ceil_mode), the Global* pools, MaxRoiPool, RoiAlign, MaxUnpool, GridSample, AffineGrid, Col2Im.
 *
 * Output length of a spatial dim d, with effective kernel k' = (k - 1) * dilation + 1:
 *   explicit pads: floor((d + pad_begin + pad_end - k') / stride) + 1   (ceil with ceil_mode, where the
 *                  last window must start inside the input or the left padding, as onnxruntime and
 *                  PyTorch count it)
 *   VALID:         floor((d - k') / stride) + 1
 *   SAME_*:        ceil(d / stride)
 * Symbolic d stays symbolic (`(H+1)//2`); ceil_mode with a symbolic d and stride > 1 is unknown.
 */
import { DataType } from '../../ir/dtype';
import { InferError, register, type OpContext } from '../registry';
import { dimAdd, dimCeilDiv, dimDivExact, dimFloorDiv, dimMul, dimProduct, dimsDiffer, dimSub, type SymDim } from '../symbolic';
import { shapeVector, unknownDims } from './util';

interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  pads: number[];
  autoPad: string;
}

function windowOf(ctx: OpContext, n: number, kernel: number[]): Window {
  const strides = ctx.ints('strides') ?? [];
  const dilations = ctx.ints('dilations') ?? [];
  const pads = ctx.ints('pads') ?? [];
  const autoPad = ctx.str('auto_pad', 'NOTSET') || 'NOTSET';
  if (kernel.length !== n) throw new InferError(`kernel_shape has ${kernel.length} dims for ${n} spatial dims; expected ${n}`);
  if (strides.length && strides.length !== n) throw new InferError(`strides has ${strides.length} entries for ${n} spatial dims`);
  if (pads.length && pads.length !== 2 * n) throw new InferError(`pads has ${pads.length} entries for ${n} spatial dims; expected ${2 * n}`);
  return {
    kernel,
    strides: strides.length ? strides : new Array(n).fill(1),
    dilations: dilations.length ? dilations : new Array(n).fill(1),
    pads: pads.length ? pads : new Array(2 * n).fill(0),
    autoPad,
  };
}

function windowedDim(d: SymDim, w: Window, i: number, n: number, ceilMode: boolean): SymDim {
  const s = w.strides[i];
  const k = (w.kernel[i] - 1) * w.dilations[i] + 1;
  if (s <= 0) throw new InferError(`stride ${s} must be positive`);
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return dimCeilDiv(d, s);
  const pb = w.autoPad === 'VALID' ? 0 : w.pads[i];
  const pe = w.autoPad === 'VALID' ? 0 : w.pads[i + n];
  const span = dimSub(dimAdd(d, pb + pe), k);
  if (typeof span === 'number' && span < 0) {
    throw new InferError(`the window (${k} with dilation) is larger than the padded input (${typeof d === 'number' ? d + pb + pe : d})`);
  }
  if (!ceilMode || s === 1) return dimAdd(dimFloorDiv(span, s), 1);
  if (typeof d !== 'number' || typeof span !== 'number') return null;
  let out = Math.ceil(span / s) + 1;
  if ((out - 1) * s >= d + pb) out--; // the last window must start inside the input or the left padding
  return out;
}

function kernelFrom(ctx: OpContext, wShape: SymDim[] | undefined, n: number): number[] | undefined {
  const k = ctx.ints('kernel_shape');
  if (k && k.length) return k;
  if (!wShape || wShape.length !== n + 2) return undefined;
  const sp = wShape.slice(2);
  return sp.every((d) => typeof d === 'number') ? (sp as number[]) : undefined;
}

/** Conv-like: X [N, C, spatial...], W [M, C/group, k...] -> [N, M, out...]. */
function convLike(ctx: OpContext, xIndex: number, wIndex: number, elemType: number): void {
  const x = ctx.shape(xIndex);
  const w = ctx.shape(wIndex);
  if (!x) {
    ctx.setOutput(0, elemType, w ? unknownDims(w.length) : undefined);
    return;
  }
  if (x.length < 3) throw new InferError(`the input has rank ${x.length}; expected N, C and at least one spatial dim`);
  const n = x.length - 2;
  const group = ctx.int('group', 1);
  const m: SymDim = w ? w[0] : null;
  if (w && w.length !== x.length) throw new InferError(`the weight has rank ${w.length} for a rank-${x.length} input; expected ${x.length}`);
  if (w && x[1] !== null && w[1] !== null && dimsDiffer(x[1], dimMul(w[1], group))) {
    throw new InferError(`the input has ${x[1]} channels but the weight expects ${dimMul(w[1], group)} (${w[1]} x group ${group})`);
  }
  const kernel = kernelFrom(ctx, w, n);
  if (!kernel) {
    ctx.setOutput(0, elemType, [x[0], m, ...unknownDims(n)]);
    return;
  }
  const win = windowOf(ctx, n, kernel);
  const out = x.slice(2).map((d, i) => windowedDim(d, win, i, n, false));
  ctx.setOutput(0, elemType, [x[0], m, ...out]);
}

register('Conv', (ctx) => convLike(ctx, 0, 1, ctx.elemType(0)));
register('ConvInteger', (ctx) => convLike(ctx, 0, 1, DataType.INT32));
register('QLinearConv', (ctx) => convLike(ctx, 0, 3, ctx.elemType(7) || ctx.elemType(0)));
register('DeformConv', (ctx) => convLike(ctx, 0, 1, ctx.elemType(0)));
/** onnxruntime's FusedConv: Conv followed by an activation (and an optional sum input), Conv's shape. */
register('FusedConv', (ctx) => convLike(ctx, 0, 1, ctx.elemType(0)), 'com.microsoft');

register('ConvTranspose', (ctx) => {
  const x = ctx.shape(0);
  const w = ctx.shape(1);
  const elem = ctx.elemType(0);
  if (!x) {
    ctx.setOutput(0, elem, w ? unknownDims(w.length) : undefined);
    return;
  }
  const n = x.length - 2;
  const group = ctx.int('group', 1);
  const m = w ? dimMul(w[1], group) : null;
  const kernel = kernelFrom(ctx, w, n);
  const outputShape = ctx.ints('output_shape');
  if (outputShape && outputShape.length) {
    const sp = outputShape.slice(-n);
    ctx.setOutput(0, elem, [x[0], m, ...sp]);
    return;
  }
  if (!kernel) {
    ctx.setOutput(0, elem, [x[0], m, ...unknownDims(n)]);
    return;
  }
  const win = windowOf(ctx, n, kernel);
  const outPad = ctx.ints('output_padding') ?? new Array(n).fill(0);
  const out = x.slice(2).map((d, i) => {
    const s = win.strides[i];
    if (win.autoPad === 'SAME_UPPER' || win.autoPad === 'SAME_LOWER') return dimMul(d, s);
    const k = (win.kernel[i] - 1) * win.dilations[i] + 1;
    const pads = win.autoPad === 'VALID' ? 0 : win.pads[i] + win.pads[i + n];
    return dimAdd(dimMul(dimSub(d, 1), s), (outPad[i] ?? 0) + k - pads);
  });
  ctx.setOutput(0, elem, [x[0], m, ...out]);
});

function pool(ctx: OpContext, indices: boolean): void {
  const x = ctx.shape(0);
  const elem = ctx.elemType(0);
  if (!x) {
    ctx.setOutput(0, elem, undefined);
    if (indices) ctx.setOutput(1, DataType.INT64, undefined);
    return;
  }
  const n = x.length - 2;
  const kernel = ctx.ints('kernel_shape');
  if (!kernel) throw new InferError('kernel_shape is missing; it is required');
  const win = windowOf(ctx, n, kernel);
  const ceil = ctx.int('ceil_mode', 0) === 1;
  const out = [x[0], x[1], ...x.slice(2).map((d, i) => windowedDim(d, win, i, n, ceil))];
  ctx.setOutput(0, elem, out);
  if (indices) ctx.setOutput(1, DataType.INT64, out);
}

register('MaxPool', (ctx) => pool(ctx, true));
register(['AveragePool', 'LpPool'], (ctx) => pool(ctx, false));

register(['GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool'], (ctx) => {
  const x = ctx.shape(0);
  ctx.setOutput(0, ctx.elemType(0), x ? x.map((d, i) => (i < 2 ? d : 1)) : undefined);
});

register('MaxRoiPool', (ctx) => {
  const x = ctx.shape(0);
  const rois = ctx.shape(1);
  const pooled = ctx.ints('pooled_shape') ?? [null, null];
  ctx.setOutput(0, ctx.elemType(0), [rois ? rois[0] : null, x ? x[1] : null, ...pooled]);
});

register('RoiAlign', (ctx) => {
  const x = ctx.shape(0);
  const rois = ctx.shape(1);
  const bi = ctx.shape(2);
  const num = rois ? rois[0] : bi ? bi[0] : null;
  ctx.setOutput(0, ctx.elemType(0), [num, x ? x[1] : null, ctx.int('output_height', 1), ctx.int('output_width', 1)]);
});

register('MaxUnpool', (ctx) => {
  const x = ctx.shape(0);
  const elem = ctx.elemType(0);
  const given = ctx.hasInput(2) ? shapeVector(ctx, 2) : undefined;
  if (given) {
    ctx.setOutput(0, elem, given);
    return;
  }
  if (!x) {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  if (ctx.hasInput(2)) {
    ctx.setOutput(0, elem, unknownDims(x.length));
    return;
  }
  const n = x.length - 2;
  const kernel = ctx.ints('kernel_shape');
  if (!kernel) throw new InferError('kernel_shape is missing; it is required');
  const win = windowOf(ctx, n, kernel);
  const out = x.slice(2).map((d, i) => dimAdd(dimMul(dimSub(d, 1), win.strides[i]), kernel[i] - win.pads[i] - win.pads[i + n]));
  ctx.setOutput(0, elem, [x[0], x[1], ...out]);
});

register('GridSample', (ctx) => {
  const x = ctx.shape(0);
  const g = ctx.shape(1);
  if (!x && !g) {
    ctx.setOutput(0, ctx.elemType(0), undefined);
    return;
  }
  const n = x ? x[0] : g![0];
  const c = x ? x[1] : null;
  const spatial = g ? g.slice(1, -1) : unknownDims(x!.length - 2);
  ctx.setOutput(0, ctx.elemType(0), [n, c, ...spatial]);
});

register('AffineGrid', (ctx) => {
  const size = shapeVector(ctx, 1);
  const theta = ctx.shape(0);
  const elem = ctx.elemType(0);
  if (!size) {
    const ss = ctx.shape(1);
    const len = ss && typeof ss[0] === 'number' ? ss[0] : undefined;
    ctx.setOutput(0, elem, len === 4 ? [theta ? theta[0] : null, null, null, 2] : len === 5 ? [theta ? theta[0] : null, null, null, null, 3] : undefined);
    return;
  }
  const spatial = size.slice(2);
  ctx.setOutput(0, elem, [size[0], ...spatial, spatial.length]);
});

register('Col2Im', (ctx) => {
  const x = ctx.shape(0);
  const image = shapeVector(ctx, 1);
  const block = shapeVector(ctx, 2);
  const elem = ctx.elemType(0);
  const c = x && block ? dimDivExact(x[1], dimProduct(block)) : null;
  const n = x ? x[0] : null;
  if (image) ctx.setOutput(0, elem, [n, c, ...image]);
  else {
    const is = ctx.shape(1);
    ctx.setOutput(0, elem, is && typeof is[0] === 'number' ? [n, c, ...unknownDims(is[0])] : undefined);
  }
});
