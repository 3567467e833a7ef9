import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../../../webview/layout/graph';
import { computeLayering } from '../../../webview/layout/layering';
import { layoutGraph } from '../../../webview/layout/layout';
import { extractSubgraph, GroupKind, NO_GROUP_KEY, summarize } from '../../../webview/layout/summarize';
import { decoderBlocksFor, makeDecoderGraph } from '../../../webview/layout/synthetic';
import type { LayoutGraph } from '../../../webview/layout/types';
import { checkLayout } from './check';

/** Checks that groups partition the nodes and that the group graph matches the original edges. */
function checkSummary(g: LayoutGraph, s: ReturnType<typeof summarize>): void {
  const n = g.nodeCount;
  assert.equal(s.memberStart[s.groupCount], n);
  const seen = new Uint8Array(n);
  for (let gi = 0; gi < s.groupCount; gi++) {
    assert.ok(s.memberStart[gi + 1] > s.memberStart[gi], `group ${gi} is not empty`);
    for (let j = s.memberStart[gi]; j < s.memberStart[gi + 1]; j++) {
      const v = s.members[j];
      assert.equal(s.groupOf[v], gi);
      if (j > s.memberStart[gi]) assert.ok(v > s.members[j - 1], 'members ascend');
      seen[v]++;
    }
  }
  assert.ok(seen.every((c) => c === 1), 'every node in exactly one group');
  if (!s.summarized) return;
  const pairs = new Map<string, number>();
  for (let k = 0; k < g.edges.length / 2; k++) {
    const a = s.groupOf[g.edges[2 * k]];
    const b = s.groupOf[g.edges[2 * k + 1]];
    if (a !== b) pairs.set(`${a}>${b}`, (pairs.get(`${a}>${b}`) ?? 0) + 1);
  }
  const ge = s.graph.edges;
  assert.equal(ge.length / 2, pairs.size, 'one group edge per connected pair of groups');
  for (let k = 0; k < ge.length / 2; k++) assert.equal(s.edgeWeight[k], pairs.get(`${ge[2 * k]}>${ge[2 * k + 1]}`));
}

test('at most maxNodes nodes: not summarized, each node its own group', () => {
  const s = makeDecoderGraph(2);
  const sum = summarize(s.graph, 1000);
  assert.equal(sum.summarized, false);
  assert.equal(sum.note, '');
  assert.equal(sum.graph, s.graph);
  assert.equal(sum.groupCount, s.graph.nodeCount);
  checkSummary(s.graph, sum);
});

test('200,000 nodes grouped by block key: one group per block, a clear note, fast layout of the summary', () => {
  const blocks = decoderBlocksFor(200_000);
  const s = makeDecoderGraph(blocks);
  const t0 = performance.now();
  const sum = summarize(s.graph, 50_000, { groupKey: s.block });
  const ms = performance.now() - t0;
  assert.ok(ms < 10_000, `summarize took ${ms.toFixed(0)} ms`);
  assert.equal(sum.summarized, true);
  checkSummary(s.graph, sum);
  let keyed = 0;
  for (let gi = 0; gi < sum.groupCount; gi++) if (sum.groupKind[gi] === GroupKind.Key) keyed++;
  assert.equal(keyed, blocks);
  assert.ok(sum.groupCount <= blocks + 10, `${sum.groupCount} groups for ${blocks} blocks`);
  assert.match(sum.note, /^Showing \d{3},\d{3} nodes as 1,\d{3} groups \(1,\d{3} by name scope, \d+ of consecutive layers\) because the graph has more than 50,000 nodes\. Open a group/);
  // Groups are numbered top-down and each block's group holds about one block.
  for (let gi = 0; gi < sum.groupCount; gi++) {
    if (sum.groupKind[gi] !== GroupKind.Key) continue;
    const size = sum.memberStart[gi + 1] - sum.memberStart[gi];
    assert.ok(size >= 100 && size <= 130, `group ${gi} has ${size} nodes`);
  }
  // Weights and constants without a key joined their consumer's block: all groups are keyed or few.
  const r = layoutGraph(sum.graph);
  checkLayout(sum.graph, r);
  assert.ok(r.stats.ms.total < 5_000);
  // The block groups form a chain: group i feeds group i+1.
  const keyOf = sum.groupKeyOf;
  const byKey = new Map<number, number>();
  for (let gi = 0; gi < sum.groupCount; gi++) if (keyOf[gi] !== NO_GROUP_KEY) byKey.set(keyOf[gi], gi);
  for (let i = 0; i + 1 < blocks; i += 97) assert.ok(r.layer[byKey.get(i + 1)!] > r.layer[byKey.get(i)!]);
});

test('200,000 nodes without keys: bands of consecutive layers, downward group edges', () => {
  const s = makeDecoderGraph(decoderBlocksFor(200_000));
  const sum = summarize(s.graph, 50_000, { targetGroups: 500 });
  checkSummary(s.graph, sum);
  assert.ok(sum.groupCount <= 520 && sum.groupCount >= 400, `${sum.groupCount} groups`);
  assert.match(sum.note, /as \d+ groups of consecutive layers \(about \d+ nodes each\) because the graph has more than 50,000 nodes/);
  for (let gi = 0; gi < sum.groupCount; gi++) {
    assert.equal(sum.groupKind[gi], GroupKind.Band);
    if (gi > 0) assert.ok(sum.firstLayer[gi] > sum.lastLayer[gi - 1], 'bands do not interleave');
  }
  // Bands follow the layering: every group edge goes to a later band, so the summary is acyclic.
  const ge = sum.graph.edges;
  for (let k = 0; k < ge.length / 2; k++) assert.ok(ge[2 * k] < ge[2 * k + 1]);
  const r = layoutGraph(sum.graph);
  checkLayout(sum.graph, r);
  assert.equal(r.stats.cycleStubs, 0);
});

test('bands end at cheap layer boundaries: on a 40-block decoder each band is one block long', () => {
  const s = makeDecoderGraph(40);
  const sum = summarize(s.graph, 1000, { targetGroups: 40 });
  checkSummary(s.graph, sum);
  assert.equal(sum.groupCount, 40);
  // Middle bands hold exactly one block's worth of nodes (112), cut where only the residual stream crosses.
  // (The first bands settle into the block rhythm after the prologue.)
  for (let gi = 1; gi + 1 < sum.groupCount; gi++) {
    const size = sum.memberStart[gi + 1] - sum.memberStart[gi];
    if (gi >= 3) assert.equal(size, 112, `band ${gi}`);
    else assert.ok(Math.abs(size - 112) <= 2, `band ${gi} has ${size} nodes`);
  }
  for (let k = 0; k < sum.edgeWeight.length; k++) assert.ok(sum.edgeWeight[k] <= 7, `group edge ${k} stands for ${sum.edgeWeight[k]} edges`);
  assert.ok(sum.graph.edges.length / 2 <= 2 * sum.groupCount, 'bands touch only their neighbours');
});

test('keys that give too many groups fall back to bands, and the note says so', () => {
  const s = makeDecoderGraph(20);
  const n = s.graph.nodeCount;
  const key = new Uint32Array(n);
  for (let v = 0; v < n; v++) key[v] = v;
  const sum = summarize(s.graph, 500, { groupKey: key });
  checkSummary(s.graph, sum);
  assert.ok(sum.groupCount <= 500);
  assert.match(sum.note, /grouping by name scope gave more than 500 groups/);
});

//   a -> b -> c -> d      group {b, c}: one inner edge, boundary edges a->b and c->d
test('extractSubgraph keeps inner edges and reports the boundary', () => {
  const b = new GraphBuilder();
  const [a, bb, c, d] = [b.node(10, 10), b.node(20, 10), b.node(30, 10), b.node(40, 10)];
  b.edge(a, bb, 7);
  b.edge(bb, c, 8);
  b.edge(c, d, 9);
  const g = b.build();
  const sub = extractSubgraph(g, Uint32Array.of(c, bb));
  assert.deepEqual([...sub.nodeMap], [bb, c]);
  assert.deepEqual([...sub.graph.edges], [0, 1]);
  assert.deepEqual([...sub.edgeMap], [1]);
  assert.deepEqual([...sub.boundary], [0, 2]);
  assert.deepEqual([...sub.graph.widths], [20, 30]);
  assert.deepEqual([...sub.graph.edgeTensor!], [8]);
  assert.throws(() => extractSubgraph(g, Uint32Array.of(1, 1)), /listed twice/);
  assert.throws(() => extractSubgraph(g, Uint32Array.of(9)), /node 9 does not exist/);
});

test('summarize rejects bad arguments', () => {
  const g = makeDecoderGraph(1).graph;
  assert.throws(() => summarize(g, 0), /maxNodes must be an integer >= 1/);
  assert.throws(() => summarize(g, 10, { groupKey: new Uint32Array(3) }), /one key per node \(\d+\), found 3 entries/);
  assert.throws(() => summarize(g, 10, { targetGroups: NaN }), /targetGroups must be a finite number >= 0, found NaN/);
});

test('layering used for bands: producers above consumers, broadcast edges do not stretch layers', () => {
  const s = makeDecoderGraph(3);
  const lay = computeLayering(s.graph, 16);
  const e = s.graph.edges;
  for (let k = 0; k < e.length / 2; k++) assert.ok(lay.layer[e[2 * k]] < lay.layer[e[2 * k + 1]]);
});
