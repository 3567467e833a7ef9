/** Text forms of attributes and tensors for panels, hovers and the text view. Never HTML. */
import type { Attribute, Tensor } from './ir/model';
import { dtypeName } from './ir/dtype';

export const ATTRIBUTE_TYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED', 1: 'FLOAT', 2: 'INT', 3: 'STRING', 4: 'TENSOR', 5: 'GRAPH', 6: 'FLOATS', 7: 'INTS', 8: 'STRINGS',
  9: 'TENSORS', 10: 'GRAPHS', 11: 'SPARSE_TENSOR', 12: 'SPARSE_TENSORS', 13: 'TYPE_PROTO', 14: 'TYPE_PROTOS',
};

const utf8 = new TextDecoder('utf-8', { fatal: false });

export function bytesToString(b: Uint8Array | undefined | null): string {
  return b ? utf8.decode(b) : '';
}

export function formatNumber(v: number | bigint): string {
  if (typeof v === 'bigint') return v.toString();
  if (Number.isInteger(v)) return String(v);
  if (!Number.isFinite(v)) return String(v);
  const s = v.toPrecision(6);
  return s.includes('e') ? s : String(Number(s));
}

function list<T>(items: readonly T[], fmt: (t: T) => string, max: number): string {
  const shown = items.slice(0, max).map(fmt).join(', ');
  return `[${shown}${items.length > max ? `, … (${items.length} values)` : ''}]`;
}

export function describeTensor(t: Tensor): string {
  return `${dtypeName(t.dataType)}[${t.dims.join(',')}]${t.isExternal ? ' (external)' : ''}`;
}

/** The attribute's value as text; long lists are cut to `max` items. */
export function formatAttributeValue(a: Attribute, max = 16): string {
  const p = a.proto;
  if (a.refAttrName) return `@${a.refAttrName}`;
  switch (a.type) {
    case 1:
      return formatNumber(p.f ?? 0);
    case 2:
      return formatNumber(p.i ?? 0);
    case 3:
      return JSON.stringify(bytesToString(p.s));
    case 4:
      return a.tensor ? describeTensor(a.tensor) : 'tensor';
    case 5:
      return `graph ${a.graph?.name ?? ''} (${a.graph?.nodes.length ?? 0} nodes)`;
    case 6:
      return list(p.floats ?? [], formatNumber, max);
    case 7:
      return list(p.ints ?? [], formatNumber, max);
    case 8:
      return list(p.strings ?? [], (s) => JSON.stringify(bytesToString(s)), max);
    case 9:
      return list(a.tensors ?? [], describeTensor, max);
    case 10:
      return list(a.graphs ?? [], (g) => `graph ${g.name}`, max);
    case 11:
      return 'sparse tensor';
    case 12:
      return `${p.sparseTensors?.length ?? 0} sparse tensors`;
    case 13:
      return 'type';
    case 14:
      return `${p.typeProtos?.length ?? 0} types`;
    default:
      return '?';
  }
}

/** "kernel_shape=[3,3]"-style short form for the node box. */
export function shortAttribute(a: Attribute): string {
  const v = formatAttributeValue(a, 6).replace(/, /g, ',');
  return `${a.name}=${v.length > 40 ? `${v.slice(0, 39)}…` : v}`;
}
