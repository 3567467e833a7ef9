/** Small helpers the rules share. */
import type { Graph, Node, Value } from '../../ir/model';
import { dtypeName } from '../../ir/dtype';
import { normalizeDomain } from '../../schema/index';
import type { SymDim, TypeFact } from '../types';

/** The node is in the ai.onnx domain ('' or 'ai.onnx'). */
export function isOnnx(n: Node): boolean {
  return normalizeDomain(n.domain) === '';
}

/** An ai.onnx node of one of these op types. */
export function isOp(n: Node | undefined, ...ops: string[]): boolean {
  return !!n && isOnnx(n) && ops.includes(n.opType);
}

/** "'name'" for messages. */
export function q(name: string): string {
  return `'${name}'`;
}

export function dimsText(dims: readonly SymDim[] | undefined): string {
  return dims ? `[${dims.map((d) => (d === null ? '?' : String(d))).join(',')}]` : '[?]';
}

export function typeText(t: TypeFact | undefined): string {
  if (!t) return '?';
  let s = `${t.elemType ? dtypeName(t.elemType) : '?'}${t.shape ? dimsText(t.shape) : ''}`;
  for (const w of [...(t.wrap ?? [])].reverse()) s = `${w}(${s})`;
  return s;
}

/** A plain tensor type (no sequence/optional wrapper). */
export function tensorType(t: TypeFact | undefined): TypeFact | undefined {
  return t && !t.wrap ? t : undefined;
}

/** A list of names for a message, cut after `max`. */
export function nameList(names: readonly string[], max = 4): string {
  const shown = names.slice(0, max).map(q).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

/** The value is listed in any graph's outputs (a subgraph may return an outer value). */
export function isAnyGraphOutput(v: Value): boolean {
  return v.infos.some((i) => i.role === 'output');
}

/** The value is an input of the graph that owns it (initializers listed as inputs count). */
export function isOwnGraphInput(v: Value): boolean {
  return v.isGraphInput;
}

/** The value's defining place exists: a producer, an initializer, a graph input, in its own scope. */
export function isDefined(v: Value): boolean {
  return !!v.producer || !!v.initializer || !!v.sparseInitializer || v.isGraphInput;
}

/** Float formatting for messages (1e-5, 0.0001). */
export function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  const r = Number(x.toPrecision(6));
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? r.toExponential() : String(r);
}

/** Graphs a node's value reaches downstream within `depth` node hops (forward, iterative). */
export function reachesGraphOutput(n: Node, depth: number): boolean {
  let frontier: Node[] = [n];
  const seen = new Set<Node>(frontier);
  for (let d = 0; d <= depth && frontier.length; d++) {
    const next: Node[] = [];
    for (const m of frontier) {
      for (const o of m.outputs) {
        if (!o) continue;
        if (isAnyGraphOutput(o)) return true;
        if (d === depth) continue;
        for (const u of o.uses) {
          if (!seen.has(u.node)) {
            seen.add(u.node);
            next.push(u.node);
          }
        }
      }
    }
    frontier = next;
  }
  return false;
}

/** The graph that owns a value's definition (for the Diagnostic.graph of tensor findings). */
export function graphOf(v: Value): Graph {
  return v.graph;
}
