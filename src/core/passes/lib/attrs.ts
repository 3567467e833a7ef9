/** Attribute values typed by a person ("3", "[1, 2]", "relu"), parsed into AttributeProto fields by type. */
import { onnx } from '../../codec/pb';
import type { Node } from '../../ir/model';
import { normalizeDomain, schemaAtOpset, type AttributeTypeName, type OpSchema } from '../../schema/index';
import { PassError } from '../types';

export const EDITABLE_TYPES: readonly AttributeTypeName[] = ['INT', 'FLOAT', 'STRING', 'INTS', 'FLOATS', 'STRINGS'];

const A = onnx.AttributeProto.AttributeType;

export function schemaOf(node: Node): OpSchema | undefined {
  const domain = normalizeDomain(node.domain);
  const opset = node.graph.model.opsetVersion(domain);
  return opset ? schemaAtOpset(domain, node.opType, opset) : undefined;
}

function list(text: string): string[] {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  if (!t.trim()) return [];
  return t.split(/\s*,\s*|\s+/).filter((x) => x !== '');
}

function parseInt64(s: string, what: string): number | bigint {
  if (!/^[-+]?\d+$/.test(s)) throw new PassError(`${what}: '${s}' is not an integer`);
  const b = BigInt(s);
  if (b > 9223372036854775807n || b < -9223372036854775808n) throw new PassError(`${what}: ${s} does not fit in int64`);
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

function parseFloat32(s: string, what: string): number {
  const t = s.toLowerCase();
  const v = t === 'inf' || t === '+inf' ? Infinity : t === '-inf' ? -Infinity : t === 'nan' ? NaN : Number(s);
  if (Number.isNaN(v) && t !== 'nan') throw new PassError(`${what}: '${s}' is not a number`);
  return v;
}

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && ((t[0] === '"' && t.endsWith('"')) || (t[0] === "'" && t.endsWith("'")))) return t.slice(1, -1);
  return s;
}

/** The type a value looks like when no schema says: INTS for lists of integers, FLOAT for decimals, ... */
export function guessType(text: string): AttributeTypeName {
  const t = text.trim();
  const isList = t.startsWith('[') || t.includes(',');
  const items = list(t);
  const allInts = items.every((x) => /^[-+]?\d+$/.test(x));
  const allNums = items.every((x) => !Number.isNaN(Number(x)));
  if (isList) return allInts ? 'INTS' : allNums ? 'FLOATS' : 'STRINGS';
  if (/^[-+]?\d+$/.test(t)) return 'INT';
  if (t !== '' && !Number.isNaN(Number(t))) return 'FLOAT';
  return 'STRING';
}

/** An AttributeProto of `type` from text. */
export function parseAttribute(name: string, type: AttributeTypeName, text: string): onnx.AttributeProto {
  const what = `attribute '${name}' (${type})`;
  const enc = new TextEncoder();
  const p = new onnx.AttributeProto({ name });
  switch (type) {
    case 'INT':
      p.type = A.INT;
      p.i = parseInt64(text.trim(), what);
      break;
    case 'FLOAT':
      p.type = A.FLOAT;
      p.f = parseFloat32(text.trim(), what);
      break;
    case 'STRING':
      p.type = A.STRING;
      p.s = enc.encode(unquote(text));
      break;
    case 'INTS':
      p.type = A.INTS;
      p.ints = list(text).map((x) => parseInt64(x, what));
      break;
    case 'FLOATS':
      p.type = A.FLOATS;
      p.floats = list(text).map((x) => parseFloat32(x, what));
      break;
    case 'STRINGS': {
      p.type = A.STRINGS;
      let items: string[];
      const t = text.trim();
      if (t.startsWith('[')) {
        try {
          const j = JSON.parse(t);
          if (!Array.isArray(j) || j.some((x) => typeof x !== 'string')) throw new Error('not strings');
          items = j;
        } catch {
          items = list(t).map(unquote);
        }
      } else items = t ? t.split(/\s*,\s*/).map(unquote) : [];
      p.strings = items.map((x) => enc.encode(x));
      break;
    }
    default:
      throw new PassError(`${what} cannot be typed in: set-attribute edits ${EDITABLE_TYPES.join(', ')} attributes`);
  }
  return p;
}

/** An attribute's value as text, for summaries. */
export function attributeText(p: onnx.AttributeProto.$Properties): string {
  const dec = new TextDecoder();
  switch (p.type) {
    case A.INT: return String(p.i ?? 0);
    case A.FLOAT: return String(p.f ?? 0);
    case A.STRING: return JSON.stringify(dec.decode(p.s ?? new Uint8Array()));
    case A.INTS: return `[${(p.ints ?? []).join(', ')}]`;
    case A.FLOATS: return `[${(p.floats ?? []).join(', ')}]`;
    case A.STRINGS: return JSON.stringify((p.strings ?? []).map((s) => dec.decode(s)));
    case A.TENSOR: return 'a tensor';
    case A.GRAPH: return 'a graph';
    default: return `type ${p.type}`;
  }
}
