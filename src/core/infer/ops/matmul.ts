/**
 * Matrix products and quantization: MatMul (numpy semantics: 1-D promotion, batch broadcast),
 * MatMulInteger, QLinearMatMul, Gemm (transA/transB), Einsum (explicit and implicit output, ellipsis),
 * QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear.
 */
import { DataType } from '../../ir/dtype';
import { InferError, register } from '../registry';
import { dimsDiffer, formatDims, type SymDim } from '../symbolic';
import { broadcastShapes, unifyDim } from './util';

function matmulShape(a: SymDim[] | undefined, b: SymDim[] | undefined): SymDim[] | undefined {
  if (!a || !b) return undefined;
  if (a.length === 0 || b.length === 0) throw new InferError('MatMul inputs must have rank >= 1; found a scalar');
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const k1 = a2[a2.length - 1];
  const k2 = b2[b2.length - 2];
  if (dimsDiffer(k1, k2)) {
    throw new InferError(`the inner dims differ: ${formatDims(a)} x ${formatDims(b)} (${k1} vs ${k2}); expected A's last dim to equal B's second-to-last`);
  }
  const batch = broadcastShapes([a2.slice(0, -2), b2.slice(0, -2)])!;
  const out = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2]);
  if (b.length > 1) out.push(b2[b2.length - 1]);
  return out;
}

register('MatMul', (ctx) => ctx.setOutput(0, ctx.elemType(0) || ctx.elemType(1), matmulShape(ctx.shape(0), ctx.shape(1))));
register('MatMulInteger', (ctx) => ctx.setOutput(0, DataType.INT32, matmulShape(ctx.shape(0), ctx.shape(1))));
register('QLinearMatMul', (ctx) => ctx.setOutput(0, ctx.elemType(7) || ctx.elemType(0), matmulShape(ctx.shape(0), ctx.shape(3))));

register('Gemm', (ctx) => {
  const a = ctx.shape(0);
  const b = ctx.shape(1);
  const elem = ctx.elemType(0) || ctx.elemType(1);
  const ta = ctx.int('transA', 0);
  const tb = ctx.int('transB', 0);
  if (a && a.length !== 2) throw new InferError(`A has rank ${a.length}; expected 2`);
  if (b && b.length !== 2) throw new InferError(`B has rank ${b.length}; expected 2`);
  const m = a ? a[ta ? 1 : 0] : null;
  const n = b ? b[tb ? 0 : 1] : null;
  if (a && b) unifyDim(a[ta ? 0 : 1], b[tb ? 1 : 0], 'inner dims of A and B');
  ctx.setOutput(0, elem, [m, n]);
});

/** Einsum: labels map to dims; the output lists labels explicitly or (implicit) those seen once, sorted. */
register('Einsum', (ctx) => {
  const eq = ctx.str('equation', '').replace(/\s+/g, '');
  const elem = ctx.elemType(0);
  const [lhs, rhs] = eq.split('->');
  const terms = lhs.split(',');
  if (terms.length !== ctx.inputCount) throw new InferError(`the equation has ${terms.length} input terms for ${ctx.inputCount} inputs`);
  const dims = new Map<string, SymDim>();
  const counts = new Map<string, number>();
  const ellipses: SymDim[][] = [];
  let ellipsisRank = 0;
  for (let i = 0; i < terms.length; i++) {
    const s = ctx.shape(i);
    const term = terms[i];
    const hasEllipsis = term.includes('...');
    const letters = term.replace('...', '').split('');
    for (const l of letters) counts.set(l, (counts.get(l) ?? 0) + 1);
    if (!s) {
      if (hasEllipsis) ellipsisRank = -Infinity; // unknown ellipsis rank
      continue;
    }
    const nEll = s.length - letters.length;
    if (nEll < 0 || (!hasEllipsis && nEll !== 0)) {
      throw new InferError(`term '${term}' has ${letters.length} labels for a rank-${s.length} input`);
    }
    const before = hasEllipsis ? term.indexOf('...') : letters.length;
    letters.forEach((l, j) => {
      const d = s[j < before ? j : j + nEll];
      dims.set(l, dims.has(l) ? unifyLabel(dims.get(l)!, d, l) : d);
    });
    if (hasEllipsis) {
      ellipses.push(s.slice(before, before + nEll));
      ellipsisRank = Math.max(ellipsisRank, nEll);
    }
  }
  const ell = ellipsisRank === -Infinity ? undefined : ellipses.length ? broadcastShapes(ellipses) : [];
  let outLabels: string;
  if (rhs !== undefined) outLabels = rhs;
  else {
    const once = [...counts.entries()].filter(([, c]) => c === 1).map(([l]) => l).sort();
    outLabels = (ellipses.length || ellipsisRank === -Infinity ? '...' : '') + once.join('');
  }
  if (outLabels.includes('...') && !ell) {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  const out: SymDim[] = [];
  const before = outLabels.indexOf('...');
  const letters = outLabels.replace('...', '').split('').filter(Boolean);
  letters.forEach((l, j) => {
    if (j === before) out.push(...ell!);
    out.push(dims.get(l) ?? null);
  });
  if (before >= 0 && before >= letters.length) out.push(...ell!);
  ctx.setOutput(0, elem, out);
});

function unifyLabel(a: SymDim, b: SymDim, label: string): SymDim {
  if (a === 1) return b;
  if (b === 1) return a;
  if (dimsDiffer(a, b)) throw new InferError(`label ${label} has dims ${a} and ${b}; expected equal dims (or 1)`);
  return a === null ? b : typeof b === 'number' ? b : a;
}

register('QuantizeLinear', (ctx) => {
  const outDtype = ctx.since >= 21 ? ctx.int('output_dtype', 0) : 0;
  const elem = outDtype || ctx.elemType(2) || (ctx.hasInput(2) ? 0 : DataType.UINT8);
  ctx.setOutput(0, elem, ctx.shape(0));
});

register('DequantizeLinear', (ctx) => {
  const outDtype = ctx.since >= 23 ? ctx.int('output_dtype', 0) : 0;
  const elem = outDtype || (ctx.since >= 19 ? ctx.elemType(1) : DataType.FLOAT);
  ctx.setOutput(0, elem, ctx.shape(0));
});

register('DynamicQuantizeLinear', (ctx) => {
  ctx.setOutput(0, DataType.UINT8, ctx.shape(0));
  ctx.setOutput(1, DataType.FLOAT, []);
  ctx.setOutput(2, DataType.UINT8, []);
});
