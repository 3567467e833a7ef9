// inspect --weights and lazy external data at the model level: opening reads no weight; a refused or missing
// weight is reported by tensor and file while the rest of the model still opens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from '../../../src/core/codec/pb';
import { readModelFile } from '../../../src/core/codec/file';
import { summarize } from '../../../src/core/summary';
import { weightReport, closeExternal } from '../../../src/core/weights';
import { buildGraphView } from '../../../src/extension/viewModel';
import { main } from '../../../src/cli/main';

function externalTensor(name: string, dims: number[], location: string, offset: number, length: number): onnx.TensorProto.$Properties {
  return {
    name, dims, dataType: 1, dataLocation: 1,
    externalData: [{ key: 'location', value: location }, { key: 'offset', value: String(offset) }, { key: 'length', value: String(length) }],
  };
}

/**
 *   x ─► Add(big) ─► Add(missing) ─► Add(escape) ─► y     (big: 45 MB in weights.bin)
 */
function makeModel(dir: string): string {
  const big = 45 * 1024 * 1024 / 4;
  const data = Buffer.alloc(big * 4);
  new Float32Array(data.buffer, data.byteOffset, 4).set([1, 2, 3, 4]);
  writeFileSync(join(dir, 'weights.bin'), data);
  const graph: onnx.GraphProto.$Properties = {
    name: 'g',
    input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: big }] } } } }],
    output: [{ name: 'y' }],
    initializer: [
      externalTensor('big', [big], 'weights.bin', 0, big * 4),
      externalTensor('missing', [4], 'nowhere.bin', 0, 16),
      externalTensor('escape', [4], '../outside.bin', 0, 16),
    ],
    node: [
      { opType: 'Add', input: ['x', 'big'], output: ['a'] },
      { opType: 'Add', input: ['a', 'missing'], output: ['b'] },
      { opType: 'Add', input: ['b', 'escape'], output: ['y'] },
    ],
  };
  const p = join(dir, 'model.onnx');
  writeFileSync(p, onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph }).finish());
  return p;
}

test('opening a model with 45 MB of external data reads none of it until a weight is asked for', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-lens-lazy-'));
  const path = makeModel(dir);
  const opened: string[] = [];
  const origOpen = fs.openSync;
  (fs as { openSync: typeof fs.openSync }).openSync = ((p: fs.PathLike, ...rest: unknown[]) => {
    opened.push(String(p));
    return (origOpen as (...a: unknown[]) => number)(p, ...rest);
  }) as typeof fs.openSync;
  try {
    const model = readModelFile(path);
    const s = summarize(model);
    buildGraphView(model.graph);
    assert.equal(s.initializers.external, 3);
    assert.deepEqual(opened.filter((p) => p.endsWith('weights.bin')), [], 'opening read the weights file');
    const r = weightReport(model, model.graph.initializers[0], { first: 4 });
    assert.equal(r.error, undefined);
    assert.deepEqual(r.first, [1, 2, 3, 4]);
    assert.ok(opened.some((p) => p.endsWith('weights.bin')));
    closeExternal(model);
  } finally {
    (fs as { openSync: typeof fs.openSync }).openSync = origOpen;
  }
});

test('inspect --weights reports a missing and a refused weight by tensor and file; the rest still reads', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-lens-weights-'));
  const path = makeModel(dir);
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['inspect', path, '--weights', '--json'], { out: (t) => out.push(t), err: (t) => err.push(t) });
  assert.equal(code, 0, err.join('\n'));
  const j = JSON.parse(out.join('\n'));
  const byName = Object.fromEntries(j.weights.map((w: { name: string }) => [w.name, w]));
  assert.equal(byName.big.error, undefined);
  assert.equal(byName.big.stats.max, 4);
  assert.match(byName.missing.error, /missing.*nowhere\.bin/s);
  assert.match(byName.escape.error, /escape.*\.\.\/outside\.bin/s);
});
