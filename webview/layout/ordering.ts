/**
 * Order within layers (crossing reduction), on the proper graph:
 *  - initial order: iterative depth-first preorder from the real nodes taken by (layer, index), so a
 *    chain lands in the same column slot of consecutive layers;
 *  - barycenter sweeps, alternately downward (keys from the layer above) and upward: a node moves to
 *    the mean position of its neighbours; nodes without neighbours on that side keep their slot;
 *    ties keep the previous order (deterministic);
 *  - after each sweep the crossings are counted (accumulator tree, O(E log V) per sweep) and the best
 *    order is kept; two sweeps without improvement end the search.
 */
import type { ProperGraph } from './proper';

export interface Ordering {
  /** Nodes of layer l are nodes[layerStart[l] .. layerStart[l+1]-1], left to right. */
  layerStart: Uint32Array;
  nodes: Uint32Array;
  /** Index of each proper node within its layer. */
  pos: Uint32Array;
  crossings: number;
  maxLayerSize: number;
}

export function orderLayers(pg: ProperGraph, layerCount: number, sweeps: number): Ordering {
  const P = pg.count;
  const L = layerCount;
  const layer = pg.layer;
  const layerStart = new Uint32Array(L + 1);
  for (let v = 0; v < P; v++) layerStart[layer[v] + 1]++;
  let maxLayerSize = 0;
  for (let l = 0; l < L; l++) {
    if (layerStart[l + 1] > maxLayerSize) maxLayerSize = layerStart[l + 1];
    layerStart[l + 1] += layerStart[l];
  }
  const nodes = initialOrder(pg, L, layerStart);
  const pos = new Uint32Array(P);
  setPositions(nodes, layerStart, L, pos);

  const counter = makeCrossingCounter(pg, L, layerStart, maxLayerSize);
  let best = counter(nodes, pos);
  if (best === 0 || sweeps <= 0) return { layerStart, nodes, pos, crossings: best, maxLayerSize };

  const bestNodes = nodes.slice();
  const key = new Float64Array(P);
  const tmp = new Uint32Array(maxLayerSize);
  const flag = new Uint8Array(maxLayerSize);
  const byKey = (p: number, q: number): number => key[p] - key[q] || pos[p] - pos[q];
  let stale = 0;
  for (let s = 0; s < sweeps; s++) {
    const downward = s % 2 === 0;
    const adj = downward ? pg.up : pg.down;
    const other = downward ? pg.src : pg.dst;
    for (let t = 1; t < L; t++) {
      const l = downward ? t : L - 1 - t;
      const a = layerStart[l];
      const b = layerStart[l + 1];
      let k = 0;
      for (let i = a; i < b; i++) {
        const v = nodes[i];
        const j0 = adj.start[v];
        const j1 = adj.start[v + 1];
        if (j1 === j0) {
          flag[i - a] = 0;
          continue;
        }
        let sum = 0;
        for (let j = j0; j < j1; j++) sum += pos[other[adj.ids[j]]];
        key[v] = sum / (j1 - j0);
        flag[i - a] = 1;
        tmp[k++] = v;
      }
      if (k === 0) continue;
      if (k > 16) tmp.subarray(0, k).sort(byKey);
      else {
        for (let i = 1; i < k; i++) {
          const v = tmp[i];
          let j = i - 1;
          while (j >= 0 && byKey(tmp[j], v) > 0) {
            tmp[j + 1] = tmp[j];
            j--;
          }
          tmp[j + 1] = v;
        }
      }
      let j = 0;
      for (let i = a; i < b; i++) if (flag[i - a]) nodes[i] = tmp[j++];
      for (let i = a; i < b; i++) pos[nodes[i]] = i - a;
    }
    const c = counter(nodes, pos);
    if (c < best) {
      best = c;
      bestNodes.set(nodes);
      stale = 0;
      if (c === 0) break;
    } else if (++stale === 2) break;
  }
  nodes.set(bestNodes);
  setPositions(nodes, layerStart, L, pos);
  return { layerStart, nodes, pos, crossings: best, maxLayerSize };
}

function setPositions(nodes: Uint32Array, layerStart: Uint32Array, L: number, pos: Uint32Array): void {
  for (let l = 0; l < L; l++) {
    const a = layerStart[l];
    for (let i = a; i < layerStart[l + 1]; i++) pos[nodes[i]] = i - a;
  }
}

/** Depth-first preorder along down edges; roots are the real nodes by (layer, index). No recursion. */
function initialOrder(pg: ProperGraph, L: number, layerStart: Uint32Array): Uint32Array {
  const P = pg.count;
  const n = pg.realCount;
  const layer = pg.layer;
  const nodes = new Uint32Array(P);
  const fill = layerStart.slice(0, L);
  // Roots: counting sort of real nodes by layer (stable, so by index within a layer).
  const rootStart = new Uint32Array(L + 1);
  for (let v = 0; v < n; v++) rootStart[layer[v] + 1]++;
  for (let l = 0; l < L; l++) rootStart[l + 1] += rootStart[l];
  const roots = new Uint32Array(n);
  const rfill = rootStart.slice(0, L);
  for (let v = 0; v < n; v++) roots[rfill[layer[v]]++] = v;

  const visited = new Uint8Array(P);
  const stack = new Uint32Array(pg.src.length + n + 1);
  const down = pg.down;
  const dst = pg.dst;
  for (let r = 0; r < n; r++) {
    const root = roots[r];
    if (visited[root]) continue;
    let sp = 0;
    stack[sp++] = root;
    while (sp > 0) {
      const v = stack[--sp];
      if (visited[v]) continue;
      visited[v] = 1;
      nodes[fill[layer[v]]++] = v;
      for (let j = down.start[v + 1]; j > down.start[v]; j--) {
        const w = dst[down.ids[j - 1]];
        if (!visited[w]) stack[sp++] = w;
      }
    }
  }
  return nodes;
}

/** Returns a function counting the crossings between all adjacent layers for a given order (Barth, Jünger, Mutzel). */
function makeCrossingCounter(
  pg: ProperGraph,
  L: number,
  layerStart: Uint32Array,
  maxLayerSize: number,
): (nodes: Uint32Array, pos: Uint32Array) => number {
  const seq = new Uint32Array(pg.src.length);
  const tree = new Uint32Array(maxLayerSize + 1);
  const down = pg.down;
  const dst = pg.dst;
  return (nodes, pos) => {
    let total = 0;
    for (let l = 0; l + 1 < L; l++) {
      let len = 0;
      for (let i = layerStart[l]; i < layerStart[l + 1]; i++) {
        const u = nodes[i];
        const s = len;
        for (let j = down.start[u]; j < down.start[u + 1]; j++) {
          // Insertion into this node's sorted run (runs are short).
          const p = pos[dst[down.ids[j]]];
          let i = len++;
          while (i > s && seq[i - 1] > p) {
            seq[i] = seq[i - 1];
            i--;
          }
          seq[i] = p;
        }
      }
      if (len < 2) continue;
      if (len <= 24) {
        for (let t = 1; t < len; t++) for (let q = 0; q < t; q++) if (seq[q] > seq[t]) total++;
        continue;
      }
      const size = layerStart[l + 2] - layerStart[l + 1];
      tree.fill(0, 0, size + 1);
      // For each edge, count the earlier edges that end strictly to its right.
      for (let t = 0; t < len; t++) {
        const p = seq[t] + 1;
        let le = 0;
        for (let i = p; i > 0; i -= i & -i) le += tree[i];
        total += t - le;
        for (let i = p; i <= size; i += i & -i) tree[i]++;
      }
    }
    return total;
  };
}
