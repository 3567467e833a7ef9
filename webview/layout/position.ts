/**
 * Coordinates. y: each layer is a band as tall as its tallest node; nodes are centred in their band.
 * x: a few relaxation sweeps (alternately top-down and bottom-up, linear each). In a sweep every
 * node of a layer wants the weighted mean x of its neighbours in both adjacent layers (in the first,
 * top-down sweep only of those above, so that chains start straight); then the layer
 * is placed by weighted isotonic regression (pool adjacent violators, O(layer size)): the positions
 * closest (least squares) to the wishes that keep the order and the minimum gaps, so no two nodes
 * ever overlap. Weights make the drawing read straight down:
 *  - an edge between two bend points weighs 8, between a bend point and a node 2, else 1, so long
 *    edges stay vertical (Gansner et al.'s factors);
 *  - a real node with a single drawn edge (a weight, a constant, a graph input or output) does not
 *    pull its neighbour unless the neighbour has only such nodes around it, and it yields (its weight
 *    is tiny) when it collides, so it sits beside the chain instead of bending it;
 *  - a weak pull toward x = 0 keeps a tall drawing from slanting.
 */
import type { Ordering } from './ordering';
import type { ProperGraph } from './proper';

export interface Placement {
  /** Centre x per proper node (real, then virtual). */
  x: Float64Array;
  /** Top of each layer band and its height. */
  layerTop: Float64Array;
  layerHeight: Float64Array;
  width: number;
  height: number;
}

const EPS = 1e-3;
const LEAF = 0.001;
/**
 * Pull of every node toward x = 0. Springs between layers are relative, so a slant of the whole
 * drawing costs nothing and small pushes would add up block after block (a 48-block decoder drifted
 * 6,000 units sideways); this weak anchor bounds the drift to about (push per layer) / ANCHOR.
 */
const ANCHOR = 0.02;

export function placeNodes(
  pg: ProperGraph,
  ord: Ordering,
  heights: Float32Array,
  layerCount: number,
  opts: { nodeSep: number; edgeSep: number; layerSep: number; positionSweeps: number; margin: number },
): Placement {
  const P = pg.count;
  const n = pg.realCount;
  const L = layerCount;
  const { layerStart, nodes } = ord;
  const width = pg.width;
  const { up, down, src, dst } = pg;

  // Leaves: real nodes with a single drawn edge (weights, constants, graph inputs and outputs).
  const leaf = new Uint8Array(P);
  for (let v = 0; v < n; v++) {
    if (up.start[v + 1] - up.start[v] + down.start[v + 1] - down.start[v] === 1) leaf[v] = 1;
  }
  // Proper edge weights.
  const m = src.length;
  const ew = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const vs = src[k] >= n;
    const vd = dst[k] >= n;
    ew[k] = vs && vd ? 8 : vs || vd ? 2 : 1;
  }

  const x = new Float64Array(P);
  const maxW = Math.max(1, ord.maxLayerSize);
  const gap = new Float64Array(maxW); // gap[i]: min centre distance between slots i-1 and i
  const want = new Float64Array(maxW);
  const wt = new Float64Array(maxW);
  const off = new Float64Array(maxW);
  const bW = new Float64Array(maxW);
  const bS = new Float64Array(maxW);
  const bEnd = new Uint32Array(maxW);

  const gaps = (a: number, b: number): void => {
    for (let i = a + 1; i < b; i++) {
      const p = nodes[i - 1];
      const q = nodes[i];
      gap[i - a] = (width[p] + width[q]) / 2 + (p < n && q < n ? opts.nodeSep : opts.edgeSep);
    }
  };

  // Initial placement: each layer packed and centred on 0.
  for (let l = 0; l < L; l++) {
    const a = layerStart[l];
    const b = layerStart[l + 1];
    gaps(a, b);
    let o = 0;
    for (let i = a; i < b; i++) {
      if (i > a) o += gap[i - a];
      x[nodes[i]] = o;
    }
    for (let i = a; i < b; i++) x[nodes[i]] -= o / 2;
  }

  for (let s = 0; s < opts.positionSweeps; s++) {
    const downward = s % 2 === 0;
    for (let t = 0; t < L; t++) {
      const l = downward ? t : L - 1 - t;
      const a = layerStart[l];
      const b = layerStart[l + 1];
      const size = b - a;
      for (let i = a; i < b; i++) {
        const v = nodes[i];
        // Neighbours that are leaves only count when there is no other neighbour.
        let sum = 0;
        let sw = 0;
        let lsum = 0;
        let lsw = 0;
        for (let j = up.start[v]; j < up.start[v + 1]; j++) {
          const k = up.ids[j];
          const u = src[k];
          if (leaf[u]) {
            lsum += ew[k] * x[u];
            lsw += ew[k];
          } else {
            sum += ew[k] * x[u];
            sw += ew[k];
          }
        }
        for (let j = down.start[v], j1 = s === 0 ? j : down.start[v + 1]; j < j1; j++) {
          const k = down.ids[j];
          const u = dst[k];
          if (leaf[u]) {
            lsum += ew[k] * x[u];
            lsw += ew[k];
          } else {
            sum += ew[k] * x[u];
            sw += ew[k];
          }
        }
        if (sw === 0) {
          sum = lsum;
          sw = lsw;
        }
        if (sw > 0) {
          // The anchor toward x = 0 (sum += ANCHOR * 0); leaves just follow their neighbour.
          if (!leaf[v]) sw += ANCHOR;
          want[i - a] = sum / sw;
          wt[i - a] = (leaf[v] ? LEAF : 1) * sw + EPS;
        } else {
          want[i - a] = x[v];
          wt[i - a] = EPS;
        }
      }
      gaps(a, b);
      // Weighted isotonic regression of (want - offset) with pool adjacent violators.
      let nb = 0;
      let o = 0;
      for (let i = 0; i < size; i++) {
        if (i > 0) o += gap[i];
        off[i] = o;
        bW[nb] = wt[i];
        bS[nb] = wt[i] * (want[i] - o);
        bEnd[nb] = i;
        nb++;
        while (nb > 1 && bS[nb - 2] * bW[nb - 1] > bS[nb - 1] * bW[nb - 2]) {
          bW[nb - 2] += bW[nb - 1];
          bS[nb - 2] += bS[nb - 1];
          bEnd[nb - 2] = bEnd[nb - 1];
          nb--;
        }
      }
      let i = 0;
      for (let q = 0; q < nb; q++) {
        const z = bS[q] / bW[q];
        for (; i <= bEnd[q]; i++) x[nodes[a + i]] = z + off[i];
      }
    }
  }

  snapLeaves(pg, ord, x, leaf, opts);
  straightenChains(pg, ord, x, opts);

  // Shift into [margin, ...].
  let minLeft = Infinity;
  let maxRight = -Infinity;
  for (let v = 0; v < P; v++) {
    const hw = width[v] / 2;
    if (x[v] - hw < minLeft) minLeft = x[v] - hw;
    if (x[v] + hw > maxRight) maxRight = x[v] + hw;
  }
  if (P === 0) {
    minLeft = 0;
    maxRight = 0;
  }
  const shift = opts.margin - minLeft;
  for (let v = 0; v < P; v++) x[v] += shift;

  const layerTop = new Float64Array(L);
  const layerHeight = new Float64Array(L);
  for (let v = 0; v < n; v++) {
    const l = pg.layer[v];
    if (heights[v] > layerHeight[l]) layerHeight[l] = heights[v];
  }
  let y = opts.margin;
  for (let l = 0; l < L; l++) {
    layerTop[l] = y;
    y += layerHeight[l] + opts.layerSep;
  }
  const height = L === 0 ? 2 * opts.margin : y - opts.layerSep + opts.margin;
  return { x, layerTop, layerHeight, width: maxRight - minLeft + 2 * opts.margin, height };
}

/**
 * Turns each long edge's bend points into vertical runs: from the top, a run grows while the free
 * intervals of its bend points (between their left and right neighbours, gaps included) still
 * intersect; the run takes the x closest to the run above it (the producer for the first run), so
 * jogs are few and short. Moves stay inside the free intervals: still no overlaps. O(bend points).
 */
function straightenChains(pg: ProperGraph, ord: Ordering, x: Float64Array, opts: { nodeSep: number; edgeSep: number }): void {
  const { chains } = pg;
  const { lo, hi } = freeInterval(pg, ord, x, opts);
  for (let c = 0; c < chains.length; c += 3) {
    const first = chains[c];
    const count = chains[c + 1];
    let t = x[chains[c + 2]];
    let i = 0;
    while (i < count) {
      const v = first + i;
      if (lo(v) <= t && t <= hi(v)) {
        x[v] = t;
        i++;
        continue;
      }
      // Jog: to the x closest to t that stays free for the longest run from here.
      let a = lo(v);
      let b = hi(v);
      let j = i + 1;
      for (; j < count; j++) {
        const a2 = Math.max(a, lo(first + j));
        const b2 = Math.min(b, hi(first + j));
        if (a2 > b2) break;
        a = a2;
        b = b2;
      }
      t = t < a ? a : t > b ? b : t;
      for (let k = i; k < j; k++) x[first + k] = t;
      i = j;
    }
  }
}

/** Bounds within which node v's centre can move without coming closer than the gaps to its layer neighbours. */
function freeInterval(
  pg: ProperGraph,
  ord: Ordering,
  x: Float64Array,
  opts: { nodeSep: number; edgeSep: number },
): { lo: (v: number) => number; hi: (v: number) => number } {
  const { width, layer, realCount: n } = pg;
  const { layerStart, nodes, pos } = ord;
  const sep = (a: number, b: number): number => (a < n && b < n ? opts.nodeSep : opts.edgeSep);
  return {
    lo: (v) => {
      const i = layerStart[layer[v]] + pos[v];
      if (i === layerStart[layer[v]]) return -Infinity;
      const u = nodes[i - 1];
      return Math.min(x[v], x[u] + (width[u] + width[v]) / 2 + sep(u, v));
    },
    hi: (v) => {
      const i = layerStart[layer[v]] + pos[v];
      if (i + 1 === layerStart[layer[v] + 1]) return Infinity;
      const u = nodes[i + 1];
      return Math.max(x[v], x[u] - (width[u] + width[v]) / 2 - sep(v, u));
    },
  };
}

/** Moves each leaf (a node with one drawn edge) as close as its free interval allows to right above/below its neighbour. */
function snapLeaves(pg: ProperGraph, ord: Ordering, x: Float64Array, leaf: Uint8Array, opts: { nodeSep: number; edgeSep: number }): void {
  const { lo, hi } = freeInterval(pg, ord, x, opts);
  const { up, down, src, dst, realCount: n } = pg;
  for (let v = 0; v < n; v++) {
    if (!leaf[v]) continue;
    const u = up.start[v + 1] > up.start[v] ? src[up.ids[up.start[v]]] : dst[down.ids[down.start[v]]];
    const t = x[u];
    const a = lo(v);
    const b = hi(v);
    x[v] = t < a ? a : t > b ? b : t;
  }
}
