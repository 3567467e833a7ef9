/**
 * Layered top-to-bottom layout for huge ONNX graphs, in time linear in the graph (plus a sort per
 * layer) and without recursion, so it neither overflows the stack nor blows up on the long edges of
 * tensors every block reads:
 *
 *   layering (layering.ts)  ->  long edges / stubs (proper.ts)  ->  order (ordering.ts)
 *   ->  coordinates (position.ts)  ->  edge polylines and stubs (routes.ts)
 *
 * Broadcast tensors (more than maxConsumers readers), edges spanning more than maxSpan layers and
 * edges that close cycles are not drawn as lines: they are reported as stubs with a reason, and the
 * renderer draws a short labelled tick at each end. Deterministic: the same graph and options give the
 * same result, bit for bit (except stats.ms).
 */
import { validateGraph } from './graph';
import { computeLayering } from './layering';
import { orderLayers } from './ordering';
import { placeNodes } from './position';
import { buildProper, markLongEdges } from './proper';
import { routeEdges } from './routes';
import { DEFAULT_LAYOUT_OPTIONS, StubReason, type LayoutGraph, type LayoutOptions, type LayoutResult } from './types';

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export function resolveOptions(options?: Partial<LayoutOptions>): LayoutOptions {
  const o: LayoutOptions = { ...DEFAULT_LAYOUT_OPTIONS };
  if (options) {
    for (const key of Object.keys(options) as (keyof LayoutOptions)[]) {
      const v = options[key];
      if (v === undefined) continue;
      if (!(key in DEFAULT_LAYOUT_OPTIONS)) {
        throw new RangeError(`layout option "${String(key)}" is unknown: expected one of ${Object.keys(DEFAULT_LAYOUT_OPTIONS).join(', ')}`);
      }
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new RangeError(`layout option ${key} must be a finite number, found ${String(v)}`);
      }
      o[key] = v;
    }
  }
  for (const key of ['maxConsumers', 'maxSpan'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new RangeError(`layout option ${key} must be an integer >= 1, found ${o[key]}`);
  }
  for (const key of ['orderSweeps', 'positionSweeps'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 0) throw new RangeError(`layout option ${key} must be an integer >= 0, found ${o[key]}`);
  }
  for (const key of ['nodeSep', 'edgeSep', 'layerSep', 'stubLength', 'margin'] as const) {
    if (o[key] < 0) throw new RangeError(`layout option ${key} must be >= 0, found ${o[key]}`);
  }
  return o;
}

export function layoutGraph(graph: LayoutGraph, options?: Partial<LayoutOptions>): LayoutResult {
  const t0 = now();
  validateGraph(graph);
  const o = resolveOptions(options);
  const n = graph.nodeCount;
  const m = graph.edges.length >> 1;

  const lay = computeLayering(graph, o.maxConsumers);
  const maxVirtual = o.maxVirtualNodes >= 0 ? o.maxVirtualNodes : 2 * n + 1000;
  markLongEdges(graph, lay.layer, lay.reason, o.maxSpan, maxVirtual);
  const pg = buildProper(graph, lay.layer, lay.reason);
  const t1 = now();

  const ord = orderLayers(pg, lay.layerCount, o.orderSweeps);
  const t2 = now();

  const pl = placeNodes(pg, ord, graph.heights, lay.layerCount, o);
  const t3 = now();

  const { routes, stubs, y } = routeEdges(graph, pg, pl, lay.reason, o.stubLength);

  const x = new Float32Array(n);
  for (let v = 0; v < n; v++) x[v] = pl.x[v];
  const order = new Uint32Array(n);
  for (let l = 0; l < lay.layerCount; l++) {
    let r = 0;
    for (let i = ord.layerStart[l]; i < ord.layerStart[l + 1]; i++) {
      const v = ord.nodes[i];
      if (v < n) order[v] = r++;
    }
  }
  const counts = [0, 0, 0, 0, 0];
  for (let k = 0; k < m; k++) counts[lay.reason[k]]++;
  const t4 = now();
  return {
    nodeCount: n,
    x,
    y: Float32Array.from(y),
    w: graph.widths.slice(),
    h: graph.heights.slice(),
    layer: lay.layer,
    order,
    layerCount: lay.layerCount,
    width: pl.width,
    height: pl.height,
    edges: routes,
    stubs,
    stats: {
      nodes: n,
      edges: m,
      layers: lay.layerCount,
      keptEdges: counts[0],
      virtualNodes: pg.virtualCount,
      broadcastTensors: lay.broadcastTensors,
      broadcastStubs: counts[StubReason.Broadcast],
      spanStubs: counts[StubReason.Span],
      cycleStubs: counts[StubReason.Cycle],
      selfLoopStubs: counts[StubReason.SelfLoop],
      crossings: ord.crossings,
      ms: { layering: t1 - t0, ordering: t2 - t1, positioning: t3 - t2, routing: t4 - t3, total: t4 - t0 },
    },
  };
}
