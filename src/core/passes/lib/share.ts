/**
 * Sharing what is computed or stored twice:
 *
 * - shareConstants: initializers of one graph with the same element type, dims and bytes become one (the
 *   first keeps its name; readers of the others read it). Graph inputs/outputs and external data are left alone.
 * - eliminateCommonSubexpressions: two nodes with the same op, domain, attributes and inputs compute the same
 *   thing; the later one's readers read the earlier one's outputs (onnxruntime's CommonSubexpressionElimination).
 *   Left alone: nodes with subgraphs, non-deterministic ops, custom domains, nodes whose outputs are graph outputs.
 */
import type { Model, Node, Value } from '../../ir/model';
import { removeNodes, replaceAllUsesWith } from '../../ir/edit';
import { topologicalOrder } from '../../ir/traverse';
import { onnx } from '../../codec/pb';
import { constantData, editableGraphs, isAnyGraphOutput } from './graph';
import { NEVER_FOLD } from './fold';

/**
 * A hash of a tensor's bytes for bucketing: the length and up to 512 sampled 32-bit words (equal tensors hash
 * equal; candidates are then compared in full). Cached per TensorProto across rounds.
 */
const hashCache = new WeakMap<object, number>();
function hashBytes(b: Uint8Array): number {
  let h = 0x811c9dc5 ^ b.byteLength;
  const words = b.byteLength >>> 2;
  const step = Math.max(1, Math.floor(words / 512));
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < words; i += step) {
    h ^= dv.getUint32(i * 4, true);
    h = Math.imul(h, 0x01000193);
  }
  for (let i = words * 4; i < b.byteLength; i++) {
    h ^= b[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Returns how many initializers now read another one (the duplicates are then unused). */
export function shareConstants(model: Model): number {
  let n = 0;
  for (const g of editableGraphs(model)) {
    const buckets = new Map<string, { v: Value; data: Uint8Array; strings?: Uint8Array[] }[]>();
    for (const t of g.initializers) {
      const v = t.value;
      if (!v || !v.isConstant || t.isExternal || isAnyGraphOutput(v) || !v.uses.length) continue;
      const h = constantData(v);
      if (!h) continue;
      const bytes = h.strings ? new TextEncoder().encode(JSON.stringify(h.strings.map((s) => Array.from(s)))) : h.data;
      let hash = hashCache.get(t.proto);
      if (hash === undefined) hashCache.set(t.proto, (hash = hashBytes(bytes)));
      const key = `${h.dtype}|${h.dims.join(',')}|${hash}`;
      const list = buckets.get(key) ?? [];
      const same = list.find((x) => equalBytes(x.data, bytes));
      if (same) {
        replaceAllUsesWith(v, same.v);
        n++;
      } else {
        list.push({ v, data: bytes });
        buckets.set(key, list);
      }
    }
  }
  return n;
}

/** A text key of one attribute's value: its plain fields directly, tensors/graphs through their encoding. */
function attrValueKey(a: onnx.AttributeProto): string {
  if (a.t || a.g || a.tensors?.length || a.graphs?.length || a.sparseTensor || a.sparseTensors?.length || a.tp || a.typeProtos?.length) {
    const bytes = onnx.AttributeProto.encode(a).finish();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  }
  const s = a.s && a.s.byteLength ? Buffer.from(a.s.buffer, a.s.byteOffset, a.s.byteLength).toString('base64') : '';
  const strs = (a.strings ?? []).map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64')).join(',');
  return `${a.type ?? 0}:${a.i ?? ''}:${a.f ?? ''}:${s}:${(a.ints ?? []).join(',')}:${(a.floats ?? []).join(',')}:${strs}:${a.refAttrName ?? ''}`;
}

function attributeKey(n: Node): string {
  if (!n.attributes.length) return '';
  const parts: string[] = [];
  for (const a of n.attributes) parts.push(`${a.name}=${attrValueKey(a.proto)}`);
  return parts.sort().join('|');
}

/** Returns how many nodes were found to repeat an earlier one (and removed). */
export function eliminateCommonSubexpressions(model: Model): number {
  let total = 0;
  for (const g of editableGraphs(model)) {
    const seen = new Map<string, Node>();
    const doomed: Node[] = [];
    for (const n of topologicalOrder(g).order) {
      if (n.subgraphs.length || NEVER_FOLD.has(n.opType) || n.opType === 'Dropout' || (n.domain !== '' && n.domain !== 'ai.onnx')) continue;
      if (!n.outputs.length || n.outputs.some((o) => o && isAnyGraphOutput(o))) continue;
      const key = `${n.opType}(${n.inputs.map((v) => (v ? v.id : '')).join(',')})#${n.outputs.length}{${attributeKey(n)}}`;
      const first = seen.get(key);
      if (!first) {
        seen.set(key, n);
        continue;
      }
      n.outputs.forEach((o, i) => {
        const keep = first.outputs[i];
        if (o && keep) replaceAllUsesWith(o, keep);
      });
      if (n.outputs.every((o, i) => !o || first.outputs[i])) doomed.push(n);
    }
    if (doomed.length) {
      removeNodes(g, doomed, { allowDangling: true });
      total += doomed.length;
    }
  }
  return total;
}
