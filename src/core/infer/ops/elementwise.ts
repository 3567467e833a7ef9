/**
 * Elementwise operators: unary math and activations (same shape), binary and variadic ops with
 * multidirectional broadcasting of symbolic dims, comparisons and logic (bool), Where, Clip, PRelu,
 * Cast/CastLike, Identity, Dropout, and the same-shape "layer" ops (Softmax family, normalizations).
 *
 * Values propagate through the arithmetic that shape glue uses (Add, Sub, Mul, Div, Mod, Neg, Abs, Max,
 * Min, comparisons, Not/And/Or, Where, Cast, Identity), over numbers and symbolic dims; other unary
 * math propagates known numbers only.
 */
import { DataType } from '../../ir/dtype';
import { register, type OpContext } from '../registry';
import { dimAdd, dimEqual, dimFloorDiv, dimMul, dimsDiffer, dimSub, type SymDim } from '../symbolic';
import { castElement, castNumber, isFloatType, isIntegerType, mapBroadcast } from '../values';
import type { PropValue } from '../types';
import { broadcastShapes, sameAsInput } from './util';

// -------------------------------------------------------------------------------------------------
// Unary

type NumFn = (x: number) => number;

/** Same-shape ops whose known numeric values are computed (float results rounded to the output type). */
const UNARY_MATH: Record<string, NumFn> = {
  Abs: Math.abs, Neg: (x) => -x, Ceil: Math.ceil, Floor: Math.floor, Sqrt: Math.sqrt, Exp: Math.exp, Log: Math.log,
  Reciprocal: (x) => 1 / x, Relu: (x) => Math.max(0, x), Sign: Math.sign, Sin: Math.sin, Cos: Math.cos, Tan: Math.tan,
  Sigmoid: (x) => 1 / (1 + Math.exp(-x)), Tanh: Math.tanh,
  Round: (x) => {
    const f = Math.floor(x);
    const d = x - f;
    return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  },
};

/** Same-shape ops without value propagation. */
const UNARY_SAME = [
  'Acos', 'Acosh', 'Asin', 'Asinh', 'Atan', 'Atanh', 'Cosh', 'Sinh', 'Erf', 'Softplus', 'Softsign', 'Elu', 'Selu',
  'LeakyRelu', 'HardSigmoid', 'HardSwish', 'ThresholdedRelu', 'Celu', 'Gelu', 'Mish', 'Shrink', 'Swish',
  'BitwiseNot', 'Softmax', 'LogSoftmax', 'Hardmax', 'LRN', 'CumSum', 'CumProd', 'InstanceNormalization',
  'MeanVarianceNormalization', 'LpNormalization', 'GroupNormalization', 'RMSNormalization', 'Trilu',
  'ReverseSequence', 'ScatterElements', 'Scatter', 'ScatterND', 'TensorScatter', 'RotaryEmbedding',
];

function unaryValue(ctx: OpContext, fn: NumFn | undefined, symbolic: ((d: SymDim) => SymDim) | undefined): void {
  const v = ctx.value(0);
  if (!v) return;
  const dtype = v.dtype;
  const isInt = isIntegerType(dtype);
  const data = v.data.map((x) => {
    if (typeof x === 'number') {
      if (!fn) return null;
      const y = fn(x);
      return isInt || isFloatType(dtype) ? castNumber(y, dtype) : y;
    }
    return symbolic ? symbolic(x) : null;
  });
  ctx.setValue(0, { dtype, dims: v.dims, data });
}

for (const [op, fn] of Object.entries(UNARY_MATH)) {
  const symbolic: ((d: SymDim) => SymDim) | undefined =
    op === 'Neg' ? (d) => dimMul(d, -1)
    : op === 'Abs' || op === 'Relu' || op === 'Ceil' || op === 'Floor' || op === 'Round' ? (d) => d // symbols are non-negative integers
    : undefined;
  register(op, (ctx) => {
    sameAsInput(ctx);
    unaryValue(ctx, fn, symbolic);
  });
}

register(UNARY_SAME, (ctx) => sameAsInput(ctx));

register('Identity', (ctx) => {
  const t = ctx.type(0);
  if (t) ctx.setOutput(0, t.elemType, t.shape, t.wrap);
  const v = ctx.value(0);
  if (v) ctx.setValue(0, v);
});

register(['IsNaN', 'IsInf'], (ctx) => sameAsInput(ctx, 0, 0, DataType.BOOL));

register('Not', (ctx) => {
  sameAsInput(ctx, 0, 0, DataType.BOOL);
  unaryValue(ctx, (x) => (x ? 0 : 1), undefined);
});

register('Clip', (ctx) => {
  sameAsInput(ctx);
  const v = ctx.value(0);
  if (!v) return;
  let lo = -Infinity;
  let hi = Infinity;
  if (ctx.since < 11) {
    lo = ctx.float('min', -Infinity);
    hi = ctx.float('max', Infinity);
  } else {
    if (ctx.hasInput(1)) {
      const k = ctx.known(1);
      if (!k) return;
      lo = k.data[0];
    }
    if (ctx.hasInput(2)) {
      const k = ctx.known(2);
      if (!k) return;
      hi = k.data[0];
    }
  }
  ctx.setValue(0, { dtype: v.dtype, dims: v.dims, data: v.data.map((x) => (typeof x === 'number' ? Math.min(hi, Math.max(lo, x)) : lo <= 0 && hi === Infinity ? x : null)) });
});

register('Dropout', (ctx) => {
  sameAsInput(ctx);
  if (ctx.hasOutput(1)) {
    const s = ctx.shape(0);
    ctx.setOutput(1, DataType.BOOL, s);
  }
  const v = ctx.value(0);
  if (v) ctx.setValue(0, v);
});

// -------------------------------------------------------------------------------------------------
// Binary / variadic with broadcasting

type BinFn = (a: SymDim, b: SymDim, dtype: number) => SymDim;

function num(f: (a: number, b: number, dtype: number) => number | null): BinFn {
  return (a, b, dtype) => (typeof a === 'number' && typeof b === 'number' ? f(a, b, dtype) : null);
}

function roundTo(x: number | null, dtype: number): number | null {
  if (x === null) return null;
  return isIntegerType(dtype) || dtype === DataType.FLOAT || dtype === DataType.BOOL ? castNumber(x, dtype) : x;
}

const intOrFloat = (a: SymDim, b: SymDim, dtype: number, sym: (a: SymDim, b: SymDim) => SymDim, f: (a: number, b: number) => number): SymDim => {
  if (typeof a === 'number' && typeof b === 'number') return roundTo(f(a, b), dtype);
  if (a === null || b === null) return null;
  if (!isIntegerType(dtype) && dtype !== DataType.FLOAT && dtype !== DataType.DOUBLE) return null;
  return sym(a, b);
};

const BINARY_VALUE: Record<string, BinFn> = {
  Add: (a, b, t) => intOrFloat(a, b, t, dimAdd, (x, y) => x + y),
  Sub: (a, b, t) => intOrFloat(a, b, t, dimSub, (x, y) => x - y),
  Mul: (a, b, t) => intOrFloat(a, b, t, dimMul, (x, y) => x * y),
  Div: (a, b, t) => {
    if (typeof a === 'number' && typeof b === 'number') {
      if (isIntegerType(t)) return b === 0 ? null : Math.trunc(a / b);
      return roundTo(a / b, t);
    }
    if (!isIntegerType(t)) return null;
    if (typeof b === 'number' && b > 0) return dimFloorDiv(a, b); // non-negative symbols: floor == trunc
    return typeof a === 'string' && typeof b === 'string' ? dimFloorDiv(a, b) : null;
  },
  Mod: num((a, b, t) => {
    if (b === 0) return null;
    if (!isIntegerType(t)) return roundTo(a % b, t); // fmod semantics apply to floats
    const r = a % b;
    return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
  }),
  Pow: num((a, b, t) => roundTo(a ** b, t)),
  Max: (a, b, t) => minMax(a, b, t, true),
  Min: (a, b, t) => minMax(a, b, t, false),
  Sum: (a, b, t) => intOrFloat(a, b, t, dimAdd, (x, y) => x + y),
  And: num((a, b) => (a && b ? 1 : 0)),
  Or: num((a, b) => (a || b ? 1 : 0)),
  Xor: num((a, b) => ((a ? 1 : 0) ^ (b ? 1 : 0))),
  Equal: (a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return a === b ? 1 : 0;
    if (dimEqual(a, b)) return 1;
    if (dimsDiffer(a, b)) return 0;
    return null;
  },
  Less: (a, b) => compare(a, b, (x, y) => x < y),
  Greater: (a, b) => compare(a, b, (x, y) => x > y),
  LessOrEqual: (a, b) => compare(a, b, (x, y) => x <= y),
  GreaterOrEqual: (a, b) => compare(a, b, (x, y) => x >= y),
};

function minMax(a: SymDim, b: SymDim, dtype: number, max: boolean): SymDim {
  if (typeof a === 'number' && typeof b === 'number') return max ? Math.max(a, b) : Math.min(a, b);
  if (dimEqual(a, b)) return a;
  if (!isIntegerType(dtype)) return null;
  // Symbols are non-negative: max(sym, n <= 0) = sym, min(sym, n <= 0) = n.
  if (typeof a === 'string' && typeof b === 'number' && b <= 0) return max ? a : b;
  if (typeof b === 'string' && typeof a === 'number' && a <= 0) return max ? b : a;
  return null;
}

function compare(a: SymDim, b: SymDim, f: (x: number, y: number) => boolean): SymDim {
  if (typeof a === 'number' && typeof b === 'number') return f(a, b) ? 1 : 0;
  // sym vs sym+c: the difference is a known constant
  if (a !== null && b !== null) {
    const d = dimSub(a, b);
    if (typeof d === 'number') return f(d, 0) ? 1 : 0;
  }
  return null;
}

const COMPARISONS = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor']);

function broadcastOp(op: string): (ctx: OpContext) => void {
  const fn = BINARY_VALUE[op];
  const outBool = COMPARISONS.has(op);
  return (ctx) => {
    const shapes: (ReturnType<OpContext['shape']>)[] = [];
    let elem = 0;
    for (let i = 0; i < ctx.inputCount; i++) {
      if (!ctx.hasInput(i)) continue;
      shapes.push(ctx.shape(i));
      elem ||= ctx.elemType(i);
    }
    if (op === 'Pow') elem = ctx.elemType(0); // the exponent may have another type
    const shape = shapes.length ? broadcastShapes(shapes) : undefined;
    const outType = outBool ? DataType.BOOL : elem;
    ctx.setOutput(0, outType, shape);
    if (!fn) return;
    const values: PropValue[] = [];
    for (let i = 0; i < ctx.inputCount; i++) {
      if (!ctx.hasInput(i)) continue;
      const v = ctx.value(i);
      if (!v) return;
      values.push(v);
    }
    if (values.length === 0) return;
    const dtype = values[0].dtype;
    const valueType = outBool ? DataType.BOOL : dtype;
    const out = mapBroadcast(values, valueType, (xs) => {
      let acc = xs[0];
      for (let k = 1; k < xs.length; k++) acc = fn(acc, xs[k], dtype);
      return acc;
    }, ctx.maxValueElements);
    if (out) ctx.setValue(0, out);
  };
}

for (const op of ['Add', 'Sub', 'Mul', 'Div', 'Mod', 'Pow', 'And', 'Or', 'Xor', 'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Max', 'Min', 'Sum']) {
  register(op, broadcastOp(op));
}
register(['Mean', 'BitShift', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor', 'StringConcat'], broadcastOp('Mean'));

register('PRelu', (ctx) => {
  // Since opset 9 the slope broadcasts to X (output = X's shape); opset 7 broadcasts both ways.
  const x = ctx.shape(0);
  const s = ctx.shape(1);
  ctx.setOutput(0, ctx.elemType(0), x && s ? broadcastShapes([x, s]) : x && ctx.since >= 9 ? x : undefined);
});

register('Where', (ctx) => {
  ctx.setOutput(0, ctx.elemType(1) || ctx.elemType(2), broadcastShapes([ctx.shape(0), ctx.shape(1), ctx.shape(2)]));
  const c = ctx.value(0);
  const x = ctx.value(1);
  const y = ctx.value(2);
  if (!c || !x || !y) return;
  const out = mapBroadcast([c, x, y], x.dtype, ([cc, xx, yy]) => (cc === null || typeof cc === 'string' ? (dimEqual(xx, yy) ? xx : null) : cc ? xx : yy), ctx.maxValueElements);
  if (out) ctx.setValue(0, out);
});

// -------------------------------------------------------------------------------------------------
// Casts

register('Cast', (ctx) => {
  const to = ctx.int('to', 0);
  sameAsInput(ctx, 0, 0, to);
  const v = ctx.value(0);
  if (v && to) ctx.setValue(0, { dtype: to, dims: v.dims, data: v.data.map((x) => castElement(x, to)) });
});

register('CastLike', (ctx) => {
  const to = ctx.elemType(1);
  sameAsInput(ctx, 0, 0, to);
  const v = ctx.value(0);
  if (v && to) ctx.setValue(0, { dtype: to, dims: v.dims, data: v.data.map((x) => castElement(x, to)) });
});

// -------------------------------------------------------------------------------------------------
// Same shape, with extra outputs

register('BatchNormalization', (ctx) => {
  sameAsInput(ctx);
  // Training-mode outputs (running mean/var, and before opset 14 saved mean/var): shape [C].
  const x = ctx.shape(0);
  const c: SymDim = x && x.length > 1 ? x[1] : null;
  for (let i = 1; i < ctx.outputCount; i++) if (ctx.hasOutput(i)) ctx.setOutput(i, ctx.elemType(1) || ctx.elemType(0), [c]);
});

register('LayerNormalization', (ctx) => {
  sameAsInput(ctx);
  const x = ctx.shape(0);
  const stash = ctx.int('stash_type', 1);
  if (!x) {
    for (const i of [1, 2]) if (ctx.hasOutput(i)) ctx.setOutput(i, stash, undefined);
    return;
  }
  let axis = ctx.int('axis', -1);
  if (axis < 0) axis += x.length;
  const reduced = x.map((d, i) => (i < axis ? d : 1));
  for (const i of [1, 2]) if (ctx.hasOutput(i)) ctx.setOutput(i, stash, reduced);
});

register('Bernoulli', (ctx) => {
  sameAsInput(ctx, 0, 0, ctx.int('dtype') ?? ctx.elemType(0));
});

register(['RandomUniformLike', 'RandomNormalLike'], (ctx) => {
  sameAsInput(ctx, 0, 0, ctx.int('dtype') ?? ctx.elemType(0));
});

register('RegexFullMatch', (ctx) => sameAsInput(ctx, 0, 0, DataType.BOOL));

/** BitCast (opset 26) reinterprets bits between types of the same width: same shape. */
register('BitCast', (ctx) => sameAsInput(ctx, 0, 0, ctx.int('to', 0)));

/** SwiGLU (opset 28): Swish(A) * B for A and B of identical shapes. */
register('SwiGLU', broadcastOp('Mean'));
