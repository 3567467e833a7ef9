/** Traversal without recursion: graphs can be 200k nodes deep in a chain and nested 80 levels. */
import type { Graph, Model, Node, Value } from './model';

/** Values from enclosing scopes that a node's subgraphs read (If branches, Loop bodies). */
export function implicitInputs(node: Node): Value[] {
  const out = new Set<Value>();
  for (const sg of node.subgraphs) {
    const inner = new Set<Graph>([sg, ...sg.descendants()]);
    for (const g of inner) {
      for (const n of g.nodes) {
        for (const v of n.inputs) if (v && !inner.has(v.graph)) out.add(v);
      }
      for (const o of g.outputs) if (!inner.has(o.value.graph)) out.add(o.value);
    }
  }
  return [...out];
}

export interface TopoResult {
  order: Node[];
  /** Nodes on or behind a cycle (never reached by Kahn's algorithm). */
  cyclic: Node[];
}

/**
 * Kahn's algorithm over one graph's nodes: a node comes after the producers of its inputs, including values
 * its subgraphs read from this graph. Ties keep the file's order, so a sorted graph stays as it is.
 */
export function topologicalOrder(graph: Graph): TopoResult {
  const nodes = graph.nodes;
  const index = new Map<Node, number>();
  nodes.forEach((n, i) => index.set(n, i));
  const indegree = new Int32Array(nodes.length);
  const dependents: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => {
    const deps = new Set<number>();
    const reads = n.subgraphs.length ? [...n.inputs, ...implicitInputs(n)] : n.inputs;
    for (const v of reads) {
      if (!v || !v.producer) continue;
      const p = index.get(v.producer);
      if (p !== undefined && p !== i) deps.add(p);
      else if (p === i) deps.add(i); // reads its own output: a cycle of one
    }
    for (const p of deps) {
      dependents[p].push(i);
      indegree[i]++;
    }
  });
  // Ready nodes leave in file order (a min-heap on the index), so an already sorted graph keeps its order.
  const heap = new MinHeap();
  for (let i = 0; i < nodes.length; i++) if (indegree[i] === 0) heap.push(i);
  const order: Node[] = [];
  while (heap.size) {
    const i = heap.pop();
    order.push(nodes[i]);
    for (const d of dependents[i]) if (--indegree[d] === 0) heap.push(d);
  }
  const cyclic = order.length === nodes.length ? [] : nodes.filter((_, i) => indegree[i] > 0);
  return { order, cyclic };
}

/** Every node of the model (all graphs, functions included), graph by graph. */
export function forEachNode(model: Model, fn: (node: Node, graph: Graph) => void): void {
  for (const g of model.allGraphs()) for (const n of g.nodes) fn(n, g);
}

/** Total node count over every graph, as `inspect` reports it. */
export function countNodes(model: Model): number {
  let n = 0;
  for (const g of model.allGraphs()) n += g.nodes.length;
  return n;
}

class MinHeap {
  private a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  push(x: number): void {
    const a = this.a;
    let i = a.push(x) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p] <= x) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = x;
  }
  pop(): number {
    const a = this.a;
    const top = a[0];
    const last = a.pop()!;
    if (a.length) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const c = l + 1 < a.length && a[l + 1] < a[l] ? l + 1 : l;
        if (a[c] >= last) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
