/**
 * Invariants every layout must satisfy, checked from the outside (only the input graph and the
 * result): throws an AssertionError naming the first violation.
 */
import assert from 'node:assert/strict';
import { tensorKeys } from '../../../webview/layout/layering';
import { resolveOptions } from '../../../webview/layout/layout';
import { StubReason, type LayoutGraph, type LayoutOptions, type LayoutResult } from '../../../webview/layout/types';

const EPS = 0.05;
/** Tolerance for a coordinate of magnitude v stored as Float32. */
const tol = (v: number): number => EPS + Math.abs(v) * 3e-7;
const near = (a: number, b: number): boolean => Math.abs(a - b) <= tol(b);

export function checkLayout(g: LayoutGraph, r: LayoutResult, options?: Partial<LayoutOptions>): void {
  const o = resolveOptions(options);
  const n = g.nodeCount;
  const e = g.edges;
  const m = e.length >> 1;
  assert.equal(r.nodeCount, n);
  for (const [name, arr] of Object.entries({ x: r.x, y: r.y, w: r.w, h: r.h, layer: r.layer, order: r.order })) {
    assert.equal(arr.length, n, `${name} has ${arr.length} entries for ${n} nodes`);
  }
  assert.ok(Number.isFinite(r.width) && Number.isFinite(r.height), 'width and height are finite');

  // Inside the drawing.
  for (let v = 0; v < n; v++) {
    assert.ok(Number.isFinite(r.x[v]) && Number.isFinite(r.y[v]), `node ${v} has a finite centre`);
    assert.ok(r.x[v] - r.w[v] / 2 >= -EPS && r.x[v] + r.w[v] / 2 <= r.width + EPS, `node ${v} is inside [0, width]`);
    assert.ok(r.y[v] - r.h[v] / 2 >= -EPS && r.y[v] + r.h[v] / 2 <= r.height + tol(r.height), `node ${v} is inside [0, height]`);
    assert.ok(r.layer[v] < Math.max(1, r.layerCount), `node ${v} layer ${r.layer[v]} < layerCount ${r.layerCount}`);
  }

  // Layers: bands that do not overlap, and no overlap within a layer; order matches x.
  const byLayer: number[][] = Array.from({ length: r.layerCount }, () => []);
  for (let v = 0; v < n; v++) byLayer[r.layer[v]].push(v);
  const top = new Float64Array(r.layerCount);
  const bottom = new Float64Array(r.layerCount);
  for (let l = 0; l < r.layerCount; l++) {
    const vs = byLayer[l];
    assert.ok(vs.length > 0, `layer ${l} is not empty`);
    vs.sort((a, b) => r.x[a] - r.x[b]);
    top[l] = Infinity;
    bottom[l] = -Infinity;
    for (let i = 0; i < vs.length; i++) {
      const v = vs[i];
      top[l] = Math.min(top[l], r.y[v] - r.h[v] / 2);
      bottom[l] = Math.max(bottom[l], r.y[v] + r.h[v] / 2);
      assert.equal(r.order[v], i, `node ${v}: order ${r.order[v]} but it is number ${i} from the left in layer ${l}`);
      if (i > 0) {
        const u = vs[i - 1];
        const gap = r.x[v] - r.w[v] / 2 - (r.x[u] + r.w[u] / 2);
        assert.ok(gap >= o.nodeSep - EPS, `nodes ${u} and ${v} in layer ${l} are ${gap.toFixed(2)} apart (< nodeSep ${o.nodeSep})`);
      }
    }
    if (l > 0) assert.ok(top[l] >= bottom[l - 1] + o.layerSep - tol(top[l]), `layer ${l} starts ${top[l] - bottom[l - 1]} below layer ${l - 1}`);
  }
  const layerAtTop = (y: number): number | undefined => {
    let lo = 0;
    let hi = r.layerCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (top[mid] <= y + tol(y)) lo = mid;
      else hi = mid - 1;
    }
    return near(y, top[lo]) ? lo : undefined;
  };

  // Every edge is a route or a stub, once, in edge order.
  const seen = new Uint8Array(m);
  let prev = -1;
  for (let i = 0; i < r.edges.edge.length; i++) {
    const k = r.edges.edge[i];
    assert.ok(k > prev, 'routes are in increasing edge order');
    prev = k;
    seen[k]++;
  }
  prev = -1;
  for (let i = 0; i < r.stubs.edge.length; i++) {
    const k = r.stubs.edge[i];
    assert.ok(k > prev, 'stubs are in increasing edge order');
    prev = k;
    seen[k]++;
  }
  for (let k = 0; k < m; k++) assert.equal(seen[k], 1, `edge ${k} (${e[2 * k]} -> ${e[2 * k + 1]}) is drawn ${seen[k]} times`);
  assert.equal(r.edges.offsets.length, r.edges.edge.length + 1);
  assert.equal(r.edges.offsets[r.edges.edge.length], r.edges.points.length / 2);
  assert.equal(r.stubs.points.length, 8 * r.stubs.edge.length);
  assert.equal(r.stubs.reason.length, r.stubs.edge.length);

  // Routes: producer bottom -> consumer top, downward, through free bend points.
  const pts = r.edges.points;
  for (let i = 0; i < r.edges.edge.length; i++) {
    const k = r.edges.edge[i];
    const a = e[2 * k];
    const b = e[2 * k + 1];
    const span = r.layer[b] - r.layer[a];
    assert.ok(span >= 1, `drawn edge ${k} goes from layer ${r.layer[a]} down to layer ${r.layer[b]}`);
    assert.ok(span <= o.maxSpan, `drawn edge ${k} spans ${span} > maxSpan ${o.maxSpan} layers`);
    const p0 = r.edges.offsets[i];
    const p1 = r.edges.offsets[i + 1];
    assert.equal(p1 - p0, 2 * span, `edge ${k} spanning ${span} layers has ${p1 - p0} points`);
    assert.ok(near(pts[2 * p0 + 1], r.y[a] + r.h[a] / 2), `edge ${k} starts at the bottom of node ${a}`);
    assert.ok(Math.abs(pts[2 * p0] - r.x[a]) <= r.w[a] / 2 + EPS, `edge ${k} starts within node ${a}'s width`);
    assert.ok(near(pts[2 * (p1 - 1) + 1], r.y[b] - r.h[b] / 2), `edge ${k} ends at the top of node ${b}`);
    assert.ok(Math.abs(pts[2 * (p1 - 1)] - r.x[b]) <= r.w[b] / 2 + EPS, `edge ${k} ends within node ${b}'s width`);
    for (let p = p0 + 1; p < p1; p++) assert.ok(pts[2 * p + 1] >= pts[2 * p - 1] - tol(pts[2 * p - 1]), `edge ${k} goes down`);
    for (let p = p0 + 1; p + 1 < p1; p += 2) {
      const bx = pts[2 * p];
      assert.equal(pts[2 * p + 2], bx, `edge ${k}: bend point runs vertically through its layer`);
      const l = layerAtTop(pts[2 * p + 1]);
      assert.ok(l !== undefined, `edge ${k}: bend point at y=${pts[2 * p + 1]} is at the top of a layer`);
      for (const v of byLayer[l]) {
        const d = Math.abs(r.x[v] - bx) - r.w[v] / 2;
        assert.ok(d >= o.edgeSep - EPS, `edge ${k} passes ${d.toFixed(2)} from node ${v} in layer ${l} (< edgeSep ${o.edgeSep})`);
      }
    }
  }

  // Stubs: the reason holds.
  const tk = tensorKeys(g);
  const readers = new Map<number, number>();
  for (let k = 0; k < m; k++) readers.set(tk[k], (readers.get(tk[k]) ?? 0) + 1);
  for (let s = 0; s < r.stubs.edge.length; s++) {
    const k = r.stubs.edge[s];
    const a = e[2 * k];
    const b = e[2 * k + 1];
    const q = r.stubs.points.subarray(8 * s, 8 * s + 8);
    assert.ok(near(q[1], r.y[a] + r.h[a] / 2) && near(q[7], r.y[b] - r.h[b] / 2), `stub ${s} ticks touch both nodes`);
    switch (r.stubs.reason[s]) {
      case StubReason.Broadcast:
        assert.ok(readers.get(tk[k])! > o.maxConsumers, `broadcast stub ${s}: its tensor has ${readers.get(tk[k])} readers`);
        break;
      case StubReason.Span:
        assert.ok(r.layer[b] - r.layer[a] > 1, `span stub ${s} spans more than one layer`);
        break;
      case StubReason.Cycle:
        assert.notEqual(a, b, `cycle stub ${s} is not a self-loop`);
        break;
      case StubReason.SelfLoop:
        assert.equal(a, b, `self-loop stub ${s} goes from a node to itself`);
        break;
      default:
        assert.fail(`stub ${s} has an unknown reason ${r.stubs.reason[s]}`);
    }
  }
  // Without cycles, producers are above consumers even for stubs.
  if (r.stats.cycleStubs === 0) {
    for (let k = 0; k < m; k++) {
      if (e[2 * k] !== e[2 * k + 1]) assert.ok(r.layer[e[2 * k]] < r.layer[e[2 * k + 1]], `edge ${k} goes downward`);
    }
  }
}

/** The result without timings, for determinism comparisons. */
export function withoutTimings(r: LayoutResult): unknown {
  return { ...r, stats: { ...r.stats, ms: null } };
}
