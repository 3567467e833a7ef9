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
