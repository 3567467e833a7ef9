/**
 * Control flow and containers: If (branches merged; a known condition picks its branch, values included),
 * Loop (loop-carried types relaxed to a fixpoint over at most three passes, scan outputs get a leading
 * iteration dim), Scan (opset 8 and 9+ with axes), SequenceMap, the Sequence* ops, SplitToSequence,
 * ConcatFromSequence, Optional, OptionalHasElement, OptionalGetElement.
 */
import { DataType } from '../../ir/dtype';
import type { Graph, Value } from '../../ir/model';
import { InferError, register, type OpContext } from '../registry';
import { dimDivExact, dimEqual, type SymDim } from '../symbolic';
import type { InferredType, TypeWrap } from '../types';
import { typeFromProto } from '../engine';
import { normAxis } from './util';

/** What two possible types of one value have in common (If branches, loop iterations). */
export function unionType(a: InferredType | undefined, b: InferredType | undefined): InferredType | undefined {
  if (!a && !b) return undefined;
  if (!a || !b) {
    const t = (a ?? b)!;
    const u: InferredType = { elemType: t.elemType, shape: undefined };
    if (t.wrap) u.wrap = t.wrap;
    return u;
  }
  const wa = a.wrap ?? [];
  const wb = b.wrap ?? [];
  if (wa.length !== wb.length || wa.some((w, i) => w !== wb[i])) return undefined;
  const elemType = a.elemType && b.elemType && a.elemType !== b.elemType ? 0 : a.elemType || b.elemType;
  let shape: SymDim[] | undefined;
  if (a.shape && b.shape && a.shape.length === b.shape.length) {
    shape = a.shape.map((d, i) => (d === b.shape![i] || dimEqual(d, b.shape![i]) ? d : null));
  }
  const u: InferredType = { elemType, shape };
  if (a.wrap) u.wrap = a.wrap;
  return u;
}

function sameType(a: InferredType | undefined, b: InferredType | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.elemType !== b.elemType || (a.wrap ?? []).join() !== (b.wrap ?? []).join()) return false;
  if (!a.shape || !b.shape) return a.shape === b.shape;
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape![i]);
}

function graphAttr(ctx: OpContext, name: string): Graph | undefined {
  return ctx.attr(name)?.graph;
}

function setType(ctx: OpContext, i: number, t: InferredType | undefined): void {
  if (t) ctx.setOutput(i, t.elemType, t.shape, t.wrap);
}

register('If', (ctx) => {
  const thenG = graphAttr(ctx, 'then_branch');
  const elseG = graphAttr(ctx, 'else_branch');
  if (!thenG || !elseG) throw new InferError('If needs both then_branch and else_branch graphs');
  const a = ctx.inferGraph(thenG, []);
  const b = ctx.inferGraph(elseG, []);
  if (a.types.length !== b.types.length) {
    throw new InferError(`then_branch has ${a.types.length} outputs and else_branch ${b.types.length}; expected the same count`);
  }
  if (a.types.length !== ctx.outputCount) {
    throw new InferError(`the branches have ${a.types.length} outputs but the node has ${ctx.outputCount}`);
  }
  const cond = ctx.known(0);
  if (cond && cond.data.length === 1) {
    const taken = cond.data[0] ? a : b;
    taken.types.forEach((t, i) => setType(ctx, i, t));
    taken.values.forEach((v, i) => v && ctx.setValue(i, v));
    return;
  }
  for (let i = 0; i < a.types.length; i++) {
    const ta = a.types[i];
    const tb = b.types[i];
    if (ta && tb && ta.elemType && tb.elemType && ta.elemType !== tb.elemType) {
      ctx.problem(`output ${i}: then_branch gives element type ${ta.elemType} and else_branch ${tb.elemType}; expected the same type`);
    }
    setType(ctx, i, unionType(ta, tb));
  }
});

const SCALAR_INT64: InferredType = { elemType: DataType.INT64, shape: [] };
const SCALAR_BOOL: InferredType = { elemType: DataType.BOOL, shape: [] };

register('Loop', (ctx) => {
  const body = graphAttr(ctx, 'body');
  if (!body) throw new InferError('Loop has no body graph');
  const nCarried = Math.max(0, ctx.inputCount - 2);
  let carried: (InferredType | undefined)[] = [];
  for (let i = 0; i < nCarried; i++) carried.push(ctx.type(i + 2));
  let out = ctx.inferGraph(body, [SCALAR_INT64, SCALAR_BOOL, ...carried]);
  // A loop-carried value is what it was before the loop or after any iteration: unknown if either is.
  const both = (a: InferredType | undefined, b: InferredType | undefined) => (a && b ? unionType(a, b) : undefined);
  for (let pass = 0; pass < 3; pass++) {
    const next = carried.map((t, i) => both(t, out.types[1 + i]));
    if (next.every((t, i) => sameType(t, carried[i]))) break;
    carried = next;
    out = ctx.inferGraph(body, [SCALAR_INT64, SCALAR_BOOL, ...carried]);
  }
  const nScan = out.types.length - 1 - nCarried;
  if (nScan < 0) throw new InferError(`the body has ${out.types.length} outputs for ${nCarried} loop-carried values; expected at least ${nCarried + 1}`);
  carried.forEach((t, i) => setType(ctx, i, both(t, out.types[1 + i])));
  // Trip count: M when known and the loop cannot stop early (no condition, or a body condition that stays true).
  let trip: SymDim = null;
  const m = ctx.hasInput(0) ? ctx.value(0)?.data[0] : undefined;
  let condOut: Value | undefined = body.outputs[0]?.value;
  while (condOut?.producer?.opType === 'Identity' && condOut.producer.graph === body) condOut = condOut.producer.inputs[0] ?? undefined;
  const condIn = body.inputs[1]?.value;
  const condKnownTrue = out.values[0]?.data[0] === 1;
  const condInit = ctx.hasInput(1) ? ctx.known(1)?.data[0] : 1;
  if (typeof m === 'number' && (condKnownTrue || (condOut === condIn && condInit === 1))) trip = m;
  for (let k = 0; k < nScan; k++) {
    const t = out.types[1 + nCarried + k];
    setType(ctx, nCarried + k, t ? { elemType: t.elemType, shape: t.shape ? [trip, ...t.shape] : undefined } : undefined);
  }
});

register('Scan', (ctx) => {
  const body = graphAttr(ctx, 'body');
  if (!body) throw new InferError('Scan has no body graph');
  const nScanIn = ctx.int('num_scan_inputs', 0);
  if (ctx.since < 9) {
    // Opset 8: input 0 is sequence_lens, every other input has a leading batch dim, scan inputs [batch, seq, ...].
    const nState = ctx.inputCount - 1 - nScanIn;
    const ins: (InferredType | undefined)[] = [];
    let batch: SymDim = null;
    let seq: SymDim = null;
    for (let i = 1; i < ctx.inputCount; i++) {
      const t = ctx.type(i);
      const drop = i - 1 < nState ? 1 : 2;
      if (t?.shape) {
        batch ??= t.shape[0];
        if (drop === 2) seq ??= t.shape[1] ?? null;
      }
      ins.push(t ? { elemType: t.elemType, shape: t.shape?.slice(drop) } : undefined);
    }
    const out = ctx.inferGraph(body, ins);
    out.types.forEach((t, i) => {
      if (!t) return;
      const prefix = i < nState ? [batch] : [batch, seq];
      ctx.setOutput(i, t.elemType, t.shape ? [...prefix, ...t.shape] : undefined);
    });
    return;
  }
  const nState = ctx.inputCount - nScanIn;
  const inAxes = ctx.ints('scan_input_axes') ?? [];
  const outAxes = ctx.ints('scan_output_axes') ?? [];
  const ins: (InferredType | undefined)[] = [];
  let seq: SymDim = null;
  for (let i = 0; i < ctx.inputCount; i++) {
    const t = ctx.type(i);
    if (i < nState) {
      ins.push(t);
      continue;
    }
    if (!t?.shape) {
      ins.push(t ? { elemType: t.elemType, shape: undefined } : undefined);
      continue;
    }
    const axis = normAxis(inAxes[i - nState] ?? 0, t.shape.length, 'scan_input_axes');
    seq ??= t.shape[axis];
    ins.push({ elemType: t.elemType, shape: t.shape.filter((_, j) => j !== axis) });
  }
  const out = ctx.inferGraph(body, ins);
  out.types.forEach((t, i) => {
    if (i < nState) {
      setType(ctx, i, unionType(ins[i], t) ?? t);
      return;
    }
    if (!t) return;
    if (!t.shape) {
      ctx.setOutput(i, t.elemType, undefined);
      return;
    }
    const axis = normAxis(outAxes[i - nState] ?? 0, t.shape.length + 1, 'scan_output_axes');
    const s = t.shape.slice();
    s.splice(axis, 0, seq);
    ctx.setOutput(i, t.elemType, s);
  });
});

function elementOf(t: InferredType | undefined): InferredType | undefined {
  if (!t || !t.wrap || t.wrap[0] !== 'sequence') return undefined;
  const rest = t.wrap.slice(1);
  const e: InferredType = { elemType: t.elemType, shape: t.shape };
  if (rest.length) e.wrap = rest;
  return e;
}

function seqOf(t: InferredType | undefined, fallbackElem = 0): InferredType {
  return { elemType: t?.elemType ?? fallbackElem, shape: t?.shape, wrap: ['sequence', ...(t?.wrap ?? [])] as TypeWrap[] };
}

register('SequenceMap', (ctx) => {
  const body = graphAttr(ctx, 'body');
  if (!body) throw new InferError('SequenceMap has no body graph');
  const ins: (InferredType | undefined)[] = [];
  for (let i = 0; i < ctx.inputCount; i++) {
    const t = ctx.type(i);
    ins.push(t?.wrap?.[0] === 'sequence' ? elementOf(t) : t);
  }
  const out = ctx.inferGraph(body, ins);
  out.types.forEach((t, i) => setType(ctx, i, seqOf(t)));
});

register('SequenceEmpty', (ctx) => {
  ctx.setOutput(0, ctx.int('dtype', DataType.FLOAT), undefined, ['sequence']);
});

register('SequenceConstruct', (ctx) => {
  let t: InferredType | undefined = ctx.type(0);
  for (let i = 1; i < ctx.inputCount; i++) t = unionType(t, ctx.type(i));
  setType(ctx, 0, seqOf(t));
});

register('SequenceInsert', (ctx) => {
  const e = elementOf(ctx.type(0));
  const t = ctx.type(1);
  // An empty sequence has no element shape yet: the inserted tensor's shape is the element shape.
  const merged = e && e.shape === undefined ? { elemType: e.elemType || t?.elemType || 0, shape: t?.shape } : unionType(e, t);
  setType(ctx, 0, seqOf(merged, t?.elemType));
});

register('SequenceAt', (ctx) => setType(ctx, 0, elementOf(ctx.type(0))));
register('SequenceErase', (ctx) => setType(ctx, 0, ctx.type(0)));
register('SequenceLength', (ctx) => ctx.setOutput(0, DataType.INT64, []));

register('SplitToSequence', (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elemType(0);
  if (!s) {
    ctx.setOutput(0, elem, undefined, ['sequence']);
    return;
  }
  const axis = normAxis(ctx.int('axis', 0), s.length);
  const keep = ctx.int('keepdims', 1);
  if (!ctx.hasInput(1)) {
    const e = keep ? s.map((d, i) => (i === axis ? 1 : d)) : s.filter((_, i) => i !== axis);
    ctx.setOutput(0, elem, e, ['sequence']);
    return;
  }
  const split = ctx.value(1);
  let d: SymDim = null;
  if (split && split.data.length === 1 && split.dims.length === 0) {
    const k = split.data[0];
    d = s[axis] !== null && k !== null && dimDivExact(s[axis], k) !== null ? k : null;
  } else if (split && split.data.length > 0 && split.data.every((x) => dimEqual(x, split.data[0]))) d = split.data[0];
  ctx.setOutput(0, elem, s.map((x, i) => (i === axis ? d : x)), ['sequence']);
});

register('ConcatFromSequence', (ctx) => {
  const e = elementOf(ctx.type(0));
  const elem = e?.elemType ?? 0;
  if (!e?.shape) {
    ctx.setOutput(0, elem, undefined);
    return;
  }
  const newAxis = ctx.int('new_axis', 0);
  const axisAttr = ctx.int('axis');
  if (axisAttr === undefined) throw new InferError('ConcatFromSequence has no axis attribute; it is required');
  if (newAxis) {
    const axis = normAxis(axisAttr, e.shape.length + 1);
    const s = e.shape.slice();
    s.splice(axis, 0, null);
    ctx.setOutput(0, elem, s);
  } else {
    const axis = normAxis(axisAttr, e.shape.length);
    ctx.setOutput(0, elem, e.shape.map((d, i) => (i === axis ? null : d)));
  }
});

register('Optional', (ctx) => {
  let t: InferredType | undefined;
  if (ctx.hasInput(0)) t = ctx.type(0);
  else t = typeFromProto(ctx.attr('type')?.proto.tp);
  if (!t) {
    ctx.setOutput(0, 0, undefined, ['optional']);
    return;
  }
  ctx.setOutput(0, t.elemType, t.shape, ['optional', ...(t.wrap ?? [])]);
});

register('OptionalHasElement', (ctx) => ctx.setOutput(0, DataType.BOOL, []));

register('OptionalGetElement', (ctx) => {
  const t = ctx.type(0);
  if (!t) return;
  const w = t.wrap ?? [];
  const rest = w[0] === 'optional' ? w.slice(1) : w;
  ctx.setOutput(0, t.elemType, t.shape, rest);
});
