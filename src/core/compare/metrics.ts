/**
 * Tensor comparison metrics: how far an actual tensor is from a reference one.
 *
 * Order of checks, per tensor: shape first (no values are compared when shapes differ), then dtype (a
 * differing dtype fails the tensor, but numeric values are still measured so the report says how far
 * apart they are), then values:
 *
 *   float types (float, double, float16, bfloat16, float8/float4, complex as interleaved re/im):
 *     allclose with numpy's semantics, b being the reference: |a - b| <= atol + rtol * |b|.
 *     NaN must sit at the same positions in both (numpy's equal_nan=True); +-Inf must match exactly.
 *   integer types and bool: exact, element by element (int64/uint64 compared on their bytes, so values
 *     beyond 2^53 are exact too); the numeric metrics are still reported.
 *   string: exact, byte for byte; no numeric metrics (NaN).
 *
 * Metrics over the element pairs where both values are finite:
 *   maxAbs  = max |a - b|
 *   maxRel  = max |a - b| / |b| over elements whose reference is non-zero (a reference of exactly 0 says
 *             nothing about relative error; its absolute error is in maxAbs)
 *   meanAbs = mean |a - b|
 *   cosine  = a.b / (|a| |b|) (1 when both are all zeros, 0 when exactly one is)
 * With no finite pair they are NaN. `mismatches` counts elements outside tolerance, NaN/Inf disagreements
 * included. The error histogram counts |a - b| per power of ten.
 *
 * Pure and chunked: values are decoded `chunk` elements at a time, never a whole large tensor at once.
 */
import { DataType, dtypeBits, dtypeName } from '../ir/dtype';
import type { HostTensor } from '../ir/hosttensor';
import { hostToNumbers, validateHost } from '../codec/tensordata';

export interface Tolerance {
  rtol: number;
  atol: number;
}

/** The defaults of `onnx-lens compare`: rtol 1e-3, atol 1e-5. */
export const DEFAULT_TOLERANCE: Readonly<Tolerance> = Object.freeze({ rtol: 1e-3, atol: 1e-5 });

export interface MetricsOptions {
  rtol?: number;
  atol?: number;
  /** Per-tensor overrides, by tensor (output) name. */
  tolerances?: Record<string, Partial<Tolerance>> | Map<string, Partial<Tolerance>>;
  /** Compute the error histogram (default true). */
  histogram?: boolean;
  /** Elements decoded per step (default 65536). */
  chunk?: number;
}

/**
 * |a - b| per power of ten: `counts[i]` holds errors in [10^(minExp+i), 10^(minExp+i+1)); the first bucket
 * also takes smaller non-zero errors and the last one larger errors.
 */
export interface ErrorHistogram {
  /** Elements whose error is exactly 0. */
  exact: number;
  /** log10 of the lower edge of counts[0]. */
  minExp: number;
  counts: number[];
  /** Pairs with no finite error (NaN/Inf on either side). */
  nonFinite: number;
}

export const HISTOGRAM_MIN_EXP = -12;
export const HISTOGRAM_BUCKETS = 16; // 1e-12 .. 1e4

export type ValueKind = 'float' | 'exact' | 'string';

export interface SpecialCounts {
  /** Elements that are NaN (or +-Inf) in the actual tensor. */
  actual: number;
  /** ... in the reference. */
  expected: number;
  /** Positions where the two disagree. */
  mismatched: number;
}

export interface TensorComparison {
  name: string;
  pass: boolean;
  /** Why the tensor fails, as a sentence; absent when it passes. */
  reason?: string;
  kind: ValueKind;
  dtype: string;
  expectedDtype: string;
  shape: number[];
  expectedShape: number[];
  /** Elements compared (0 when the shapes differ). */
  count: number;
  rtol: number;
  atol: number;
  maxAbs: number;
  maxRel: number;
  meanAbs: number;
  cosine: number;
  /** Elements out of tolerance (for exact kinds: unequal elements), NaN/Inf disagreements included. */
  mismatches: number;
  /** The element with the largest finite absolute error. */
  worst?: { index: number; at: number[]; actual: number; expected: number };
  /** The first element out of tolerance (storage order), when there is one. */
  firstMismatch?: { index: number; at: number[]; actual: number | string; expected: number | string };
  nan: SpecialCounts;
  inf: SpecialCounts;
  histogram?: ErrorHistogram;
}

const FLOAT_TYPES: ReadonlySet<number> = new Set([
  DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.BFLOAT16, DataType.COMPLEX64, DataType.COMPLEX128,
  DataType.FLOAT8E4M3FN, DataType.FLOAT8E4M3FNUZ, DataType.FLOAT8E5M2, DataType.FLOAT8E5M2FNUZ, DataType.FLOAT8E8M0,
  DataType.FLOAT4E2M1,
]);

export function valueKind(dtype: number): ValueKind {
  if (dtype === DataType.STRING) return 'string';
  return FLOAT_TYPES.has(dtype) ? 'float' : 'exact';
}

function toleranceFor(name: string, opts: MetricsOptions): Tolerance {
  const base: Tolerance = { rtol: opts.rtol ?? DEFAULT_TOLERANCE.rtol, atol: opts.atol ?? DEFAULT_TOLERANCE.atol };
  const t = opts.tolerances;
  const o = t instanceof Map ? t.get(name) : t && Object.prototype.hasOwnProperty.call(t, name) ? t[name] : undefined;
  if (o) {
    if (o.rtol !== undefined) base.rtol = o.rtol;
    if (o.atol !== undefined) base.atol = o.atol;
  }
  for (const [k, v] of Object.entries(base)) {
    if (!(typeof v === 'number' && v >= 0 && Number.isFinite(v))) {
      throw new RangeError(`${k} for '${name}' must be a finite number >= 0; found ${v}`);
    }
  }
  return base;
}

/** Index per dim of a flat C-order index. */
export function unravel(index: number, shape: readonly number[]): number[] {
  const at = new Array<number>(shape.length).fill(0);
  let r = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d];
    if (n > 0) {
      at[d] = r % n;
      r = Math.floor(r / n);
    }
  }
  return at;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function fmtShape(s: readonly number[]): string {
  return `[${s.join(',')}]`;
}

/** Elements [s, e) of a tensor as numbers (complex: 2 per element), decoding only those elements' bytes. */
function sliceNumbers(h: HostTensor, s: number, e: number): Float64Array {
  const bits = dtypeBits(h.dtype)!;
  const startByte = (s * bits) / 8;
  const endByte = Math.ceil((e * bits) / 8);
  return hostToNumbers({ dtype: h.dtype, dims: [e - s], data: h.data.subarray(startByte, endByte) });
}

function emptyHistogram(): ErrorHistogram {
  return { exact: 0, minExp: HISTOGRAM_MIN_EXP, counts: new Array<number>(HISTOGRAM_BUCKETS).fill(0), nonFinite: 0 };
}

function bucketOf(err: number): number {
  const b = Math.floor(Math.log10(err)) - HISTOGRAM_MIN_EXP;
  return b < 0 ? 0 : b >= HISTOGRAM_BUCKETS ? HISTOGRAM_BUCKETS - 1 : b;
}

function bytesEqual(a: Uint8Array, ao: number, b: Uint8Array, bo: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}

/**
 * Compares `actual` with the reference `expected`. `name` names the tensor in the result and selects a
 * per-tensor tolerance. Throws only for malformed tensors (TensorDataError) or a bad tolerance (RangeError).
 */
export function compareTensors(actual: HostTensor, expected: HostTensor, name: string, opts: MetricsOptions = {}): TensorComparison {
  const tol = toleranceFor(name, opts);
  const kind = valueKind(expected.dtype);
  const r: TensorComparison = {
    name, pass: true, kind,
    dtype: dtypeName(actual.dtype), expectedDtype: dtypeName(expected.dtype),
    shape: [...actual.dims], expectedShape: [...expected.dims],
    count: 0, rtol: tol.rtol, atol: tol.atol,
    maxAbs: NaN, maxRel: NaN, meanAbs: NaN, cosine: NaN, mismatches: 0,
    nan: { actual: 0, expected: 0, mismatched: 0 },
    inf: { actual: 0, expected: 0, mismatched: 0 },
  };
  const count = validateHost(actual, name);
  validateHost(expected, name);
  if (!sameShape(actual.dims, expected.dims)) {
    r.pass = false;
    r.reason = `shape ${fmtShape(actual.dims)} differs from the reference's ${fmtShape(expected.dims)}`;
    return r;
  }
  r.count = count;
  const dtypeDiffers = actual.dtype !== expected.dtype;
  const actualKind = valueKind(actual.dtype);
  if (kind === 'string' || actualKind === 'string') {
    if (dtypeDiffers) {
      r.pass = false;
      r.reason = `dtype ${r.dtype} differs from the reference's ${r.expectedDtype}`;
      return r;
    }
    compareStrings(actual, expected, r);
    if (r.mismatches > 0) {
      r.pass = false;
      r.reason = `${r.mismatches} of ${count} strings differ`;
    }
    return r;
  }

  const isComplex = (d: number) => d === DataType.COMPLEX64 || d === DataType.COMPLEX128;
  if (isComplex(actual.dtype) !== isComplex(expected.dtype)) {
    r.pass = false;
    r.reason = `dtype ${r.dtype} differs from the reference's ${r.expectedDtype} (complex and real values cannot be compared)`;
    return r;
  }
  const histogram = opts.histogram !== false ? emptyHistogram() : undefined;
  if (histogram) r.histogram = histogram;
  // Exact comparison on bytes when both sides have the same byte-sized integer type (exact beyond 2^53).
  const exactBytes = kind === 'exact' && !dtypeDiffers && (dtypeBits(actual.dtype) ?? 0) >= 8;
  const bpe = exactBytes ? dtypeBits(actual.dtype)! / 8 : 0;
  const exact = kind === 'exact' && actualKind === 'exact';
  const complex = isComplex(actual.dtype);
  const perElement = complex ? 2 : 1;
  // Sub-byte types slice on byte boundaries: keep chunks a multiple of 8 elements.
  const chunk = Math.max(8, Math.floor((opts.chunk ?? 65536) / 8) * 8);
  const { rtol, atol } = tol;

  let maxAbs = -Infinity;
  let maxRel = -Infinity;
  let sumAbs = 0;
  let finite = 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  let worstIndex = -1;
  let worstA = 0;
  let worstB = 0;
  let firstBad = -1;
  let firstA = 0;
  let firstB = 0;
  let mismatches = 0;

  for (let s = 0; s < count; s += chunk) {
    const e = Math.min(count, s + chunk);
    const av = sliceNumbers(actual, s, e);
    const bv = sliceNumbers(expected, s, e);
    const n = av.length;
    for (let j = 0; j < n; j++) {
      const a = av[j];
      const b = bv[j];
      const elem = s + Math.floor(j / perElement);
      const aNaN = a !== a;
      const bNaN = b !== b;
      const aInf = a === Infinity || a === -Infinity;
      const bInf = b === Infinity || b === -Infinity;
      if (aNaN) r.nan.actual++;
      if (bNaN) r.nan.expected++;
      if (aInf) r.inf.actual++;
      if (bInf) r.inf.expected++;
      let bad: boolean;
      if (aNaN || bNaN || aInf || bInf) {
        if (aNaN !== bNaN) {
          r.nan.mismatched++;
          bad = true;
        } else if (aNaN) {
          bad = false;
        } else {
          bad = a !== b;
          if (bad) r.inf.mismatched++;
        }
        if (histogram && (bad || aNaN)) histogram.nonFinite++;
        else if (histogram) histogram.exact++;
      } else {
        const d = Math.abs(a - b);
        finite++;
        sumAbs += d;
        dot += a * b;
        na += a * a;
        nb += b * b;
        if (d > maxAbs) {
          maxAbs = d;
          worstIndex = elem;
          worstA = a;
          worstB = b;
        }
        if (b !== 0) {
          const rel = d / Math.abs(b);
          if (rel > maxRel) maxRel = rel;
        }
        if (histogram) {
          if (d === 0) histogram.exact++;
          else histogram.counts[bucketOf(d)]++;
        }
        bad = exact ? d !== 0 : !(d <= atol + rtol * Math.abs(b));
      }
      if (exactBytes && !bad) {
        // Numbers beyond 2^53 can round to the same double: the bytes decide.
        if (!bytesEqual(actual.data, elem * bpe, expected.data, elem * bpe, bpe)) bad = true;
      }
      if (bad) {
        mismatches++;
        if (firstBad < 0) {
          firstBad = elem;
          firstA = a;
          firstB = b;
        }
      }
    }
  }
  r.mismatches = mismatches;
  if (finite > 0) {
    r.maxAbs = maxAbs;
    r.maxRel = maxRel === -Infinity ? 0 : maxRel;
    r.meanAbs = sumAbs / finite;
    r.cosine = na === 0 && nb === 0 ? 1 : na === 0 || nb === 0 ? 0 : dot / (Math.sqrt(na) * Math.sqrt(nb));
    if (r.cosine > 1) r.cosine = 1;
    else if (r.cosine < -1) r.cosine = -1;
    r.worst = { index: worstIndex, at: unravel(worstIndex, actual.dims), actual: worstA, expected: worstB };
  } else if (count === 0) {
    r.maxAbs = 0;
    r.maxRel = 0;
    r.meanAbs = 0;
    r.cosine = 1;
  }
  if (firstBad >= 0) r.firstMismatch = { index: firstBad, at: unravel(firstBad, actual.dims), actual: firstA, expected: firstB };

  const reasons: string[] = [];
  if (dtypeDiffers) reasons.push(`dtype ${r.dtype} differs from the reference's ${r.expectedDtype}`);
  if (mismatches > 0) {
    const units = complex ? 'complex parts' : 'elements';
    const total = count * perElement;
    const what = exact ? `${mismatches} of ${total} ${units} differ` : `${mismatches} of ${total} ${units} are outside rtol ${rtol}, atol ${atol}`;
    const special: string[] = [];
    if (r.nan.mismatched) special.push(`${r.nan.mismatched} NaN at different positions`);
    if (r.inf.mismatched) special.push(`${r.inf.mismatched} Inf that differ`);
    reasons.push(special.length ? `${what} (${special.join(', ')})` : what);
  }
  if (reasons.length) {
    r.pass = false;
    r.reason = reasons.join('; ');
  }
  return r;
}

function compareStrings(actual: HostTensor, expected: HostTensor, r: TensorComparison): void {
  const a = actual.strings ?? [];
  const b = expected.strings ?? [];
  const dec = new TextDecoder();
  let mismatches = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.byteLength === y.byteLength && bytesEqual(x, 0, y, 0, x.byteLength)) continue;
    mismatches++;
    if (!r.firstMismatch) r.firstMismatch = { index: i, at: unravel(i, actual.dims), actual: dec.decode(x), expected: dec.decode(y) };
  }
  r.mismatches = mismatches;
}

// ---------------------------------------------------------------------------------------------------
// Reports

/** The first node whose output is out of tolerance while the inputs it reads were within (see layerwise.ts). */
export interface FirstDivergence {
  nodeName: string;
  opType: string;
  /** The graph's path ("main"). */
  graph: string;
  /** Position of the node in the topological order of its graph. */
  position: number;
  /** Index of the node in its graph's node list (file order): stable for unnamed nodes. */
  nodeIndex: number;
  /** The node's first output that is out of tolerance. */
  tensor: string;
  maxAbs: number;
  maxRel: number;
  cosine: number;
  /** Every input of the node and what is known of it. */
  inputs: { name: string; status: InputStatus }[];
  /** Set when the node's inputs could not all be confirmed within tolerance. */
  note?: string;
}

export type InputStatus = 'pass' | 'fail' | 'graph input' | 'constant' | 'changed constant' | 'not compared';

/** Per node, for colouring a graph view by error: the worst of its compared outputs. */
export interface NodeResult {
  /** The node's name, or `OpType#id` for an unnamed node (use nodeIndex to find it again). */
  nodeName: string;
  opType: string;
  graph: string;
  /** Position in the topological order of its graph. */
  position: number;
  /** Index in its graph's node list (file order). */
  nodeIndex: number;
  /** The outputs that were compared. */
  outputs: string[];
  maxAbs: number;
  maxRel: number;
  cosine: number;
  pass: boolean;
}

export interface LayerwiseSummary {
  /** What the model was compared against ("reference tensors in X", "onnxruntime without graph optimizations", "MODEL2"). */
  against: string;
  /** Every compared intermediate tensor (graph outputs included), in topological order. */
  tensors: TensorComparison[];
  nodes: NodeResult[];
  /** Every node whose output fails while all it reads was confirmed within tolerance (or constant), in order. */
  roots: string[];
  /** Tensors of the model that were not compared, with why. */
  skipped: { name: string; reason: string }[];
  /** Sessions created, tensors marked per session. */
  chunks: number;
  chunkSize: number;
  /** Weights (initializers / Constant values) that differ between the two models (mode: another model). */
  changedConstants?: string[];
}

export interface CompareReport {
  model?: string;
  /** What the outputs were compared against. */
  reference?: string;
  rtol: number;
  atol: number;
  /** True when every compared output (and every layerwise tensor, when run) is within tolerance. */
  pass: boolean;
  outputs: TensorComparison[];
  /** Model outputs the reference has no tensor for (not compared). */
  unmatched: string[];
  firstDivergence: FirstDivergence | null;
  layerwise?: LayerwiseSummary;
  /** Timings of the runs, in ms. */
  timings?: Record<string, number>;
  notes: string[];
}

/** Builds a report from output comparisons. */
export function makeReport(outputs: TensorComparison[], fields: Partial<CompareReport> = {}): CompareReport {
  const rep: CompareReport = {
    rtol: fields.rtol ?? DEFAULT_TOLERANCE.rtol,
    atol: fields.atol ?? DEFAULT_TOLERANCE.atol,
    pass: true,
    outputs,
    unmatched: [],
    firstDivergence: null,
    notes: [],
    ...fields,
  };
  rep.pass = outputs.every((o) => o.pass) && (rep.layerwise ? rep.layerwise.tensors.every((t) => t.pass) : true);
  return rep;
}

/**
 * JSON text of a report. NaN and +-Infinity (which JSON cannot hold) are written as the strings "NaN",
 * "Infinity" and "-Infinity", so that no figure silently becomes null.
 */
export function toJson(value: unknown, space: number | undefined = 2): string {
  return JSON.stringify(
    value,
    (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : typeof v === 'bigint' ? v.toString() : v),
    space,
  );
}

/** A number for tables: 3 significant digits, exponent for very small/large values. */
export function fmtNum(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(4)));
  return v.toExponential(2);
}

function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/`/g, "'").replace(/\r?\n/g, ' ');
}

function histogramText(h: ErrorHistogram | undefined): string {
  if (!h) return '';
  const parts: string[] = [];
  if (h.exact) parts.push(`0: ${h.exact}`);
  h.counts.forEach((c, i) => {
    if (!c) return;
    const e = h.minExp + i;
    const lo = i === 0 ? '<' : `1e${e}`;
    parts.push(i === 0 ? `${lo}1e${e + 1}: ${c}` : i === h.counts.length - 1 ? `>=1e${e}: ${c}` : `${lo}: ${c}`);
  });
  if (h.nonFinite) parts.push(`nan/inf: ${h.nonFinite}`);
  return parts.join(', ');
}

/** A Markdown rendering of a report: outputs table, first divergence, the worst layers. */
export function toMarkdown(report: CompareReport, opts: { worstNodes?: number } = {}): string {
  const L: string[] = [];
  L.push(`# Comparison${report.model ? ` of \`${mdCell(report.model)}\`` : ''}`);
  L.push('');
  if (report.reference) L.push(`Reference: ${mdCell(report.reference)}  `);
  L.push(`Tolerance: rtol ${report.rtol}, atol ${report.atol} (|a - b| <= atol + rtol * |b|, b = reference)  `);
  const failing = report.outputs.filter((o) => !o.pass).length;
  L.push(`Verdict: **${report.pass ? 'PASS' : 'FAIL'}** (${report.outputs.length - failing} of ${report.outputs.length} outputs within tolerance)`);
  L.push('');
  L.push('| output | result | shape | dtype | max abs | max rel | mean abs | cosine | mismatches |');
  L.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const o of report.outputs) {
    L.push(
      `| ${mdCell(o.name)} | ${o.pass ? 'pass' : 'FAIL'} | ${fmtShape(o.shape)} | ${o.dtype} | ${fmtNum(o.maxAbs)} | ${fmtNum(o.maxRel)} | ` +
        `${fmtNum(o.meanAbs)} | ${fmtNum(o.cosine)} | ${o.mismatches}/${o.count} |`,
    );
  }
  const failures = report.outputs.filter((o) => o.reason);
  if (failures.length) {
    L.push('');
    for (const o of failures) L.push(`- \`${mdCell(o.name)}\`: ${mdCell(o.reason!)}`);
  }
  const hists = report.outputs.filter((o) => o.histogram && histogramText(o.histogram));
  if (hists.length) {
    L.push('', '## Absolute error by power of ten', '');
    for (const o of hists) L.push(`- \`${mdCell(o.name)}\`: ${histogramText(o.histogram)}`);
  }
  if (report.unmatched.length) {
    L.push('', `Not compared (no reference tensor): ${report.unmatched.map((n) => `\`${mdCell(n)}\``).join(', ')}`);
  }
  const lw = report.layerwise;
  if (lw) {
    L.push('', '## Layer by layer', '');
    L.push(`Against: ${mdCell(lw.against)}; ${lw.tensors.length} tensors compared in ${lw.chunks} session(s) of up to ${lw.chunkSize}.`);
    if (lw.changedConstants?.length) {
      L.push('', `Weights that differ between the models: ${lw.changedConstants.map((n) => `\`${mdCell(n)}\``).join(', ')}`);
    }
    const fd = report.firstDivergence;
    L.push('');
    if (fd) {
      L.push(`**First divergence:** node \`${mdCell(fd.nodeName)}\` (${mdCell(fd.opType)}), output \`${mdCell(fd.tensor)}\`: ` +
        `max abs ${fmtNum(fd.maxAbs)}, max rel ${fmtNum(fd.maxRel)}, cosine ${fmtNum(fd.cosine)}.`);
      L.push('');
      L.push(`Inputs: ${fd.inputs.map((i) => `\`${mdCell(i.name)}\` (${i.status})`).join(', ') || 'none'}`);
      if (fd.note) L.push('', mdCell(fd.note));
    } else {
      L.push(lw.tensors.every((t) => t.pass) ? 'Every compared tensor is within tolerance.' : 'No single first diverging node was found.');
    }
    const worst = lw.nodes.filter((n) => Number.isFinite(n.maxAbs)).sort((a, b) => b.maxAbs - a.maxAbs).slice(0, opts.worstNodes ?? 10);
    if (worst.length) {
      L.push('', '| node | op | result | max abs | max rel | cosine |', '| --- | --- | --- | --- | --- | --- |');
      for (const n of worst) {
        L.push(`| ${mdCell(n.nodeName)} | ${mdCell(n.opType)} | ${n.pass ? 'pass' : 'FAIL'} | ${fmtNum(n.maxAbs)} | ${fmtNum(n.maxRel)} | ${fmtNum(n.cosine)} |`);
      }
    }
    if (lw.skipped.length) L.push('', `${lw.skipped.length} tensors not compared (e.g. \`${mdCell(lw.skipped[0].name)}\`: ${mdCell(lw.skipped[0].reason)}).`);
  }
  if (report.notes.length) {
    L.push('', '## Notes', '');
    for (const n of report.notes) L.push(`- ${mdCell(n)}`);
  }
  return L.join('\n') + '\n';
}
