/**
 * Edge geometry. Every edge enters its consumer at a port on the top side and leaves its producer at
 * a port on the bottom side:
 *  - in-ports: the edges into a node (drawn and stubs) spread over the middle 60% of its width,
 *    ordered by where they come from, so they do not cross just above the node;
 *  - out-ports: one per output tensor of the node, ordered by where their consumers are; all edges of
 *    one tensor leave from the same point.
 * A drawn edge is a polyline: producer port, then for each bend point a vertical run through that
 * layer's band (top, bottom), then the consumer port. A stub is two short vertical ticks.
 */
import { buildCsr } from './graph';
import { tensorKeys } from './layering';
import type { Placement } from './position';
import { NONE as NO_CHAIN, type ProperGraph } from './proper';
import type { EdgeRoutes, EdgeStubs, LayoutGraph } from './types';

const PORT_SPREAD = 0.6;
const NONE = NO_CHAIN;

export function routeEdges(
  g: LayoutGraph,
  pg: ProperGraph,
  pl: Placement,
  reason: Uint8Array,
  stubLength: number,
): { routes: EdgeRoutes; stubs: EdgeStubs; y: Float64Array } {
  const n = g.nodeCount;
  const e = g.edges;
  const m = e.length >> 1;
  const x = pl.x;
  const layer = pg.layer;
  const y = new Float64Array(n);
  for (let v = 0; v < n; v++) y[v] = pl.layerTop[layer[v]] + pl.layerHeight[layer[v]] / 2;

  const span = (k: number): number => layer[e[2 * k + 1]] - layer[e[2 * k]];
  // x of the point before the consumer port, and after the producer port.
  const fromX = (k: number): number => (reason[k] === 0 && pg.chainStart[k] !== NONE ? x[pg.chainStart[k] + span(k) - 2] : x[e[2 * k]]);
  const toX = (k: number): number => (reason[k] === 0 && pg.chainStart[k] !== NONE ? x[pg.chainStart[k]] : x[e[2 * k + 1]]);

  // In-ports.
  const inOff = new Float64Array(m);
  const inn = buildCsr(n, e, 1);
  let scratch = new Uint32Array(16);
  const keyBuf = new Float64Array(m);
  const byKey = (p: number, q: number): number => keyBuf[p] - keyBuf[q] || p - q;
  for (let v = 0; v < n; v++) {
    const a = inn.start[v];
    const k = inn.start[v + 1] - a;
    if (k < 2) continue;
    if (scratch.length < k) scratch = new Uint32Array(k * 2);
    for (let i = 0; i < k; i++) {
      const id = inn.ids[a + i];
      scratch[i] = id;
      keyBuf[id] = fromX(id);
    }
    if (k === 2) {
      if (byKey(scratch[0], scratch[1]) > 0) {
        const t = scratch[0];
        scratch[0] = scratch[1];
        scratch[1] = t;
      }
    } else scratch.subarray(0, k).sort(byKey);
    const w = g.widths[v] * PORT_SPREAD;
    for (let i = 0; i < k; i++) inOff[scratch[i]] = w * ((i + 0.5) / k - 0.5);
  }

  // Out-ports, one per tensor.
  const outOff = new Float64Array(m);
  const out = buildCsr(n, e, 0);
  const tkey = g.edgeTensor ? tensorKeys(g) : null;
  if (tkey) {
    for (let v = 0; v < n; v++) {
      const a = out.start[v];
      const b = out.start[v + 1];
      if (b - a < 2) continue;
      const t0 = tkey[out.ids[a]];
      let single = true;
      for (let j = a + 1; j < b; j++) if (tkey[out.ids[j]] !== t0) single = false;
      if (single) continue;
      const sum = new Map<number, { s: number; c: number }>();
      for (let j = a; j < b; j++) {
        const id = out.ids[j];
        const t = tkey[id];
        const acc = sum.get(t);
        if (acc) {
          acc.s += toX(id);
          acc.c++;
        } else sum.set(t, { s: toX(id), c: 1 });
      }
      const ts = [...sum.keys()].sort((p, q) => {
        const a1 = sum.get(p)!;
        const b1 = sum.get(q)!;
        return a1.s / a1.c - b1.s / b1.c || p - q;
      });
      const slot = new Map<number, number>();
      ts.forEach((t, i) => slot.set(t, i));
      const w = g.widths[v] * PORT_SPREAD;
      const c = ts.length;
      for (let j = a; j < b; j++) {
        const id = out.ids[j];
        outOff[id] = w * ((slot.get(tkey[id])! + 0.5) / c - 0.5);
      }
    }
  }

  // Routes.
  let routeCount = 0;
  let pointCount = 0;
  let stubCount = 0;
  for (let k = 0; k < m; k++) {
    if (reason[k] !== 0) {
      stubCount++;
      continue;
    }
    routeCount++;
    pointCount += pg.chainStart[k] !== NONE ? 2 * span(k) : 2;
  }
  const edge = new Uint32Array(routeCount);
  const offsets = new Uint32Array(routeCount + 1);
  const points = new Float32Array(2 * pointCount);
  const sEdge = new Uint32Array(stubCount);
  const sReason = new Uint8Array(stubCount);
  const sPoints = new Float32Array(8 * stubCount);
  let r = 0;
  let p = 0;
  let s = 0;
  const h = g.heights;
  for (let k = 0; k < m; k++) {
    const a = e[2 * k];
    const b = e[2 * k + 1];
    const sx = x[a] + outOff[k];
    const sy = y[a] + h[a] / 2;
    const dx = x[b] + inOff[k];
    const dy = y[b] - h[b] / 2;
    if (reason[k] !== 0) {
      sEdge[s] = k;
      sReason[s] = reason[k];
      const q = 8 * s;
      sPoints[q] = sx;
      sPoints[q + 1] = sy;
      sPoints[q + 2] = sx;
      sPoints[q + 3] = sy + stubLength;
      sPoints[q + 4] = dx;
      sPoints[q + 5] = dy - stubLength;
      sPoints[q + 6] = dx;
      sPoints[q + 7] = dy;
      s++;
      continue;
    }
    edge[r] = k;
    offsets[r] = p;
    points[2 * p] = sx;
    points[2 * p + 1] = sy;
    p++;
    const c = pg.chainStart[k];
    if (c !== NONE) {
      const sp = span(k);
      for (let i = 0; i < sp - 1; i++) {
        const v = c + i;
        const l = layer[v];
        const top = pl.layerTop[l];
        points[2 * p] = x[v];
        points[2 * p + 1] = top;
        p++;
        points[2 * p] = x[v];
        points[2 * p + 1] = top + pl.layerHeight[l];
        p++;
      }
    }
    points[2 * p] = dx;
    points[2 * p + 1] = dy;
    p++;
    r++;
  }
  offsets[routeCount] = p;
  return {
    routes: { edge, offsets, points },
    stubs: { edge: sEdge, reason: sReason, points: sPoints },
    y,
  };
}
