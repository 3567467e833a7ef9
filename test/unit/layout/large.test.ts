/**
 * Scale: the graphs that overflowed dagre's and elkjs's stacks and made Netron's layout take minutes.
 * Time limits are loose (shared 2-core machines); bench/layout.bench.ts prints the real figures.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { GraphBuilder } from '../../../webview/layout/graph';
import { layoutGraph } from '../../../webview/layout/layout';
import { decoderBlocksFor, makeDecoderGraph } from '../../../webview/layout/synthetic';
import { StubReason } from '../../../webview/layout/types';
import { checkLayout } from './check';
import { onnxFileToLayoutGraph } from './onnx-graph';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'models');

test('200,000-node transformer graph with shared mask and rotary tensors: no stack overflow, a few seconds', () => {
  const s = makeDecoderGraph(decoderBlocksFor(200_000));
  const g = s.graph;
  assert.ok(g.nodeCount > 195_000 && g.nodeCount < 205_000, `generated ${g.nodeCount} nodes`);
  const t0 = performance.now();
  const r = layoutGraph(g);
  const ms = performance.now() - t0;
  assert.ok(ms < 20_000, `layout took ${ms.toFixed(0)} ms`);
  checkLayout(g, r);
  const blocks = decoderBlocksFor(200_000);
  // mask (1 per block), cos and sin (2 each per block) are broadcast tensors drawn as stubs.
  assert.equal(r.stats.broadcastTensors, 3);
  assert.equal(r.stats.broadcastStubs, 5 * blocks);
  const bySource = new Map<number, number>();
  for (let i = 0; i < r.stubs.edge.length; i++) {
    if (r.stubs.reason[i] !== StubReason.Broadcast) continue;
    const src = g.edges[2 * r.stubs.edge[i]];
    bySource.set(src, (bySource.get(src) ?? 0) + 1);
  }
  assert.deepEqual([...bySource.keys()].sort((a, b) => a - b), [s.shared.cos, s.shared.sin, s.shared.mask].sort((a, b) => a - b));
  // Bend points stay proportional to the graph, and the drawing does not drift sideways.
  assert.ok(r.stats.virtualNodes <= 2 * g.nodeCount + 1000);
  assert.ok(r.width < 3000, `width ${r.width.toFixed(0)}: the drawing stays a column`);
});

test('a 300,000-node chain (depth = size) lays out straight, without recursion', () => {
  const n = 300_000;
  const b = new GraphBuilder();
  for (let i = 0; i < n; i++) b.node(100, 30);
  for (let i = 0; i + 1 < n; i++) b.edge(i, i + 1);
  const g = b.build();
  const r = layoutGraph(g);
  assert.equal(r.layerCount, n);
  for (let v = 0; v < n; v += 997) assert.ok(Math.abs(r.x[v] - r.x[0]) < 0.5);
  assert.equal(r.layer[n - 1], n - 1);
});

test('a cycle through 100,000 nodes is broken without recursion', () => {
  const n = 100_000;
  const b = new GraphBuilder();
  for (let i = 0; i < n; i++) b.node(60, 20);
  for (let i = 0; i < n; i++) b.edge(i, (i + 1) % n);
  const g = b.build();
  const r = layoutGraph(g);
  assert.equal(r.stats.cycleStubs, 1);
  assert.equal(r.layerCount, n);
});

test('a 50,000-wide layer: no overlaps, parent centred', () => {
  const b = new GraphBuilder();
  const root = b.node(100, 30);
  for (let i = 0; i < 50_000; i++) b.edge(root, b.node(40 + (i % 5) * 10, 20), i);
  const g = b.build();
  const r = layoutGraph(g);
  checkLayout(g, r);
  assert.ok(Math.abs(r.x[root] - r.width / 2) < 50);
});

test('decoder_48 (5,341 ONNX nodes, a real export): laid out well under 2 s, broadcast tensors stubbed', () => {
  const { graph, labels } = onnxFileToLayoutGraph(join(FIXTURES, 'decoder_48', 'model.onnx'));
  const t0 = performance.now();
  const r = layoutGraph(graph);
  const ms = performance.now() - t0;
  assert.ok(ms < 2000, `layout took ${ms.toFixed(0)} ms`);
  checkLayout(graph, r);
  // ln1.weight/ln1.bias (96 Identity readers), Constant_5 (144) and the causal mask (48).
  assert.equal(r.stats.broadcastTensors, 4);
  const names = new Set<string>();
  for (let i = 0; i < r.stubs.edge.length; i++) names.add(labels[graph.edges[2 * r.stubs.edge[i]]]);
  assert.ok(names.has('init blocks.0.ln1.weight') && names.has('Trilu'), [...names].join(', '));
  assert.equal(r.stats.spanStubs, 0);
  assert.ok(r.width < 4000, `width ${r.width.toFixed(0)}`);
  // Weights sit right above their consumer.
  const inits = labels.map((l, v) => (l.startsWith('init blocks.3.') ? v : -1)).filter((v) => v >= 0);
  for (const w of inits) {
    for (let k = 0; k < graph.edges.length / 2; k++) {
      if (graph.edges[2 * k] === w && r.stubs.edge.indexOf(k) < 0) assert.equal(r.layer[graph.edges[2 * k + 1]] - r.layer[w], 1, labels[w]);
    }
  }
});
