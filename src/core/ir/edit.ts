/**
 * The only functions that change links between nodes and values. Each keeps `producer` and `uses`
 * consistent, and the ones that can fail validate everything before they mutate anything
 * (onnx-graphsurgeon's SynchronizedList, onnx_ir's Value.uses()).
 */
import type { onnx } from '../codec/pb';
import { Attribute, type Graph, Node, Tensor, Value, type ValueInfo } from './model';

export class EditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EditError';
  }
}

function dropUse(v: Value, node: Node, index: number): void {
  const i = v.uses.findIndex((u) => u.node === node && u.index === index);
  if (i >= 0) v.uses.splice(i, 1);
}

/** Points input `index` of `node` at `value` (null: the optional input is absent). */
export function setInput(node: Node, index: number, value: Value | null): void {
  if (index < 0 || index > node.inputs.length) {
    throw new EditError(`${node.label} has ${node.inputs.length} inputs; cannot set input ${index}`);
  }
  const old = node.inputs[index];
  if (old === value) return;
  if (old) dropUse(old, node, index);
  node.inputs[index] = value;
  if (value) value.uses.push({ node, index });
}

/** Appends an input to a node. */
export function appendInput(node: Node, value: Value | null): void {
  node.inputs.push(null);
  setInput(node, node.inputs.length - 1, value);
}

/** Removes trailing absent inputs (ONNX allows omitting them). */
export function trimInputs(node: Node): void {
  while (node.inputs.length && node.inputs[node.inputs.length - 1] === null) node.inputs.pop();
}

/**
 * Moves every use of `old` (node inputs, including nodes in subgraphs that read it from the outer scope) to
 * `replacement`. Graph outputs keep naming `old` unless `graphOutputs` is set, because an output's name is
 * part of the model's interface.
 */
export function replaceAllUsesWith(old: Value, replacement: Value, options: { graphOutputs?: boolean } = {}): void {
  if (old === replacement) return;
  for (const u of [...old.uses]) setInput(u.node, u.index, replacement);
  if (options.graphOutputs) {
    for (const info of [...old.infos]) {
      if (info.role !== 'output') continue;
      info.value = replacement;
      old.infos.splice(old.infos.indexOf(info), 1);
      replacement.infos.push(info);
    }
  }
}

/** A name not yet used in the graph's scope, its enclosing scopes or its subgraphs. */
export function uniqueName(graph: Graph, base: string): string {
  const taken = (n: string) => {
    if (graph.lookup(n)) return true;
    for (const g of graph.descendants()) if (g.values.has(n)) return true;
    return false;
  };
  if (!taken(base)) return base;
  for (let i = 1; ; i++) {
    const n = `${base}_${i}`;
    if (!taken(n)) return n;
  }
}

/** Creates a value in `graph` with no producer (the caller links it). The name must be free. */
export function createValue(graph: Graph, name: string): Value {
  if (graph.values.has(name)) throw new EditError(`a value named '${name}' already exists in ${graph.path}`);
  const v = new Value(name, graph);
  graph.values.set(name, v);
  return v;
}

export interface NewNode {
  opType: string;
  domain?: string;
  name?: string;
  inputs: (Value | null)[];
  /** Names for the outputs (made unique) or existing producer-less values to produce. */
  outputs: (string | Value)[];
  attributes?: onnx.AttributeProto.$Properties[];
}

/** Creates a node, inserts it at `position` (default: the end) and links its inputs and outputs. */
export function insertNode(graph: Graph, spec: NewNode, position = graph.nodes.length): Node {
  for (const o of spec.outputs) {
    if (o instanceof Value && o.producer) {
      throw new EditError(`value '${o.name}' already has a producer (${o.producer.label})`);
    }
  }
  const proto = { opType: spec.opType } as onnx.NodeProto;
  if (spec.domain) proto.domain = spec.domain;
  if (spec.name) proto.name = spec.name;
  const node = new Node(proto, graph);
  node.attributes = (spec.attributes ?? []).map((a) => new Attribute(a as onnx.AttributeProto));
  node.outputs = spec.outputs.map((o, i) => {
    const v = o instanceof Value ? o : createValue(graph, uniqueName(graph, o));
    v.producer = node;
    v.producerIndex = i;
    return v;
  });
  spec.inputs.forEach((v) => appendInput(node, v));
  graph.nodes.splice(position, 0, node);
  return node;
}

/** Forgets a value that nothing refers to any more. */
function forgetIfOrphan(v: Value): void {
  if (v.producer || v.uses.length || v.infos.length || v.initializer || v.sparseInitializer) return;
  if (v.graph.values.get(v.name) === v) v.graph.values.delete(v.name);
}

/**
 * Removes nodes. Refuses (changing nothing) when an output of a removed node is still read by a node that
 * stays, or is a graph output, unless `allowDangling` is set.
 */
export function removeNodes(graph: Graph, nodes: Iterable<Node>, options: { allowDangling?: boolean } = {}): void {
  const doomed = new Set(nodes);
  for (const n of doomed) {
    if (n.graph !== graph) throw new EditError(`${n.label} is not in ${graph.path}`);
  }
  if (!options.allowDangling) {
    for (const n of doomed) {
      for (const v of n.outputs) {
        if (!v) continue;
        const reader = v.uses.find((u) => !doomed.has(u.node) && !isInside(u.node, doomed));
        if (reader) throw new EditError(`cannot remove ${n.label}: its output '${v.name}' is read by ${reader.node.label}`);
        if (v.infos.some((i) => i.role === 'output')) {
          throw new EditError(`cannot remove ${n.label}: its output '${v.name}' is a graph output`);
        }
      }
    }
  }
  for (const n of doomed) {
    n.inputs.forEach((v, i) => {
      if (v) {
        dropUse(v, n, i);
        forgetIfOrphan(v);
      }
    });
    for (const sg of n.subgraphs) unlinkOuterUses(sg);
    for (const v of n.outputs) {
      if (!v) continue;
      v.producer = undefined;
      v.producerIndex = -1;
      forgetIfOrphan(v);
    }
  }
  graph.nodes = graph.nodes.filter((n) => !doomed.has(n));
}

/** True when `node` sits in a subgraph of one of `nodes`. */
function isInside(node: Node, nodes: Set<Node>): boolean {
  for (let g: Graph | undefined = node.graph; g; g = g.parent) {
    if (g.ownerNode && nodes.has(g.ownerNode)) return true;
  }
  return false;
}

/** A removed subgraph no longer reads outer values: drop those uses. */
function unlinkOuterUses(sg: Graph): void {
  for (const g of [sg, ...sg.descendants()]) {
    for (const n of g.nodes) {
      n.inputs.forEach((v, i) => {
        if (v && v.graph !== g && !isAncestorOrSelf(sg, v.graph)) dropUse(v, n, i);
      });
    }
  }
}

function isAncestorOrSelf(root: Graph, g: Graph): boolean {
  for (let x: Graph | undefined = g; x; x = x.parent) if (x === root) return true;
  return false;
}

/**
 * Renames a value everywhere: node inputs and outputs (subgraphs included, since they hold the Value),
 * graph inputs/outputs/value_info entries, and the initializer's tensor name.
 */
export function renameValue(v: Value, newName: string): void {
  if (v.name === newName) return;
  if (newName === '') throw new EditError('a value name cannot be empty: ONNX uses "" for an absent optional input');
  const clash = v.graph.lookup(newName) ?? v.graph.descendants().find((g) => g.values.has(newName))?.values.get(newName);
  if (clash) throw new EditError(`cannot rename '${v.name}' to '${newName}': that name is already used in ${clash.graph.path}`);
  v.graph.values.delete(v.name);
  v.name = newName;
  v.graph.values.set(newName, v);
  if (v.initializer) v.initializer.proto.name = newName;
  if (v.sparseInitializer?.values) v.sparseInitializer.values.name = newName;
}

/** Adds an initializer (a constant tensor) as a new value. */
export function addInitializer(graph: Graph, name: string, proto: onnx.TensorProto): Value {
  const v = createValue(graph, uniqueName(graph, name));
  proto.name = v.name;
  const t = new Tensor(proto);
  t.value = v;
  v.initializer = t;
  graph.initializers.push(t);
  return v;
}

/** Removes an initializer; refuses while something still reads it. */
export function removeInitializer(v: Value): void {
  if (!v.initializer) throw new EditError(`'${v.name}' is not an initializer`);
  if (v.uses.length) throw new EditError(`cannot remove initializer '${v.name}': ${v.uses[0].node.label} reads it`);
  const g = v.graph;
  g.initializers = g.initializers.filter((t) => t !== v.initializer);
  v.initializer = undefined;
  // An initializer that was also listed as a graph input stays a graph input.
  forgetIfOrphan(v);
}

/** Makes `v` an output of `graph` (the debugging trick of exposing an intermediate tensor). */
export function addGraphOutput(graph: Graph, v: Value, type?: onnx.TypeProto.$Properties): ValueInfo {
  if (graph.outputs.some((o) => o.value === v)) throw new EditError(`'${v.name}' is already an output of ${graph.path}`);
  const proto = { name: v.name } as onnx.ValueInfoProto;
  const t = type ?? v.type;
  if (t) proto.type = t as onnx.TypeProto;
  const info: ValueInfo = { value: v, graph, role: 'output', proto };
  graph.outputs.push(info);
  v.infos.push(info);
  return info;
}

export function removeGraphOutput(graph: Graph, index: number): void {
  const info = graph.outputs[index];
  if (!info) throw new EditError(`${graph.path} has ${graph.outputs.length} outputs; no output ${index}`);
  graph.outputs.splice(index, 1);
  info.value.infos.splice(info.value.infos.indexOf(info), 1);
  forgetIfOrphan(info.value);
}

/** Removes a graph input that nothing reads. */
export function removeGraphInput(graph: Graph, index: number): void {
  const info = graph.inputs[index];
  if (!info) throw new EditError(`${graph.path} has ${graph.inputs.length} inputs; no input ${index}`);
  if (info.value.uses.length && !info.value.initializer) {
    throw new EditError(`cannot remove input '${info.value.name}': ${info.value.uses[0].node.label} reads it`);
  }
  graph.inputs.splice(index, 1);
  info.value.infos.splice(info.value.infos.indexOf(info), 1);
  forgetIfOrphan(info.value);
}

/**
 * Gives a value with no producer (a value that had one whose node was removed, e.g. a graph output) a constant:
 * an initializer holding `proto`, which is renamed to the value's name. Refuses a value that still has a producer,
 * already has an initializer, or is a graph input (an initializer there would be an overridable default, not a
 * constant).
 */
export function attachInitializer(v: Value, proto: onnx.TensorProto): Tensor {
  if (v.producer) throw new EditError(`cannot make '${v.name}' a constant: ${v.producer.label} produces it`);
  if (v.initializer) throw new EditError(`'${v.name}' already has an initializer`);
  if (v.isGraphInput) throw new EditError(`'${v.name}' is a graph input; an initializer would only be its default value`);
  proto.name = v.name;
  const t = new Tensor(proto);
  t.value = v;
  v.initializer = t;
  v.graph.initializers.push(t);
  if (v.graph.values.get(v.name) !== v) v.graph.values.set(v.name, v);
  return t;
}

/** Removes several initializers at once (linear in the graph's initializers); refuses, changing nothing, while any is read. */
export function removeInitializers(values: Iterable<Value>): void {
  const list = [...new Set(values)];
  for (const v of list) {
    if (!v.initializer) throw new EditError(`'${v.name}' is not an initializer`);
    if (v.uses.length) throw new EditError(`cannot remove initializer '${v.name}': ${v.uses[0].node.label} reads it`);
  }
  const byGraph = new Map<Graph, Set<Tensor>>();
  for (const v of list) {
    let s = byGraph.get(v.graph);
    if (!s) byGraph.set(v.graph, (s = new Set()));
    s.add(v.initializer!);
  }
  for (const [g, doomed] of byGraph) g.initializers = g.initializers.filter((t) => !doomed.has(t));
  for (const v of list) {
    v.initializer = undefined;
    forgetIfOrphan(v);
  }
}

/**
 * `target` takes `source`'s place: the node producing `source` now produces `target` in the same slot, and every
 * reader of `source` reads `target`. `source` (and its value_info entries) is forgotten. This is how a pass keeps
 * a graph output's name when it removes the node that produced it (Identity(x) -> out becomes producer(x) -> out).
 * Refuses, changing nothing, unless `target` has no producer and no initializer, is no graph input, lives in the
 * same graph as `source`, and `source` has a producer and is neither a graph input, a graph output nor a constant.
 */
export function adoptValue(target: Value, source: Value): void {
  if (target === source) return;
  const why =
    target.producer ? `'${target.name}' already has a producer (${target.producer.label})`
    : target.initializer ? `'${target.name}' is an initializer`
    : target.infos.some((i) => i.role === 'input') ? `'${target.name}' is a graph input`
    : target.graph !== source.graph ? `'${target.name}' and '${source.name}' live in different graphs`
    : !source.producer ? `'${source.name}' has no producer`
    : source.initializer || source.sparseInitializer ? `'${source.name}' is a constant`
    : source.infos.some((i) => i.role === 'input' || i.role === 'output') ? `'${source.name}' is itself a graph input or output`
    : undefined;
  if (why) throw new EditError(`cannot let '${target.name}' take the place of '${source.name}': ${why}`);
  const node = source.producer!;
  const slot = source.producerIndex;
  for (const u of [...source.uses]) setInput(u.node, u.index, target);
  node.outputs[slot] = target;
  target.producer = node;
  target.producerIndex = slot;
  source.producer = undefined;
  source.producerIndex = -1;
  const vis = source.infos.filter((i) => i.role === 'valueInfo');
  for (const info of vis) {
    info.graph.valueInfo.splice(info.graph.valueInfo.indexOf(info), 1);
    source.infos.splice(source.infos.indexOf(info), 1);
  }
  forgetIfOrphan(source);
}

/** Drops value_info entries (never graph inputs or outputs); values nothing else refers to are forgotten. */
export function removeValueInfos(entries: Iterable<ValueInfo>): void {
  const list = [...new Set(entries)];
  for (const e of list) {
    if (e.role !== 'valueInfo') throw new EditError(`'${e.value.name}' is a graph ${e.role}, not a value_info entry`);
  }
  const byGraph = new Map<Graph, Set<ValueInfo>>();
  for (const e of list) {
    let s = byGraph.get(e.graph);
    if (!s) byGraph.set(e.graph, (s = new Set()));
    s.add(e);
  }
  for (const [g, doomed] of byGraph) g.valueInfo = g.valueInfo.filter((e) => !doomed.has(e));
  for (const e of list) {
    const i = e.value.infos.indexOf(e);
    if (i >= 0) e.value.infos.splice(i, 1);
    forgetIfOrphan(e.value);
  }
}

/**
 * Replaces `node` (an If, typically) by the contents of one of its subgraphs: the subgraph's nodes, initializers and
 * value_info move into the node's graph at the node's place (values renamed where a name is taken there), and each
 * output of `node` is replaced by the matching output of the subgraph. Returns the values that now stand for the
 * node's outputs. A graph output of the enclosing graph keeps its name: the subgraph's value takes it over when it
 * can (adoptValue), otherwise an Identity writes it. Refuses a subgraph with formal inputs (a Loop/Scan body) or
 * whose output count differs from the node's.
 */
export function inlineSubgraph(node: Node, sg: Graph): Value[] {
  const parent = node.graph;
  if (!node.subgraphs.includes(sg)) throw new EditError(`${sg.path} is not a subgraph of ${node.label}`);
  if (sg.inputs.length) throw new EditError(`${sg.path} takes ${sg.inputs.length} inputs; only a subgraph without inputs (an If branch) can be inlined`);
  if (sg.outputs.length !== node.outputs.length) {
    throw new EditError(`${sg.path} has ${sg.outputs.length} outputs but ${node.label} has ${node.outputs.length}`);
  }
  const at = parent.nodes.indexOf(node);
  if (at < 0) throw new EditError(`${node.label} is not in ${parent.path}`);
  const results = sg.outputs.map((o) => o.value);
  // Detach the subgraph's output entries (the values stay).
  for (const o of sg.outputs) o.value.infos.splice(o.value.infos.indexOf(o), 1);
  sg.outputs = [];
  // Move the values defined in the subgraph's own scope.
  const taken = (n: string): boolean => {
    if (parent.lookup(n)) return true;
    for (const g of parent.descendants()) if (g !== sg && !isAncestorOrSelf(sg, g) && g.values.has(n)) return true;
    return false;
  };
  for (const v of [...sg.values.values()]) {
    if (v.graph !== sg) continue;
    let name = v.name;
    if (taken(name)) {
      let i = 1;
      while (taken(`${v.name}_${i}`) || sg.values.has(`${v.name}_${i}`)) i++;
      name = `${v.name}_${i}`;
    }
    sg.values.delete(v.name);
    v.name = name;
    v.graph = parent;
    parent.values.set(name, v);
    if (v.initializer) v.initializer.proto.name = name;
  }
  for (const t of sg.initializers) parent.initializers.push(t);
  sg.initializers = [];
  for (const e of sg.valueInfo) {
    e.graph = parent;
    parent.valueInfo.push(e);
  }
  sg.valueInfo = [];
  const moved = sg.nodes;
  sg.nodes = [];
  for (const n of moved) {
    n.graph = parent;
    for (const inner of n.subgraphs) inner.parent = parent;
  }
  parent.nodes.splice(at, 0, ...moved);
  // Point the node's readers at the subgraph's results, then drop the node (and its other subgraphs).
  const out: Value[] = results.slice();
  const named: number[] = [];
  node.outputs.forEach((o, i) => {
    if (!o) return;
    for (const u of [...o.uses]) setInput(u.node, u.index, results[i]);
    if (o.infos.some((x) => x.role === 'output')) named.push(i);
  });
  removeNodes(parent, [node], { allowDangling: true });
  let after = at + moved.length;
  for (const i of named) {
    const o = node.outputs[i]!;
    // A result adopted by an earlier output is now that output.
    const r = out[i];
    const canAdopt =
      r.graph === parent && r.producer && !r.initializer && !r.infos.some((x) => x.role === 'input' || x.role === 'output');
    if (canAdopt) adoptValue(o, r);
    else insertNode(parent, { opType: 'Identity', inputs: [r], outputs: [o] }, after++);
    for (let j = 0; j < out.length; j++) if (out[j] === r && (canAdopt || j === i)) out[j] = o;
  }
  return out;
}
