/**
 * Types of the layered graph layout. Everything that crosses the worker boundary is a typed array
 * (or a plain number/string), so a result can be posted as transferables.
 *
 * Pure TypeScript: no DOM, no Node APIs. It runs in a Web Worker in the webview and in plain Node
 * for the tests and the bench.
 */

/**
 * The compact input graph. Graph inputs, initializers and outputs are ordinary nodes.
 * Node i has size widths[i] x heights[i]; edge k goes from node edges[2k] to node edges[2k+1].
 */
export interface LayoutGraph {
  nodeCount: number;
  widths: Float32Array;
  heights: Float32Array;
  /** Pairs (src, dst) of node indices: 2 x edgeCount entries. */
  edges: Uint32Array;
  /**
   * Tensor id per edge (any uint32, same id = same tensor). Used to find broadcast tensors (one
   * tensor read by many nodes) and to give each output tensor of a node its own port. Without it,
   * all out-edges of a node count as one tensor.
   */
  edgeTensor?: Uint32Array;
}

/** Why an edge is drawn as a stub (a short tick at the producer and at the consumer) instead of a line. */
export const StubReason = {
  /** The tensor has more consumers than `maxConsumers` (attention mask, rotary cos/sin, shared constants). */
  Broadcast: 1,
  /** The edge spans more than `maxSpan` layers, or the long-edge budget `maxVirtualNodes` ran out. */
  Span: 2,
  /** The edge closes a cycle (a broken model): it was removed to make the graph acyclic. */
  Cycle: 3,
  /** The edge goes from a node to itself. */
  SelfLoop: 4,
} as const;
export type StubReason = (typeof StubReason)[keyof typeof StubReason];

export const STUB_REASON_NAMES: Record<number, string> = {
  1: 'broadcast',
  2: 'span',
  3: 'cycle',
  4: 'self-loop',
};

export interface LayoutOptions {
  /** Horizontal gap between two real nodes of a layer. */
  nodeSep: number;
  /** Horizontal gap next to an edge's bend point (virtual node). */
  edgeSep: number;
  /** Vertical gap between two layers (edges and stubs are drawn in it). */
  layerSep: number;
  /** A tensor read by more than this many edges is a broadcast tensor: all its edges become stubs. */
  maxConsumers: number;
  /** An edge spanning more than this many layers becomes a stub. Shorter ones get bend points. */
  maxSpan: number;
  /**
   * Upper bound on bend points (virtual nodes) for long edges. When exceeded, the longest edges
   * become stubs until the rest fits. Default (when < 0): 2 x nodeCount + 1000.
   */
  maxVirtualNodes: number;
  /** Barycenter sweeps for the order within layers (each is linear plus a sort per layer). */
  orderSweeps: number;
  /** Relaxation sweeps for the x coordinates (each is linear). */
  positionSweeps: number;
  /** Length of the ticks drawn for stubs. */
  stubLength: number;
  /** Empty border around the drawing. */
  margin: number;
}

export const DEFAULT_LAYOUT_OPTIONS: Readonly<LayoutOptions> = Object.freeze({
  nodeSep: 24,
  edgeSep: 12,
  layerSep: 36,
  maxConsumers: 16,
  maxSpan: 40,
  maxVirtualNodes: -1,
  orderSweeps: 6,
  positionSweeps: 8,
  stubLength: 14,
  margin: 20,
});

/** Polylines of the edges that are drawn as lines ("kept" edges). */
export interface EdgeRoutes {
  /** Input edge index of route r. Routes are in increasing edge order. */
  edge: Uint32Array;
  /** Route r has points offsets[r] .. offsets[r+1]-1 (length routeCount + 1). */
  offsets: Uint32Array;
  /** x, y interleaved: point p is (points[2p], points[2p+1]). From the producer's bottom to the consumer's top. */
  points: Float32Array;
}

/** Edges drawn as stubs. */
export interface EdgeStubs {
  /** Input edge index of stub s, in increasing edge order. */
  edge: Uint32Array;
  /** StubReason of stub s. */
  reason: Uint8Array;
  /**
   * 8 numbers per stub: the producer tick (x0, y0) -> (x1, y1) going down from the producer's bottom,
   * then the consumer tick (x0, y0) -> (x1, y1) ending at the consumer's top.
   */
  points: Float32Array;
}

export interface LayoutStats {
  nodes: number;
  edges: number;
  layers: number;
  keptEdges: number;
  virtualNodes: number;
  broadcastTensors: number;
  broadcastStubs: number;
  spanStubs: number;
  cycleStubs: number;
  selfLoopStubs: number;
  /** Edge crossings between adjacent layers (bend points included) after ordering. */
  crossings: number;
  /** Milliseconds per phase (not deterministic; leave out of comparisons). */
  ms: { layering: number; ordering: number; positioning: number; routing: number; total: number };
}

export interface LayoutResult {
  nodeCount: number;
  /** Node centres. */
  x: Float32Array;
  y: Float32Array;
  /** Node sizes used (a copy of the input's, so that the result is self-contained after a transfer). */
  w: Float32Array;
  h: Float32Array;
  /** Layer of each node, 0 at the top. Every edge that is drawn goes from a lower to a higher layer. */
  layer: Uint32Array;
  /** Rank of each node among the real nodes of its layer, 0 at the left. */
  order: Uint32Array;
  layerCount: number;
  /** Size of the drawing; all coordinates are within [0, width] x [0, height]. */
  width: number;
  height: number;
  edges: EdgeRoutes;
  stubs: EdgeStubs;
  stats: LayoutStats;
}
