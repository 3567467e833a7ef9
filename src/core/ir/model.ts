/**
 * The in-memory model: Model, Graph, Node, Value, Tensor, Attribute.
 *
 * Every IR object keeps the protobuf message it was decoded from (`proto`) so that fields the IR does not
 * model (doc strings, metadata, device configurations, unknown fields) and field presence survive a round
 * trip byte for byte. The IR owns the links: which Value a node reads and writes, who produces a Value and
 * who uses it. Links change only through the functions in `./edit.ts`, which keep `producer` and `uses`
 * consistent (onnx-graphsurgeon's SynchronizedList, onnx_ir's Value.uses()).
 */
import type { onnx, Int64 } from '../codec/pb';
import { checkedElementCount, dtypeName } from './dtype';

export type GraphKind = 'main' | 'subgraph' | 'function';

/** One place a Value is read: input `index` of `node`. */
export interface Use {
  node: Node;
  index: number;
}

/** An entry of graph.input / graph.output / graph.value_info: the value it names plus the rest of its proto. */
export interface ValueInfo {
  value: Value;
  /** Which list of which graph the entry belongs to. */
  graph: Graph;
  role: 'input' | 'output' | 'valueInfo';
  /** The decoded ValueInfoProto (type, doc string, metadata); undefined for function inputs/outputs (names only). */
  proto: onnx.ValueInfoProto | undefined;
}

let nextId = 1;
function newId(): number {
  return nextId++;
}

export class Value {
  readonly id = newId();
  producer: Node | undefined = undefined;
  /** Which output of the producer this is. */
  producerIndex = -1;
  readonly uses: Use[] = [];
  /** Entries in inputs/outputs/valueInfo that name this value, in the order they were added. */
  readonly infos: ValueInfo[] = [];
  initializer: Tensor | undefined = undefined;
  sparseInitializer: onnx.SparseTensorProto | undefined = undefined;

  constructor(
    public name: string,
    public graph: Graph,
  ) {}

  /** The declared type, from the first graph input/output/value_info entry that has one. */
  get type(): onnx.TypeProto.$Properties | undefined {
    for (const info of this.infos) {
      const t = info.proto?.type;
      if (t) return t;
    }
    return undefined;
  }

  /** An input of the graph that owns the value. */
  get isGraphInput(): boolean {
    return this.infos.some((i) => i.role === 'input' && i.graph === this.graph);
  }

  /** An output of the graph that owns the value (a subgraph may also return an outer value: see `infos`). */
  get isGraphOutput(): boolean {
    return this.infos.some((i) => i.role === 'output' && i.graph === this.graph);
  }

  /** A constant: an initializer that is not also a graph input (which would make it overridable). */
  get isConstant(): boolean {
    return this.initializer !== undefined && !this.isGraphInput;
  }
}

export class Tensor {
  readonly id = newId();
  /** For an initializer: the value it defines. */
  value: Value | undefined = undefined;
  constructor(public proto: onnx.TensorProto) {}

  get name(): string {
    return this.proto.name ?? '';
  }
  get dataType(): number {
    return this.proto.dataType ?? 0;
  }
  get dims(): Int64[] {
    return this.proto.dims ?? [];
  }
  /** Element count, or an error string when the dims are invalid (negative, not integers, overflow). */
  get elementCount(): number | string {
    return checkedElementCount(this.dims);
  }
  get isExternal(): boolean {
    return this.proto.dataLocation === 1;
  }
  describe(): string {
    return `${dtypeName(this.dataType)}[${this.dims.join(',')}]`;
  }
}

export class Attribute {
  /** Decoded subgraph(s) of GRAPH / GRAPHS attributes. */
  graph: Graph | undefined = undefined;
  graphs: Graph[] | undefined = undefined;
  /** TENSOR / TENSORS attributes. */
  tensor: Tensor | undefined = undefined;
  tensors: Tensor[] | undefined = undefined;

  constructor(public proto: onnx.AttributeProto) {}

  get name(): string {
    return this.proto.name ?? '';
  }
  /** AttributeProto.AttributeType (1 FLOAT, 2 INT, 3 STRING, 4 TENSOR, 5 GRAPH, 6 FLOATS, 7 INTS, ...). */
  get type(): number {
    return this.proto.type ?? 0;
  }
  get refAttrName(): string | undefined {
    return this.proto.refAttrName || undefined;
  }
}

export class Node {
  readonly id = newId();
  inputs: (Value | null)[] = [];
  outputs: (Value | null)[] = [];
  attributes: Attribute[] = [];

  constructor(
    public proto: onnx.NodeProto,
    public graph: Graph,
  ) {}

  get opType(): string {
    return this.proto.opType ?? '';
  }
  get domain(): string {
    return this.proto.domain ?? '';
  }
  get name(): string {
    return this.proto.name ?? '';
  }
  /** The node's name, or a stable stand-in for unnamed nodes ("Conv#12"). */
  get label(): string {
    return this.name || `${this.opType}#${this.id}`;
  }
  attr(name: string): Attribute | undefined {
    return this.attributes.find((a) => a.name === name);
  }
  /** Subgraphs held by this node's attributes (If branches, Loop/Scan bodies). */
  get subgraphs(): Graph[] {
    const out: Graph[] = [];
    for (const a of this.attributes) {
      if (a.graph) out.push(a.graph);
      if (a.graphs) out.push(...a.graphs);
    }
    return out;
  }
}

export class Graph {
  readonly id = newId();
  nodes: Node[] = [];
  inputs: ValueInfo[] = [];
  outputs: ValueInfo[] = [];
  valueInfo: ValueInfo[] = [];
  initializers: Tensor[] = [];
  sparseInitializers: onnx.SparseTensorProto[] = [];
  /** Every value defined or referenced in this graph's own scope, by name. */
  readonly values = new Map<string, Value>();
  /** For a subgraph: the node whose attribute holds it, and the attribute name. */
  ownerNode: Node | undefined = undefined;
  ownerAttribute: string | undefined = undefined;

  constructor(
    public kind: GraphKind,
    public model: Model,
    public parent: Graph | undefined,
    /** GraphProto for main graphs and subgraphs, FunctionProto for functions. */
    public proto: onnx.GraphProto | onnx.FunctionProto,
  ) {}

  get name(): string {
    return this.proto.name ?? '';
  }

  /** Looks a name up in this graph's scope, then in the enclosing graphs' (outer-scope references). */
  lookup(name: string): Value | undefined {
    for (let g: Graph | undefined = this; g; g = g.parent) {
      const v = g.values.get(name);
      if (v) return v;
    }
    return undefined;
  }

  /** Subgraphs nested in this graph's nodes, at any depth, without recursion. */
  descendants(): Graph[] {
    // Pre-order (a subgraph, then its own subgraphs, then its next sibling) with an explicit stack.
    const out: Graph[] = [];
    const stack: Graph[] = [];
    const pushChildren = (g: Graph) => {
      const kids = g.nodes.flatMap((n) => n.subgraphs);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    };
    pushChildren(this);
    while (stack.length) {
      const g = stack.pop()!;
      out.push(g);
      pushChildren(g);
    }
    return out;
  }

  /** "main", "main/If_3.then_branch", ... : where this graph sits, for messages and breadcrumbs. */
  get path(): string {
    const parts: string[] = [];
    for (let g: Graph | undefined = this; g; g = g.parent) {
      if (g.kind === 'function') parts.push(`function ${g.name}`);
      else if (g.ownerNode) parts.push(`${g.ownerNode.label}.${g.ownerAttribute}`);
      else parts.push('main');
    }
    return parts.reverse().join('/');
  }
}

export interface OpsetImport {
  domain: string;
  version: number;
}

/** Something wrong with one tensor or value that does not stop the model from opening. */
export interface ModelProblem {
  /**
   * invalid-dims: a dim is negative, not an integer, or the product overflows; raw-data-size: raw_data is not
   * dims x element size; data-size: the typed field (float_data, int64_data, ...) has the wrong number of
   * entries for the dims, or a string tensor uses raw_data; unknown-dtype: data_type is not 1-26.
   */
  code: 'invalid-dims' | 'raw-data-size' | 'data-size' | 'unknown-dtype';
  message: string;
  tensor: string;
  graph: string;
}

export class Model {
  graph!: Graph;
  /** Tensor-level problems found while decoding. */
  problems: ModelProblem[] = [];
  /** Local functions (FunctionProto), each as a graph of kind 'function'. */
  functions: Graph[] = [];
  /** Where the model was read from, for external data and messages. */
  path: string | undefined = undefined;

  constructor(public proto: onnx.ModelProto) {}

  get irVersion(): number | undefined {
    const v = this.proto.irVersion;
    return v === undefined || v === null ? undefined : Number(v);
  }

  get opsetImports(): OpsetImport[] {
    return (this.proto.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: Number(o.version ?? 0) }));
  }

  /** The imported version of a domain ('' and 'ai.onnx' are the same), or undefined. */
  opsetVersion(domain: string): number | undefined {
    const d = domain === 'ai.onnx' ? '' : domain;
    for (const o of this.opsetImports) {
      if ((o.domain === 'ai.onnx' ? '' : o.domain) === d) return o.version;
    }
    return undefined;
  }

  /** Every graph: main, subgraphs at any depth, functions and their subgraphs. */
  allGraphs(): Graph[] {
    const out: Graph[] = [];
    for (const root of [this.graph, ...this.functions]) {
      out.push(root, ...root.descendants());
    }
    return out;
  }

  *allNodes(): IterableIterator<Node> {
    for (const g of this.allGraphs()) yield* g.nodes;
  }

  findFunction(domain: string, name: string, overload = ''): Graph | undefined {
    return this.functions.find(
      (f) =>
        (f.proto as onnx.FunctionProto).name === name &&
        ((f.proto as onnx.FunctionProto).domain ?? '') === domain &&
        ((f.proto as onnx.FunctionProto).overload ?? '') === overload,
    );
  }
}
