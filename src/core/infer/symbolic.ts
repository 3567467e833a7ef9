/**
 * Symbolic dims: a tiny canonical form for sums of products of symbols and integers.
 *
 * A dim (SymDim) is a number (known), a string (symbolic), or null (unknown). A symbolic string is an
 * integer polynomial over atoms, kept in one canonical text so that equal expressions are equal strings:
 *
 *   - atoms are identifiers ([A-Za-z_][A-Za-z0-9_.]*, e.g. `batch`, `unk__3`, `seq_len`), floor divisions
 *     `(E)//k` of a non-constant expression E by an integer k > 1, or opaque names (any dim_param that is
 *     not an expression, e.g. `N x C`, which stands for itself);
 *   - a term is its atoms in sorted order joined by `*`, followed by `*c` for a coefficient c other than 1
 *     (`batch*3`, `batch*seq`, `seq*2`); a term of coefficient -1 is written `-seq`;
 *   - terms are sorted by their atom text, the constant comes last: `batch*seq*4-1`, `seq+1`;
 *   - inside a product or sum, an atom that is not an identifier is wrapped in parentheses:
 *     `((H+1)//2)*3`;
 *   - a polynomial that is a plain integer becomes a number (`seq-seq` is 0).
 *
 * Division is exact when it can be (`batch*6` / 3 = `batch*2`, `batch*seq` / `seq` = `batch`); a floor
 * division by an integer that does not divide pulls out what it can and keeps the rest as a `//` atom
 * (floor((2H+3)/2) = `H+1`, floor((H-1)/2) = `(H+1)//2-1`). Anything else (a division by a symbol that does
 * not divide, min/max of different symbols) is unknown (null): the form never guesses.
 *
 * Symbols stand for non-negative integers large enough for the offsets applied to them (as onnxruntime's
 * symbolic shape inference assumes): Slice of `seq` from 1 to the end is `seq-1`.
 *
 * A dim_param that parses as an expression is read as one (`seq + 1` and `1+seq` are both `seq+1`); one
 * that parses to a plain number (`"2"`) is kept as an opaque name, since the model author wrote a name.
 */
export type SymDim = number | string | null;

interface Term {
  /** Sorted atom texts (repeated for powers). */
  atoms: string[];
  coef: number;
}

/** A polynomial: terms with distinct atom lists, none with coefficient 0. The constant has atoms []. */
type Poly = Term[];

const IDENT = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function atomInProduct(a: string): string {
  return IDENT.test(a) ? a : `(${a})`;
}

function termKey(atoms: string[]): string {
  return atoms.map(atomInProduct).join('*');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function normalize(terms: Term[]): Poly {
  const byKey = new Map<string, Term>();
  for (const t of terms) {
    if (t.coef === 0) continue;
    const atoms = t.atoms.length > 1 ? [...t.atoms].sort(cmp) : t.atoms;
    const k = termKey(atoms);
    const prev = byKey.get(k);
    if (prev) prev.coef += t.coef;
    else byKey.set(k, { atoms, coef: t.coef });
  }
  const out: Term[] = [];
  for (const [, t] of byKey) if (t.coef !== 0) out.push(t);
  out.sort((a, b) => {
    if (a.atoms.length === 0) return b.atoms.length === 0 ? 0 : 1;
    if (b.atoms.length === 0) return -1;
    return cmp(termKey(a.atoms), termKey(b.atoms));
  });
  return out;
}

function constPoly(n: number): Poly {
  return n === 0 ? [] : [{ atoms: [], coef: n }];
}

function atomPoly(a: string): Poly {
  return [{ atoms: [a], coef: 1 }];
}

function polyAdd(a: Poly, b: Poly, sign = 1): Poly {
  return normalize([...a.map((t) => ({ atoms: t.atoms, coef: t.coef })), ...b.map((t) => ({ atoms: t.atoms, coef: sign * t.coef }))]);
}

function polyMul(a: Poly, b: Poly): Poly {
  const out: Term[] = [];
  for (const x of a) for (const y of b) out.push({ atoms: [...x.atoms, ...y.atoms], coef: x.coef * y.coef });
  return normalize(out);
}

function constantOf(p: Poly): number | undefined {
  if (p.length === 0) return 0;
  if (p.length === 1 && p[0].atoms.length === 0) return p[0].coef;
  return undefined;
}

function printPoly(p: Poly): string | number {
  const c = constantOf(p);
  if (c !== undefined) return c;
  if (p.length === 1 && p[0].coef === 1 && p[0].atoms.length === 1) return p[0].atoms[0];
  let s = '';
  for (const t of p) {
    const neg = t.coef < 0;
    const mag = Math.abs(t.coef);
    let body: string;
    if (t.atoms.length === 0) body = String(mag);
    else body = termKey(t.atoms) + (mag === 1 ? '' : `*${mag}`);
    if (s === '') s = neg ? `-${body}` : body;
    else s += (neg ? '-' : '+') + body;
  }
  return s;
}

// -------------------------------------------------------------------------------------------------
// Parsing

class ParseError extends Error {}

/** expr := term (('+'|'-') term)* ; term := unary (('*' unary) | ('//' int))* ; unary := '-' unary | primary */
class Parser {
  private i = 0;
  constructor(private s: string) {}

  parse(): Poly {
    const p = this.expr();
    this.ws();
    if (this.i !== this.s.length) throw new ParseError();
    return p;
  }

  private ws(): void {
    while (this.i < this.s.length && (this.s[this.i] === ' ' || this.s[this.i] === '\t')) this.i++;
  }

  private expr(): Poly {
    let p = this.term();
    for (;;) {
      this.ws();
      const c = this.s[this.i];
      if (c === '+' || c === '-') {
        this.i++;
        p = polyAdd(p, this.term(), c === '+' ? 1 : -1);
      } else return p;
    }
  }

  private term(): Poly {
    let p = this.unary();
    for (;;) {
      this.ws();
      if (this.s.startsWith('//', this.i)) {
        this.i += 2;
        this.ws();
        const m = /^\d+/.exec(this.s.slice(this.i));
        if (!m) throw new ParseError();
        this.i += m[0].length;
        const k = Number(m[0]);
        if (k === 0) throw new ParseError();
        p = polyFloorDiv(p, k);
      } else if (this.s[this.i] === '*') {
        this.i++;
        p = polyMul(p, this.unary());
      } else return p;
    }
  }

  private unary(): Poly {
    this.ws();
    if (this.s[this.i] === '-') {
      this.i++;
      return polyMul(constPoly(-1), this.unary());
    }
    return this.primary();
  }

  private primary(): Poly {
    this.ws();
    const rest = this.s.slice(this.i);
    let m = /^\d+/.exec(rest);
    if (m) {
      this.i += m[0].length;
      const n = Number(m[0]);
      if (!Number.isSafeInteger(n)) throw new ParseError();
      return constPoly(n);
    }
    m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rest);
    if (m) {
      this.i += m[0].length;
      return atomPoly(m[0]);
    }
    if (this.s[this.i] === '(') {
      // Find the matching parenthesis; the inside is an expression, or else an opaque name.
      let depth = 0;
      let j = this.i;
      for (; j < this.s.length; j++) {
        if (this.s[j] === '(') depth++;
        else if (this.s[j] === ')' && --depth === 0) break;
      }
      if (j >= this.s.length) throw new ParseError();
      const inner = this.s.slice(this.i + 1, j);
      this.i = j + 1;
      try {
        return new Parser(inner).parse();
      } catch {
        return atomPoly(inner);
      }
    }
    throw new ParseError();
  }
}

const cache = new Map<string, Poly>();
const CACHE_LIMIT = 50000;

function parse(s: string): Poly {
  let p = cache.get(s);
  if (p) return p;
  try {
    p = new Parser(s).parse();
    if (constantOf(p) !== undefined) p = atomPoly(s); // a name that happens to look like a number
  } catch {
    p = atomPoly(s);
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(s, p);
  return p;
}

function toPoly(d: number | string): Poly {
  return typeof d === 'number' ? constPoly(d) : parse(d);
}

function fromPoly(p: Poly): number | string {
  const out = printPoly(p);
  if (typeof out === 'string' && !cache.has(out)) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(out, p);
  }
  return out;
}

function mod(a: number, k: number): number {
  return ((a % k) + k) % k;
}

function polyFloorDiv(p: Poly, k: number): Poly {
  if (k === 1) return p;
  if (k < 0) return polyFloorDiv(polyMul(constPoly(-1), p), -k); // floor(p/-k) = floor(-p/k)
  // p = k*q + r with 0 <= every coefficient of r < k: floor(p/k) = q + floor(r/k) for integer symbols.
  const q: Term[] = [];
  const r: Term[] = [];
  for (const t of p) {
    const rem = mod(t.coef, k);
    const quo = (t.coef - rem) / k;
    if (quo !== 0) q.push({ atoms: t.atoms, coef: quo });
    if (rem !== 0) r.push({ atoms: t.atoms, coef: rem });
  }
  const rp = normalize(r);
  const rc = constantOf(rp);
  if (rc !== undefined) return normalize([...q, ...constPoly(Math.floor(rc / k))]);
  const inner = printPoly(rp) as string;
  return normalize([...q, { atoms: [`${IDENT.test(inner) ? inner : `(${inner})`}//${k}`], coef: 1 }]);
}

/** Divides exactly by a single-term polynomial, or undefined. */
function polyDivExact(p: Poly, d: Poly): Poly | undefined {
  if (d.length !== 1) {
    // p == c * d for a constant c?
    if (p.length !== d.length || d.length === 0) return undefined;
    const ratio = p[0].coef / d[0].coef;
    if (!Number.isInteger(ratio)) return undefined;
    const again = polyMul(d, constPoly(ratio));
    return printPoly(again) === printPoly(p) ? constPoly(ratio) : undefined;
  }
  const { atoms: da, coef: dc } = d[0];
  const out: Term[] = [];
  for (const t of p) {
    if (t.coef % dc !== 0) return undefined;
    const rest = [...t.atoms];
    for (const a of da) {
      const i = rest.indexOf(a);
      if (i < 0) return undefined;
      rest.splice(i, 1);
    }
    out.push({ atoms: rest, coef: t.coef / dc });
  }
  return normalize(out);
}

// -------------------------------------------------------------------------------------------------
// Public operations on SymDim

const canonicalCache = new Map<string, number | string>();

/** The canonical form of a dim: numbers stay, expressions are rewritten canonically, null stays null. */
export function canonicalDim(d: SymDim): SymDim {
  if (d === null || typeof d === 'number') return d;
  let c = canonicalCache.get(d);
  if (c === undefined) {
    c = fromPoly(parse(d));
    if (canonicalCache.size >= CACHE_LIMIT) canonicalCache.clear();
    canonicalCache.set(d, c);
  }
  return c;
}

export function isKnown(d: SymDim | undefined): d is number {
  return typeof d === 'number';
}

/** Same dim: equal numbers, or the same symbolic expression. null equals nothing (not even null). */
export function dimEqual(a: SymDim | undefined, b: SymDim | undefined): boolean {
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a === 'number' || typeof b === 'number') {
    if (typeof a === 'number' && typeof b === 'number') return a === b;
    return false;
  }
  return a === b || canonicalDim(a) === canonicalDim(b);
}

/**
 * Two dims that cannot be the same: different numbers, or expressions whose difference is a non-zero
 * constant (`seq+1` vs `seq`). Unknown and unrelated symbols are never said to differ.
 */
export function dimsDiffer(a: SymDim | undefined, b: SymDim | undefined): boolean {
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a === 'number' && typeof b === 'number') return a !== b;
  const diff = polyAdd(toPoly(a), toPoly(b), -1);
  const c = constantOf(diff);
  return c !== undefined && c !== 0;
}

/** Results of symbolic operations, by operation and operands: graphs repeat the same arithmetic per layer. */
const opCache = new Map<string, number | string | null>();

function memo(op: string, a: number | string, b: number | string, f: () => number | string | null): SymDim {
  const k = `${op}\u0000${typeof a === 'number' ? '#' : ''}${a}\u0000${typeof b === 'number' ? '#' : ''}${b}`;
  let r = opCache.get(k);
  if (r === undefined) {
    r = f();
    if (opCache.size >= CACHE_LIMIT) opCache.clear();
    opCache.set(k, r);
  }
  return r;
}

export function dimAdd(a: SymDim, b: SymDim): SymDim {
  if (a === null || b === null) return null;
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (b === 0) return canonicalDim(a);
  if (a === 0) return canonicalDim(b);
  return memo('+', a, b, () => fromPoly(polyAdd(toPoly(a), toPoly(b))));
}

export function dimSub(a: SymDim, b: SymDim): SymDim {
  if (a === null || b === null) return null;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return memo('-', a, b, () => fromPoly(polyAdd(toPoly(a), toPoly(b), -1)));
}

export function dimMul(a: SymDim, b: SymDim): SymDim {
  if (a === 0 || b === 0) return 0;
  if (a === null || b === null) return null;
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  if (a === 1) return canonicalDim(b);
  if (b === 1) return canonicalDim(a);
  return memo('*', a, b, () => fromPoly(polyMul(toPoly(a), toPoly(b))));
}

/** floor(a / b); symbolic only by a positive integer or an exact symbolic divisor; null otherwise. */
export function dimFloorDiv(a: SymDim, b: SymDim): SymDim {
  if (a === null || b === null || b === 0) return null;
  if (typeof a === 'number' && typeof b === 'number') return Math.floor(a / b);
  if (typeof b === 'number') {
    if (b < 0) return null;
    return memo('//', a, b, () => fromPoly(polyFloorDiv(toPoly(a), b)));
  }
  return memo('/', a, b, () => {
    const q = polyDivExact(toPoly(a), toPoly(b));
    return q ? fromPoly(q) : null;
  });
}

/** a / b when it divides exactly (numbers or expressions); null otherwise. */
export function dimDivExact(a: SymDim, b: SymDim): SymDim {
  if (a === null || b === null || b === 0) return null;
  if (typeof a === 'number' && typeof b === 'number') return a % b === 0 ? a / b : null;
  return memo('/', a, b, () => {
    const q = polyDivExact(toPoly(a), toPoly(b));
    return q ? fromPoly(q) : null;
  });
}

/** ceil(a / b) = floor((a + b - 1) / b) for positive integer b. */
export function dimCeilDiv(a: SymDim, b: SymDim): SymDim {
  if (a === null || b === null || b === 0) return null;
  if (typeof a === 'number' && typeof b === 'number') return Math.ceil(a / b);
  if (typeof b !== 'number' || b < 0) return dimDivExact(a, b);
  return dimFloorDiv(dimAdd(a, b - 1), b);
}

/** Product of dims (1 for []), null when any is unknown. */
export function dimProduct(dims: readonly SymDim[]): SymDim {
  let p: SymDim = 1;
  for (const d of dims) {
    if (d === 0) return 0;
  }
  for (const d of dims) {
    p = dimMul(p, d);
    if (p === null) return null;
  }
  return p;
}

/** Symbol names an expression depends on (`batch*seq+1` -> ['batch', 'seq']); [] for numbers and null. */
export function dimSymbols(d: SymDim): string[] {
  if (typeof d !== 'string') return [];
  const out = new Set<string>();
  const stack: Poly[] = [parse(d)];
  while (stack.length) {
    for (const t of stack.pop()!) {
      for (const a of t.atoms) {
        // A floor-division atom `(E)//k` or `x//k` depends on the symbols of E.
        const m = /^(.*)\/\/\d+$/.exec(a);
        if (m) stack.push(parse(/^\(.*\)$/.test(m[1]) ? m[1].slice(1, -1) : m[1]));
        else out.add(a);
      }
    }
  }
  return [...out].sort(cmp);
}

/**
 * The number a dim stands for once its symbols are bound (`batch*3` with batch=2 is 6); null when a
 * symbol is not bound or the dim is unknown.
 */
export function evaluateDim(d: SymDim, env: ReadonlyMap<string, number> | Readonly<Record<string, number>>): number | null {
  if (d === null || typeof d === 'number') return d;
  const get = (k: string): number | undefined => (env instanceof Map ? env.get(k) : (env as Record<string, number>)[k]);
  const evalPoly = (p: Poly, depth: number): number | null => {
    if (depth > 32) return null;
    let sum = 0;
    for (const t of p) {
      let prod = t.coef;
      for (const a of t.atoms) {
        let v: number | null | undefined = get(a);
        if (v === undefined) {
          const m = /^(.*)\/\/(\d+)$/.exec(a);
          if (!m) return null;
          const inner = evalPoly(parse(/^\(.*\)$/.test(m[1]) ? m[1].slice(1, -1) : m[1]), depth + 1);
          v = inner === null ? null : Math.floor(inner / Number(m[2]));
        }
        if (v === null) return null;
        prod *= v;
      }
      sum += prod;
    }
    return sum;
  };
  return evalPoly(parse(d), 0);
}

/** Text for a dim as people read it: 3, batch, seq+1, ?. */
export function formatDim(d: SymDim | undefined): string {
  return d === null || d === undefined ? '?' : String(d);
}

export function formatDims(shape: readonly SymDim[] | undefined): string {
  return shape ? `[${shape.map(formatDim).join(',')}]` : '[?]';
}
