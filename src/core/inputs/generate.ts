/**
 * Seeded random inputs for a model, per element type:
 *   float, double, float16, bfloat16: N(0, 1) (default) or uniform [-1, 1)
 *   integer types: uniform integers in [0, 10) (default; small), clipped to the type's range; an input that
 *     indexes a table (the indices of a Gather over an initializer: token ids, token type ids) gets
 *     [0, rows) instead (generateModelInputs)
 *   bool: true or false with equal odds
 *   string: short lowercase words
 * Each input draws from its own stream (the seed mixed with the input's name), so the values of one input
 * do not change when another input is added or resized. Shapes come from the model with symbolic dims
 * filled from `dims` (see dims.ts); a dim nobody gave a size is an error that names it.
 */
import { DataType, checkedElementCount, dtypeName } from '../ir/dtype';
import type { HostTensor } from '../ir/hosttensor';
import { hostFromNumbers, hostFromStrings } from '../codec/tensordata';
import { resolveShapes, type DimSizes } from './dims';
import { InputError } from './errors';
import { Rng } from './random';
import { describeSignature, modelInputs, type ValueSignature } from './signature';
import type { Model } from '../ir/model';

export interface GenerateOptions {
  /** Default 0. */
  seed?: number;
  /** Sizes of symbolic dims (see parseDimSizes). */
  dims?: DimSizes;
  /** Float values: 'normal' N(0,1) (default) or 'uniform' in [-1, 1). */
  float?: 'normal' | 'uniform';
  /** Integer values: uniform in [lo, hi) (default [0, 10)). */
  intRange?: [number, number];
  /** Per input name, integer range [lo, hi) overriding the default (not an explicit intRange). */
  intRanges?: Map<string, [number, number]>;
}

const INT_RANGES: Partial<Record<DataType, [number, number]>> = {
  [DataType.INT8]: [-128, 127], [DataType.UINT8]: [0, 255], [DataType.INT16]: [-32768, 32767],
  [DataType.UINT16]: [0, 65535], [DataType.INT32]: [-(2 ** 31), 2 ** 31 - 1], [DataType.UINT32]: [0, 2 ** 32 - 1],
  [DataType.INT64]: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], [DataType.UINT64]: [0, Number.MAX_SAFE_INTEGER],
  [DataType.INT4]: [-8, 7], [DataType.UINT4]: [0, 15], [DataType.INT2]: [-2, 1], [DataType.UINT2]: [0, 3],
};

const FLOATS: ReadonlySet<DataType> = new Set([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.BFLOAT16]);

/** Element types generateTensor can produce. */
export function canGenerate(dtype: DataType): boolean {
  return FLOATS.has(dtype) || dtype === DataType.BOOL || dtype === DataType.STRING || INT_RANGES[dtype] !== undefined;
}

/** One random tensor of `dtype` and `dims` from `rng`. */
export function generateTensor(dtype: DataType, dims: number[], rng: Rng, opts: GenerateOptions = {}, name?: string): HostTensor {
  const count = checkedElementCount(dims);
  if (typeof count === 'string') throw new InputError(`cannot generate ${name ? `input '${name}'` : 'a tensor'}: ${count}`);
  if (dtype === DataType.STRING) {
    const words: string[] = [];
    for (let i = 0; i < count; i++) {
      let w = '';
      const len = rng.int(1, 8);
      for (let k = 0; k < len; k++) w += String.fromCharCode(97 + rng.int(0, 26));
      words.push(w);
    }
    return hostFromStrings(dims, words, name);
  }
  const values = new Float64Array(count);
  if (FLOATS.has(dtype)) {
    if ((opts.float ?? 'normal') === 'normal') for (let i = 0; i < count; i++) values[i] = rng.normal();
    else for (let i = 0; i < count; i++) values[i] = rng.uniform(-1, 1);
  } else if (dtype === DataType.BOOL) {
    for (let i = 0; i < count; i++) values[i] = rng.next() < 0.5 ? 1 : 0;
  } else {
    const range = INT_RANGES[dtype];
    if (!range) {
      throw new InputError(
        `cannot generate ${name ? `input '${name}' of type ` : ''}${dtypeName(dtype)}: random values are made for float, float16, ` +
          `bfloat16, double, integer, bool and string tensors; pass this input with --inputs FILE`,
      );
    }
    const [wantLo, wantHi] = opts.intRange ?? [0, 10];
    const lo = Math.max(range[0], Math.ceil(wantLo));
    const hi = Math.min(range[1] + 1, Math.floor(wantHi));
    if (!(hi > lo)) {
      throw new InputError(`the integer range [${wantLo}, ${wantHi}) holds no ${dtypeName(dtype)} value (its range is ${range[0]}..${range[1]})`);
    }
    for (let i = 0; i < count; i++) values[i] = rng.int(lo, hi);
  }
  return hostFromNumbers(dtype, dims, values, name);
}

/** Random inputs for every signature, named and in the same order. */
export function generateInputs(sigs: readonly ValueSignature[], opts: GenerateOptions = {}): HostTensor[] {
  for (const s of sigs) {
    if (s.kind !== undefined && s.kind !== 'tensor') {
      throw new InputError(`input '${s.name}' is ${describeSignature(s)}, not a tensor: only tensor inputs can be generated (and run); pass it with --inputs FILE`);
    }
    if (!s.dtype) throw new InputError(`input '${s.name}' declares no element type: random values need one; pass it with --inputs FILE`);
    if (!canGenerate(s.dtype)) generateTensor(s.dtype, [], new Rng(0), opts, s.name); // throws the message
  }
  const shapes = resolveShapes(sigs, opts.dims ?? new Map());
  const seed = opts.seed ?? 0;
  return sigs.map((s, i) => {
    const hint = opts.intRange ? undefined : opts.intRanges?.get(s.name);
    return generateTensor(s.dtype, shapes[i], new Rng(seed, s.name), hint ? { ...opts, intRange: hint } : opts, s.name);
  });
}

/**
 * Integer inputs that index a table: an input read directly as the indices of a Gather whose data is an
 * initializer (token ids, token type ids, position ids) gets [0, rows) so that random ids stay in range.
 */
export function indexRanges(model: Model): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const info of model.graph.inputs) {
    const v = info.value;
    if (v.initializer) continue;
    let rows: number | undefined;
    for (const u of v.uses) {
      if (u.node.opType !== 'Gather' || u.index !== 1) continue;
      const data = u.node.inputs[0]?.initializer;
      if (!data) continue;
      const dims = data.dims.map(Number);
      const ax = Number(u.node.attr('axis')?.proto.i ?? 0);
      const n = dims[ax < 0 ? ax + dims.length : ax];
      if (Number.isSafeInteger(n) && n > 0) rows = rows === undefined ? n : Math.min(rows, n);
    }
    if (rows !== undefined) out.set(v.name, [0, rows]);
  }
  return out;
}

/** Random inputs for a model: generateInputs over its inputs, with index ranges learnt from its Gathers. */
export function generateModelInputs(model: Model, opts: GenerateOptions = {}): HostTensor[] {
  const ranges = new Map(indexRanges(model));
  for (const [k, v] of opts.intRanges ?? []) ranges.set(k, v);
  return generateInputs(modelInputs(model), { ...opts, intRanges: ranges });
}
