import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildGrid, segmentMeetsRect } from '../../../webview/layout/grid';
import { GraphBuilder } from '../../../webview/layout/graph';
import { layoutGraph } from '../../../webview/layout/layout';
import { makeDecoderGraph, makeRandomDag } from '../../../webview/layout/synthetic';
import type { LayoutResult } from '../../../webview/layout/types';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function bruteNodes(r: LayoutResult, a: number, b: number, c: number, d: number): number[] {
  const out: number[] = [];
  for (let v = 0; v < r.nodeCount; v++) {
    if (r.x[v] + r.w[v] / 2 >= a && r.x[v] - r.w[v] / 2 <= c && r.y[v] + r.h[v] / 2 >= b && r.y[v] - r.h[v] / 2 <= d) out.push(v);
  }
  return out;
}

function bruteEdges(r: LayoutResult, a: number, b: number, c: number, d: number): number[] {
  const out: number[] = [];
  const { offsets, points } = r.edges;
  for (let i = 0; i < r.edges.edge.length; i++) {
    for (let p = offsets[i]; p + 1 < offsets[i + 1]; p++) {
      if (segmentMeetsRect(points[2 * p], points[2 * p + 1], points[2 * p + 2], points[2 * p + 3], a, b, c, d)) {
        out.push(i);
        break;
      }
    }
  }
  return out;
}

function bruteNearest(r: LayoutResult, x: number, y: number, maxDist = Infinity): number {
  let best = -1;
  let bd = Infinity;
  let bc = Infinity;
  for (let v = 0; v < r.nodeCount; v++) {
    const d = Math.hypot(Math.max(0, Math.abs(x - r.x[v]) - r.w[v] / 2), Math.max(0, Math.abs(y - r.y[v]) - r.h[v] / 2));
    const c = Math.hypot(x - r.x[v], y - r.y[v]);
    if (d < bd || (d === bd && c < bc)) {
      best = v;
      bd = d;
      bc = c;
    }
  }
  return bd <= maxDist ? best : -1;
}

test('queryRect, queryEdges, queryStubs and nearestNode agree with brute force', () => {
  const s = makeDecoderGraph(6);
  const r = layoutGraph(s.graph, { maxConsumers: 8 });
  assert.ok(r.stubs.edge.length > 0);
  for (const cellSize of [undefined, 17, 400]) {
    const grid = buildGrid(r, cellSize === undefined ? {} : { cellSize });
    const rnd = lcg(cellSize ?? 1);
    for (let i = 0; i < 150; i++) {
      const x0 = rnd() * r.width * 1.2 - r.width * 0.1;
      const y0 = rnd() * r.height * 1.2 - r.height * 0.1;
      const x1 = x0 + (rnd() - 0.3) * 900;
      const y1 = y0 + (rnd() - 0.3) * 1500;
      const [a, c] = [Math.min(x0, x1), Math.max(x0, x1)];
      const [b, d] = [Math.min(y0, y1), Math.max(y0, y1)];
      assert.deepEqual([...grid.queryRect(x0, y0, x1, y1)], bruteNodes(r, a, b, c, d));
      assert.deepEqual([...grid.queryEdges(x0, y0, x1, y1)], bruteEdges(r, a, b, c, d));
      const stubs: number[] = [];
      const sp = r.stubs.points;
      for (let k = 0; k < r.stubs.edge.length; k++) {
        const q = 8 * k;
        if (segmentMeetsRect(sp[q], sp[q + 1], sp[q + 2], sp[q + 3], a, b, c, d) || segmentMeetsRect(sp[q + 4], sp[q + 5], sp[q + 6], sp[q + 7], a, b, c, d)) stubs.push(k);
      }
      assert.deepEqual([...grid.queryStubs(x0, y0, x1, y1)], stubs);
      // Points inside, near and far outside the drawing.
      const px = rnd() * r.width * 3 - r.width;
      const py = rnd() * r.height * 1.4 - r.height * 0.2;
      assert.equal(grid.nearestNode(px, py), bruteNearest(r, px, py), `nearest to (${px}, ${py})`);
      assert.equal(grid.nearestNode(px, py, 30), bruteNearest(r, px, py, 30), `nearest within 30 of (${px}, ${py})`);
    }
  }
});

test('a point inside a node hits that node; the viewport returns only what is visible', () => {
  const g = makeRandomDag(2000, 3, 5);
  const r = layoutGraph(g);
  const grid = buildGrid(r);
  for (let v = 0; v < r.nodeCount; v += 37) assert.equal(grid.nearestNode(r.x[v], r.y[v]), v);
  // A viewport 800 x 600 at the top-left sees a few nodes, not thousands.
  const visible = grid.queryRect(0, 0, 800, 600);
  assert.ok(visible.length > 0 && visible.length < 200, `${visible.length} visible`);
  assert.deepEqual([...grid.queryRect(-500, -500, -10, -10)], []);
  assert.deepEqual([...grid.queryRect(NaN, 0, 10, 10)], []);
});

test('empty layout and bad cell size', () => {
  const r = layoutGraph(new GraphBuilder().build());
  const grid = buildGrid(r);
  assert.equal(grid.nearestNode(5, 5), -1);
  assert.deepEqual([...grid.queryRect(0, 0, 100, 100)], []);
  assert.throws(() => buildGrid(r, { cellSize: 0 }), /cellSize must be a positive number/);
});

test('grid on 200,000 nodes builds fast and queries a viewport in well under a frame', () => {
  const s = makeDecoderGraph(1785);
  const r = layoutGraph(s.graph);
  const t0 = performance.now();
  const grid = buildGrid(r);
  const build = performance.now() - t0;
  assert.ok(build < 5000, `build ${build.toFixed(0)} ms`);
  const t1 = performance.now();
  let seen = 0;
  for (let i = 0; i < 100; i++) {
    const y = (i / 100) * r.height;
    seen += grid.queryRect(0, y, 1600, y + 1000).length + grid.queryEdges(0, y, 1600, y + 1000).length;
    grid.nearestNode(r.width / 2, y + 500);
  }
  const per = (performance.now() - t1) / 100;
  assert.ok(seen > 0);
  assert.ok(per < 16, `${per.toFixed(2)} ms per viewport query`);
});
