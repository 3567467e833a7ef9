import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { GraphBuilder } from '../../../webview/layout/graph';
import { layoutGraph } from '../../../webview/layout/layout';
import { makeRandomDag } from '../../../webview/layout/synthetic';
import { StubReason, type LayoutGraph, type LayoutResult } from '../../../webview/layout/types';
import { checkLayout, withoutTimings } from './check';

/** Index of the route of edge k, or -1. */
function routeOf(r: LayoutResult, k: number): number {
  return r.edges.edge.indexOf(k);
}
function routePoints(r: LayoutResult, k: number): [number, number][] {
  const i = routeOf(r, k);
  assert.ok(i >= 0, `edge ${k} has a route`);
  const out: [number, number][] = [];
  for (let p = r.edges.offsets[i]; p < r.edges.offsets[i + 1]; p++) out.push([r.edges.points[2 * p], r.edges.points[2 * p + 1]]);
  return out;
}
function stubReason(r: LayoutResult, k: number): number {
  const i = r.stubs.edge.indexOf(k);
  return i < 0 ? 0 : r.stubs.reason[i];
}

//   a
//   |
//   b
//   |
//   c
//   |
//   d
function chain(len = 4): LayoutGraph {
  const b = new GraphBuilder();
  for (let i = 0; i < len; i++) b.node(80 + 10 * (i % 3), 30);
  for (let i = 0; i + 1 < len; i++) b.edge(i, i + 1);
  return b.build();
}

test('chain: one node per layer, read straight down', () => {
  const g = chain();
  const r = layoutGraph(g);
  checkLayout(g, r);
  assert.deepEqual([...r.layer], [0, 1, 2, 3]);
  for (let v = 1; v < 4; v++) assert.ok(Math.abs(r.x[v] - r.x[0]) < 0.5, `node ${v} is under node 0`);
  assert.equal(r.stubs.edge.length, 0);
  assert.equal(r.edges.edge.length, 3);
  assert.equal(r.stats.crossings, 0);
});

//     a
//    / \
//   b   c
//    \ /
//     d
function diamond(): LayoutGraph {
  const b = new GraphBuilder();
  const [a, l, r, d] = [b.node(), b.node(), b.node(), b.node()];
  b.edge(a, l);
  b.edge(a, r);
  b.edge(l, d);
  b.edge(r, d);
  return b.build();
}

test('diamond: the two branches side by side, a and d centred between them', () => {
  const g = diamond();
  const r = layoutGraph(g);
  checkLayout(g, r);
  assert.deepEqual([...r.layer], [0, 1, 1, 2]);
  const mid = (r.x[1] + r.x[2]) / 2;
  assert.ok(Math.abs(r.x[0] - mid) < 1, 'a is centred over b and c');
  assert.ok(Math.abs(r.x[3] - mid) < 1, 'd is centred under b and c');
  // d has two inputs: two in-ports, ordered like their producers.
  const e2 = routePoints(r, 2);
  const e3 = routePoints(r, 3);
  const xl = e2[e2.length - 1][0];
  const xr = e3[e3.length - 1][0];
  assert.ok((xl < xr) === (r.x[1] < r.x[2]), 'in-ports do not cross');
  assert.notEqual(xl, xr);
});

//        a
//   / / / \ \
//  b c d   e f
function fanOut(k = 5): LayoutGraph {
  const b = new GraphBuilder();
  const a = b.node(60, 30);
  for (let i = 0; i < k; i++) b.edge(a, b.node(70, 30));
  return b.build();
}

test('fan-out: children in one layer without overlap, parent centred over them', () => {
  const g = fanOut();
  const r = layoutGraph(g);
  checkLayout(g, r);
  assert.equal(r.layerCount, 2);
  let lo = Infinity;
  let hi = -Infinity;
  for (let v = 1; v <= 5; v++) {
    lo = Math.min(lo, r.x[v]);
    hi = Math.max(hi, r.x[v]);
  }
  assert.ok(Math.abs(r.x[0] - (lo + hi) / 2) < 1);
  // All five edges leave from the same out-port: one tensor.
  const starts = new Set([0, 1, 2, 3, 4].map((k) => routePoints(r, k)[0][0]));
  assert.equal(starts.size, 1);
});

//   a -> b -> c
//   ^         |
//   +---------+
test('cycle: one edge is removed (drawn as a cycle stub), the rest is a chain', () => {
  const b = new GraphBuilder();
  const [a, bb, c] = [b.node(), b.node(), b.node()];
  b.edge(a, bb);
  b.edge(bb, c);
  b.edge(c, a);
  const g = b.build();
  const r = layoutGraph(g);
  checkLayout(g, r);
  assert.equal(r.stats.cycleStubs, 1);
  assert.equal(stubReason(r, 2), StubReason.Cycle, 'the edge back to the first node closes the cycle');
  assert.deepEqual([...r.layer], [0, 1, 2]);
});

//   a <-> b  (two 2-cycles sharing b) ; b <-> c ; plus d -> a
test('cycles: nested and overlapping cycles are all broken, no node left behind', () => {
  const b = new GraphBuilder();
  const [a, bb, c, d] = [b.node(), b.node(), b.node(), b.node()];
  b.edge(a, bb);
  b.edge(bb, a);
  b.edge(bb, c);
  b.edge(c, bb);
  b.edge(d, a);
  const g = b.build();
  const r = layoutGraph(g);
  checkLayout(g, r);
  assert.equal(r.stats.cycleStubs, 2);
  for (let k = 0; k < 5; k++) {
    if (stubReason(r, k) === 0) assert.ok(r.layer[g.edges[2 * k]] < r.layer[g.edges[2 * k + 1]]);
  }
});

//   a --+
//   ^   |   (a -> a)
//   +---+
test('self-loop: drawn as a stub, the node is laid out normally', () => {
  const b = new GraphBuilder();
  const a = b.node();
  const c = b.node();
  b.edge(a, a);
  b.edge(a, c);
  const g = b.build();
  const r = layoutGraph(g);
  checkLayout(g, r);
  assert.equal(stubReason(r, 0), StubReason.SelfLoop);
  assert.deepEqual([...r.layer], [0, 1]);
});

//   a     x
//   |     |
//   b     y      z (isolated)
//   |
//   c
test('disconnected: components side by side, no overlap, each chain straight', () => {
  const b = new GraphBuilder();
  const [a, bb, c] = [b.node(), b.node(), b.node()];
  const [x, y] = [b.node(), b.node()];
  b.node(50, 50);
  b.edge(a, bb);
  b.edge(bb, c);
  b.edge(x, y);
  const g = b.build();
  const r = layoutGraph(g);
  checkLayout(g, r);
  assert.ok(Math.abs(r.x[a] - r.x[bb]) < 0.5 && Math.abs(r.x[bb] - r.x[c]) < 0.5);
  assert.ok(Math.abs(r.x[x] - r.x[y]) < 0.5);
});

//   mask ---stub---> block0.add, block1.add, ... block199.add
//   in -> [mul -> add] -> [mul -> add] -> ... (200 blocks)
function broadcastGraph(blocks = 200): { g: LayoutGraph; mask: number; adds: number[] } {
  const b = new GraphBuilder();
  const input = b.node();
  const mask = b.node();
  let prev = input;
  const adds: number[] = [];
  for (let i = 0; i < blocks; i++) {
    const mul = b.node();
    const add = b.node();
    b.edge(prev, mul, prev);
    b.edge(mul, add, mul);
    b.edge(mask, add, mask);
    adds.push(add);
    prev = add;
  }
  return { g: b.build(), mask, adds };
}

test('broadcast tensor with 200 consumers becomes 200 stubs, no long edges, no bend points', () => {
  const { g, mask, adds } = broadcastGraph();
  const r = layoutGraph(g);
  checkLayout(g, r);
  assert.equal(r.stats.broadcastTensors, 1);
  assert.equal(r.stats.broadcastStubs, 200);
  assert.equal(r.stats.virtualNodes, 0);
  for (let s = 0; s < r.stubs.edge.length; s++) {
    const k = r.stubs.edge[s];
    assert.equal(g.edges[2 * k], mask);
    assert.equal(r.stubs.reason[s], StubReason.Broadcast);
  }
  // The mask sits just above its first consumer, not hundreds of layers away.
  assert.equal(r.layer[mask], r.layer[adds[0]] - 1);
  // The main chain reads straight down.
  for (const a of adds) assert.ok(Math.abs(r.x[a] - r.x[adds[0]]) < 1);
  // Below the threshold the same tensor is drawn (edges within maxSpan) or a span stub.
  const r2 = layoutGraph(g, { maxConsumers: 500 });
  checkLayout(g, r2, { maxConsumers: 500 });
  assert.equal(r2.stats.broadcastStubs, 0);
  assert.ok(r2.stats.spanStubs > 0);
});

//   s
//   |\
//   a \
//   |  |   (s -> z spans 11 layers)
//   ...|
//   j  |
//   | /
//   z
function longEdge(len: number): LayoutGraph {
  const b = new GraphBuilder();
  const s = b.node();
  let prev = s;
  for (let i = 0; i < len; i++) {
    const v = b.node();
    b.edge(prev, v);
    prev = v;
  }
  const z = b.node();
  b.edge(prev, z);
  b.edge(s, z);
  return b.build();
}

test('long edge: vertical bend points within maxSpan, a span stub beyond', () => {
  const g = longEdge(10);
  const r = layoutGraph(g);
  checkLayout(g, r);
  const k = (g.edges.length >> 1) - 1;
  const pts = routePoints(r, k);
  assert.equal(pts.length, 2 * 11);
  // The bend points form one vertical run beside the chain.
  const xs = new Set(pts.slice(1, -1).map((p) => p[0]));
  assert.equal(xs.size, 1, 'one straight vertical run');
  assert.equal(r.stats.virtualNodes, 10);

  const r2 = layoutGraph(g, { maxSpan: 5 });
  checkLayout(g, r2, { maxSpan: 5 });
  assert.equal(stubReason(r2, k), StubReason.Span);
  assert.equal(r2.stats.virtualNodes, 0);
});

test('long edges beyond the bend point budget become span stubs, longest first', () => {
  // Chain of 30 with edges from node 0 to nodes 3, 6, ..., 30 (spans 3..30).
  const b = new GraphBuilder();
  for (let i = 0; i <= 30; i++) b.node();
  for (let i = 0; i < 30; i++) b.edge(i, i + 1);
  for (let i = 3; i <= 30; i += 3) b.edge(0, i, 1000 + i);
  const g = b.build();
  const r = layoutGraph(g, { maxVirtualNodes: 40 });
  checkLayout(g, r, { maxVirtualNodes: 40 });
  assert.ok(r.stats.virtualNodes <= 40);
  let longestKept = 0;
  let shortestStub = Infinity;
  for (let k = 30; k < g.edges.length / 2; k++) {
    const span = r.layer[g.edges[2 * k + 1]] - r.layer[g.edges[2 * k]];
    if (stubReason(r, k) === StubReason.Span) shortestStub = Math.min(shortestStub, span);
    else longestKept = Math.max(longestKept, span);
  }
  assert.ok(longestKept < shortestStub, `kept spans (max ${longestKept}) are shorter than stubbed ones (min ${shortestStub})`);
  // Huge limits are limits, not sizes: nothing is allocated per unit of maxSpan or maxConsumers.
  const before = process.memoryUsage().arrayBuffers;
  const huge = { maxSpan: 1e9, maxConsumers: 1e9, maxVirtualNodes: 40 };
  const r3 = layoutGraph(g, huge);
  checkLayout(g, r3, huge);
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1048576, 'no giant allocation');
});

//   W1   x    (initializers beside the chain they feed)
//     \ /
//   MatMul   W2
//        \  /
//        Add   W3
//          \  /
//          MatMul
test('weights and constants sit one layer above their consumer, beside a straight chain', () => {
  const b = new GraphBuilder();
  const x = b.node(100, 32);
  let prev = x;
  const ops: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < 12; i++) {
    const op = b.node(100, 32);
    const w = b.node(80, 24);
    b.edge(prev, op, prev);
    b.edge(w, op, w);
    ops.push(op);
    weights.push(w);
    prev = op;
  }
  const g = b.build();
  const r = layoutGraph(g);
  checkLayout(g, r);
  for (let i = 0; i < ops.length; i++) {
    assert.equal(r.layer[weights[i]], r.layer[ops[i]] - 1, `weight ${i} is right above its consumer`);
    assert.ok(Math.abs(r.x[ops[i]] - r.x[ops[0]]) < 3, `op ${i} stays in the column`);
  }
  // A weight behind a Transpose (a chain hanging from the consumer) is pulled down too.
  const b2 = new GraphBuilder();
  const src = b2.node();
  const mid = b2.node();
  const last = b2.node();
  const w = b2.node();
  const tr = b2.node();
  b2.edge(src, mid);
  b2.edge(mid, last);
  b2.edge(w, tr);
  b2.edge(tr, last);
  const g2 = b2.build();
  const r2 = layoutGraph(g2);
  checkLayout(g2, r2);
  assert.deepEqual([r2.layer[w], r2.layer[tr], r2.layer[last]], [0, 1, 2]);
});

//        split
//       /  |  \      three output tensors: three out-ports
//      q   k   v
test('multi-output node: one out-port per tensor, ordered like the consumers', () => {
  const b = new GraphBuilder();
  const s = b.node(200, 30);
  const outs = [b.node(), b.node(), b.node()];
  outs.forEach((o, i) => b.edge(s, o, 10 + i));
  const g = b.build();
  const r = layoutGraph(g);
  checkLayout(g, r);
  const starts = [0, 1, 2].map((k) => routePoints(r, k)[0][0]);
  assert.equal(new Set(starts).size, 3);
  const byStart = [0, 1, 2].sort((p, q) => starts[p] - starts[q]);
  const byX = [0, 1, 2].sort((p, q) => r.x[outs[p]] - r.x[outs[q]]);
  assert.deepEqual(byStart, byX);
});

test('empty graph, single node, nodes without edges', () => {
  const empty = new GraphBuilder().build();
  const r0 = layoutGraph(empty);
  assert.equal(r0.layerCount, 0);
  assert.equal(r0.x.length, 0);
  checkLayout(empty, r0);
  const one = new GraphBuilder();
  one.node(10, 10);
  const g1 = one.build();
  const r1 = layoutGraph(g1);
  checkLayout(g1, r1);
  assert.equal(r1.width, 10 + 2 * 20);
  const many = new GraphBuilder();
  for (let i = 0; i < 7; i++) many.node(30, 20);
  const g7 = many.build();
  const r7 = layoutGraph(g7);
  checkLayout(g7, r7);
  assert.equal(r7.layerCount, 1);
});

test('deterministic: the same graph gives the same layout, bit for bit', () => {
  for (const g of [diamond(), broadcastGraph(30).g, makeRandomDag(600, 3, 7)]) {
    assert.deepEqual(withoutTimings(layoutGraph(g)), withoutTimings(layoutGraph(g)));
  }
});

test('crossing reduction: a twisted bipartite graph is untangled', () => {
  //   a  b  c  d
  //    \/ \/ \/     edges a->w, b->z, c->y, d->x: a permutation with 6 crossings in index order
  //   x  y  z  w
  const b = new GraphBuilder();
  const top = [b.node(), b.node(), b.node(), b.node()];
  const bottom = [b.node(), b.node(), b.node(), b.node()];
  [3, 2, 1, 0].forEach((j, i) => b.edge(top[i], bottom[j]));
  const g = b.build();
  const r = layoutGraph(g);
  checkLayout(g, r);
  assert.equal(r.stats.crossings, 0);
});

test('rejects malformed graphs and options with a message that says what to do', () => {
  const ok = chain(3);
  assert.throws(() => layoutGraph({ ...ok, edges: new Uint32Array([0, 1, 2]) }), /odd length 3: expected pairs/);
  assert.throws(() => layoutGraph({ ...ok, edges: new Uint32Array([0, 9]) }), /names node 9 but nodeCount is 3/);
  assert.throws(() => layoutGraph({ ...ok, widths: new Float32Array(2) }), /widths has 2 .* nodeCount is 3/);
  assert.throws(() => layoutGraph({ ...ok, heights: Float32Array.of(1, NaN, 1) }), /node 1 has size .* finite/);
  assert.throws(() => layoutGraph({ ...ok, edgeTensor: new Uint32Array(5) }), /one tensor id per edge \(2\)/);
  assert.throws(() => layoutGraph(ok, { maxSpan: 0 }), /maxSpan must be an integer >= 1/);
  assert.throws(() => layoutGraph(ok, { nodeSpacing: 3 } as never), /unknown: expected one of nodeSep/);
});

test('property: random graphs (with cycles, self-loops, parallel edges) always give a valid layout', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 60 }),
      fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat({ max: 5 })), { maxLength: 150 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 8 }),
      (n, pairs, maxConsumers, maxSpan) => {
        const b = new GraphBuilder();
        for (let i = 0; i < n; i++) b.node(20 + (i % 7) * 10, 10 + (i % 3) * 8);
        for (const [s, d, t] of pairs) b.edge(s % n, d % n, (s % n) * 8 + t);
        const g = b.build();
        const opts = { maxConsumers, maxSpan, maxVirtualNodes: 20 };
        const r = layoutGraph(g, opts);
        checkLayout(g, r, opts);
        assert.deepEqual(withoutTimings(layoutGraph(g, opts)), withoutTimings(r));
      },
    ),
    { numRuns: 150, seed: 20260101 },
  );
});

test('random DAGs of 3,000 nodes: valid, and crossing reduction beats the initial order', () => {
  const g = makeRandomDag(3000, 3, 42);
  const r = layoutGraph(g);
  checkLayout(g, r);
  const unordered = layoutGraph(g, { orderSweeps: 0 });
  checkLayout(g, unordered, { orderSweeps: 0 });
  assert.ok(r.stats.crossings < unordered.stats.crossings, `${r.stats.crossings} < ${unordered.stats.crossings}`);
});
