import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { GraphBuilder } from '../../../webview/layout/graph';
import { layoutGraph } from '../../../webview/layout/layout';
import { decoderBlocksFor, makeDecoderGraph } from '../../../webview/layout/synthetic';
import {
  createInlineWorker,
  handleLayoutRequest,
  installLayoutWorker,
  LayoutClient,
  startLayoutWorker,
  transferablesOf,
  type WorkerLike,
  type WorkerScopeLike,
} from '../../../webview/layout/worker';
import { checkLayout, withoutTimings } from './check';

function small() {
  const b = new GraphBuilder();
  const a = b.node();
  const c = b.node();
  const d = b.node();
  b.edge(a, c);
  b.edge(c, d);
  return b.build();
}

test('handleLayoutRequest: a layout reply whose buffers are all listed for transfer, once each', () => {
  const g = small();
  const { reply, transfer } = handleLayoutRequest({ type: 'layout', id: 7, graph: g });
  assert.equal(reply.type, 'layout');
  assert.equal(reply.id, 7);
  if (reply.type !== 'layout') return;
  checkLayout(g, reply.layout);
  assert.equal(new Set(transfer).size, transfer.length);
  for (const arr of [reply.layout.x, reply.layout.y, reply.layout.layer, reply.layout.edges.points, reply.layout.edges.offsets]) {
    assert.ok(transfer.includes(arr.buffer as ArrayBuffer), 'typed array buffer is transferred');
  }
  // Empty arrays have nothing to move (and a zero-length buffer may be shared).
  assert.equal(reply.layout.stubs.reason.length, 0);
  assert.ok(!transfer.includes(reply.layout.stubs.reason.buffer as ArrayBuffer));
  assert.deepEqual(transferablesOf({ a: [new Uint8Array(0)], b: 3 }), []);
});

test('handleLayoutRequest: invalid requests get an error reply that says what is wrong', () => {
  const cases: [unknown, RegExp][] = [
    [null, /expected a request object, found null/],
    [{ type: 'layout', id: 1.5, graph: small() }, /id must be an integer/],
    [{ type: 'draw', id: 1, graph: small() }, /type must be "layout" or "view", found "draw"/],
    [{ type: 'layout', id: 2, graph: { nodeCount: 1, widths: [1], heights: [1], edges: [] } }, /widths and heights must be Float32Array/],
    [{ type: 'view', id: 3, graph: small(), maxNodes: 0 }, /maxNodes must be an integer >= 1/],
    [{ type: 'layout', id: 4, graph: small(), options: { maxSpan: -1 } }, /maxSpan must be an integer >= 1/],
  ];
  for (const [msg, re] of cases) {
    const { reply, transfer } = handleLayoutRequest(msg);
    assert.equal(reply.type, 'error');
    if (reply.type === 'error') assert.match(reply.message, re);
    assert.deepEqual(transfer, []);
  }
  const { reply } = handleLayoutRequest({ type: 'layout', id: 9, graph: null });
  assert.equal(reply.id, 9, 'the error answers the request id when there is one');
});

/** Worker and client on the two ends of a real MessageChannel (structured clone + transfer, as in a browser). */
function channel(): { client: LayoutClient; close: () => void; workerPort: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  installLayoutWorker(port1 as unknown as WorkerScopeLike);
  const client = new LayoutClient(port2 as unknown as WorkerLike);
  return {
    client,
    workerPort: port1,
    close: () => {
      port1.close();
      port2.close();
    },
  };
}

test('LayoutClient through a MessageChannel: same result as a direct call, buffers moved not copied', async () => {
  const { client, close } = channel();
  try {
    const g = makeDecoderGraph(4).graph;
    const direct = layoutGraph(g);
    const viaWorker = await client.layout(g);
    assert.deepEqual(withoutTimings(viaWorker), withoutTimings(direct));
    checkLayout(g, viaWorker);
    // The input stays usable (it was copied); with transferInput it moves.
    assert.equal(g.widths.length, g.nodeCount);
    const g2 = makeDecoderGraph(1).graph;
    await client.layout(g2, undefined, true);
    assert.equal(g2.widths.byteLength, 0, 'transferred input is detached on the sender side');
  } finally {
    close();
  }
});

test('LayoutClient.view: small graphs whole, huge graphs summarized with a note; errors reject', async () => {
  const { client, close } = channel();
  try {
    const smallView = await client.view(makeDecoderGraph(2).graph, 50_000);
    assert.equal(smallView.summary, null);
    const big = makeDecoderGraph(decoderBlocksFor(60_000));
    const bigView = await client.view(big.graph, 50_000, undefined, { groupKey: big.block });
    assert.ok(bigView.summary);
    assert.match(bigView.summary.note, /^Showing \d+,\d{3} nodes as \d+ groups/);
    assert.equal(bigView.layout.nodeCount, bigView.summary.groupCount);
    assert.equal(bigView.summary.groupOf.length, big.graph.nodeCount);
    await assert.rejects(client.layout({ ...small(), edges: new Uint32Array([0, 5]) }), /names node 5 but nodeCount is 3/);
    // Concurrent requests resolve to their own results.
    const [r1, r2] = await Promise.all([client.layout(small()), client.layout(makeDecoderGraph(1).graph)]);
    assert.equal(r1.nodeCount, 3);
    assert.equal(r2.nodeCount, makeDecoderGraph(1).graph.nodeCount);
  } finally {
    close();
  }
});

test('cancelAll rejects pending requests', async () => {
  const posted: unknown[] = [];
  const fake: WorkerLike = { onmessage: null, postMessage: (m) => posted.push(m) };
  const client = new LayoutClient(fake);
  const p = client.layout(small());
  client.cancelAll('view closed');
  await assert.rejects(p, /view closed/);
  assert.equal(posted.length, 1);
});

test('startLayoutWorker falls back to the inline worker, which gives the same results', async () => {
  const reasons: string[] = [];
  // Node has fetch and Blob but no Web Worker: the fallback path.
  const w = await startLayoutWorker('http://127.0.0.1:9/layout-worker.js', (r) => reasons.push(r));
  assert.equal(reasons.length, 1);
  assert.match(reasons[0], /layout runs on the UI thread/);
  const client = new LayoutClient(w);
  const g = makeDecoderGraph(2).graph;
  assert.deepEqual(withoutTimings(await client.layout(g)), withoutTimings(layoutGraph(g)));
  const inline = new LayoutClient(createInlineWorker());
  await assert.rejects(inline.layout({ ...small(), edges: new Uint32Array([0]) }), /odd length 1/);
});

test('webview/layout stays browser-safe: no Node, vscode or DOM-document imports', () => {
  const dir = join(__dirname, '..', '..', '..', 'webview', 'layout');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const src = readFileSync(join(dir, f), 'utf8');
    assert.doesNotMatch(src, /from ['"](node:|fs|path|os|vscode|onnxruntime)/, `${f} imports a Node/vscode module`);
    assert.doesNotMatch(src, /\b(document|window)\./, `${f} uses the DOM`);
    assert.doesNotMatch(src, /\brequire\(/, `${f} uses require`);
  }
});
