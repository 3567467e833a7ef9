/**
 * Helpers the passes share: finding nodes and values by what a user types, reading constants, replacing a
 * removed node's output by another value (keeping graph output names), and removing what nothing needs.
 * Links change only through ../../ir/edit.ts.
 */
import type { Graph, Model, Node, Value, ValueInfo } from '../../ir/model';
import type { HostTensor } from '../../ir/hosttensor';
import { DataType } from '../../ir/dtype';
import { adoptValue, removeInitializers, removeNodes, removeValueInfos, replaceAllUsesWith } from '../../ir/edit';
import { tensorProtoToHost } from '../../codec/tensordata';
import { normalizeDomain } from '../../schema/index';
import { PassError } from '../types';

/** The imported version of a domain ('' = ai.onnx), 0 when none. */
export function opsetOf(model: Model, domain = ''): number {
  return model.opsetVersion(normalizeDomain(domain)) ?? 0;
}

/** Graphs a pass may rewrite: the main graph and every subgraph (not function bodies), outer before inner. */
export function editableGraphs(model: Model): Graph[] {
  return [model.graph, ...model.graph.descendants()];
}

/** Is `v` listed among the outputs of some graph (its own graph's, or a subgraph returning an outer value)? */
export function isAnyGraphOutput(v: Value): boolean {
  return v.infos.some((i) => i.role === 'output');
}

/** A constant whose data is inline (not external data), or undefined. */
export function isInlineConstant(v: Value | null | undefined): boolean {
  return !!v && v.isConstant && !v.initializer!.isExternal;
}

/** The data of an inline constant (views into the model's buffer: never mutate). */
export function constantData(v: Value): HostTensor | undefined {
  if (!isInlineConstant(v)) return undefined;
  try {
    const h = tensorProtoToHost(v.initializer!.proto);
    return { ...h, name: v.name };
  } catch {
    return undefined;
  }
}

/** The elements of a small integer constant, or undefined. */
export function constantInts(v: Value | null | undefined): number[] | undefined {
  if (!v) return undefined;
  const h = constantData(v);
  if (!h || (h.dtype !== DataType.INT64 && h.dtype !== DataType.INT32)) return undefined;
  const dv = new DataView(h.data.buffer, h.data.byteOffset, h.data.byteLength);
  const n = h.dtype === DataType.INT64 ? h.data.byteLength / 8 : h.data.byteLength / 4;
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(h.dtype === DataType.INT64 ? Number(dv.getBigInt64(i * 8, true)) : dv.getInt32(i * 4, true));
  return out;
}

/** The elements of a float constant as numbers, or undefined. */
export function constantFloats(v: Value | null | undefined): Float64Array | undefined {
  if (!v) return undefined;
  const h = constantData(v);
  if (!h || (h.dtype !== DataType.FLOAT && h.dtype !== DataType.DOUBLE)) return undefined;
  const dv = new DataView(h.data.buffer, h.data.byteOffset, h.data.byteLength);
  const size = h.dtype === DataType.FLOAT ? 4 : 8;
  const out = new Float64Array(h.data.byteLength / size);
  for (let i = 0; i < out.length; i++) out[i] = size === 4 ? dv.getFloat32(i * 4, true) : dv.getFloat64(i * 8, true);
  return out;
}

/** Whether `r` can take the place of `o` as a graph output (o's producer removed first). */
export function canAdopt(o: Value, r: Value): boolean {
  return (
    r.graph === o.graph &&
    !!r.producer &&
    !r.initializer &&
    !r.sparseInitializer &&
    !r.infos.some((i) => i.role === 'input' || i.role === 'output') &&
    !o.initializer &&
    !o.infos.some((i) => i.role === 'input')
  );
}

/**
 * Whether removing `node` and letting `r` stand for its output `o` keeps the model's interface: always when `o`
 * is no graph output; otherwise only when `r` can take over `o`'s name (it has a producer other than `node`, in
 * the same graph, and is not itself a graph input, output or constant).
 */
export function canReplaceOutput(node: Node, o: Value, r: Value): boolean {
  if (!isAnyGraphOutput(o)) return true;
  return canAdopt(o, r) && r.producer !== node;
}

/**
 * Removes `node` (one output `o` in use) and lets `r` stand for `o`: readers of `o` read `r`, and a graph output
 * named `o` keeps its name (r's producer now writes it). Call canReplaceOutput first.
 */
export function removeNodeReplacing(node: Node, o: Value, r: Value): void {
  if (!canReplaceOutput(node, o, r)) {
    throw new PassError(`cannot remove ${node.label}: its output '${o.name}' is a graph output that '${r.name}' cannot take over`);
  }
  const named = isAnyGraphOutput(o);
  replaceAllUsesWith(o, r);
  removeNodes(node.graph, [node], { allowDangling: true });
  if (named) adoptValue(o, r);
}

/** What `removeUnused` removed. */
export interface UnusedStats {
  nodes: number;
  initializers: number;
  valueInfos: number;
}

/** Nodes of these domains are kept even when nothing reads them (they might act on the world). */
const KEEP_DEAD_DOMAINS = new Set<string>();

/**
 * Removes nodes whose outputs nothing reads (transitively, subgraphs included), initializers nothing reads, and
 * value_info entries of values that no longer exist. Graph inputs and outputs are never touched. Linear time.
 */
export function removeUnused(model: Model, graphs: Graph[] = editableGraphs(model)): UnusedStats {
  const stats: UnusedStats = { nodes: 0, initializers: 0, valueInfos: 0 };
  const inScope = new Set(graphs);
  const remaining = new Map<Value, number>();
  const dead = new Set<Node>();
  const rem = (v: Value) => remaining.get(v) ?? v.uses.length;
  const isDead = (n: Node): boolean => {
    if (!inScope.has(n.graph) || KEEP_DEAD_DOMAINS.has(n.domain)) return false;
    if (n.outputs.length === 0 || n.outputs.every((o) => !o)) return false;
    for (const o of n.outputs) if (o && (rem(o) > 0 || isAnyGraphOutput(o))) return false;
    return true;
  };
  const work: Node[] = [];
  for (const g of graphs) for (const n of g.nodes) if (isDead(n)) work.push(n);
  while (work.length) {
    const n = work.pop()!;
    if (dead.has(n) || !isDead(n)) continue;
    dead.add(n);
    const reads: Value[] = [];
    for (const v of n.inputs) if (v) reads.push(v);
    for (const sg of n.subgraphs) {
      for (const g of [sg, ...sg.descendants()]) for (const m of g.nodes) for (const v of m.inputs) if (v) reads.push(v);
    }
    for (const v of reads) {
      remaining.set(v, rem(v) - 1);
      if (rem(v) <= 0 && v.producer && !dead.has(v.producer)) work.push(v.producer);
    }
  }
  if (dead.size) {
    const byGraph = new Map<Graph, Node[]>();
    for (const n of dead) {
      // Nodes inside a dead node's subgraph go with it.
      let inside = false;
      for (let g: Graph | undefined = n.graph; g && !inside; g = g.parent) if (g.ownerNode && dead.has(g.ownerNode)) inside = true;
      if (inside) continue;
      const list = byGraph.get(n.graph) ?? [];
      list.push(n);
      byGraph.set(n.graph, list);
      stats.nodes += 1 + n.subgraphs.reduce((s, sg) => s + [sg, ...sg.descendants()].reduce((t, g) => t + g.nodes.length, 0), 0);
    }
    for (const [g, list] of byGraph) removeNodes(g, list, { allowDangling: true });
  }
  const live = new Set(editableGraphs(model));
  const unusedInits: Value[] = [];
  for (const g of graphs) {
    if (!live.has(g)) continue;
    for (const t of g.initializers) {
      const v = t.value;
      if (v && v.uses.length === 0 && !v.infos.some((i) => i.role === 'input' || i.role === 'output')) unusedInits.push(v);
    }
  }
  if (unusedInits.length) {
    removeInitializers(unusedInits);
    stats.initializers = unusedInits.length;
  }
  const staleInfos: ValueInfo[] = [];
  for (const g of graphs) {
    if (!live.has(g)) continue;
    for (const e of g.valueInfo) {
      const v = e.value;
      const exists = v.producer || v.initializer || v.sparseInitializer || v.infos.some((i) => i.role === 'input');
      if (!exists) staleInfos.push(e);
    }
  }
  if (staleInfos.length) {
    removeValueInfos(staleInfos);
    stats.valueInfos = staleInfos.length;
  }
  return stats;
}

// ---------------------------------------------------------------------------------------------------------------
// Finding things by what a user typed

/**
 * How a UI or the CLI names a node so that `findNode` finds it again in a fresh copy of the model: its name when
 * that is unique, else `#<index>` in the main graph or `<graph path>#<index>` in a subgraph.
 */
export function nodeRef(node: Node): string {
  const model = node.graph.model;
  if (node.name) {
    let n = 0;
    for (const m of model.allNodes()) if (m.name === node.name) n++;
    if (n === 1) return node.name;
  }
  const i = node.graph.nodes.indexOf(node);
  return node.graph === model.graph ? `#${i}` : `${node.graph.path}#${i}`;
}

/** Finds a node by name (unique across the model) or by `#index` / `<graph path>#index` (see nodeRef). */
export function findNode(model: Model, ref: string): Node {
  const m = /^(.*)#(\d+)$/.exec(ref);
  if (m && (m[1] === '' || m[1] === 'main' || model.allGraphs().some((g) => g.path === m[1]))) {
    const g = m[1] === '' || m[1] === 'main' ? model.graph : model.allGraphs().find((x) => x.path === m[1])!;
    const n = g.nodes[Number(m[2])];
    if (n) return n;
    throw new PassError(`node ${ref} does not exist: ${g.path} has ${g.nodes.length} nodes (#0 to #${g.nodes.length - 1})`);
  }
  const found: Node[] = [];
  for (const n of model.allNodes()) if (n.name === ref) found.push(n);
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    throw new PassError(
      `${found.length} nodes are named '${ref}' (${found.map((n) => `${n.graph.path}#${n.graph.nodes.indexOf(n)}`).join(', ')}); name one by its index, e.g. '${nodeRef(found[0]) === ref ? '#0' : `${found[0].graph === model.graph ? '' : found[0].graph.path}#${found[0].graph.nodes.indexOf(found[0])}`}'`,
    );
  }
  const near = [...model.allNodes()].map((n) => n.name).filter((n) => n && n.toLowerCase().includes(ref.toLowerCase())).slice(0, 5);
  throw new PassError(`no node is named '${ref}'${near.length ? `; similar names: ${near.map((n) => `'${n}'`).join(', ')}` : ''}; name a node by its name or as #index`);
}

/** Finds a value (tensor) by name: the main graph's scope first, then subgraphs and functions. */
export function findValue(model: Model, name: string): Value {
  const v = model.graph.values.get(name) ?? model.allGraphs().map((g) => g.values.get(name)).find((x) => x);
  if (v && (v.producer || v.initializer || v.sparseInitializer || v.infos.length || v.uses.length)) return v;
  const near = [...model.graph.values.keys()].filter((n) => n.toLowerCase().includes(name.toLowerCase())).slice(0, 5);
  throw new PassError(`no tensor is named '${name}'${near.length ? `; similar names: ${near.map((n) => `'${n}'`).join(', ')}` : ''}`);
}

/** The graph input named `name` of the main graph. */
export function findGraphInput(model: Model, name: string): ValueInfo {
  const info = model.graph.inputs.find((i) => i.value.name === name);
  if (info) return info;
  const real = model.graph.inputs.filter((i) => !i.value.initializer).map((i) => `'${i.value.name}'`);
  throw new PassError(`the model has no input named '${name}'; its inputs are ${real.join(', ') || '(none)'}`);
}

/** Nodes in order, skipping nodes inside subgraphs: for messages. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/**
 * Removes, walking upstream from `values`, what nothing reads any more: nodes all of whose outputs are unread
 * (and no graph output), initializers nobody reads, and the value_info of what went. Only what was reachable
 * from `values` is touched (unrelated dead code stays). Returns how many nodes and initializers went.
 */
export function pruneUpstream(values: Iterable<Value | null | undefined>): { nodes: number; initializers: number } {
  const stats = { nodes: 0, initializers: 0 };
  const stack: Value[] = [];
  for (const v of values) if (v) stack.push(v);
  const gone: Value[] = [];
  while (stack.length) {
    const v = stack.pop()!;
    if (v.uses.length || isAnyGraphOutput(v)) continue;
    const p = v.producer;
    if (p) {
      if (!p.graph.nodes.includes(p)) continue;
      if (p.outputs.some((o) => o && (o.uses.length || isAnyGraphOutput(o)))) continue;
      const reads: Value[] = [];
      for (const x of p.inputs) if (x) reads.push(x);
      for (const sg of p.subgraphs) for (const g of [sg, ...sg.descendants()]) for (const m of g.nodes) for (const x of m.inputs) if (x) reads.push(x);
      removeNodes(p.graph, [p], { allowDangling: true });
      stats.nodes++;
      for (const o of p.outputs) if (o) gone.push(o);
      stack.push(...reads);
    } else if (v.initializer && !v.infos.some((i) => i.role === 'input')) {
      removeInitializers([v]);
      stats.initializers++;
      gone.push(v);
    }
  }
  const stale: ValueInfo[] = [];
  for (const v of gone) {
    if (v.producer || v.initializer) continue;
    for (const e of v.infos) if (e.role === 'valueInfo') stale.push(e);
  }
  if (stale.length) removeValueInfos(stale);
  return stats;
}

/** Every node that (transitively) reads an output of `start`, start included; a node reading from inside a subgraph brings its owner. */
export function downstreamNodes(start: Node): Set<Node> {
  const out = new Set<Node>([start]);
  const stack: Node[] = [start];
  while (stack.length) {
    const n = stack.pop()!;
    for (const o of n.outputs) {
      if (!o) continue;
      for (const u of o.uses) {
        // A reader inside a subgraph: the subgraph's owner (at the level of `start`'s graph or above) goes too.
        let r: Node | undefined = u.node;
        while (r && r.graph !== start.graph && r.graph.ownerNode) {
          if (!out.has(r)) out.add(r);
          r = r.graph.ownerNode;
        }
        if (r && !out.has(r)) {
          out.add(r);
          stack.push(r);
        }
      }
    }
  }
  return out;
}
