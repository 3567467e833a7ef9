/**
 * The "proper" layered graph: every drawn edge that spans s > 1 layers is split by s - 1 virtual
 * nodes (bend points), one per layer it crosses, so that ordering and positioning only ever look at
 * adjacent layers. Edges longer than `maxSpan` are stubs and get no virtual nodes; when the total
 * would exceed `maxVirtualNodes`, the longest remaining edges become stubs first. Parallel long
 * edges (same producer and consumer) share one chain. O(V + E + virtual nodes).
 */
import { buildCsr, type Csr } from './graph';
import { StubReason, type LayoutGraph } from './types';

export const NONE = 0xffffffff;

export interface ProperGraph {
  realCount: number;
  /** Real + virtual nodes. Virtual node ids are realCount.. and each chain's ids are consecutive. */
  count: number;
  layer: Uint32Array;
  /** Width per proper node (0 for virtual nodes). */
  width: Float64Array;
  /** Proper edges (each between adjacent layers). */
  src: Uint32Array;
  dst: Uint32Array;
  /** Edges by destination (the "up" neighbours of a node) and by source ("down" neighbours). */
  up: Csr;
  down: Csr;
  /** Per input edge: first virtual node of its chain, or NONE (span 1 or stub). */
  chainStart: Uint32Array;
  /** 3 entries per chain: first virtual node, number of virtual nodes, source (real) node. */
  chains: Uint32Array;
  virtualCount: number;
}

/**
 * Marks drawn edges longer than maxSpan as Span stubs, then the longest ones until the bend points
 * fit in maxVirtual. Returns the number of edges it marked.
 */
export function markLongEdges(g: LayoutGraph, layer: Uint32Array, reason: Uint8Array, maxSpan: number, maxVirtual: number): number {
  const e = g.edges;
  const m = e.length >> 1;
  const n = g.nodeCount;
  let marked = 0;
  // One representative edge per (producer, consumer) pair with span >= 2, bucketed by span.
  const rep = new Map<number, number>();
  let total = 0;
  let longest = 1;
  for (let k = 0; k < m; k++) {
    if (reason[k] !== 0) continue;
    const s = layer[e[2 * k + 1]] - layer[e[2 * k]];
    if (s > maxSpan) {
      reason[k] = StubReason.Span;
      marked++;
      continue;
    }
    if (s <= 1) continue;
    const key = e[2 * k] * n + e[2 * k + 1];
    if (rep.has(key)) continue;
    rep.set(key, k);
    total += s - 1;
    if (s > longest) longest = s;
  }
  if (total <= maxVirtual) return marked;
  const bucketCount = new Uint32Array(longest + 2);
  for (const k of rep.values()) bucketCount[layer[e[2 * k + 1]] - layer[e[2 * k]]]++;
  // Counting sort of the representatives by span, then drop the longest (highest edge index first).
  const bucketStart = new Uint32Array(bucketCount.length + 1);
  for (let s = 0; s < bucketCount.length; s++) bucketStart[s + 1] = bucketStart[s] + bucketCount[s];
  const sorted = new Uint32Array(rep.size);
  const fill = bucketStart.slice();
  for (const k of rep.values()) {
    const s = layer[e[2 * k + 1]] - layer[e[2 * k]];
    sorted[fill[s]++] = k;
  }
  const dropped = new Set<number>();
  for (let i = sorted.length - 1; i >= 0 && total > maxVirtual; i--) {
    const k = sorted[i];
    total -= layer[e[2 * k + 1]] - layer[e[2 * k]] - 1;
    dropped.add(e[2 * k] * n + e[2 * k + 1]);
  }
  for (let k = 0; k < m; k++) {
    if (reason[k] !== 0) continue;
    if (layer[e[2 * k + 1]] - layer[e[2 * k]] > 1 && dropped.has(e[2 * k] * n + e[2 * k + 1])) {
      reason[k] = StubReason.Span;
      marked++;
    }
  }
  return marked;
}

export function buildProper(g: LayoutGraph, layer: Uint32Array, reason: Uint8Array): ProperGraph {
  const n = g.nodeCount;
  const e = g.edges;
  const m = e.length >> 1;
  const chainStart = new Uint32Array(m).fill(NONE);
  const shared = new Map<number, number>();
  let virtualCount = 0;
  let properEdges = 0;
  // First pass: sizes, and chain ids (consecutive per chain, in edge order).
  for (let k = 0; k < m; k++) {
    if (reason[k] !== 0) continue;
    const s = layer[e[2 * k + 1]] - layer[e[2 * k]];
    if (s <= 1) {
      properEdges++;
      continue;
    }
    const key = e[2 * k] * n + e[2 * k + 1];
    const c = shared.get(key);
    if (c !== undefined) {
      chainStart[k] = c;
      continue;
    }
    chainStart[k] = n + virtualCount;
    shared.set(key, n + virtualCount);
    virtualCount += s - 1;
    properEdges += s;
  }
  const count = n + virtualCount;
  const pLayer = new Uint32Array(count);
  pLayer.set(layer);
  const width = new Float64Array(count);
  for (let v = 0; v < n; v++) width[v] = g.widths[v];
  const src = new Uint32Array(properEdges);
  const dst = new Uint32Array(properEdges);
  let p = 0;
  const built = new Uint8Array(virtualCount);
  const chains = new Uint32Array(3 * shared.size);
  let c3 = 0;
  for (let k = 0; k < m; k++) {
    if (reason[k] !== 0) continue;
    const a = e[2 * k];
    const b = e[2 * k + 1];
    const s = layer[b] - layer[a];
    if (s <= 1) {
      src[p] = a;
      dst[p] = b;
      p++;
      continue;
    }
    const c = chainStart[k];
    if (built[c - n]) continue;
    built[c - n] = 1;
    chains[c3++] = c;
    chains[c3++] = s - 1;
    chains[c3++] = a;
    let prev = a;
    for (let i = 0; i < s - 1; i++) {
      const v = c + i;
      pLayer[v] = layer[a] + 1 + i;
      src[p] = prev;
      dst[p] = v;
      p++;
      prev = v;
    }
    src[p] = prev;
    dst[p] = b;
    p++;
  }
  const pairs = new Uint32Array(2 * properEdges);
  for (let i = 0; i < properEdges; i++) {
    pairs[2 * i] = src[i];
    pairs[2 * i + 1] = dst[i];
  }
  return {
    realCount: n,
    count,
    layer: pLayer,
    width,
    src,
    dst,
    up: buildCsr(count, pairs, 1),
    down: buildCsr(count, pairs, 0),
    chainStart,
    chains,
    virtualCount,
  };
}
