/**
 * Numbers as onnx's printer writes them: C++ `std::to_chars` without a format, which is the shortest text
 * that parses back to the same value (for a float: the same float32, not the same double), written as `%f` or
 * `%e` whichever is shorter (fixed on a tie), with at least two exponent digits ("1e-05", "1e+20"). When several
 * shortest texts parse back, the one nearest the value wins; a fixed-notation integer is the exact value
 * ("1073741824", not "1073741800"). NaN prints as "nan" / "-nan" (by its sign bit), infinities as "inf" / "-inf".
 *
 * JavaScript gives the shortest digits of a double (`toExponential()`); for float32 the digits are searched with
 * correctly rounded `toExponential(p)` and an exact check of the round trip.
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** Index of the high 32 bits of a double in `u32` (0 on big-endian hosts). */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

function signBit(x: number): boolean {
  f64[0] = x;
  return (u32[HI] & 0x80000000) !== 0;
}

/** A 64-bit integer (number, bigint, or anything protobufjs hands out for int64) as decimal text. */
export function formatInt(v: number | bigint | { toString(): string }): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '0' : String(v);
  return v.toString();
}

/** A double, as `to_chars(double)` writes it. */
export function formatDouble(x: number, negativeNaN?: boolean): string {
  if (x !== x) return (negativeNaN ?? signBit(x)) ? '-nan' : 'nan';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  const a = Math.abs(x);
  // toExponential(): the shortest digits that read back as `a` (JavaScript's Number-to-string digits).
  let e = a.toExponential();
  const tie = tieNeighbour(a, e, (c) => Number(c) === a);
  if (tie) e = tie;
  return layout(x < 0, e, a);
}

/** A float32 (given as the number it decodes to), as `to_chars(float)` writes it. */
export function formatFloat(x: number, negativeNaN?: boolean): string {
  if (x !== x) return (negativeNaN ?? signBit(x)) ? '-nan' : 'nan';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  const a = Math.abs(x);
  return layout(x < 0, shortestFloat32(a), a);
}

/** Splits "d.ddde±x" into its digits as an integer and the power of ten of the last digit. */
function parts(e: string): { m: bigint; q: number; n: number } {
  const k = e.indexOf('e');
  const digits = e.slice(0, k).replace('.', '');
  return { m: BigInt(digits), q: Number(e.slice(k + 1)) - (digits.length - 1), n: digits.length };
}

/**
 * JavaScript rounds a decimal tie away from zero; to_chars picks the nearer text and, on an exact tie, the
 * even last digit. `e` holds n digits; when `a` lies exactly half-way between it and its neighbour (so `a` has
 * n + 1 digits, the last a 5), returns the neighbour if that reads back as well and has the even digit.
 */
function tieNeighbour(a: number, e: string, readsBack: (c: string) => boolean): string | undefined {
  const { m, q, n } = parts(e);
  const longer = a.toExponential(n); // n + 1 digits
  if (longer[longer.indexOf('e') - 1] !== '5' || Number(longer) !== a || compareDecimal(longer, a) !== 0) return undefined;
  if ((m & 1n) === 0n) return undefined;
  const other = compareDecimal(longer, Number(e)) > 0 ? m + 1n : m - 1n;
  if (other <= 0n) return undefined;
  const c = `${other}e${q}`;
  return readsBack(c) ? Number(c).toExponential() : undefined;
}

/** The float32 candidate of p digits: the nearest p-digit decimal that reads back as `a`, or undefined. */
function candidate(a: number, p: number): string | undefined {
  const s = a.toExponential(p - 1); // correctly rounded: the nearest p-digit decimal (ties away from zero)
  if (readsAsFloat(s, a)) return s;
  // Near a power of two the rounding interval is lopsided: the nearest p-digit decimal may fall outside it
  // while its neighbour on the wide side is inside.
  const { m, q } = parts(s);
  let best: string | undefined;
  let bestDist = Infinity;
  for (const n of [m - 1n, m + 1n]) {
    if (n <= 0n) continue;
    const c = `${n}e${q}`;
    if (readsAsFloat(c, a)) {
      const d = Math.abs(Number(c) - a);
      if (d < bestDist || (d === bestDist && (n & 1n) === 0n)) {
        bestDist = d;
        best = Number(c).toExponential();
      }
    }
  }
  return best;
}

/** The shortest "d.ddde±x" that reads back (as a float32) as `a`, the nearest one when several do. */
function shortestFloat32(a: number): string {
  // Whether some p-digit decimal reads back grows with p, and 9 digits always do: search the smallest p, trying
  // 8 and 7 first (what most weights need).
  let lo = 1;
  let hi = 9;
  let res: string | undefined;
  let mid = 8;
  while (lo < hi) {
    const c = candidate(a, mid);
    if (c !== undefined) {
      hi = mid;
      res = c;
    } else {
      lo = mid + 1;
    }
    mid = hi === 8 ? 7 : (lo + hi) >> 1;
    if (mid < lo) mid = lo;
  }
  res ??= candidate(a, 9) ?? a.toExponential(8);
  return tieNeighbour(a, res, (c) => readsAsFloat(c, a)) ?? res;
}

/** Whether the decimal text `s` parses (as C++ from_chars<float> would: one rounding) to the float32 `a`. */
function readsAsFloat(s: string, a: number): boolean {
  const d = Number(s); // the nearest double
  const f = Math.fround(d);
  // Rounding twice (decimal -> double -> float) can differ from rounding once only when the double lands exactly
  // half-way between two floats: decide that case exactly.
  if (f !== d) {
    const other = 2 * d - f; // exact: d and f are close
    if (Math.fround(other) === other && Number.isFinite(other)) return exactlyRoundsTo(s, a);
  }
  return f === a;
}

const nf32 = new Float32Array(1);
const ni32 = new Int32Array(nf32.buffer);

/** The float32 next to `f` going up (or down). */
function nextFloat(f: number, up: boolean): number {
  nf32[0] = f;
  if (f === 0) {
    ni32[0] = 1;
    return up ? nf32[0] : -nf32[0];
  }
  ni32[0] += (f > 0) === up ? 1 : -1;
  return nf32[0];
}

/** Exact test: is the float32 nearest to the decimal `s` (ties to even) equal to `a`? */
function exactlyRoundsTo(s: string, a: number): boolean {
  const lo = a === 0 ? 0 : (a + nextFloat(a, false)) / 2; // midpoints are exact doubles
  const hi = (a + nextFloat(a, true)) / 2;
  const cLo = compareDecimal(s, lo);
  const cHi = compareDecimal(s, hi);
  nf32[0] = a;
  const even = (ni32[0] & 1) === 0;
  if (cLo > 0 && cHi < 0) return true;
  if ((cLo === 0 || cHi === 0) && even) return true;
  return false;
}

/** Compares the decimal text `s` ("123e-4", "1.5e+3") with the double `x`, exactly: -1, 0 or 1. */
function compareDecimal(s: string, x: number): number {
  const [mant, expPart] = s.toLowerCase().split('e');
  const dot = mant.indexOf('.');
  const digits = mant.replace('.', '');
  const q = Number(expPart ?? 0) - (dot < 0 ? 0 : mant.length - dot - 1);
  let num = BigInt(digits);
  let den = 1n;
  if (q >= 0) num *= 10n ** BigInt(q);
  else den = 10n ** BigInt(-q);
  // x = xm * 2^xe exactly.
  let xe = 0;
  let xm = x;
  while (!Number.isInteger(xm)) {
    xm *= 2;
    xe--;
  }
  const xn = BigInt(xm);
  const xd = xe < 0 ? 1n << BigInt(-xe) : 1n;
  const l = num * xd;
  const r = xn * den;
  return l < r ? -1 : l > r ? 1 : 0;
}

/** Fixed or scientific, whichever is shorter (fixed on a tie), from the digits "d.ddde±x" of the value `a`. */
function layout(negative: boolean, e: string, a: number): string {
  const k = e.indexOf('e');
  const digits = e.slice(0, k).replace('.', '');
  const exp = Number(e.slice(k + 1));
  const n = digits.length;
  const sci = `${digits[0]}${n > 1 ? `.${digits.slice(1)}` : ''}e${exp < 0 ? '-' : '+'}${Math.abs(exp) < 10 ? '0' : ''}${Math.abs(exp)}`;
  let fixedLength: number;
  if (exp >= n - 1) fixedLength = exp + 1;
  else if (exp >= 0) fixedLength = n + 1;
  else fixedLength = n + 1 - exp; // "0." + zeros + digits
  let out: string;
  if (fixedLength <= sci.length) {
    if (exp >= n - 1) {
      // An integer: the exact value (only differs from digits + zeros beyond 2^53 or for wide float gaps).
      out = BigInt(a).toString();
    } else if (exp >= 0) {
      out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
    } else {
      out = `0.${'0'.repeat(-exp - 1)}${digits}`;
    }
  } else {
    out = sci;
  }
  return negative ? `-${out}` : out;
}
