/**
 * The source map of a printed model: where each node, graph, function and name token sits in the text, and the
 * lookups an editor needs (hover, go to definition, references, outline, diagnostics).
 *
 * Positions are VS Code's: 0-based line, 0-based character in UTF-16 code units, ranges end-exclusive. Tokens
 * are kept in flat typed arrays in text order (a 200k-node model has about a million of them), so a lookup at a
 * position is a binary search; node and graph ranges nest like the text does (a subgraph's nodes lie inside the
 * node that holds it), so the innermost one at a position is found by a binary search and a walk up.
 */
import type { Attribute, Graph, Model, Node, Value } from '../ir/model';

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/**
 * Where a value name is written: a graph's or function's input or output list, an initializer or value_info
 * entry of a graph's `<...>` list, or a node's input or output list.
 */
export type ValueRole = 'input' | 'output' | 'initializer' | 'valueInfo' | 'nodeInput' | 'nodeOutput';

/** What is at a position of the text. */
export type TextHit =
  | { kind: 'value'; value: Value; role: ValueRole; range: Range; node?: Node; graph: Graph }
  /** The operator (`domain.Op:overload`) of a node; `function` when it calls a local function of the model. */
  | { kind: 'op'; node: Node; range: Range; function?: Graph }
  /** The `[name]` of a node. */
  | { kind: 'nodeName'; node: Node; range: Range }
  | { kind: 'attribute'; node: Node; attribute: Attribute; range: Range }
  /** The name of a graph (main or subgraph) or of a function. */
  | { kind: 'graph'; graph: Graph; range: Range };

export interface OutlineItem {
  kind: 'graph' | 'function' | 'node';
  /** Never empty: a node without a name goes by its outputs, then its operator. */
  name: string;
  /** The operator of a node; the op count of a graph or function. */
  detail: string;
  /** All of its text. */
  range: Range;
  /** The part to reveal and select: the graph or function name, the node's first line. */
  selectionRange: Range;
  target: Graph | Node;
  children: OutlineItem[];
}

/** A Diagnostic's anchor: a node, a tensor name in a graph, or just the graph. */
export interface TextAnchor {
  node?: Node;
  tensor?: string;
  graph?: Graph;
}

export enum TokenKind {
  Value = 0,
  Op = 1,
  NodeName = 2,
  Attribute = 3,
  GraphName = 4,
}

const ROLES: ValueRole[] = ['input', 'output', 'initializer', 'valueInfo', 'nodeInput', 'nodeOutput'];
export const ROLE_INDEX: Record<ValueRole, number> = {
  input: 0,
  output: 1,
  initializer: 2,
  valueInfo: 3,
  nodeInput: 4,
  nodeOutput: 5,
};

/** A growable Int32Array. */
class IntList {
  a = new Int32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  set(i: number, v: number): void {
    this.a[i] = v;
  }
}

/** Filled by the printer while it writes; read through TextMap. */
export class MapBuilder {
  // Tokens: start, end, kind, aux (ValueRole index or attribute index), target object.
  readonly tLine = new IntList();
  readonly tCol = new IntList();
  readonly tEndLine = new IntList();
  readonly tEndCol = new IntList();
  readonly tKind = new IntList();
  readonly tAux = new IntList();
  readonly tTarget: unknown[] = [];
  // Nodes, in text order (pre-order: a node, then the nodes of its subgraphs).
  readonly nodes: Node[] = [];
  readonly nLine = new IntList();
  readonly nCol = new IntList();
  readonly nEndLine = new IntList();
  readonly nEndCol = new IntList();
  /** Index of the node holding the subgraph the node is in, or -1. */
  readonly nParent = new IntList();
  // Graphs and functions, in text order.
  readonly graphs: Graph[] = [];
  readonly gLine = new IntList();
  readonly gCol = new IntList();
  readonly gEndLine = new IntList();
  readonly gEndCol = new IntList();
  /** Index of the enclosing graph, or -1. */
  readonly gParent = new IntList();
  /** Token index of the graph's name. */
  readonly gName = new IntList();

  token(kind: TokenKind, target: unknown, aux: number, line: number, col: number, endLine: number, endCol: number): number {
    this.tLine.push(line);
    this.tCol.push(col);
    this.tEndLine.push(endLine);
    this.tEndCol.push(endCol);
    this.tKind.push(kind);
    this.tAux.push(aux);
    this.tTarget.push(target);
    return this.tTarget.length - 1;
  }

  openNode(node: Node, line: number, col: number, parent: number): number {
    this.nodes.push(node);
    this.nLine.push(line);
    this.nCol.push(col);
    this.nEndLine.push(line);
    this.nEndCol.push(col);
    this.nParent.push(parent);
    return this.nodes.length - 1;
  }

  closeNode(i: number, line: number, col: number): void {
    this.nEndLine.set(i, line);
    this.nEndCol.set(i, col);
  }

  openGraph(graph: Graph, line: number, col: number, parent: number): number {
    this.graphs.push(graph);
    this.gLine.push(line);
    this.gCol.push(col);
    this.gEndLine.push(line);
    this.gEndCol.push(col);
    this.gParent.push(parent);
    this.gName.push(-1);
    return this.graphs.length - 1;
  }

  closeGraph(i: number, line: number, col: number): void {
    this.gEndLine.set(i, line);
    this.gEndCol.set(i, col);
  }
}

function pos(line: number, character: number): Position {
  return { line, character };
}

/** Compares (l1, c1) with (l2, c2). */
function cmp(l1: number, c1: number, l2: number, c2: number): number {
  return l1 !== l2 ? l1 - l2 : c1 - c2;
}

/** Largest i in [0, n) with (lines[i], cols[i]) <= (line, col), or -1. */
function lastAtOrBefore(lines: Int32Array, cols: Int32Array, n: number, line: number, col: number): number {
  let lo = 0;
  let hi = n - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(lines[mid], cols[mid], line, col) <= 0) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

export class TextMap {
  private defs: Map<Value, number> | undefined;
  private refs: Map<Value, number[]> | undefined;
  private nodeIndex: Map<Node, number> | undefined;
  private nodeById: Map<number, number> | undefined;
  private graphIndex: Map<Graph, number> | undefined;

  constructor(
    private readonly b: MapBuilder,
    /** The model that was printed. */
    readonly model: Model,
    /** The text, line by line (what `text` joins with "\n"). */
    readonly lines: readonly string[],
  ) {}

  get lineCount(): number {
    return this.lines.length;
  }

  /** Number of name tokens (values, operators, node names, attributes, graph names). */
  get tokenCount(): number {
    return this.b.tTarget.length;
  }

  private tokenRange(i: number): Range {
    const b = this.b;
    return { start: pos(b.tLine.a[i], b.tCol.a[i]), end: pos(b.tEndLine.a[i], b.tEndCol.a[i]) };
  }

  private nodeRangeAt(i: number): Range {
    const b = this.b;
    return { start: pos(b.nLine.a[i], b.nCol.a[i]), end: pos(b.nEndLine.a[i], b.nEndCol.a[i]) };
  }

  private graphRangeAt(i: number): Range {
    const b = this.b;
    return { start: pos(b.gLine.a[i], b.gCol.a[i]), end: pos(b.gEndLine.a[i], b.gEndCol.a[i]) };
  }

  private tokenAt(line: number, character: number): number {
    const b = this.b;
    const i = lastAtOrBefore(b.tLine.a, b.tCol.a, b.tTarget.length, line, character);
    if (i < 0) return -1;
    // The position just after a token still counts (where the cursor sits after typing a name).
    return cmp(line, character, b.tEndLine.a[i], b.tEndCol.a[i]) <= 0 ? i : -1;
  }

  private hit(i: number): TextHit {
    const b = this.b;
    const range = this.tokenRange(i);
    const target = b.tTarget[i];
    switch (b.tKind.a[i] as TokenKind) {
      case TokenKind.Value: {
        const role = ROLES[b.tAux.a[i]];
        const value = target as Value;
        const node = role === 'nodeInput' || role === 'nodeOutput' ? this.nodeAt(range.start.line, range.start.character) : undefined;
        const graph = node?.graph ?? this.graphAt(range.start.line, range.start.character) ?? value.graph;
        return { kind: 'value', value, role, range, node, graph };
      }
      case TokenKind.Op: {
        const node = target as Node;
        const fn = this.model.findFunction(node.domain, node.opType, node.proto.overload ?? '');
        return fn ? { kind: 'op', node, range, function: fn } : { kind: 'op', node, range };
      }
      case TokenKind.NodeName:
        return { kind: 'nodeName', node: target as Node, range };
      case TokenKind.Attribute: {
        const node = target as Node;
        return { kind: 'attribute', node, attribute: node.attributes[b.tAux.a[i]], range };
      }
      default:
        return { kind: 'graph', graph: target as Graph, range };
    }
  }

  /** The name token at a position: a value, an operator, a node name, an attribute name, a graph name. */
  at(line: number, character: number): TextHit | undefined {
    const i = this.tokenAt(line, character);
    return i < 0 ? undefined : this.hit(i);
  }

  /** Every token in text order (for semantic highlighting); stop by returning false. */
  forEachToken(f: (hit: TextHit) => boolean | void): void {
    for (let i = 0; i < this.b.tTarget.length; i++) if (f(this.hit(i)) === false) return;
  }

  /**
   * The innermost node whose text covers the position (a node holding a subgraph covers all its lines). Without
   * `character`: the innermost node covering any part of the line.
   */
  nodeAt(line: number, character?: number): Node | undefined {
    const b = this.b;
    const ch = character ?? Number.MAX_SAFE_INTEGER;
    let i = lastAtOrBefore(b.nLine.a, b.nCol.a, b.nodes.length, line, ch);
    while (i >= 0) {
      const endCmp = cmp(line, character ?? 0, b.nEndLine.a[i], b.nEndCol.a[i]);
      if (endCmp <= 0) return b.nodes[i];
      i = b.nParent.a[i];
    }
    return undefined;
  }

  /** The innermost graph or function whose text covers the position. */
  graphAt(line: number, character?: number): Graph | undefined {
    const b = this.b;
    const ch = character ?? Number.MAX_SAFE_INTEGER;
    let i = lastAtOrBefore(b.gLine.a, b.gCol.a, b.graphs.length, line, ch);
    while (i >= 0) {
      if (cmp(line, character ?? 0, b.gEndLine.a[i], b.gEndCol.a[i]) <= 0) return b.graphs[i];
      i = b.gParent.a[i];
    }
    return undefined;
  }

  private nodeIdx(node: Node | number): number {
    if (typeof node === 'number') {
      if (!this.nodeById) {
        this.nodeById = new Map();
        this.b.nodes.forEach((n, i) => this.nodeById!.set(n.id, i));
      }
      return this.nodeById.get(node) ?? -1;
    }
    if (!this.nodeIndex) {
      this.nodeIndex = new Map();
      this.b.nodes.forEach((n, i) => this.nodeIndex!.set(n, i));
    }
    return this.nodeIndex.get(node) ?? -1;
  }

  private graphIdx(graph: Graph | number): number {
    if (!this.graphIndex) {
      this.graphIndex = new Map();
      this.b.graphs.forEach((g, i) => this.graphIndex!.set(g, i));
    }
    if (typeof graph === 'number') return this.b.graphs.findIndex((g) => g.id === graph);
    return this.graphIndex.get(graph) ?? -1;
  }

  /** All the text of a node (by object or node id): one line, or several when it holds subgraphs. */
  nodeRange(node: Node | number): Range | undefined {
    const i = this.nodeIdx(node);
    return i < 0 ? undefined : this.nodeRangeAt(i);
  }

  /** The first line of a node's text (all of it for a one-line node): where a diagnostic underlines it. */
  nodeHeadRange(node: Node | number): Range | undefined {
    const i = this.nodeIdx(node);
    return i < 0 ? undefined : this.headRangeAt(i);
  }

  private headRangeAt(i: number): Range {
    const r = this.nodeRangeAt(i);
    if (r.end.line === r.start.line) return r;
    return { start: r.start, end: pos(r.start.line, this.lines[r.start.line].length) };
  }

  /** All the text of a graph (from its name to its closing brace) or function (from its `<` header). */
  graphRange(graph: Graph | number): Range | undefined {
    const i = this.graphIdx(graph);
    return i < 0 ? undefined : this.graphRangeAt(i);
  }

  /** The name of a graph or function in its header. */
  graphNameRange(graph: Graph | number): Range | undefined {
    const i = this.graphIdx(graph);
    if (i < 0) return undefined;
    const t = this.b.gName.a[i];
    return t < 0 ? this.graphRangeAt(i) : this.tokenRange(t);
  }

  private buildDefs(): Map<Value, number> {
    if (this.defs) return this.defs;
    const b = this.b;
    const defs = new Map<Value, number>();
    const rank = new Map<Value, number>();
    for (let i = 0; i < b.tTarget.length; i++) {
      if (b.tKind.a[i] !== TokenKind.Value) continue;
      const role = b.tAux.a[i];
      // A producer beats an initializer, which beats a graph or function input.
      const r = role === ROLE_INDEX.nodeOutput ? 3 : role === ROLE_INDEX.initializer ? 2 : role === ROLE_INDEX.input ? 1 : 0;
      if (!r) continue;
      const v = b.tTarget[i] as Value;
      if ((rank.get(v) ?? 0) < r) {
        rank.set(v, r);
        defs.set(v, i);
      }
    }
    return (this.defs = defs);
  }

  /**
   * Where a value is defined: its name in the output list of the node that produces it, else in its initializer,
   * else in the input list of its graph or function. undefined for a value nothing defines (a dangling input).
   */
  definitionOf(value: Value): Range | undefined {
    const i = this.buildDefs().get(value);
    return i === undefined ? undefined : this.tokenRange(i);
  }

  /** Every place the value's name is written, in text order (definition included). */
  references(value: Value): Range[] {
    if (!this.refs) {
      const refs = new Map<Value, number[]>();
      const b = this.b;
      for (let i = 0; i < b.tTarget.length; i++) {
        if (b.tKind.a[i] !== TokenKind.Value) continue;
        const v = b.tTarget[i] as Value;
        let list = refs.get(v);
        if (!list) refs.set(v, (list = []));
        list.push(i);
      }
      this.refs = refs;
    }
    return (this.refs.get(value) ?? []).map((i) => this.tokenRange(i));
  }

  /**
   * Go to definition from a position: a value name goes to its definition, an operator calling a local function
   * to the function's name, a subgraph or function name to itself.
   */
  definitionAt(line: number, character: number): Range | undefined {
    const h = this.at(line, character);
    if (!h) return undefined;
    if (h.kind === 'value') return this.definitionOf(h.value);
    if (h.kind === 'op') return h.function ? this.graphNameRange(h.function) : undefined;
    if (h.kind === 'graph') return h.range;
    return this.nodeHeadRange(h.node);
  }

  /**
   * The range for a diagnostic's anchor: a tensor named at a node is underlined where the node names it; a node
   * on its first line; a tensor alone where it is defined (else where it is first written in its graph); a graph
   * at its name.
   */
  rangeOf(anchor: TextAnchor): Range | undefined {
    const b = this.b;
    if (anchor.node) {
      const i = this.nodeIdx(anchor.node);
      if (i >= 0 && anchor.tensor !== undefined) {
        let t = lastAtOrBefore(b.tLine.a, b.tCol.a, b.tTarget.length, b.nLine.a[i], b.nCol.a[i]);
        if (t < 0 || cmp(b.tLine.a[t], b.tCol.a[t], b.nLine.a[i], b.nCol.a[i]) < 0) t++;
        for (; t < b.tTarget.length && cmp(b.tLine.a[t], b.tCol.a[t], b.nEndLine.a[i], b.nEndCol.a[i]) < 0; t++) {
          if (b.tKind.a[t] === TokenKind.Value && (b.tTarget[t] as Value).name === anchor.tensor && this.nodeAt(b.tLine.a[t], b.tCol.a[t]) === anchor.node) {
            return this.tokenRange(t);
          }
        }
      }
      if (i >= 0) return this.headRangeAt(i);
    }
    const graph = anchor.graph ?? anchor.node?.graph ?? this.model.graph;
    if (anchor.tensor !== undefined) {
      const v = graph.lookup(anchor.tensor);
      const d = v && (this.definitionOf(v) ?? this.references(v)[0]);
      if (d) return d;
      const gi = this.graphIdx(graph);
      for (let t = 0; t < b.tTarget.length; t++) {
        if (b.tKind.a[t] !== TokenKind.Value || (b.tTarget[t] as Value).name !== anchor.tensor) continue;
        if (gi < 0 || this.graphAt(b.tLine.a[t], b.tCol.a[t]) === graph) return this.tokenRange(t);
      }
    }
    return this.graphNameRange(graph);
  }

  /** Graphs, functions and nodes as a tree, for an outline view (built on each call). */
  outline(): OutlineItem[] {
    const out: OutlineItem[] = [];
    const graphItem = (g: Graph): OutlineItem | undefined => {
      const range = this.graphRange(g);
      if (!range) return undefined;
      const isFn = g.kind === 'function';
      const children: OutlineItem[] = [];
      for (const n of g.nodes) {
        const item = nodeItem(n);
        if (item) children.push(item);
      }
      let name = g.name;
      if (isFn) {
        const domain = (g.proto as { domain?: string }).domain;
        name = domain ? `${domain}.${g.name}` : g.name;
      } else if (g.ownerAttribute) {
        name = g.name ? `${g.ownerAttribute}: ${g.name}` : g.ownerAttribute;
      }
      return {
        kind: isFn ? 'function' : 'graph',
        name: name || (isFn ? '(function)' : '(graph)'),
        detail: `${g.nodes.length} node${g.nodes.length === 1 ? '' : 's'}`,
        range,
        selectionRange: this.graphNameRange(g) ?? range,
        target: g,
        children,
      };
    };
    const nodeItem = (n: Node): OutlineItem | undefined => {
      const range = this.nodeRange(n);
      if (!range) return undefined;
      const children: OutlineItem[] = [];
      for (const a of n.attributes) {
        for (const g of a.graph ? [a.graph] : (a.graphs ?? [])) {
          const item = graphItem(g);
          if (item) children.push(item);
        }
      }
      const op = `${n.domain ? `${n.domain}.` : ''}${n.opType}`;
      const outs = n.outputs.filter((v): v is Value => v !== null).map((v) => v.name);
      return {
        kind: 'node',
        name: n.name || outs.join(', ') || op || '(node)',
        detail: op,
        range,
        selectionRange: this.nodeHeadRange(n) ?? range,
        target: n,
        children,
      };
    };
    for (const g of [this.model.graph, ...this.model.functions]) {
      const item = graphItem(g);
      if (item) out.push(item);
    }
    return out;
  }
}
