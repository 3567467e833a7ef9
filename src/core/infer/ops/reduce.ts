/**
 * Reductions: Reduce{Sum,Mean,Max,Min,Prod,L1,L2,LogSum,LogSumExp,SumSquare}. Axes are an attribute
 * before opset 13 (ReduceSum) / 18 (the others) and an input from then on, with noop_with_empty_axes.
 * ReduceSum/ReduceProd/ReduceMax/ReduceMin propagate values of 1-D inputs reduced whole
 * (ReduceProd(Shape(x)) is the element count, symbolically).
 */
import { register, type OpContext } from '../registry';
import { dimAdd, dimMul, type SymDim } from '../symbolic';
import { knownInts, normAxes, unknownDims } from './util';

const REDUCE = ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'];

function reduce(ctx: OpContext): void {
  const s = ctx.shape(0);
  const elem = ctx.elemType(0);
  const keep = ctx.int('keepdims', 1);
  const inputSince = ctx.opType === 'ReduceSum' ? 13 : 18;
  let axes: number[] | undefined;
  let unknown = false;
  if (ctx.since >= inputSince) {
    if (ctx.hasInput(1)) {
      axes = knownInts(ctx, 1);
      if (!axes) {
        const as = ctx.shape(1);
        if (as && as[0] === 0) axes = [];
        else unknown = true;
      }
    }
  } else axes = ctx.ints('axes');
  if (!s) {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  if (unknown) {
    ctx.setOutput(0, elem, keep ? unknownDims(s.length) : undefined);
    return;
  }
  if (!axes || axes.length === 0) {
    const noop = ctx.since >= inputSince ? ctx.int('noop_with_empty_axes', 0) : 0;
    if (noop) {
      ctx.setOutput(0, elem, s);
      const v = ctx.value(0);
      if (v) ctx.setValue(0, v);
      return;
    }
    axes = s.map((_, i) => i);
  }
  const set = new Set(normAxes(axes, s.length));
  const out = keep ? s.map((d, i) => (set.has(i) ? 1 : d)) : s.filter((_, i) => !set.has(i));
  ctx.setOutput(0, elem, out);
  const v = ctx.value(0);
  if (v && v.dims.length <= 1 && set.size === s.length) {
    let acc: SymDim;
    switch (ctx.opType) {
      case 'ReduceSum': acc = v.data.reduce<SymDim>((a, b) => dimAdd(a, b), 0); break;
      case 'ReduceProd': acc = v.data.reduce<SymDim>((a, b) => dimMul(a, b), 1); break;
      case 'ReduceMax': case 'ReduceMin':
        acc = v.data.length && v.data.every((x) => typeof x === 'number')
          ? (ctx.opType === 'ReduceMax' ? Math.max(...(v.data as number[])) : Math.min(...(v.data as number[])))
          : null;
        break;
      default: return;
    }
    if (acc !== null) ctx.setValue(0, { dtype: v.dtype, dims: keep ? v.dims.map(() => 1) : [], data: [acc] });
  }
}

register(REDUCE, reduce);
