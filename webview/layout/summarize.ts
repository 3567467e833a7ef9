/**
 * Summaries for graphs too big to draw node by node: nodes are collapsed into group nodes with counts,
 * and the group graph is what gets laid out. A group opens with extractSubgraph.
 *
 * Grouping, in order of preference:
 *  1. by the caller's groupKey (e.g. one key per "/model/layers.N" name scope, i.e. per repeated
 *     block); nodes without a key join the group of their first consumer, else of their first
 *     producer (weights, constants, Identity copies); the rest go to 2.;
 *  2. by bands of consecutive layers holding about nodeCount / targetGroups nodes each (a layer is
 *     never split); a band ends at a nearby layer boundary crossed by few edges, so bands tend to
 *     match repeated blocks even without names.
 * If the keys give more than maxNodes groups, grouping falls back to bands, and the note says so.
 */
import { computeLayering, tensorKeys, type Layering } from './layering';
import { buildCsr, validateGraph } from './graph';
import { DEFAULT_LAYOUT_OPTIONS, type LayoutGraph } from './types';

export const NO_GROUP_KEY = 0xffffffff;

export const GroupKind = { Node: 0, Key: 1, Band: 2 } as const;

export interface SummaryOptions {
  /** Per node: a group id chosen by the caller, NO_GROUP_KEY for none. */
  groupKey?: Uint32Array;
  /** Groups to aim for with layer bands (default min(maxNodes, 1000)). */
  targetGroups?: number;
  /** Size of a group node (default 220 x 56). */
  groupWidth?: number;
  groupHeight?: number;
  /** As LayoutOptions.maxConsumers (broadcast tensors do not pull nodes in layering). */
  maxConsumers?: number;
}

export interface Summary {
  /** False when the graph has at most maxNodes nodes: then graph is the input and each node its own group. */
  summarized: boolean;
  /** One sentence for the user: what is shown and why; empty when not summarized. */
  note: string;
  /** What to lay out: the input, or one node per group. */
  graph: LayoutGraph;
  groupCount: number;
  /** Original node -> group. */
  groupOf: Uint32Array;
  /** Nodes of group g: members[memberStart[g] .. memberStart[g+1]-1], ascending. */
  memberStart: Uint32Array;
  members: Uint32Array;
  /** GroupKind per group. */
  groupKind: Uint8Array;
  /** The caller's key of a Key group, else NO_GROUP_KEY. */
  groupKeyOf: Uint32Array;
  /** Range of layers (of the full graph's layering) the group's nodes occupy. */
  firstLayer: Uint32Array;
  lastLayer: Uint32Array;
  /** Per edge of the group graph: how many original edges it stands for. */
  edgeWeight: Uint32Array;
}

export function summarize(graph: LayoutGraph, maxNodes: number, options: SummaryOptions = {}): Summary {
  validateGraph(graph);
  if (!Number.isInteger(maxNodes) || maxNodes < 1) {
    throw new RangeError(`summarize: maxNodes must be an integer >= 1, found ${maxNodes}`);
  }
  const n = graph.nodeCount;
  const m = graph.edges.length >> 1;
  if (n <= maxNodes) return identitySummary(graph);
  const key = options.groupKey;
  if (key !== undefined && (!(key instanceof Uint32Array) || key.length !== n)) {
    throw new RangeError(
      `summarize: groupKey must be a Uint32Array with one key per node (${n}), found ${key instanceof Uint32Array ? key.length : typeof key} entries; leave it out to group by layers`,
    );
  }
  for (const name of ['targetGroups', 'groupWidth', 'groupHeight', 'maxConsumers'] as const) {
    const v = options[name];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && Number.isFinite(v))) {
      throw new RangeError(`summarize: ${name} must be a finite number >= 0, found ${String(v)}`);
    }
  }
  const target = Math.max(1, Math.min(maxNodes, Math.floor(options.targetGroups ?? Math.min(maxNodes, 1000))));
  const lay = computeLayering(graph, options.maxConsumers ?? DEFAULT_LAYOUT_OPTIONS.maxConsumers);
  const layer = lay.layer;
  const e = graph.edges;

  // Nodes by (layer, index): groups are numbered top-down.
  const byLayer = sortByLayer(layer, lay.layerCount, n);
  const groupOf = new Uint32Array(n).fill(NO_GROUP_KEY);
  let groupCount = 0;
  const kind: number[] = [];
  const keyOf: number[] = [];
  let fellBack = false;

  if (key) {
    // Unkeyed nodes join a consumer's group (reverse topological order, so chains propagate up),
    // else a producer's group (topological order).
    const eff = key.slice();
    const out = buildCsr(n, e, 0);
    const inn = buildCsr(n, e, 1);
    for (let i = n - 1; i >= 0; i--) {
      const v = lay.topo[i];
      if (eff[v] !== NO_GROUP_KEY) continue;
      for (let j = out.start[v]; j < out.start[v + 1]; j++) {
        const w = e[2 * out.ids[j] + 1];
        if (lay.reason[out.ids[j]] === 0 && eff[w] !== NO_GROUP_KEY) {
          eff[v] = eff[w];
          break;
        }
      }
    }
    for (let i = 0; i < n; i++) {
      const v = lay.topo[i];
      if (eff[v] !== NO_GROUP_KEY) continue;
      for (let j = inn.start[v]; j < inn.start[v + 1]; j++) {
        const u = e[2 * inn.ids[j]];
        if (lay.reason[inn.ids[j]] === 0 && eff[u] !== NO_GROUP_KEY) {
          eff[v] = eff[u];
          break;
        }
      }
    }
    const ids = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const v = byLayer[i];
      const k = eff[v];
      if (k === NO_GROUP_KEY) continue;
      let gid = ids.get(k);
      if (gid === undefined) {
        gid = groupCount++;
        ids.set(k, gid);
        kind.push(GroupKind.Key);
        keyOf.push(k);
      }
      groupOf[v] = gid;
    }
    groupCount = bandRest(byLayer, lay, e, groupOf, groupCount, Math.ceil(n / target), kind, keyOf);
    if (groupCount > maxNodes) {
      fellBack = true;
      groupOf.fill(NO_GROUP_KEY);
      groupCount = 0;
      kind.length = 0;
      keyOf.length = 0;
    }
  }
  if (groupCount === 0) groupCount = bandRest(byLayer, lay, e, groupOf, 0, Math.ceil(n / target), kind, keyOf);

  // Members, layer ranges.
  const memberStart = new Uint32Array(groupCount + 1);
  for (let v = 0; v < n; v++) memberStart[groupOf[v] + 1]++;
  for (let gi = 0; gi < groupCount; gi++) memberStart[gi + 1] += memberStart[gi];
  const members = new Uint32Array(n);
  const fill = memberStart.slice(0, groupCount);
  for (let v = 0; v < n; v++) members[fill[groupOf[v]]++] = v;
  const firstLayer = new Uint32Array(groupCount).fill(0xffffffff);
  const lastLayer = new Uint32Array(groupCount);
  for (let v = 0; v < n; v++) {
    const gi = groupOf[v];
    if (layer[v] < firstLayer[gi]) firstLayer[gi] = layer[v];
    if (layer[v] > lastLayer[gi]) lastLayer[gi] = layer[v];
  }

  // Group graph: one edge per (group, group) pair, in order of first original edge.
  const tkey = tensorKeys(graph);
  const pairs = new Map<number, number>();
  const gEdges: number[] = [];
  const gTensor: number[] = [];
  const gWeight: number[] = [];
  for (let k = 0; k < m; k++) {
    const a = groupOf[e[2 * k]];
    const b = groupOf[e[2 * k + 1]];
    if (a === b) continue;
    const pk = a * groupCount + b;
    const idx = pairs.get(pk);
    if (idx !== undefined) {
      gWeight[idx]++;
      continue;
    }
    pairs.set(pk, gWeight.length);
    gEdges.push(a, b);
    gTensor.push(tkey[k]);
    gWeight.push(1);
  }
  const gw = options.groupWidth ?? 220;
  const gh = options.groupHeight ?? 56;
  const summaryGraph: LayoutGraph = {
    nodeCount: groupCount,
    widths: new Float32Array(groupCount).fill(gw),
    heights: new Float32Array(groupCount).fill(gh),
    edges: Uint32Array.from(gEdges),
    edgeTensor: Uint32Array.from(gTensor),
  };

  let keyed = 0;
  for (const kd of kind) if (kd === GroupKind.Key) keyed++;
  const bands = groupCount - keyed;
  const head = `Showing ${fmt(n)} nodes as ${fmt(groupCount)} groups`;
  const why = `because the graph has more than ${fmt(maxNodes)} nodes`;
  let note: string;
  if (keyed > 0) {
    note = `${head} (${fmt(keyed)} by name scope${bands ? `, ${fmt(bands)} of consecutive layers` : ''}) ${why}. Open a group to see its nodes.`;
  } else {
    note = `${head} of consecutive layers (about ${fmt(Math.round(n / groupCount))} nodes each) ${why}${
      fellBack ? `; grouping by name scope gave more than ${fmt(maxNodes)} groups` : ''
    }. Open a group to see its nodes.`;
  }
  return {
    summarized: true,
    note,
    graph: summaryGraph,
    groupCount,
    groupOf,
    memberStart,
    members,
    groupKind: Uint8Array.from(kind),
    groupKeyOf: Uint32Array.from(keyOf),
    firstLayer,
    lastLayer,
    edgeWeight: Uint32Array.from(gWeight),
  };
}

/**
 * Puts the nodes without a group into bands of consecutive layers; returns the new group count.
 * A band takes layers until it holds bandSize nodes, then may take up to bandSize / 2 more to end at
 * the layer boundary crossed by the fewest drawn edges (between two transformer blocks only the
 * residual stream crosses), so bands follow the graph's repeated blocks. A band also ends before a
 * layer without ungrouped nodes.
 */
function bandRest(
  byLayer: Uint32Array,
  lay: Layering,
  edges: Uint32Array,
  groupOf: Uint32Array,
  groupCount: number,
  bandSize: number,
  kind: number[],
  keyOf: number[],
): number {
  const { layer, layerCount: L, reason } = lay;
  const size = new Uint32Array(L);
  for (let i = 0; i < byLayer.length; i++) if (groupOf[byLayer[i]] === NO_GROUP_KEY) size[layer[byLayer[i]]]++;
  // cut[l]: drawn edges crossing the boundary below layer l.
  const cut = new Int32Array(L + 1);
  const m = edges.length >> 1;
  for (let k = 0; k < m; k++) {
    if (reason[k] !== 0) continue;
    cut[layer[edges[2 * k]]]++;
    cut[layer[edges[2 * k + 1]]]--;
  }
  for (let l = 1; l < L; l++) cut[l] += cut[l - 1];
  const bandOf = new Int32Array(L).fill(-1);
  let l = 0;
  while (l < L) {
    if (size[l] === 0) {
      l++;
      continue;
    }
    const band = groupCount++;
    kind.push(GroupKind.Band);
    keyOf.push(NO_GROUP_KEY);
    let count = 0;
    let end = l; // last layer of the band
    while (end < L && size[end] > 0 && count + size[end] <= bandSize) count += size[end++];
    if (end === l) count += size[end++]; // a layer larger than a band is a band of its own
    end--;
    // Look ahead for a cheaper boundary.
    let best = end;
    let extra = 0;
    for (let j = end + 1; j < L && size[j] > 0; j++) {
      extra += size[j];
      if (extra > bandSize / 2) break;
      if (cut[j] < cut[best]) best = j;
    }
    for (let j = l; j <= best; j++) bandOf[j] = band;
    l = best + 1;
  }
  for (let i = 0; i < byLayer.length; i++) {
    const v = byLayer[i];
    if (groupOf[v] === NO_GROUP_KEY) groupOf[v] = bandOf[layer[v]];
  }
  return groupCount;
}

function sortByLayer(layer: Uint32Array, layerCount: number, n: number): Uint32Array {
  const start = new Uint32Array(layerCount + 1);
  for (let v = 0; v < n; v++) start[layer[v] + 1]++;
  for (let l = 0; l < layerCount; l++) start[l + 1] += start[l];
  const out = new Uint32Array(n);
  for (let v = 0; v < n; v++) out[start[layer[v]]++] = v;
  return out;
}

function identitySummary(graph: LayoutGraph): Summary {
  const n = graph.nodeCount;
  const ids = new Uint32Array(n);
  for (let v = 0; v < n; v++) ids[v] = v;
  const memberStart = new Uint32Array(n + 1);
  for (let v = 0; v <= n; v++) memberStart[v] = v;
  return {
    summarized: false,
    note: '',
    graph,
    groupCount: n,
    groupOf: ids,
    memberStart,
    members: ids.slice(),
    groupKind: new Uint8Array(n),
    groupKeyOf: new Uint32Array(n).fill(NO_GROUP_KEY),
    firstLayer: new Uint32Array(n),
    lastLayer: new Uint32Array(n),
    edgeWeight: new Uint32Array(graph.edges.length >> 1).fill(1),
  };
}

/** 12345 -> "12,345" (same on every locale). */
export function fmt(x: number): string {
  return String(Math.round(x)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export interface Subgraph {
  graph: LayoutGraph;
  /** Subgraph node -> original node. */
  nodeMap: Uint32Array;
  /** Subgraph edge -> original edge. */
  edgeMap: Uint32Array;
  /** Original edges with exactly one end inside (to draw as stubs at the group's border). */
  boundary: Uint32Array;
}

/** The subgraph induced by `nodes` (original indices, any order, no duplicates), to lay out an opened group. */
export function extractSubgraph(graph: LayoutGraph, nodes: Uint32Array): Subgraph {
  validateGraph(graph);
  const n = graph.nodeCount;
  const local = new Int32Array(n).fill(-1);
  const nodeMap = Uint32Array.from(nodes).sort();
  for (let i = 0; i < nodeMap.length; i++) {
    const v = nodeMap[i];
    if (v >= n) throw new RangeError(`extractSubgraph: node ${v} does not exist (nodeCount ${n})`);
    if (local[v] >= 0) throw new RangeError(`extractSubgraph: node ${v} is listed twice: list each node once`);
    local[v] = i;
  }
  const e = graph.edges;
  const m = e.length >> 1;
  const edges: number[] = [];
  const edgeMap: number[] = [];
  const boundary: number[] = [];
  for (let k = 0; k < m; k++) {
    const a = local[e[2 * k]];
    const b = local[e[2 * k + 1]];
    if (a >= 0 && b >= 0) {
      edges.push(a, b);
      edgeMap.push(k);
    } else if (a >= 0 || b >= 0) boundary.push(k);
  }
  const sub: LayoutGraph = {
    nodeCount: nodeMap.length,
    widths: new Float32Array(nodeMap.length),
    heights: new Float32Array(nodeMap.length),
    edges: Uint32Array.from(edges),
  };
  for (let i = 0; i < nodeMap.length; i++) {
    sub.widths[i] = graph.widths[nodeMap[i]];
    sub.heights[i] = graph.heights[nodeMap[i]];
  }
  if (graph.edgeTensor) sub.edgeTensor = Uint32Array.from(edgeMap, (k) => graph.edgeTensor![k]);
  return { graph: sub, nodeMap, edgeMap: Uint32Array.from(edgeMap), boundary: Uint32Array.from(boundary) };
}
