/**
 * A laid-out graph ready to draw and query: node boxes, edge routes with bounding boxes, a uniform grid for
 * hit-testing and viewport culling, and adjacency for keyboard navigation. Pure: no DOM (unit-tested in Node).
 */
import type { GraphView } from '../src/protocol/view';
import type { LayoutGraph, LayoutResult } from './layout/types';

export const FONT_TITLE = 12;
export const FONT_DETAIL = 11;
const CHAR_W_TITLE = 7.4;
const CHAR_W_DETAIL = 6.4;
export const LINE_H = 14;
export const PAD_X = 10;
export const TITLE_H = 22;
export const MAX_DETAIL_LINES = 5;

export function str(v: GraphView, i: number): string {
  return v.strings[i] ?? '';
}

/** Title and detail lines of node i, as drawn. */
export function nodeText(v: GraphView, i: number): { title: string; sub: string; lines: string[] } {
  const kind = v.nodeKind[i];
  const op = str(v, v.nodeOp[i]);
  const domain = str(v, v.nodeDomain[i]);
  const title = kind === 1 ? `input ${op}` : kind === 2 ? `output ${op}` : kind === 4 ? `outer ${op}` : domain ? `${domain}::${op}` : op;
  const name = kind === 0 || kind === 3 ? str(v, v.nodeName[i]) : '';
  let lines = str(v, v.nodeDetail[i]).split('\n').filter((l) => l);
  if (lines.length > MAX_DETAIL_LINES) lines = [...lines.slice(0, MAX_DETAIL_LINES - 1), `… ${lines.length - MAX_DETAIL_LINES + 1} more`];
  return { title, sub: name, lines };
}

export function layoutInput(v: GraphView): LayoutGraph {
  const n = v.nodeCount;
  const widths = new Float32Array(n);
  const heights = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = nodeText(v, i);
    let w = t.title.length * CHAR_W_TITLE;
    if (t.sub) w = Math.max(w, Math.min(t.sub.length, 36) * CHAR_W_DETAIL);
    for (const l of t.lines) w = Math.max(w, Math.min(l.length, 48) * CHAR_W_DETAIL);
    widths[i] = Math.max(60, Math.ceil(w + 2 * PAD_X));
    heights[i] = TITLE_H + (t.sub ? LINE_H : 0) + t.lines.length * LINE_H + (t.sub || t.lines.length ? 6 : 0);
  }
  const edges = new Uint32Array(v.edgeCount * 2);
  for (let e = 0; e < v.edgeCount; e++) {
    edges[2 * e] = v.edgeSrc[e];
    edges[2 * e + 1] = v.edgeDst[e];
  }
  return { nodeCount: n, widths, heights, edges, edgeTensor: v.edgeTensor.slice() };
}

const CELL = 512;

export class Scene {
  readonly routeBox: Float32Array;
  private readonly grid = new Map<number, number[]>();
  /** Node indices in reading order (layer, then left to right). */
  readonly readingOrder: Uint32Array;
  readonly rankOf: Uint32Array;
  readonly inEdges: number[][];
  readonly outEdges: number[][];

  constructor(
    readonly view: GraphView,
    readonly layout: LayoutResult,
  ) {
    const n = view.nodeCount;
    const { x, y, w, h } = layout;
    for (let i = 0; i < n; i++) {
      const x0 = Math.floor((x[i] - w[i] / 2) / CELL);
      const x1 = Math.floor((x[i] + w[i] / 2) / CELL);
      const y0 = Math.floor((y[i] - h[i] / 2) / CELL);
      const y1 = Math.floor((y[i] + h[i] / 2) / CELL);
      for (let gx = x0; gx <= x1; gx++) {
        for (let gy = y0; gy <= y1; gy++) {
          const key = gx * 1_000_003 + gy;
          let cell = this.grid.get(key);
          if (!cell) this.grid.set(key, (cell = []));
          cell.push(i);
        }
      }
    }
    const r = layout.edges;
    const routes = r.edge.length;
    this.routeBox = new Float32Array(routes * 4);
    for (let k = 0; k < routes; k++) {
      let minX = Infinity;
      let minY = Infinity;
      let maxX = -Infinity;
      let maxY = -Infinity;
      for (let p = r.offsets[k]; p < r.offsets[k + 1]; p++) {
        const px = r.points[2 * p];
        const py = r.points[2 * p + 1];
        if (px < minX) minX = px;
        if (px > maxX) maxX = px;
        if (py < minY) minY = py;
        if (py > maxY) maxY = py;
      }
      this.routeBox.set([minX, minY, maxX, maxY], 4 * k);
    }
    const idx = Array.from({ length: n }, (_, i) => i);
    idx.sort((a, b) => layout.layer[a] - layout.layer[b] || layout.x[a] - layout.x[b]);
    this.readingOrder = Uint32Array.from(idx);
    this.rankOf = new Uint32Array(n);
    idx.forEach((node, rank) => (this.rankOf[node] = rank));
    this.inEdges = Array.from({ length: n }, () => []);
    this.outEdges = Array.from({ length: n }, () => []);
    for (let e = 0; e < view.edgeCount; e++) {
      this.outEdges[view.edgeSrc[e]].push(e);
      this.inEdges[view.edgeDst[e]].push(e);
    }
  }

  /** Nodes whose boxes intersect the rectangle (world coordinates). */
  query(x0: number, y0: number, x1: number, y1: number): number[] {
    const out = new Set<number>();
    const { x, y, w, h } = this.layout;
    for (let gx = Math.floor(x0 / CELL); gx <= Math.floor(x1 / CELL); gx++) {
      for (let gy = Math.floor(y0 / CELL); gy <= Math.floor(y1 / CELL); gy++) {
        const cell = this.grid.get(gx * 1_000_003 + gy);
        if (!cell) continue;
        for (const i of cell) {
          if (x[i] + w[i] / 2 >= x0 && x[i] - w[i] / 2 <= x1 && y[i] + h[i] / 2 >= y0 && y[i] - h[i] / 2 <= y1) out.add(i);
        }
      }
    }
    return [...out];
  }

  hit(px: number, py: number): number | undefined {
    const hits = this.query(px, py, px, py);
    return hits.length ? hits[0] : undefined;
  }

  /** The edge whose drawn route passes within `tol` of the point (world coordinates), or undefined. */
  hitEdge(px: number, py: number, tol: number): number | undefined {
    const r = this.layout.edges;
    let best: number | undefined;
    let bestD = tol * tol;
    for (let k = 0; k < r.edge.length; k++) {
      const b = 4 * k;
      if (px < this.routeBox[b] - tol || px > this.routeBox[b + 2] + tol || py < this.routeBox[b + 1] - tol || py > this.routeBox[b + 3] + tol) continue;
      for (let p = r.offsets[k]; p + 1 < r.offsets[k + 1]; p++) {
        const x0 = r.points[2 * p];
        const y0 = r.points[2 * p + 1];
        const dx = r.points[2 * p + 2] - x0;
        const dy = r.points[2 * p + 3] - y0;
        const len = dx * dx + dy * dy;
        const t = len > 0 ? Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / len)) : 0;
        const ex = x0 + t * dx - px;
        const ey = y0 + t * dy - py;
        const d = ex * ex + ey * ey;
        if (d <= bestD) {
          bestD = d;
          best = r.edge[k];
        }
      }
    }
    return best;
  }

  /** Index of the node whose IR id is `id`, or undefined. */
  indexOfId(id: number): number | undefined {
    const ids = this.view.nodeId;
    for (let i = 0; i < ids.length; i++) if (ids[i] === id) return i;
    return undefined;
  }
}
