/**
 * Spatial index over a layout for viewport culling and hit-testing: a uniform grid of buckets (CSR
 * arrays, no per-cell objects). Nodes are bucketed by their box; edge routes and stubs by the
 * bounding boxes of their segments. Queries return indices in increasing order.
 *
 *   const grid = buildGrid(layout);
 *   grid.queryRect(x0, y0, x1, y1)   -> node indices whose box meets the rectangle
 *   grid.queryEdges(x0, y0, x1, y1)  -> route indices (into layout.edges) with a segment in it
 *   grid.queryStubs(x0, y0, x1, y1)  -> stub indices (into layout.stubs) with a tick in it
 *   grid.nearestNode(x, y, maxDist)  -> the node closest to the point (0 inside a box), or -1
 */
import type { LayoutResult } from './types';

export interface GridOptions {
  /** Cell size in layout units; default twice the mean node size, grown so cells <= 4 x items. */
  cellSize?: number;
}

interface Buckets {
  start: Uint32Array;
  items: Uint32Array;
  stamp: Uint32Array;
}

type SegmentVisitor = (item: number, x0: number, y0: number, x1: number, y1: number) => void;

export class SpatialGrid {
  readonly cellSize: number;
  readonly cols: number;
  readonly rows: number;
  private query = 0;
  private scratch = new Uint32Array(64);

  /** @internal use buildGrid */
  constructor(
    private readonly layout: LayoutResult,
    cellSize: number,
    private readonly nodes: Buckets,
    private readonly edges: Buckets,
    private readonly stubs: Buckets,
  ) {
    this.cellSize = cellSize;
    this.cols = Math.max(1, Math.ceil(layout.width / cellSize));
    this.rows = Math.max(1, Math.ceil(layout.height / cellSize));
  }

  /** Nodes whose box intersects the rectangle (corners in any order), ascending. */
  queryRect(x0: number, y0: number, x1: number, y1: number): Uint32Array {
    const L = this.layout;
    return this.collect(this.nodes, x0, y0, x1, y1, (v, a, b, c, d) => {
      const hw = L.w[v] / 2;
      const hh = L.h[v] / 2;
      return L.x[v] + hw >= a && L.x[v] - hw <= c && L.y[v] + hh >= b && L.y[v] - hh <= d;
    });
  }

  /** Routes (indices into layout.edges.edge) with at least one segment meeting the rectangle, ascending. */
  queryEdges(x0: number, y0: number, x1: number, y1: number): Uint32Array {
    const { offsets, points } = this.layout.edges;
    return this.collect(this.edges, x0, y0, x1, y1, (r, a, b, c, d) => {
      for (let p = offsets[r]; p + 1 < offsets[r + 1]; p++) {
        if (segmentMeetsRect(points[2 * p], points[2 * p + 1], points[2 * p + 2], points[2 * p + 3], a, b, c, d)) return true;
      }
      return false;
    });
  }

  /** Stubs (indices into layout.stubs.edge) with a tick meeting the rectangle, ascending. */
  queryStubs(x0: number, y0: number, x1: number, y1: number): Uint32Array {
    const pts = this.layout.stubs.points;
    return this.collect(this.stubs, x0, y0, x1, y1, (s, a, b, c, d) => {
      const q = 8 * s;
      return (
        segmentMeetsRect(pts[q], pts[q + 1], pts[q + 2], pts[q + 3], a, b, c, d) ||
        segmentMeetsRect(pts[q + 4], pts[q + 5], pts[q + 6], pts[q + 7], a, b, c, d)
      );
    });
  }

  /**
   * The node nearest to (x, y): distance 0 inside a box, else to the box's edge; ties go to the
   * nearer centre, then the lower index. -1 when no node is within maxDist.
   */
  nearestNode(x: number, y: number, maxDist = Infinity): number {
    const L = this.layout;
    if (L.nodeCount === 0 || !(x === x && y === y)) return -1;
    const cs = this.cellSize;
    const cx = Math.floor(x / cs);
    const cy = Math.floor(y / cs);
    const { start, items } = this.nodes;
    let best = -1;
    let bestD = Infinity;
    let bestC = Infinity;
    const visitCell = (cell: number): void => {
      for (let j = start[cell]; j < start[cell + 1]; j++) {
        const v = items[j];
        const dx = Math.max(0, Math.abs(x - L.x[v]) - L.w[v] / 2);
        const dy = Math.max(0, Math.abs(y - L.y[v]) - L.h[v] / 2);
        const d = Math.hypot(dx, dy);
        const c = Math.hypot(x - L.x[v], y - L.y[v]);
        if (d < bestD || (d === bestD && (c < bestC || (c === bestC && v < best)))) {
          best = v;
          bestD = d;
          bestC = c;
        }
      }
    };
    // Start at the first ring that reaches the grid.
    const r0 = Math.max(0, -cx, cx - (this.cols - 1), -cy, cy - (this.rows - 1));
    const rMax = Math.max(cx, this.cols - 1 - cx, cy, this.rows - 1 - cy, r0);
    for (let r = r0; r <= rMax; r++) {
      // Cells at Chebyshev distance r from (cx, cy), clipped to the grid.
      const ya = Math.max(0, cy - r);
      const yb = Math.min(this.rows - 1, cy + r);
      for (let gy = ya; gy <= yb; gy++) {
        if (gy === cy - r || gy === cy + r) {
          const xa = Math.max(0, cx - r);
          const xb = Math.min(this.cols - 1, cx + r);
          for (let gx = xa; gx <= xb; gx++) visitCell(gy * this.cols + gx);
        } else {
          if (cx - r >= 0 && cx - r < this.cols) visitCell(gy * this.cols + cx - r);
          if (cx + r >= 0 && cx + r < this.cols) visitCell(gy * this.cols + cx + r);
        }
      }
      // Everything not yet seen lies outside the block of rings 0..r around the point's cell.
      const bx0 = (cx - r) * cs;
      const bx1 = (cx + r + 1) * cs;
      const by0 = (cy - r) * cs;
      const by1 = (cy + r + 1) * cs;
      const outside = Math.min(x - bx0, bx1 - x, y - by0, by1 - y);
      if (outside >= bestD && best >= 0) break;
      if (outside > maxDist) break;
    }
    return best >= 0 && bestD <= maxDist ? best : -1;
  }

  private collect(
    b: Buckets,
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    hit: (item: number, a: number, b: number, c: number, d: number) => boolean,
  ): Uint32Array {
    const a = Math.min(x0, x1);
    const c = Math.max(x0, x1);
    const bb = Math.min(y0, y1);
    const d = Math.max(y0, y1);
    if (!(a === a && bb === bb && c === c && d === d)) return new Uint32Array(0);
    const cs = this.cellSize;
    const gx0 = Math.max(0, Math.floor(a / cs));
    const gx1 = Math.min(this.cols - 1, Math.floor(c / cs));
    const gy0 = Math.max(0, Math.floor(bb / cs));
    const gy1 = Math.min(this.rows - 1, Math.floor(d / cs));
    if (gx0 > gx1 || gy0 > gy1) return new Uint32Array(0);
    if (++this.query === 0xffffffff) {
      this.nodes.stamp.fill(0);
      this.edges.stamp.fill(0);
      this.stubs.stamp.fill(0);
      this.query = 1;
    }
    const q = this.query;
    let count = 0;
    for (let gy = gy0; gy <= gy1; gy++) {
      for (let gx = gx0; gx <= gx1; gx++) {
        const cell = gy * this.cols + gx;
        for (let j = b.start[cell]; j < b.start[cell + 1]; j++) {
          const it = b.items[j];
          if (b.stamp[it] === q) continue;
          b.stamp[it] = q;
          if (!hit(it, a, bb, c, d)) continue;
          if (count === this.scratch.length) {
            const grown = new Uint32Array(count * 2);
            grown.set(this.scratch);
            this.scratch = grown;
          }
          this.scratch[count++] = it;
        }
      }
    }
    return this.scratch.slice(0, count).sort();
  }
}

/** Liang-Barsky: does segment (x0,y0)-(x1,y1) meet the closed rectangle [a,c] x [b,d]? */
export function segmentMeetsRect(x0: number, y0: number, x1: number, y1: number, a: number, b: number, c: number, d: number): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = x1 - x0;
  const dy = y1 - y0;
  const clip = (p: number, q: number): boolean => {
    if (p === 0) return q >= 0;
    const t = q / p;
    if (p < 0) {
      if (t > t1) return false;
      if (t > t0) t0 = t;
    } else {
      if (t < t0) return false;
      if (t < t1) t1 = t;
    }
    return true;
  };
  return clip(-dx, x0 - a) && clip(dx, c - x0) && clip(-dy, y0 - b) && clip(dy, d - y0);
}

export function buildGrid(layout: LayoutResult, options: GridOptions = {}): SpatialGrid {
  const n = layout.nodeCount;
  const routes = layout.edges.edge.length;
  const stubCount = layout.stubs.edge.length;
  let cell = options.cellSize;
  if (cell !== undefined && !(cell > 0 && Number.isFinite(cell))) {
    throw new RangeError(`buildGrid: cellSize must be a positive number, found ${cell}`);
  }
  if (cell === undefined) {
    let sum = 0;
    for (let v = 0; v < n; v++) sum += Math.max(layout.w[v], layout.h[v]);
    cell = Math.max(8, n ? (2 * sum) / n : 64);
  }
  const budget = 4 * (n + routes + stubCount) + 1024;
  const cellsFor = (cs: number): number => Math.max(1, Math.ceil(layout.width / cs)) * Math.max(1, Math.ceil(layout.height / cs));
  while (cellsFor(cell) > budget) cell *= 1.5;
  const cols = Math.max(1, Math.ceil(layout.width / cell));
  const rows = Math.max(1, Math.ceil(layout.height / cell));
  const cs = cell;

  const nodes = bucket(cols, rows, cs, n, (visit) => {
    for (let v = 0; v < n; v++) {
      const hw = layout.w[v] / 2;
      const hh = layout.h[v] / 2;
      visit(v, layout.x[v] - hw, layout.y[v] - hh, layout.x[v] + hw, layout.y[v] + hh);
    }
  });
  const { offsets, points } = layout.edges;
  const edges = bucket(cols, rows, cs, routes, (visit) => {
    for (let r = 0; r < routes; r++) {
      for (let p = offsets[r]; p + 1 < offsets[r + 1]; p++) {
        visit(r, points[2 * p], points[2 * p + 1], points[2 * p + 2], points[2 * p + 3]);
      }
    }
  });
  const sp = layout.stubs.points;
  const stubs = bucket(cols, rows, cs, stubCount, (visit) => {
    for (let s = 0; s < stubCount; s++) {
      visit(s, sp[8 * s], sp[8 * s + 1], sp[8 * s + 2], sp[8 * s + 3]);
      visit(s, sp[8 * s + 4], sp[8 * s + 5], sp[8 * s + 6], sp[8 * s + 7]);
    }
  });
  return new SpatialGrid(layout, cs, nodes, edges, stubs);
}

/** Two passes over the items' boxes (count, then fill); an item is stored once per cell. */
function bucket(cols: number, rows: number, cs: number, itemCount: number, forEach: (visit: SegmentVisitor) => void): Buckets {
  const cells = cols * rows;
  const start = new Uint32Array(cells + 1);
  const last = new Int32Array(cells).fill(-1);
  let items = new Uint32Array(0);
  let fill = start;
  let filling = false;
  const visit: SegmentVisitor = (item, x0, y0, x1, y1) => {
    const gx0 = clampCell(Math.floor(Math.min(x0, x1) / cs), cols);
    const gx1 = clampCell(Math.floor(Math.max(x0, x1) / cs), cols);
    const gy0 = clampCell(Math.floor(Math.min(y0, y1) / cs), rows);
    const gy1 = clampCell(Math.floor(Math.max(y0, y1) / cs), rows);
    for (let gy = gy0; gy <= gy1; gy++) {
      for (let gx = gx0; gx <= gx1; gx++) {
        const c = gy * cols + gx;
        if (last[c] === item) continue;
        last[c] = item;
        if (filling) items[fill[c]++] = item;
        else start[c + 1]++;
      }
    }
  };
  forEach(visit);
  for (let c = 0; c < cells; c++) start[c + 1] += start[c];
  items = new Uint32Array(start[cells]);
  fill = start.slice(0, cells);
  last.fill(-1);
  filling = true;
  forEach(visit);
  return { start, items, stamp: new Uint32Array(Math.max(1, itemCount)) };
}

function clampCell(g: number, size: number): number {
  return g < 0 ? 0 : g >= size ? size - 1 : g === g ? g : 0;
}
