/** Building and checking the compact LayoutGraph, and the CSR adjacency every phase uses. */
import type { LayoutGraph } from './types';

/** Throws a message that says what was expected, what was found and what to do. */
export function validateGraph(g: LayoutGraph): void {
  const where = 'layout graph';
  if (!g || typeof g !== 'object') throw new TypeError(`${where}: expected an object { nodeCount, widths, heights, edges }, found ${g === null ? 'null' : typeof g}`);
  const n = g.nodeCount;
  if (!Number.isInteger(n) || n < 0 || n > 0xfffffffe) {
    throw new RangeError(`${where}: nodeCount must be an integer from 0 to 4294967294, found ${String(n)}`);
  }
  if (!(g.widths instanceof Float32Array) || !(g.heights instanceof Float32Array)) {
    throw new TypeError(`${where}: widths and heights must be Float32Array (one entry per node); build the graph with GraphBuilder or new Float32Array(nodeCount)`);
  }
  if (g.widths.length !== n || g.heights.length !== n) {
    throw new RangeError(
      `${where}: widths has ${g.widths.length} and heights ${g.heights.length} entries but nodeCount is ${n}: give one size per node`,
    );
  }
  for (let i = 0; i < n; i++) {
    const w = g.widths[i];
    const h = g.heights[i];
    if (!(w >= 0 && w < Infinity) || !(h >= 0 && h < Infinity)) {
      throw new RangeError(`${where}: node ${i} has size ${w} x ${h}: sizes must be finite and >= 0`);
    }
  }
  if (!(g.edges instanceof Uint32Array)) {
    throw new TypeError(`${where}: edges must be a Uint32Array of (src, dst) pairs, found ${describe(g.edges)}`);
  }
  if (g.edges.length % 2 !== 0) {
    throw new RangeError(`${where}: edges has odd length ${g.edges.length}: expected pairs [src0, dst0, src1, dst1, ...]`);
  }
  const e = g.edges;
  for (let i = 0; i < e.length; i++) {
    if (e[i] >= n) {
      const k = i >> 1;
      throw new RangeError(
        `${where}: edge ${k} (${e[2 * k]} -> ${e[2 * k + 1]}) names node ${e[i]} but nodeCount is ${n}: node indices must be < nodeCount`,
      );
    }
  }
  if (g.edgeTensor !== undefined) {
    if (!(g.edgeTensor instanceof Uint32Array) || g.edgeTensor.length !== e.length / 2) {
      throw new RangeError(
        `${where}: edgeTensor must be a Uint32Array with one tensor id per edge (${e.length / 2}), found ${describe(g.edgeTensor)}: pass it or leave it out`,
      );
    }
  }
}

function describe(v: unknown): string {
  if (v === undefined || v === null) return String(v);
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as { length: number }).length})`;
  return typeof v;
}

/** Compressed adjacency: the edges of node v are ids[start[v] .. start[v+1]-1], in increasing edge order. */
export interface Csr {
  start: Uint32Array;
  /** Edge indices. */
  ids: Uint32Array;
}

/**
 * Groups edge indices by one endpoint (side 0 = source, 1 = destination) with a counting sort,
 * skipping edges for which `skip(k)` is true. O(V + E).
 */
export function buildCsr(nodeCount: number, edges: Uint32Array, side: 0 | 1, skip?: Uint8Array): Csr {
  const m = edges.length >> 1;
  const start = new Uint32Array(nodeCount + 1);
  for (let k = 0; k < m; k++) {
    if (skip && skip[k]) continue;
    start[edges[2 * k + side] + 1]++;
  }
  for (let v = 0; v < nodeCount; v++) start[v + 1] += start[v];
  const ids = new Uint32Array(start[nodeCount]);
  const fill = start.slice(0, nodeCount);
  for (let k = 0; k < m; k++) {
    if (skip && skip[k]) continue;
    ids[fill[edges[2 * k + side]]++] = k;
  }
  return { start, ids };
}

/** Incremental builder for tests, generators and callers that do not have typed arrays at hand. */
export class GraphBuilder {
  private w: number[] = [];
  private h: number[] = [];
  private e: number[] = [];
  private t: number[] = [];
  private hasTensor = false;

  get nodeCount(): number {
    return this.w.length;
  }

  get edgeCount(): number {
    return this.e.length >> 1;
  }

  /** Adds a node and returns its index. */
  node(width = 100, height = 32): number {
    this.w.push(width);
    this.h.push(height);
    return this.w.length - 1;
  }

  /** Adds an edge src -> dst; `tensor` names the tensor it carries (default: one tensor per source node). */
  edge(src: number, dst: number, tensor?: number): number {
    if (tensor !== undefined && !(Number.isInteger(tensor) && tensor >= 0 && tensor <= 0xffffffff)) {
      throw new RangeError(`GraphBuilder: tensor id must be an integer from 0 to 4294967295, found ${tensor}`);
    }
    this.e.push(src, dst);
    if (tensor !== undefined) this.hasTensor = true;
    this.t.push(tensor ?? -1);
    return (this.e.length >> 1) - 1;
  }

  build(): LayoutGraph {
    const g: LayoutGraph = {
      nodeCount: this.w.length,
      widths: Float32Array.from(this.w),
      heights: Float32Array.from(this.h),
      edges: Uint32Array.from(this.e),
    };
    if (this.hasTensor) {
      // Edges added without a tensor get a tensor id of their own source node, above all given ids.
      let maxId = 0;
      for (const t of this.t) if (t > maxId) maxId = t;
      if (maxId + 1 + this.w.length > 0xffffffff) {
        throw new RangeError(`GraphBuilder: tensor id ${maxId} leaves no room for ids of edges added without one: give every edge a tensor id, or smaller ids`);
      }
      const et = new Uint32Array(this.t.length);
      for (let k = 0; k < this.t.length; k++) et[k] = this.t[k] >= 0 ? this.t[k] : maxId + 1 + this.e[2 * k];
      g.edgeTensor = et;
    }
    validateGraph(g);
    return g;
  }
}
