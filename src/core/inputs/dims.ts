/**
 * Sizes for symbolic dims: `--dim batch=3` names a dim_param; `--dim x:0=3` names axis 0 of input `x`
 * (for dims that have no name). Shapes are resolved against those sizes, and every dim left without a
 * size is named in one error.
 */
import { InputError } from './errors';
import type { ValueSignature } from './signature';

/** Sizes by dim_param name, or by `INPUT:AXIS`. */
export type DimSizes = Map<string, number>;

/** Parses `name=N` assignments (repeatable; later ones win). */
export function parseDimSizes(assignments: readonly string[]): DimSizes {
  const out: DimSizes = new Map();
  for (const a of assignments) {
    const eq = a.lastIndexOf('=');
    const key = eq > 0 ? a.slice(0, eq).trim() : '';
    const text = eq > 0 ? a.slice(eq + 1).trim() : '';
    const n = Number(text);
    if (!key || text === '' || !Number.isSafeInteger(n) || n < 0) {
      throw new InputError(`--dim expects NAME=N (a dim_param name, or INPUT:AXIS for an unnamed dim) with N a whole number >= 0; found '${a}'`);
    }
    out.set(key, n);
  }
  return out;
}

export interface UnfilledDim {
  input: string;
  axis: number;
  /** The dim_param, or null for a dim with neither size nor name. */
  symbol: string | null;
}

/** The concrete shape of an input, or the list of dims nobody gave a size. */
export function resolveShape(s: ValueSignature, sizes: DimSizes): { shape: number[]; unfilled: UnfilledDim[] } {
  const shape: number[] = [];
  const unfilled: UnfilledDim[] = [];
  (s.shape ?? []).forEach((d, axis) => {
    const byAxis = sizes.get(`${s.name}:${axis}`);
    if (byAxis !== undefined) shape.push(byAxis);
    else if (typeof d === 'number' && d >= 0) shape.push(d);
    else if (typeof d === 'string' && sizes.has(d)) shape.push(sizes.get(d)!);
    else {
      unfilled.push({ input: s.name, axis, symbol: typeof d === 'string' ? d : null });
      shape.push(-1);
    }
  });
  return { shape, unfilled };
}

/** Concrete shapes for every input; throws one InputError naming every unfilled dim and how to fill it. */
export function resolveShapes(sigs: readonly ValueSignature[], sizes: DimSizes): number[][] {
  const noRank = sigs.filter((s) => !s.shape);
  if (noRank.length) {
    throw new InputError(
      `the model declares no shape for input${noRank.length > 1 ? 's' : ''} ${noRank.map((s) => `'${s.name}'`).join(', ')}: ` +
        `random inputs need a rank; pass the tensors with --inputs FILE`,
    );
  }
  const all: UnfilledDim[] = [];
  const shapes = sigs.map((s) => {
    const r = resolveShape(s, sizes);
    all.push(...r.unfilled);
    return r.shape;
  });
  if (all.length) {
    const symbols = [...new Set(all.filter((u) => u.symbol !== null).map((u) => u.symbol!))];
    const unnamed = all.filter((u) => u.symbol === null);
    const parts: string[] = [];
    if (symbols.length) {
      const where = symbols.map((sym) => {
        const users = [...new Set(all.filter((u) => u.symbol === sym).map((u) => `${u.input}:${u.axis}`))];
        return `'${sym}' (${users.join(', ')})`;
      });
      parts.push(`symbolic dim${symbols.length > 1 ? 's' : ''} ${where.join(', ')} ha${symbols.length > 1 ? 've' : 's'} no size`);
    }
    if (unnamed.length) parts.push(`unnamed dim${unnamed.length > 1 ? 's' : ''} ${unnamed.map((u) => `${u.input}:${u.axis}`).join(', ')} ha${unnamed.length > 1 ? 've' : 's'} no size`);
    const hint = [...symbols.map((s) => `--dim ${s}=N`), ...unnamed.map((u) => `--dim ${u.input}:${u.axis}=N`)].join(' ');
    const many = symbols.length + unnamed.length > 1;
    throw new InputError(`${parts.join('; ')}: give ${many ? 'them sizes' : 'it a size'} with ${hint}`);
  }
  return shapes;
}
