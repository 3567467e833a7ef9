// Right-click targets in the graph view: the node under the pointer, else the edge whose drawn route passes
// near it (the context menu then offers tensor passes for that edge's tensor).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readModelFile } from '../../../src/core/codec/file';
import { buildGraphView } from '../../../src/extension/viewModel';
import { layoutGraph } from '../../../webview/layout/layout';
import { Scene, layoutInput } from '../../../webview/scene';

const model = readModelFile(join(__dirname, '..', '..', 'fixtures', 'models', 'seed_preprocess', 'model.onnx'));
const view = buildGraphView(model.graph);
const scene = new Scene(view, layoutGraph(layoutInput(view)));

test('a point on a drawn edge, away from any node, finds that edge (or one carrying the same tensor)', () => {
  const r = scene.layout.edges;
  let tried = 0;
  for (let k = 0; k < r.edge.length; k++) {
    const p = r.offsets[k];
    if (p + 1 >= r.offsets[k + 1]) continue;
    const x = (r.points[2 * p] + r.points[2 * p + 2]) / 2;
    const y = (r.points[2 * p + 1] + r.points[2 * p + 3]) / 2;
    if (scene.hit(x, y) !== undefined) continue;
    const e = scene.hitEdge(x + 2, y, 6);
    assert.ok(e !== undefined, `route ${k}: nothing found 2 px beside its first segment`);
    assert.equal(view.edgeTensor[e], view.edgeTensor[r.edge[k]], `route ${k} found an edge of another tensor`);
    tried++;
  }
  assert.ok(tried >= 5, `only ${tried} routes had a free midpoint`);
});

test('far from every route, no edge is hit', () => {
  const { x, y, w } = scene.layout;
  let maxX = -Infinity;
  for (let i = 0; i < view.nodeCount; i++) maxX = Math.max(maxX, x[i] + w[i] / 2);
  assert.equal(scene.hitEdge(maxX + 500, y[0], 6), undefined);
});
