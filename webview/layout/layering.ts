/**
 * Layer assignment in O(V + E), without recursion:
 *  1. broadcast tensors (more than `maxConsumers` reading edges) are marked as stubs;
 *  2. self-loops are marked; a topological queue (Kahn) orders the nodes; if it gets stuck the graph
 *     has cycles, and an iterative depth-first search marks its back edges as cycle stubs;
 *  3. longest path from the sources (each node one layer below its lowest predecessor);
 *  4. one pass in reverse topological order moves a node down to just above its first consumer when
 *     that shortens the drawn edges (more drawn out-edges than in-edges that cannot follow, e.g.
 *     weights, constants and the Transpose of a weight, or a node that only has stub edges), so a
 *     weight sits next to its MatMul instead of at the top;
 *  5. empty layers are removed.
 * Edges marked as stubs still keep their producer above their consumer (only cycle edges do not).
 */
import { buildCsr, type Csr } from './graph';
import { StubReason, type LayoutGraph } from './types';

// Local copies: hot loops compare against these (no module-binding lookups).
const CYCLE = StubReason.Cycle;
const SELF_LOOP = StubReason.SelfLoop;
const BROADCAST = StubReason.Broadcast;

export interface Layering {
  /** Layer per node, 0 = top. */
  layer: Uint32Array;
  layerCount: number;
  /** The topological order used (every non-cycle edge goes forward in it). */
  topo: Uint32Array;
  /** Per edge: 0 = drawn, else a StubReason. */
  reason: Uint8Array;
  broadcastTensors: number;
}

/**
 * Marks the edges of tensors with more than `maxConsumers` reading edges as Broadcast in `reason`
 * (self-loops are left alone). Without edgeTensor, the out-edges of a node count as one tensor.
 * Returns the number of broadcast tensors.
 */
export function markBroadcast(g: LayoutGraph, maxConsumers: number, reason: Uint8Array): number {
  const m = g.edges.length >> 1;
  if (m === 0) return 0;
  const key = tensorKeys(g);
  let keyCount = 0;
  for (let k = 0; k < m; k++) if (key[k] + 1 > keyCount) keyCount = key[k] + 1;
  const count = new Uint32Array(keyCount);
  for (let k = 0; k < m; k++) count[key[k]]++;
  let tensors = 0;
  for (let t = 0; t < keyCount; t++) if (count[t] > maxConsumers) tensors++;
  if (tensors === 0) return 0;
  for (let k = 0; k < m; k++) {
    if (count[key[k]] > maxConsumers && reason[k] === 0) reason[k] = BROADCAST;
  }
  return tensors;
}

/**
 * Dense tensor key per edge in 0..keys-1: edgeTensor ids renumbered in order of first appearance,
 * or the source node without edgeTensor.
 */
export function tensorKeys(g: LayoutGraph): Uint32Array {
  const m = g.edges.length >> 1;
  const out = new Uint32Array(m);
  const et = g.edgeTensor;
  if (!et) {
    for (let k = 0; k < m; k++) out[k] = g.edges[2 * k];
    return out;
  }
  let max = 0;
  for (let k = 0; k < m; k++) if (et[k] > max) max = et[k];
  if (max < 4 * m + 1024) {
    const map = new Int32Array(max + 1).fill(-1);
    let next = 0;
    for (let k = 0; k < m; k++) {
      const t = et[k];
      if (map[t] < 0) map[t] = next++;
      out[k] = map[t];
    }
  } else {
    const map = new Map<number, number>();
    for (let k = 0; k < m; k++) {
      const t = et[k];
      let id = map.get(t);
      if (id === undefined) {
        id = map.size;
        map.set(t, id);
      }
      out[k] = id;
    }
  }
  return out;
}

export function computeLayering(g: LayoutGraph, maxConsumers: number): Layering {
  const n = g.nodeCount;
  const edges = g.edges;
  const m = edges.length >> 1;
  const reason = new Uint8Array(m);
  for (let k = 0; k < m; k++) if (edges[2 * k] === edges[2 * k + 1]) reason[k] = SELF_LOOP;
  const broadcastTensors = markBroadcast(g, maxConsumers, reason);

  // Constraint edges: everything but self-loops (and, later, cycle edges).
  const isLoop = new Uint8Array(m);
  for (let k = 0; k < m; k++) isLoop[k] = reason[k] === SELF_LOOP ? 1 : 0;
  const out = buildCsr(n, edges, 0, isLoop);
  const inn = buildCsr(n, edges, 1, isLoop);

  const topo: Uint32Array = kahn(n, edges, out, inn, reason) ?? breakCycles(n, edges, out, inn, reason);

  // Longest path from the sources.
  const layer = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const v = topo[i];
    const lv = layer[v] + 1;
    for (let j = out.start[v]; j < out.start[v + 1]; j++) {
      const k = out.ids[j];
      if (reason[k] === CYCLE) continue;
      const w = edges[2 * k + 1];
      if (layer[w] < lv) layer[w] = lv;
    }
  }

  // Move nodes down toward their consumers when that shortens the drawn edges. A "pendant" node
  // (a source, or a node whose drawn in-edges all come from pendant nodes with a single drawn
  // out-edge) heads a tree that hangs from it alone: when it moves down, that tree follows, so such
  // in-edges do not count against the move.
  const keptOut = new Uint32Array(n);
  for (let k = 0; k < m; k++) if (reason[k] === 0) keptOut[edges[2 * k]]++;
  const pendant = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = topo[i];
    let p = 1;
    for (let j = inn.start[v]; j < inn.start[v + 1]; j++) {
      const k = inn.ids[j];
      if (reason[k] !== 0) continue;
      const u = edges[2 * k];
      if (!pendant[u] || keptOut[u] !== 1) {
        p = 0;
        break;
      }
    }
    pendant[v] = p;
  }
  for (let i = n - 1; i >= 0; i--) {
    const v = topo[i];
    let minSucc = 0xffffffff;
    let outAll = 0;
    for (let j = out.start[v]; j < out.start[v + 1]; j++) {
      const k = out.ids[j];
      if (reason[k] === CYCLE) continue;
      outAll++;
      const lw = layer[edges[2 * k + 1]];
      if (lw < minSucc) minSucc = lw;
    }
    if (outAll === 0 || minSucc - 1 <= layer[v]) continue;
    let keptIn = 0;
    let fixedIn = 0;
    for (let j = inn.start[v]; j < inn.start[v + 1]; j++) {
      const k = inn.ids[j];
      if (reason[k] !== 0) continue;
      keptIn++;
      const u = edges[2 * k];
      if (!pendant[u] || keptOut[u] !== 1) fixedIn++;
    }
    if (keptOut[v] > fixedIn || (keptOut[v] === 0 && keptIn === 0)) layer[v] = minSucc - 1;
  }

  // Remove empty layers.
  let maxLayer = 0;
  for (let v = 0; v < n; v++) if (layer[v] > maxLayer) maxLayer = layer[v];
  const used = new Uint32Array(n === 0 ? 1 : maxLayer + 1);
  for (let v = 0; v < n; v++) used[layer[v]] = 1;
  let layerCount = 0;
  for (let l = 0; l < used.length; l++) used[l] = used[l] ? layerCount++ : 0;
  for (let v = 0; v < n; v++) layer[v] = used[layer[v]];
  if (n === 0) layerCount = 0;

  return { layer, layerCount, topo, reason, broadcastTensors };
}

/** Marks back edges as Cycle, then orders again; the result is always complete. */
function breakCycles(n: number, edges: Uint32Array, out: Csr, inn: Csr, reason: Uint8Array): Uint32Array {
  markBackEdges(n, edges, out, reason);
  const topo = kahn(n, edges, out, inn, reason);
  if (topo === null) throw new Error('layout: cycle removal failed (internal error): please report this graph');
  return topo;
}

/**
 * Kahn's topological order over non-self-loop, non-cycle edges; sources in index order, FIFO.
 * Returns null when some nodes stay blocked (a cycle).
 */
function kahn(
  n: number,
  edges: Uint32Array,
  out: Csr,
  inn: Csr,
  reason: Uint8Array,
): Uint32Array | null {
  const indeg = new Uint32Array(n);
  for (let v = 0; v < n; v++) {
    let d = 0;
    for (let j = inn.start[v]; j < inn.start[v + 1]; j++) if (reason[inn.ids[j]] !== CYCLE) d++;
    indeg[v] = d;
  }
  const queue = new Uint32Array(n);
  let head = 0;
  let tail = 0;
  for (let v = 0; v < n; v++) if (indeg[v] === 0) queue[tail++] = v;
  while (head < tail) {
    const v = queue[head++];
    for (let j = out.start[v]; j < out.start[v + 1]; j++) {
      const k = out.ids[j];
      if (reason[k] === CYCLE) continue;
      const w = edges[2 * k + 1];
      if (--indeg[w] === 0) queue[tail++] = w;
    }
  }
  return tail === n ? queue : null;
}

/**
 * Iterative depth-first search from the nodes in index order; an edge to a node still on the stack is
 * a back edge and is marked Cycle (overriding Broadcast). Without back edges the graph is acyclic.
 */
function markBackEdges(n: number, edges: Uint32Array, out: Csr, reason: Uint8Array): void {
  const color = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  const stack = new Uint32Array(n);
  const cursor = new Uint32Array(n);
  for (let root = 0; root < n; root++) {
    if (color[root] !== 0) continue;
    let sp = 0;
    stack[0] = root;
    cursor[0] = out.start[root];
    color[root] = 1;
    while (sp >= 0) {
      const v = stack[sp];
      const c = cursor[sp];
      if (c < out.start[v + 1]) {
        cursor[sp] = c + 1;
        const k = out.ids[c];
        const w = edges[2 * k + 1];
        if (color[w] === 0) {
          color[w] = 1;
          sp++;
          stack[sp] = w;
          cursor[sp] = out.start[w];
        } else if (color[w] === 1) {
          reason[k] = CYCLE;
        }
      } else {
        color[v] = 2;
        sp--;
      }
    }
  }
}
