// Polygraphy JSON (RunResults from --save-outputs, feed dicts from --save-inputs): fixtures built exactly as
// Polygraphy's JSON encoder writes them (see make_fixtures.py), round trips, and malformed documents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPolygraphyJson, writePolygraphyInputs, writePolygraphyResults } from '../../../src/core/codec/files/polygraphy';
import { writeNpy, TensorFileError } from '../../../src/core/codec/files/npy';
import { writeNpz } from '../../../src/core/codec/files/npz';
import { DataType } from '../../../src/core/ir/dtype';
import { hostFromNumbers, hostToNumbers } from '../../../src/core/codec/tensordata';
import type { HostTensor } from '../../../src/core/ir/hosttensor';
import { assertValues, fixtureJson, TENSORS } from './expect';

type Values = Record<string, (number | string)[]>;
const expected = fixtureJson<{ 'outputs.json': { runners: { name: string; iterations: Values[] }[] }; 'inputs.json': Values[] }>('polygraphy.json');
const read = (f: string) => readFileSync(join(TENSORS, 'polygraphy', f));

function checkValues(m: Map<string, HostTensor>, e: Values, where: string): void {
  assert.deepEqual([...m.keys()], Object.keys(e), where);
  for (const [k, v] of Object.entries(e)) assertValues(hostToNumbers(m.get(k)!), v, `${where} ${k}`);
}

test('RunResults: runners, iterations, runtimes and arrays as Polygraphy wrote them', () => {
  const pg = readPolygraphyJson(read('outputs.json'), 'outputs.json');
  assert.equal(pg.kind, 'results');
  if (pg.kind !== 'results') return;
  const e = expected['outputs.json'].runners;
  assert.deepEqual(pg.runners.map((r) => r.name), e.map((r) => r.name));
  pg.runners.forEach((r, i) => {
    assert.equal(r.iterations.length, e[i].iterations.length);
    r.iterations.forEach((it, k) => {
      assert.equal(it.runnerName, r.name);
      assert.equal(typeof it.runtime, 'number');
      checkValues(it.outputs, e[i].iterations[k], `${r.name}[${k}]`);
    });
  });
  assert.equal(pg.runners[0].iterations[0].runtime, 0.0012);
  assert.equal(pg.runners[0].iterations[0].outputs.get('ids')!.dtype, DataType.INT64);
});

test('older files (LazyNumpyArray, legacy class markers, latin-1 or npz payloads) read too', () => {
  const pg = readPolygraphyJson(read('outputs_lazynumpyarray.json'));
  assert.ok(pg.kind === 'results');
  checkValues(pg.runners[0].iterations[0].outputs, expected['outputs.json'].runners[0].iterations[0], 'legacy');

  const h = hostFromNumbers(DataType.INT32, [2], [7, -7]);
  const latin1 = String.fromCharCode(...writeNpy(h));
  const npzB64 = Buffer.from(writeNpz({ arr_0: h })).toString('base64');
  const doc = [{
    a: { array: latin1, __polygraphy_encoded_ndarray: 'polygraphy_serialized_json_type' },
    b: { array: npzB64, polygraphy_class: 'ndarray' },
  }];
  const old = readPolygraphyJson(JSON.stringify(doc));
  assert.ok(old.kind === 'inputs');
  assert.deepEqual(Array.from(hostToNumbers(old.iterations[0].get('a')!)), [7, -7]);
  assert.deepEqual(Array.from(hostToNumbers(old.iterations[0].get('b')!)), [7, -7]);
});

test('saved inputs: one feed dict per iteration', () => {
  const pg = readPolygraphyJson(read('inputs.json'));
  assert.ok(pg.kind === 'inputs');
  assert.equal(pg.iterations.length, 2);
  pg.iterations.forEach((it, i) => checkValues(it, expected['inputs.json'][i], `iteration ${i}`));
  assert.deepEqual(pg.iterations[0].get('input')!.dims, [1, 2, 3]);
  assert.equal(pg.iterations[0].get('mask')!.dtype, DataType.BOOL);
});

test('write -> read round-trips results and inputs; the writer emits Polygraphy\'s class markers', () => {
  const outputs = new Map([['y', hostFromNumbers(DataType.FLOAT, [2], [0.5, -1])], ['n', hostFromNumbers(DataType.INT64, [1], [2n ** 60n])]]);
  const text = writePolygraphyResults([{ name: 'onnx-lens', iterations: [{ runnerName: 'onnx-lens', runtime: 0.25, outputs }] }]);
  const doc = JSON.parse(text);
  assert.equal(doc.polygraphy_class, 'RunResults');
  assert.equal(doc.lst[0][0], 'onnx-lens');
  assert.equal(doc.lst[0][1][0].polygraphy_class, 'IterationResult');
  assert.equal(doc.lst[0][1][0].outputs.y.polygraphy_class, 'LazyArray');
  assert.equal(doc.lst[0][1][0].outputs.y.values.polygraphy_class, 'ndarray');
  const back = readPolygraphyJson(text);
  assert.ok(back.kind === 'results');
  assert.equal(back.runners[0].iterations[0].runtime, 0.25);
  for (const [k, h] of outputs) assert.deepEqual(Buffer.from(back.runners[0].iterations[0].outputs.get(k)!.data), Buffer.from(h.data));
  // Our reading of the committed fixture, written back and read again, keeps every value.
  const fixture = readPolygraphyJson(read('outputs.json'));
  assert.ok(fixture.kind === 'results');
  const again = readPolygraphyJson(writePolygraphyResults(fixture.runners));
  assert.deepEqual(again, fixture);

  const inputs = readPolygraphyJson(read('inputs.json'));
  assert.ok(inputs.kind === 'inputs');
  assert.deepEqual(readPolygraphyJson(writePolygraphyInputs(inputs.iterations)), inputs);
});

test('malformed documents are refused with the place and the reason', () => {
  const bad = (doc: unknown, re: RegExp) =>
    assert.throws(() => readPolygraphyJson(typeof doc === 'string' ? doc : JSON.stringify(doc), 'x.json'), (e: unknown) => e instanceof TensorFileError && re.test(e.message), `expected ${re}`);
  bad('{"lst": [', /x\.json: not valid JSON/);
  bad(42, /expected Polygraphy RunResults \(an object\) or saved inputs/);
  bad({ lst: [['r', 'nope']], polygraphy_class: 'RunResults' }, /RunResults\.lst\[0\]: expected \[runner_name, \[IterationResult, \.\.\.\]\]/);
  bad({ lst: [['r', [{ polygraphy_class: 'IterationResult' }]]], polygraphy_class: 'RunResults' }, /runner 'r' iteration 0: the IterationResult has no "outputs" dict/);
  bad([{ x: [1, 2, 3] }], /iteration 0\['x'\]: expected an encoded array .* found a list/);
  bad([{ x: { array: 'AAAA', polygraphy_class: 'ndarray' } }], /iteration 0\['x'\]: the "array" string does not hold a \.npy file/);
  bad([{ x: { array: 'abc', polygraphy_class: 'FormattedArray' } }], /FormattedArray .* cannot be read as a tensor/);
  bad({ polygraphy_class: 'AccuracyResult' }, /a Polygraphy "AccuracyResult" holds no tensors/);
  const obj = Buffer.from(readFileSync(join(TENSORS, 'npy', 'object.npy'))).toString('base64');
  bad([{ x: { array: obj, polygraphy_class: 'ndarray' } }], /object arrays need pickle, which is refused/);
});
