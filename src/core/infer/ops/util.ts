/** Helpers shared by the per-op inference functions. */
import { InferError, type OpContext } from '../registry';
import { dimEqual, dimsDiffer, formatDims, type SymDim } from '../symbolic';

/** An axis in [-rank, rank) to [0, rank); throws when out of range. */
export function normAxis(axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new InferError(`${what} ${axis} is out of range for rank ${rank}; expected a value in [${-rank}, ${rank - 1}]`);
  }
  return a;
}

/** Rank-`r` shape with every dim unknown. */
export function unknownDims(r: number): SymDim[] {
  return new Array<SymDim>(r).fill(null);
}

/**
 * One output dim of multidirectional broadcasting: numbers > 1 win over 1 and symbols, one symbol wins over
 * 1s, different symbols or an unknown give null. Throws when two numbers cannot broadcast.
 */
export function broadcastDim(dims: readonly SymDim[]): SymDim {
  let num: number | undefined;
  let sym: string | undefined;
  let symConflict = false;
  let unknown = false;
  for (const d of dims) {
    if (d === null) unknown = true;
    else if (typeof d === 'number') {
      if (d === 1) continue;
      if (num === undefined) num = d;
      else if (num !== d) throw new InferError(`dims ${num} and ${d} do not broadcast; expected equal dims or 1`);
    } else if (sym === undefined) sym = d;
    else if (!dimEqual(sym, d)) symConflict = true;
  }
  if (num !== undefined) return num;
  if (unknown || symConflict) return null;
  return sym ?? 1;
}

/** numpy broadcasting of several shapes (undefined when any rank is unknown). */
export function broadcastShapes(shapes: readonly (SymDim[] | undefined)[]): SymDim[] | undefined {
  let r = 0;
  for (const s of shapes) {
    if (!s) return undefined;
    r = Math.max(r, s.length);
  }
  const out: SymDim[] = new Array(r);
  for (let i = 0; i < r; i++) {
    const col: SymDim[] = [];
    for (const s of shapes as SymDim[][]) {
      const j = i - (r - s.length);
      if (j >= 0) col.push(s[j]);
    }
    try {
      out[i] = broadcastDim(col);
    } catch (e) {
      if (e instanceof InferError) {
        throw new InferError(`shapes ${shapes.map((s) => formatDims(s)).join(' and ')} do not broadcast at dim ${i} (${e.message})`);
      }
      throw e;
    }
  }
  return out;
}

/** Two dims that must be equal: the better-known of them; a problem when they cannot be equal. */
export function unifyDim(a: SymDim, b: SymDim, what: string): SymDim {
  if (dimsDiffer(a, b)) throw new InferError(`${what}: ${a} vs ${b}; expected them equal`);
  if (a === null) return b;
  if (b === null) return a;
  if (typeof b === 'number') return b;
  return a;
}

/** Known integer list from input i, or undefined. */
export function knownInts(ctx: OpContext, i: number): number[] | undefined {
  if (!ctx.hasInput(i)) return undefined;
  return ctx.known(i)?.data;
}

/**
 * Axes given as an attribute before `inputSince` and as input `inputIndex` from it on.
 * `missing` when neither is given, `unknown` when the input exists but its value is not known.
 */
export function axesOf(ctx: OpContext, attrName: string, inputIndex: number, inputSince: number): number[] | 'missing' | 'unknown' {
  if (ctx.since >= inputSince) {
    if (!ctx.hasInput(inputIndex)) return 'missing';
    const k = knownInts(ctx, inputIndex);
    return k ?? 'unknown';
  }
  return ctx.ints(attrName) ?? 'missing';
}

/** The values of input i as a 1-D (or scalar) list of possibly symbolic dims (a shape vector), or undefined. */
export function shapeVector(ctx: OpContext, i: number): SymDim[] | undefined {
  const v = ctx.value(i);
  if (!v || v.dims.length > 1) return undefined;
  return v.data;
}

/** Sets output 0 to input 0's type (elementwise unary ops and the like). */
export function sameAsInput(ctx: OpContext, input = 0, output = 0, elemType?: number): void {
  const t = ctx.type(input);
  ctx.setOutput(output, elemType ?? (t && !t.wrap ? t.elemType : 0), t && !t.wrap ? t.shape : undefined);
}

/** Axis list normalized to [0, rank), sorted, checked for duplicates. */
export function normAxes(axes: readonly number[], rank: number, what = 'axes'): number[] {
  const out = axes.map((a) => normAxis(a, rank, what));
  if (new Set(out).size !== out.length) throw new InferError(`${what} [${axes.join(',')}] repeat an axis; expected distinct axes`);
  return out;
}

export const INT_INF = 2 ** 31 - 1;
