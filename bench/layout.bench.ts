/**
 * Layout bench: transformer-decoder-like graphs of about 5.3k, 22k and 200k nodes (LayerNorm chains,
 * attention with a causal mask and rotary cos/sin read by every block, weights and constants as
 * nodes), laid out with webview/layout. Prints times per phase and memory, then one JSON line.
 *
 *   node --import tsx bench/layout.bench.ts            (add --expose-gc for cleaner memory figures)
 *   node --import tsx bench/layout.bench.ts --quick    (5.3k and 22k only)
 *
 * The first layout of a size runs on colder code (the first size includes JIT warm-up, as a fresh
 * Web Worker would); "warm" is the best of the repeats.
 */
import { buildGrid } from '../webview/layout/grid';
import { layoutGraph } from '../webview/layout/layout';
import { summarize } from '../webview/layout/summarize';
import { decoderBlocksFor, makeDecoderGraph } from '../webview/layout/synthetic';
import type { LayoutResult } from '../webview/layout/types';
import { transferablesOf } from '../webview/layout/worker';

const quick = process.argv.includes('--quick');
const sizes = quick ? [5_300, 22_000] : [5_300, 22_000, 200_000];
const gc = (globalThis as { gc?: () => void }).gc;
const mb = (b: number): string => (b / 1048576).toFixed(1);
const ms = (t: number): string => t.toFixed(0).padStart(6);

function payloadBytes(r: LayoutResult): number {
  return transferablesOf(r).reduce((s, b) => s + b.byteLength, 0);
}

const rows: Record<string, unknown>[] = [];
console.log(`layout bench: node ${process.version}, ${process.platform}/${process.arch}${gc ? ', gc exposed' : ''}`);
console.log(
  'nodes    edges    layers  virtual stubs  crossings  first    warm | layering ordering position routing |  heap+MB  payloadMB  size',
);
for (const target of sizes) {
  const blocks = decoderBlocksFor(target);
  const tg = performance.now();
  const s = makeDecoderGraph(blocks);
  const genMs = performance.now() - tg;
  const g = s.graph;
  gc?.();
  const heap0 = process.memoryUsage();
  const first = layoutGraph(g);
  const heap1 = process.memoryUsage();
  const repeats = target > 100_000 ? 2 : 4;
  let warm = first;
  for (let i = 0; i < repeats; i++) {
    const r = layoutGraph(g);
    if (r.stats.ms.total < warm.stats.ms.total) warm = r;
  }
  const st = warm.stats;
  const heapDelta = heap1.heapUsed + heap1.arrayBuffers - heap0.heapUsed - heap0.arrayBuffers;
  console.log(
    [
      String(g.nodeCount).padEnd(8),
      String(st.edges).padEnd(8),
      String(st.layers).padEnd(7),
      String(st.virtualNodes).padEnd(7),
      String(st.broadcastStubs + st.spanStubs + st.cycleStubs + st.selfLoopStubs).padEnd(6),
      String(st.crossings).padEnd(9),
      ms(first.stats.ms.total),
      ms(st.ms.total),
      '|',
      ms(st.ms.layering),
      ms(st.ms.ordering),
      '  ',
      ms(st.ms.positioning),
      ms(st.ms.routing),
      ' |',
      mb(heapDelta).padStart(7),
      mb(payloadBytes(warm)).padStart(9),
      `  ${warm.width.toFixed(0)} x ${warm.height.toFixed(0)}`,
    ].join(' '),
  );
  const row: Record<string, unknown> = {
    nodes: g.nodeCount,
    edges: st.edges,
    blocks,
    generateMs: +genMs.toFixed(1),
    firstMs: +first.stats.ms.total.toFixed(1),
    warmMs: +st.ms.total.toFixed(1),
    phasesMs: Object.fromEntries(Object.entries(st.ms).map(([k, v]) => [k, +v.toFixed(1)])),
    layers: st.layers,
    virtualNodes: st.virtualNodes,
    broadcastTensors: st.broadcastTensors,
    broadcastStubs: st.broadcastStubs,
    spanStubs: st.spanStubs,
    crossings: st.crossings,
    heapDeltaMB: +mb(heapDelta),
    rssMB: +mb(heap1.rss),
    payloadMB: +mb(payloadBytes(warm)),
    width: Math.round(warm.width),
    height: Math.round(warm.height),
  };
  // Grid for culling and hit tests.
  const t0 = performance.now();
  const grid = buildGrid(warm);
  const gridMs = performance.now() - t0;
  const t1 = performance.now();
  let found = 0;
  for (let i = 0; i < 200; i++) {
    const y = (i / 200) * warm.height;
    found += grid.queryRect(0, y, 1920, y + 1080).length + grid.queryEdges(0, y, 1920, y + 1080).length;
    found += grid.nearestNode(warm.width / 2, y + 540) >= 0 ? 1 : 0;
  }
  const queryMs = (performance.now() - t1) / 200;
  row.gridBuildMs = +gridMs.toFixed(1);
  row.viewportQueryMs = +queryMs.toFixed(3);
  console.log(`         grid: built in ${gridMs.toFixed(0)} ms; one 1920x1080 viewport (nodes + edges + nearest) in ${queryMs.toFixed(3)} ms (${found} hits over 200 viewports)`);
  if (g.nodeCount > 50_000) {
    const t2 = performance.now();
    const sum = summarize(g, 50_000, { groupKey: s.block });
    const t3 = performance.now();
    const sl = layoutGraph(sum.graph);
    const t4 = performance.now();
    const bands = summarize(g, 50_000);
    const t5 = performance.now();
    row.summaryByBlockMs = +(t3 - t2).toFixed(1);
    row.summaryGroups = sum.groupCount;
    row.summaryLayoutMs = +(t4 - t3).toFixed(1);
    row.summaryByBandsMs = +(t5 - t4).toFixed(1);
    console.log(`         summarize by block: ${(t3 - t2).toFixed(0)} ms -> ${sum.groupCount} groups, laid out in ${(t4 - t3).toFixed(0)} ms (${sl.layerCount} layers)`);
    console.log(`         summarize by bands: ${(t5 - t4).toFixed(0)} ms -> ${bands.groupCount} groups`);
    console.log(`         note: ${sum.note}`);
  }
  rows.push(row);
}

// What the stubs save: the smallest graph with every edge drawn (no broadcast stubs, no span limit).
{
  const g = makeDecoderGraph(decoderBlocksFor(sizes[0])).graph;
  gc?.();
  const h0 = process.memoryUsage();
  const r = layoutGraph(g, { maxConsumers: 1e9, maxSpan: 1e9, maxVirtualNodes: 1e9 });
  const h1 = process.memoryUsage();
  console.log(
    `without stubs (${g.nodeCount} nodes, every edge drawn): ${r.stats.ms.total.toFixed(0)} ms, ${r.stats.virtualNodes} bend points ` +
      `(vs ${rows[0].virtualNodes} with stubs), heap +${mb(h1.heapUsed + h1.arrayBuffers - h0.heapUsed - h0.arrayBuffers)} MB`,
  );
  rows.push({ nodes: g.nodeCount, withoutStubsMs: +r.stats.ms.total.toFixed(1), withoutStubsVirtualNodes: r.stats.virtualNodes });
}
console.log('BENCH_JSON ' + JSON.stringify({ bench: 'layout', rows }));
