/**
 * Shape-manipulating operators: Constant, Shape, Size, Reshape (0 and -1), Flatten, Squeeze/Unsqueeze
 * (axes by attribute before opset 13, by input from 13), Transpose, Concat, Split (attribute before 13,
 * input from 13, num_outputs from 18), Slice (attributes before 10; steps and negative indices),
 * Gather, GatherElements, GatherND, Expand, Tile, Pad (attribute before 11, input from 11, axes from 18),
 * Resize/Upsample (scales or sizes, axes and keep_aspect_ratio_policy from 18), ConstantOfShape, Range,
 * NonZero, OneHot, TopK, ArgMax/ArgMin, DepthToSpace/SpaceToDepth, Compress, Unique, EyeLike, Det,
 * CenterCropPad.
 *
 * The glue subset (Constant, Shape, Size, Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Concat, Split,
 * Slice, Gather, Expand, ConstantOfShape, Range) also propagates values, symbolic dims included, so a
 * Reshape target built from x.shape keeps `batch`.
 */
import { DataType } from '../../ir/dtype';
import { InferError, register, type OpContext } from '../registry';
import {
  dimAdd, dimCeilDiv, dimDivExact, dimFloorDiv, dimMul, dimProduct, dimsDiffer, dimSub, type SymDim,
} from '../symbolic';
import type { PropValue } from '../types';
import { elementCount, makeValue, stridesOf } from '../values';
import {
  axesOf, broadcastShapes, INT_INF, knownInts, normAxes, normAxis, shapeVector, unifyDim, unknownDims,
} from './util';

const INT64 = DataType.INT64;

// -------------------------------------------------------------------------------------------------
// Constant, Shape, Size

register('Constant', (ctx) => {
  const t = ctx.tensorAttr('value');
  if (t) {
    ctx.setOutput(0, t.dtype, t.dims);
    if (t.value) ctx.setValue(0, t.value);
    return;
  }
  const sparse = ctx.attr('sparse_value')?.proto.sparseTensor;
  if (sparse) {
    ctx.setOutput(0, sparse.values?.dataType ?? 0, (sparse.dims ?? []).map(Number));
    return;
  }
  const f = ctx.attr('value_float');
  if (f) {
    ctx.setOutput(0, DataType.FLOAT, []);
    ctx.setValue(0, { dtype: DataType.FLOAT, dims: [], data: [Math.fround(f.proto.f ?? 0)] });
    return;
  }
  const fs = ctx.floats('value_floats');
  if (fs) {
    ctx.setOutput(0, DataType.FLOAT, [fs.length]);
    ctx.setValue(0, { dtype: DataType.FLOAT, dims: [fs.length], data: fs.map(Math.fround) });
    return;
  }
  const i = ctx.int('value_int');
  if (i !== undefined) {
    ctx.setOutput(0, INT64, []);
    ctx.setValue(0, { dtype: INT64, dims: [], data: [i] });
    return;
  }
  const is = ctx.ints('value_ints');
  if (is) {
    ctx.setOutput(0, INT64, [is.length]);
    ctx.setValue(0, { dtype: INT64, dims: [is.length], data: is });
    return;
  }
  if (ctx.attr('value_string')) {
    ctx.setOutput(0, DataType.STRING, []);
    return;
  }
  const ss = ctx.attr('value_strings');
  if (ss) {
    ctx.setOutput(0, DataType.STRING, [(ss.proto.strings ?? []).length]);
    return;
  }
  throw new InferError('Constant has none of the attributes value, sparse_value, value_float(s), value_int(s), value_string(s); expected exactly one');
});

/** Shape's start/end (opset 15) clamped into [0, rank]. */
function clampIndex(i: number, r: number): number {
  const x = i < 0 ? i + r : i;
  return Math.min(r, Math.max(0, x));
}

register('Shape', (ctx) => {
  const s = ctx.shape(0);
  if (!s) {
    ctx.setOutput(0, INT64, [null]);
    return;
  }
  const r = s.length;
  const start = clampIndex(ctx.int('start', 0), r);
  const end = clampIndex(ctx.int('end', r), r);
  const dims = end > start ? s.slice(start, end) : [];
  ctx.setOutput(0, INT64, [dims.length]);
  ctx.setValue(0, makeValue(INT64, [dims.length], dims));
});

register('Size', (ctx) => {
  ctx.setOutput(0, INT64, []);
  const s = ctx.shape(0);
  if (!s) return;
  const p = dimProduct(s);
  if (p !== null) ctx.setValue(0, makeValue(INT64, [], [p]));
});

// -------------------------------------------------------------------------------------------------
// Reshape family

function withValue(ctx: OpContext, outShape: SymDim[] | undefined, reorder?: (v: PropValue) => SymDim[] | undefined): void {
  const v = ctx.value(0);
  if (!v || !outShape || !outShape.every((d) => typeof d === 'number')) return;
  const dims = outShape as number[];
  if (elementCount(dims) !== v.data.length) return;
  const data = reorder ? reorder(v) : v.data;
  if (data) ctx.setValue(0, { dtype: v.dtype, dims, data });
}

register('Reshape', (ctx) => {
  const elem = ctx.elemType(0);
  const input = ctx.shape(0);
  let target: SymDim[] | undefined;
  if (ctx.since < 5) {
    const s = ctx.ints('shape');
    if (s) target = s;
  } else {
    target = shapeVector(ctx, 1);
    if (!target) {
      const ts = ctx.shape(1);
      ctx.setOutput(0, elem, ts && ts.length === 1 && typeof ts[0] === 'number' ? unknownDims(ts[0]) : undefined);
      return;
    }
  }
  if (!target) {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  const allowzero = ctx.since >= 14 ? ctx.int('allowzero', 0) : 0;
  const out: SymDim[] = [];
  let minus = -1;
  target.forEach((t, i) => {
    if (t === 0 && !allowzero) {
      out.push(input ? (i < input.length ? input[i] : (() => { throw new InferError(`shape[${i}] is 0 (copy the input dim), but the input has rank ${input.length}`); })()) : null);
    } else if (t === -1) {
      if (minus >= 0) throw new InferError('the target shape has more than one -1; expected at most one');
      minus = i;
      out.push(null);
    } else if (typeof t === 'number' && t < -1) {
      throw new InferError(`shape[${i}] is ${t}; expected a dim >= -1`);
    } else out.push(t);
  });
  const total = input ? dimProduct(input) : null;
  if (minus >= 0) {
    const rest = dimProduct(out.filter((_, i) => i !== minus));
    if (total !== null && rest !== null) {
      if (typeof total === 'number' && typeof rest === 'number') {
        if (rest === 0 || total % rest !== 0) {
          throw new InferError(`cannot reshape ${total} elements into a shape whose other dims hold ${rest}; the -1 dim would not be whole`);
        }
        out[minus] = total / rest;
      } else out[minus] = dimDivExact(total, rest);
    }
  } else if (total !== null) {
    const p = dimProduct(out);
    if (p !== null && dimsDiffer(p, total)) {
      throw new InferError(`cannot reshape ${total} elements into ${p}; expected the same element count`);
    }
  }
  ctx.setOutput(0, elem, out);
  withValue(ctx, out);
});

register('Flatten', (ctx) => {
  const s = ctx.shape(0);
  if (!s) {
    ctx.setOutput(0, ctx.elemType(0), [null, null]);
    return;
  }
  let axis = ctx.int('axis', 1);
  if (axis < 0) axis += s.length;
  if (axis < 0 || axis > s.length) throw new InferError(`axis ${ctx.int('axis', 1)} is out of range for rank ${s.length}`);
  const out = [dimProduct(s.slice(0, axis)), dimProduct(s.slice(axis))];
  ctx.setOutput(0, ctx.elemType(0), out);
  withValue(ctx, out);
});

register('Squeeze', (ctx) => {
  const s = ctx.shape(0);
  const axes = axesOf(ctx, 'axes', 1, 13);
  const elem = ctx.elemType(0);
  if (!s) {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  let drop: Set<number>;
  if (axes === 'unknown') {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  if (axes === 'missing') {
    if (!s.every((d) => typeof d === 'number')) {
      ctx.setOutput(0, elem, undefined); // a symbolic dim may or may not be 1
      return;
    }
    drop = new Set(s.flatMap((d, i) => (d === 1 ? [i] : [])));
  } else {
    drop = new Set(normAxes(axes, s.length));
    for (const a of drop) {
      if (typeof s[a] === 'number' && s[a] !== 1) throw new InferError(`cannot squeeze axis ${a} of size ${s[a]}; expected size 1`);
    }
  }
  const out = s.filter((_, i) => !drop.has(i));
  ctx.setOutput(0, elem, out);
  withValue(ctx, out);
});

register('Unsqueeze', (ctx) => {
  const s = ctx.shape(0);
  const axes = axesOf(ctx, 'axes', 1, 13);
  const elem = ctx.elemType(0);
  if (axes === 'missing') throw new InferError('Unsqueeze has no axes; expected the axes attribute (before opset 13) or input (from 13)');
  if (!s || axes === 'unknown') {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  const r = s.length + axes.length;
  const ins = new Set(normAxes(axes, r));
  const out: SymDim[] = [];
  let j = 0;
  for (let i = 0; i < r; i++) out.push(ins.has(i) ? 1 : s[j++]);
  ctx.setOutput(0, elem, out);
  withValue(ctx, out);
});

register('Transpose', (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elemType(0);
  const permAttr = ctx.ints('perm');
  if (!s) {
    ctx.setOutput(0, elem, permAttr ? unknownDims(permAttr.length) : undefined);
    return;
  }
  const perm = permAttr && permAttr.length ? permAttr : s.map((_, i) => s.length - 1 - i);
  if (perm.length !== s.length) throw new InferError(`perm [${perm.join(',')}] has ${perm.length} entries for a rank-${s.length} input; expected ${s.length}`);
  const p = normAxes(perm, s.length, 'perm');
  const out = p.map((a) => s[a]);
  ctx.setOutput(0, elem, out);
  withValue(ctx, out, (v) => {
    const inStrides = stridesOf(v.dims);
    const outDims = p.map((a) => v.dims[a]);
    const n = v.data.length;
    const data: SymDim[] = new Array(n);
    const idx = new Array(outDims.length).fill(0);
    for (let k = 0; k < n; k++) {
      let src = 0;
      for (let d = 0; d < idx.length; d++) src += idx[d] * inStrides[p[d]];
      data[k] = v.data[src];
      for (let d = idx.length - 1; d >= 0; d--) {
        if (++idx[d] < outDims[d]) break;
        idx[d] = 0;
      }
    }
    return data;
  });
});

// -------------------------------------------------------------------------------------------------
// Concat, Split, Slice

register('Concat', (ctx) => {
  const n = ctx.inputCount;
  let elem = 0;
  let rank: number | undefined;
  for (let i = 0; i < n; i++) {
    elem ||= ctx.elemType(i);
    const s = ctx.shape(i);
    if (s) {
      if (rank !== undefined && rank !== s.length) throw new InferError(`inputs have ranks ${rank} and ${s.length}; expected the same rank`);
      rank = s.length;
    }
  }
  if (rank === undefined) {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  const axisAttr = ctx.int('axis');
  if (axisAttr === undefined) throw new InferError('Concat has no axis attribute; it is required');
  const axis = normAxis(axisAttr, rank);
  const out: SymDim[] = unknownDims(rank);
  let sum: SymDim = 0;
  let first = true;
  for (let i = 0; i < n; i++) {
    if (!ctx.hasInput(i)) continue;
    const s = ctx.shape(i);
    if (!s) {
      sum = null;
      continue;
    }
    for (let d = 0; d < rank; d++) {
      if (d === axis) continue;
      out[d] = first ? s[d] : unifyDim(out[d], s[d], `input ${i} dim ${d}`);
    }
    first = false;
    sum = dimAdd(sum, s[axis]);
  }
  out[axis] = sum;
  ctx.setOutput(0, elem, out);
  // Values: concatenate when every input's value is known (possibly symbolically).
  const vals: PropValue[] = [];
  for (let i = 0; i < n; i++) {
    if (!ctx.hasInput(i)) continue;
    const v = ctx.value(i);
    if (!v || v.dims.length !== rank) return;
    vals.push(v);
  }
  if (!vals.length) return;
  const outer = elementCount(vals[0].dims.slice(0, axis));
  const dims = vals[0].dims.slice();
  dims[axis] = vals.reduce((a, v) => a + v.dims[axis], 0);
  const data: SymDim[] = [];
  for (let o = 0; o < outer; o++) {
    for (const v of vals) {
      const chunk = elementCount(v.dims.slice(axis));
      for (let k = 0; k < chunk; k++) data.push(v.data[o * chunk + k]);
    }
  }
  ctx.setValue(0, { dtype: vals[0].dtype, dims, data });
});

register('Split', (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elemType(0);
  const nOut = ctx.outputCount;
  if (!s) {
    for (let i = 0; i < nOut; i++) ctx.setOutput(i, elem, undefined);
    return;
  }
  const axis = normAxis(ctx.int('axis', 0), s.length);
  const d = s[axis];
  let sizes: SymDim[] | undefined;
  let unknownSizes = false;
  if (ctx.since < 13) {
    const a = ctx.ints('split');
    if (a && a.length) sizes = a;
  } else if (ctx.hasInput(1)) {
    const k = ctx.value(1);
    if (k) sizes = k.data;
    else unknownSizes = true;
  }
  if (!sizes && !unknownSizes) {
    const numOutputs = ctx.since >= 18 ? ctx.int('num_outputs') : undefined;
    const n = numOutputs ?? nOut;
    if (numOutputs !== undefined && numOutputs !== nOut) {
      throw new InferError(`num_outputs is ${numOutputs} but the node has ${nOut} outputs; expected them equal`);
    }
    if (typeof d === 'number') {
      if (ctx.since >= 18 && numOutputs !== undefined) {
        const chunk = Math.ceil(d / n);
        sizes = Array.from({ length: n }, (_, i) => (i < n - 1 ? chunk : d - chunk * (n - 1)));
      } else {
        if (d % n !== 0) throw new InferError(`dim ${axis} of size ${d} does not split into ${n} equal parts; give the split sizes`);
        sizes = new Array(n).fill(d / n);
      }
    } else if (d !== null) {
      const exact = dimDivExact(d, n);
      if (exact !== null) sizes = new Array(n).fill(exact);
      else if (ctx.since >= 18 && numOutputs !== undefined) {
        const chunk = dimCeilDiv(d, n);
        sizes = Array.from({ length: n }, (_, i) => (i < n - 1 ? chunk : dimSub(d, dimMul(chunk, n - 1))));
      } else sizes = new Array(n).fill(dimFloorDiv(d, n)); // equal parts are required before opset 18
    }
  }
  if (sizes && sizes.length !== nOut) throw new InferError(`split has ${sizes.length} sizes for ${nOut} outputs; expected one size per output`);
  if (sizes && typeof d === 'number' && sizes.every((x) => typeof x === 'number')) {
    const sum = (sizes as number[]).reduce((a, b) => a + b, 0);
    if (sum !== d) throw new InferError(`split sizes [${sizes.join(',')}] add up to ${sum}, but dim ${axis} is ${d}; expected them to add up to it`);
  }
  const v = ctx.value(0);
  let offset = 0;
  for (let i = 0; i < nOut; i++) {
    const out = s.slice();
    out[axis] = sizes ? sizes[i] : null;
    ctx.setOutput(i, elem, out);
    const size = sizes?.[i];
    if (v && v.dims.length === 1 && typeof size === 'number') {
      ctx.setValue(i, { dtype: v.dtype, dims: [size], data: v.data.slice(offset, offset + size) });
      offset += size;
    }
  }
});

/** Output length of slicing a dim with (start, end, step), numbers or a symbolic dim. */
export function sliceLength(d: SymDim, start: number, end: number, step: number): SymDim {
  if (step === 0) throw new InferError('a Slice step is 0; expected a non-zero step');
  if (typeof d === 'number') {
    let s = start < 0 ? start + d : start;
    let e = end < 0 ? end + d : end;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
      return Math.max(0, Math.ceil((e - s) / step));
    }
    s = Math.min(Math.max(s, -1), d - 1);
    e = Math.min(Math.max(e, -1), d - 1);
    return Math.max(0, Math.ceil((s - e) / -step));
  }
  if (d === null) return null;
  // Symbolic d. "To the end" is any |index| >= 2^31-1. An index counted from the start is kept as is and one
  // counted from the end becomes d+index: exact when d is at least that large. A length that comes out as a
  // plain number is claimed only when it needs no more than d >= 1 (x[:, -1:], x[:, 0:1]); min(end, d) for a
  // constant end > 1 stays unknown. Symbolic lengths (d-1 for x[:, 1:]) assume d is large enough.
  let need = 0;
  const from = (i: number, atEnd: SymDim, pastStart: SymDim): SymDim => {
    if (i >= INT_INF) return atEnd;
    if (i <= -INT_INF) return pastStart;
    need = Math.max(need, Math.abs(i));
    return i < 0 ? dimAdd(d, i) : i;
  };
  let len: SymDim;
  if (step > 0) {
    if (end > 1 && end < INT_INF) return null;
    len = dimCeilDiv(dimSub(from(end, d, 0), from(start, d, 0)), step);
  } else {
    if (start > 0 && start < INT_INF) return null;
    len = dimCeilDiv(dimSub(from(start, dimSub(d, 1), -1), from(end, dimSub(d, 1), -1)), -step);
  }
  if (typeof len === 'number') return need > 1 ? null : Math.max(0, len);
  return len;
}

/** Slice length when start or end is known only symbolically (step 1): end' - start', assuming start <= end <= d. */
function symbolicSliceLength(d: SymDim, start: SymDim, end: SymDim, step: number): SymDim {
  if (typeof start === 'number' && typeof end === 'number') return sliceLength(d, start, end, step);
  if (start === null || end === null || step !== 1) return null;
  const pos = (i: SymDim): SymDim => (typeof i !== 'number' ? i : i >= INT_INF ? d : i <= -INT_INF ? 0 : i < 0 ? dimAdd(d, i) : i);
  const len = dimSub(pos(end), pos(start));
  return typeof len === 'number' && len < 0 ? null : len;
}

register('Slice', (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elemType(0);
  if (!s) {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  let starts: SymDim[] | undefined;
  let ends: SymDim[] | undefined;
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  let axesUnknown = false;
  if (ctx.since < 10) {
    starts = ctx.ints('starts');
    ends = ctx.ints('ends');
    axes = ctx.ints('axes');
  } else {
    starts = shapeVector(ctx, 1);
    ends = shapeVector(ctx, 2);
    if (ctx.hasInput(3)) {
      axes = knownInts(ctx, 3);
      axesUnknown = !axes;
    }
    if (ctx.hasInput(4)) steps = knownInts(ctx, 4);
  }
  const stepsUnknown = ctx.since >= 10 && ctx.hasInput(4) && !steps;
  if (axesUnknown) {
    ctx.setOutput(0, elem, unknownDims(s.length));
    return;
  }
  if (!starts || !ends || stepsUnknown) {
    const out = s.slice();
    if (axes) for (const a of normAxes(axes, s.length)) out[a] = null;
    else out.fill(null);
    ctx.setOutput(0, elem, out);
    return;
  }
  if (starts.length !== ends.length) throw new InferError(`starts has ${starts.length} entries and ends ${ends.length}; expected the same count`);
  const ax = normAxes(axes ?? starts.map((_, i) => i), s.length);
  if (ax.length !== starts.length) throw new InferError(`axes has ${ax.length} entries for ${starts.length} starts; expected the same count`);
  const st = steps ?? starts.map(() => 1);
  const out = s.slice();
  ax.forEach((a, i) => {
    out[a] = symbolicSliceLength(s[a], starts![i], ends![i], st[i]);
  });
  ctx.setOutput(0, elem, out);
  if (!starts.every((x) => typeof x === 'number') || !ends.every((x) => typeof x === 'number')) return;
  const startsN = starts as number[];
  const endsN = ends as number[];
  // Values: slice the (static-dims) value.
  const v = ctx.value(0);
  if (!v) return;
  const vdims = v.dims.slice();
  const begin = vdims.map(() => 0);
  const stepAll = vdims.map(() => 1);
  const outDims = vdims.slice();
  ax.forEach((a, i) => {
    const d = vdims[a];
    let b = startsN[i] < 0 ? startsN[i] + d : startsN[i];
    const step = st[i];
    b = step > 0 ? Math.min(Math.max(b, 0), d) : Math.min(Math.max(b, -1), d - 1);
    begin[a] = b;
    stepAll[a] = step;
    outDims[a] = sliceLength(d, startsN[i], endsN[i], step) as number;
  });
  const inStrides = stridesOf(vdims);
  const count = elementCount(outDims);
  const data: SymDim[] = new Array(count);
  const idx = outDims.map(() => 0);
  for (let k = 0; k < count; k++) {
    let src = 0;
    for (let d = 0; d < idx.length; d++) src += (begin[d] + idx[d] * stepAll[d]) * inStrides[d];
    data[k] = v.data[src];
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < outDims[d]) break;
      idx[d] = 0;
    }
  }
  ctx.setValue(0, { dtype: v.dtype, dims: outDims, data });
});

// -------------------------------------------------------------------------------------------------
// Gather family

register('Gather', (ctx) => {
  const data = ctx.shape(0);
  const idx = ctx.shape(1);
  const elem = ctx.elemType(0);
  if (!data || !idx) {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  const axis = normAxis(ctx.int('axis', 0), data.length);
  const out = [...data.slice(0, axis), ...idx, ...data.slice(axis + 1)];
  ctx.setOutput(0, elem, out);
  const v = ctx.value(0);
  const iv = ctx.known(1);
  if (!v || !iv) return;
  const dAxis = v.dims[axis];
  const outer = elementCount(v.dims.slice(0, axis));
  const inner = elementCount(v.dims.slice(axis + 1));
  const values: SymDim[] = [];
  for (let o = 0; o < outer; o++) {
    for (const raw of iv.data) {
      const j = raw < 0 ? raw + dAxis : raw;
      if (j < 0 || j >= dAxis) throw new InferError(`index ${raw} is out of range for dim ${axis} of size ${dAxis}`);
      for (let k = 0; k < inner; k++) values.push(v.data[(o * dAxis + j) * inner + k]);
    }
  }
  ctx.setValue(0, { dtype: v.dtype, dims: [...v.dims.slice(0, axis), ...iv.dims, ...v.dims.slice(axis + 1)], data: values });
});

register('GatherElements', (ctx) => {
  ctx.setOutput(0, ctx.elemType(0), ctx.shape(1));
});

register('GatherND', (ctx) => {
  const data = ctx.shape(0);
  const idx = ctx.shape(1);
  const b = ctx.int('batch_dims', 0);
  const elem = ctx.elemType(0);
  if (!data || !idx || idx.length < 1) {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  const last = idx[idx.length - 1];
  if (typeof last !== 'number') {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  if (b + last > data.length) throw new InferError(`indices address ${last} dims after ${b} batch dims, but data has rank ${data.length}`);
  ctx.setOutput(0, elem, [...idx.slice(0, -1), ...data.slice(b + last)]);
});

// -------------------------------------------------------------------------------------------------
// Expand, Tile, Pad

register('Expand', (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elemType(0);
  const target = shapeVector(ctx, 1);
  if (!target) {
    const ts = ctx.shape(1);
    const k = ts && ts.length === 1 ? ts[0] : null;
    if (typeof k === 'number' && s) {
      const r = Math.max(k, s.length);
      const out = unknownDims(r);
      s.forEach((d, i) => {
        if (typeof d === 'number' && d !== 1) out[i + r - s.length] = d;
      });
      ctx.setOutput(0, elem, out);
    } else ctx.setOutput(0, elem, undefined);
    return;
  }
  if (!s) {
    ctx.setOutput(0, elem, target.length ? target.map((d) => (d === 1 ? null : d)) : undefined);
    return;
  }
  const out = broadcastShapes([s, target]);
  ctx.setOutput(0, elem, out);
  const v = ctx.value(0);
  if (v && out && out.every((d) => typeof d === 'number')) {
    const dims = out as number[];
    if (elementCount(dims) > ctx.maxValueElements) return;
    const srcStrides = stridesOf(v.dims);
    const count = elementCount(dims);
    const data: SymDim[] = new Array(count);
    const idx = dims.map(() => 0);
    const off = dims.length - v.dims.length;
    for (let k = 0; k < count; k++) {
      let src = 0;
      for (let d = 0; d < v.dims.length; d++) src += (v.dims[d] === 1 ? 0 : idx[d + off]) * srcStrides[d];
      data[k] = v.data[src];
      for (let d = idx.length - 1; d >= 0; d--) {
        if (++idx[d] < dims[d]) break;
        idx[d] = 0;
      }
    }
    ctx.setValue(0, { dtype: v.dtype, dims, data });
  }
});

register('Tile', (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elemType(0);
  if (!s) {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  const reps = shapeVector(ctx, 1);
  if (!reps) {
    ctx.setOutput(0, elem, unknownDims(s.length));
    return;
  }
  if (reps.length !== s.length) throw new InferError(`repeats has ${reps.length} entries for a rank-${s.length} input; expected ${s.length}`);
  ctx.setOutput(0, elem, s.map((d, i) => dimMul(d, reps[i])));
});

register('Pad', (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elemType(0);
  if (!s) {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  let pads: SymDim[] | undefined;
  if (ctx.since < 11) pads = ctx.ints('pads') ?? ctx.ints('paddings');
  else pads = shapeVector(ctx, 1);
  if (!pads) {
    ctx.setOutput(0, elem, unknownDims(s.length));
    return;
  }
  let axes = s.map((_, i) => i);
  if (ctx.since >= 18 && ctx.hasInput(3)) {
    const a = knownInts(ctx, 3);
    if (!a) {
      ctx.setOutput(0, elem, unknownDims(s.length));
      return;
    }
    axes = normAxes(a, s.length);
  }
  if (pads.length !== 2 * axes.length) throw new InferError(`pads has ${pads.length} entries for ${axes.length} axes; expected ${2 * axes.length}`);
  const out = s.slice();
  axes.forEach((a, i) => {
    out[a] = dimAdd(dimAdd(s[a], pads![i]), pads![i + axes.length]);
  });
  ctx.setOutput(0, elem, out);
});

register('CenterCropPad', (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elemType(0);
  const target = shapeVector(ctx, 1);
  if (!s) {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  const axes = ctx.ints('axes');
  const ax = axes ? normAxes(axes, s.length) : s.map((_, i) => i);
  const out = s.slice();
  ax.forEach((a, i) => {
    out[a] = target ? target[i] : null;
  });
  ctx.setOutput(0, elem, out);
});

// -------------------------------------------------------------------------------------------------
// Resize, Upsample

function scaleDim(d: SymDim, scale: number): SymDim {
  // As onnx and onnxruntime compute it: float32 product, then floor.
  if (typeof d === 'number') return Math.floor(Math.fround(Math.fround(d) * Math.fround(scale)));
  if (d === null) return null;
  if (scale === 1) return d;
  if (Number.isInteger(scale) && scale > 0) return dimMul(d, scale);
  return null;
}

/** A Resize/Upsample input that is present and not empty: its value (maybe unknown) or undefined when absent. */
function optionalNonEmpty(ctx: OpContext, i: number): { value: SymDim[] | undefined } | undefined {
  if (!ctx.hasInput(i)) return undefined;
  const v = ctx.value(i);
  if (v) return v.data.length === 0 ? undefined : { value: v.data };
  const s = ctx.shape(i);
  if (s && s.length === 1 && s[0] === 0) return undefined;
  return { value: undefined };
}

function resizeLike(ctx: OpContext, scalesInput: number | undefined, sizesInput: number | undefined): void {
  const s = ctx.shape(0);
  const elem = ctx.elemType(0);
  if (!s) {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  const r = s.length;
  let axes = s.map((_, i) => i);
  const axesAttr = ctx.since >= 18 ? ctx.ints('axes') : undefined;
  if (axesAttr && axesAttr.length) axes = normAxes(axesAttr, r);
  const out = s.slice();
  const sizes = sizesInput !== undefined ? optionalNonEmpty(ctx, sizesInput) : undefined;
  if (sizes) {
    if (!sizes.value) {
      for (const a of axes) out[a] = null;
      ctx.setOutput(0, elem, out);
      return;
    }
    if (sizes.value.length !== axes.length) throw new InferError(`sizes has ${sizes.value.length} entries for ${axes.length} axes; expected ${axes.length}`);
    const policy = ctx.since >= 18 ? ctx.str('keep_aspect_ratio_policy', 'stretch') : 'stretch';
    if (policy === 'stretch') {
      axes.forEach((a, i) => (out[a] = sizes.value![i]));
    } else {
      const ratios: number[] = [];
      for (let i = 0; i < axes.length; i++) {
        const sz = sizes.value[i];
        const d = s[axes[i]];
        if (typeof sz !== 'number' || typeof d !== 'number') {
          for (const a of axes) out[a] = null;
          ctx.setOutput(0, elem, out);
          return;
        }
        ratios.push(sz / d);
      }
      const scale = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      axes.forEach((a) => (out[a] = Math.round(scale * (s[a] as number))));
    }
    ctx.setOutput(0, elem, out);
    return;
  }
  let scales: SymDim[] | undefined;
  let scalesGiven = false;
  if (scalesInput === undefined) {
    scales = ctx.floats('scales');
    scalesGiven = !!scales;
  } else {
    const sc = optionalNonEmpty(ctx, scalesInput);
    scalesGiven = !!sc;
    scales = sc?.value;
  }
  if (!scalesGiven) {
    throw new InferError('neither scales nor sizes is given; expected exactly one of them');
  }
  if (!scales) {
    for (const a of axes) out[a] = null;
    ctx.setOutput(0, elem, out);
    return;
  }
  if (scales.length !== axes.length) throw new InferError(`scales has ${scales.length} entries for ${axes.length} axes; expected ${axes.length}`);
  axes.forEach((a, i) => {
    const sc = scales![i];
    out[a] = typeof sc === 'number' ? scaleDim(s[a], sc) : null;
  });
  ctx.setOutput(0, elem, out);
}

register('Resize', (ctx) => {
  if (ctx.since < 11) resizeLike(ctx, 1, undefined);
  else resizeLike(ctx, 2, 3);
});

register('Upsample', (ctx) => {
  resizeLike(ctx, ctx.since < 9 ? undefined : 1, undefined);
});

// -------------------------------------------------------------------------------------------------
// Generators: ConstantOfShape, Range, EyeLike

register('ConstantOfShape', (ctx) => {
  const t = ctx.tensorAttr('value');
  const dtype = t?.dtype ?? DataType.FLOAT;
  const shape = shapeVector(ctx, 0);
  if (!shape) {
    const ss = ctx.shape(0);
    ctx.setOutput(0, dtype, ss && typeof ss[0] === 'number' ? unknownDims(ss[0]) : undefined);
    return;
  }
  for (const d of shape) if (typeof d === 'number' && d < 0) throw new InferError(`the shape has a negative dim ${d}`);
  ctx.setOutput(0, dtype, shape);
  if (shape.every((d) => typeof d === 'number')) {
    const dims = shape as number[];
    const n = elementCount(dims);
    if (n <= ctx.maxValueElements) {
      const fill = t ? (t.value ? t.value.data[0] ?? 0 : null) : 0;
      ctx.setValue(0, { dtype, dims, data: new Array(n).fill(fill) });
    }
  }
});

register('Range', (ctx) => {
  const elem = ctx.elemType(0) || ctx.elemType(1) || ctx.elemType(2);
  const start = ctx.value(0)?.data[0] ?? null;
  const limit = ctx.value(1)?.data[0] ?? null;
  const delta = ctx.value(2)?.data[0] ?? null;
  let n: SymDim = null;
  if (typeof start === 'number' && typeof limit === 'number' && typeof delta === 'number') {
    if (delta === 0) throw new InferError('delta is 0; expected a non-zero step');
    n = Math.max(0, Math.ceil((limit - start) / delta));
  } else if (typeof delta === 'number' && delta > 0 && start !== null && limit !== null) {
    n = dimCeilDiv(dimSub(limit, start), delta);
    if (typeof n === 'number' && n < 0) n = 0;
  }
  ctx.setOutput(0, elem, [n]);
  if (typeof n === 'number' && n <= ctx.maxValueElements && typeof start === 'number' && typeof delta === 'number') {
    const data: SymDim[] = [];
    for (let i = 0; i < n; i++) data.push(start + i * delta);
    ctx.setValue(0, { dtype: elem || ctx.value(0)!.dtype, dims: [n], data });
  }
});

register('EyeLike', (ctx) => {
  const s = ctx.shape(0);
  ctx.setOutput(0, ctx.int('dtype') ?? ctx.elemType(0), s);
});

// -------------------------------------------------------------------------------------------------
// Index-producing ops

register('NonZero', (ctx) => {
  const r = ctx.rank(0);
  ctx.setOutput(0, INT64, [r ?? null, null]);
});

register('OneHot', (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elemType(2);
  if (!s) {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  const r = s.length + 1;
  const axis = normAxis(ctx.int('axis', -1), r);
  const dv = ctx.value(1)?.data[0];
  const depth: SymDim = typeof dv === 'number' ? Math.trunc(dv) : typeof dv === 'string' ? dv : null;
  const out = [...s.slice(0, axis), depth, ...s.slice(axis)];
  ctx.setOutput(0, elem, out);
});

register('TopK', (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elemType(0);
  if (!s) {
    ctx.setOutput(0, elem, undefined);
    ctx.setOutput(1, INT64, undefined);
    return;
  }
  const axis = normAxis(ctx.int('axis', -1), s.length);
  let k: SymDim = null;
  if (ctx.since < 10) k = ctx.int('k') ?? null;
  else {
    const v = ctx.value(1);
    if (v && v.data.length === 1) k = v.data[0];
  }
  if (typeof k === 'number' && typeof s[axis] === 'number' && k > (s[axis] as number)) {
    throw new InferError(`k is ${k} but the axis has only ${s[axis]} elements`);
  }
  const out = s.slice();
  out[axis] = k;
  ctx.setOutput(0, elem, out);
  ctx.setOutput(1, INT64, out);
});

register(['ArgMax', 'ArgMin'], (ctx) => {
  const s = ctx.shape(0);
  if (!s) {
    ctx.setOutput(0, INT64, undefined);
    return;
  }
  const axis = normAxis(ctx.int('axis', 0), s.length);
  const keep = ctx.int('keepdims', 1);
  const out = keep ? s.map((d, i) => (i === axis ? 1 : d)) : s.filter((_, i) => i !== axis);
  ctx.setOutput(0, INT64, out);
});

// -------------------------------------------------------------------------------------------------
// Rearrangements and data-dependent shapes

register('DepthToSpace', (ctx) => {
  const s = ctx.shape(0);
  const b = ctx.int('blocksize', 0);
  if (!s || s.length !== 4 || b <= 0) {
    ctx.setOutput(0, ctx.elemType(0), s ? unknownDims(s.length) : undefined);
    return;
  }
  const c = dimDivExact(s[1], b * b);
  if (typeof s[1] === 'number' && c === null) throw new InferError(`${s[1]} channels do not divide by blocksize^2 = ${b * b}`);
  ctx.setOutput(0, ctx.elemType(0), [s[0], c, dimMul(s[2], b), dimMul(s[3], b)]);
});

register('SpaceToDepth', (ctx) => {
  const s = ctx.shape(0);
  const b = ctx.int('blocksize', 0);
  if (!s || s.length !== 4 || b <= 0) {
    ctx.setOutput(0, ctx.elemType(0), s ? unknownDims(s.length) : undefined);
    return;
  }
  ctx.setOutput(0, ctx.elemType(0), [s[0], dimMul(s[1], b * b), dimDivExact(s[2], b), dimDivExact(s[3], b)]);
});

register('Compress', (ctx) => {
  const s = ctx.shape(0);
  const axis = ctx.int('axis');
  if (axis === undefined) {
    ctx.setOutput(0, ctx.elemType(0), [null]);
    return;
  }
  if (!s) {
    ctx.setOutput(0, ctx.elemType(0), undefined);
    return;
  }
  const a = normAxis(axis, s.length);
  ctx.setOutput(0, ctx.elemType(0), s.map((d, i) => (i === a ? null : d)));
});

register('Unique', (ctx) => {
  const s = ctx.shape(0);
  const axis = ctx.int('axis');
  const elem = ctx.elemType(0);
  if (axis === undefined) {
    ctx.setOutput(0, elem, [null]);
    ctx.setOutput(1, INT64, [null]);
    ctx.setOutput(2, INT64, [s ? dimProduct(s) : null]);
    ctx.setOutput(3, INT64, [null]);
    return;
  }
  if (!s) {
    ctx.setOutput(0, elem, undefined);
    for (const i of [1, 2, 3]) ctx.setOutput(i, INT64, [null]);
    return;
  }
  const a = normAxis(axis, s.length);
  ctx.setOutput(0, elem, s.map((d, i) => (i === a ? null : d)));
  ctx.setOutput(1, INT64, [null]);
  ctx.setOutput(2, INT64, [s[a]]);
  ctx.setOutput(3, INT64, [null]);
});

register('Det', (ctx) => {
  const s = ctx.shape(0);
  ctx.setOutput(0, ctx.elemType(0), s && s.length >= 2 ? s.slice(0, -2) : undefined);
});
