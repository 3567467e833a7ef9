// Tensor metrics against numpy's own figures (test/fixtures/compare/make_metrics.py), plus the rules numpy
// does not cover: exact ints beyond 2^53, strings, shape/dtype checks, per-output tolerances, chunking,
// the histogram, and the JSON/Markdown reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTensorFile } from '../../../src/core/codec/files';
import { hostFromNumbers, hostFromStrings } from '../../../src/core/codec/tensordata';
import { DataType } from '../../../src/core/ir/dtype';
import {
  compareTensors, makeReport, toJson, toMarkdown, unravel, HISTOGRAM_MIN_EXP, type TensorComparison,
} from '../../../src/core/compare/metrics';

const FIX = join(__dirname, '..', '..', 'fixtures', 'compare');

interface Expected {
  rtol: number; atol: number; exact: boolean; mismatches: number; allclose: boolean;
  maxAbs: number | null; maxRel: number; meanAbs: number | null; cosine: number;
  nanActual: number; nanExpected: number; infActual: number; infExpected: number; count: number;
}

function close(actual: number, expected: number, what: string, rel = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs numpy ${expected}`);
}

test('every numpy case: mismatches, allclose, max abs/rel, mean abs, cosine, NaN/Inf counts', async () => {
  const cases = (await readTensorFile(join(FIX, 'metrics_cases.npz'))).tensors;
  const expected = JSON.parse(readFileSync(join(FIX, 'metrics_expected.json'), 'utf8')) as Record<string, Expected>;
  assert.ok(Object.keys(expected).length >= 13);
  for (const [name, e] of Object.entries(expected)) {
    const a = cases.get(`a_${name}`)!;
    const b = cases.get(`b_${name}`)!;
    for (const chunk of [undefined, 64, 7]) {
      const r = compareTensors(a, b, name, { rtol: e.rtol, atol: e.atol, ...(chunk ? { chunk } : {}) });
      const what = `${name} (chunk ${chunk ?? 'default'})`;
      assert.equal(r.kind, e.exact ? 'exact' : 'float', what);
      assert.equal(r.count, e.count, what);
      assert.equal(r.mismatches, e.mismatches, `${what}: mismatches`);
      assert.equal(r.pass, e.allclose, `${what}: pass (${r.reason})`);
      if (e.maxAbs !== null) close(r.maxAbs, e.maxAbs, `${what} maxAbs`);
      close(r.maxRel, e.maxRel, `${what} maxRel`);
      if (e.meanAbs !== null) close(r.meanAbs, e.meanAbs, `${what} meanAbs`, 1e-9);
      close(r.cosine, Math.max(-1, Math.min(1, e.cosine)), `${what} cosine`, 1e-9);
      assert.deepEqual([r.nan.actual, r.nan.expected, r.inf.actual, r.inf.expected], [e.nanActual, e.nanExpected, e.infActual, e.infExpected], what);
      if (!r.pass) assert.match(r.reason!, e.exact ? /differ/ : /outside rtol/, what);
    }
  }
});

test('NaN must sit at the same places, Inf must match in sign; reasons say which', async () => {
  const cases = (await readTensorFile(join(FIX, 'metrics_cases.npz'))).tensors;
  const same = compareTensors(cases.get('a_f32_special_same')!, cases.get('b_f32_special_same')!, 's');
  assert.equal(same.pass, true);
  assert.equal(same.histogram!.nonFinite, 1, 'the matching NaN pair has no finite error');
  const differ = compareTensors(cases.get('a_f32_special_differ')!, cases.get('b_f32_special_differ')!, 'd');
  // [1, 0, inf, inf, nan, 2] vs [1, nan, inf, -inf, 0, 2]: NaN twice misplaced, one Inf of the wrong sign.
  assert.equal(differ.nan.mismatched, 2);
  assert.equal(differ.inf.mismatched, 1);
  assert.equal(differ.mismatches, 3);
  assert.match(differ.reason!, /2 NaN at different positions, 1 Inf that differ/);
  assert.deepEqual(differ.firstMismatch?.at, [1]);
});

test('int64 beyond 2^53 compares exactly, on bytes', () => {
  const a = hostFromNumbers(DataType.INT64, [2], [2n ** 53n + 1n, 3n]);
  const b = hostFromNumbers(DataType.INT64, [2], [2n ** 53n, 3n]);
  // As doubles 2^53 + 1 rounds to 2^53: only the bytes tell them apart.
  const r = compareTensors(a, b, 'ids');
  assert.equal(r.kind, 'exact');
  assert.equal(r.pass, false);
  assert.equal(r.mismatches, 1);
  assert.equal(r.maxAbs, 0, 'the double difference is 0, the values still differ');
  assert.deepEqual(r.firstMismatch?.at, [0]);
  assert.equal(compareTensors(a, a, 'ids').pass, true);
});

test('strings compare exactly; a string vs a number tensor fails on dtype', () => {
  const a = hostFromStrings([3], ['a', 'béta', 'c']);
  const b = hostFromStrings([3], ['a', 'beta', 'c']);
  const r = compareTensors(a, b, 'words');
  assert.equal(r.kind, 'string');
  assert.equal(r.pass, false);
  assert.equal(r.mismatches, 1);
  assert.deepEqual(r.firstMismatch, { index: 1, at: [1], actual: 'béta', expected: 'beta' });
  assert.ok(Number.isNaN(r.maxAbs));
  assert.equal(compareTensors(b, b, 'words').pass, true);
  const n = compareTensors(hostFromNumbers(DataType.FLOAT, [3], [1, 2, 3]), b, 'words');
  assert.equal(n.pass, false);
  assert.match(n.reason!, /dtype float differs from the reference's string/);
});

test('shape first: a different shape fails without comparing values; a different dtype fails but is measured', () => {
  const a = hostFromNumbers(DataType.FLOAT, [2, 3], [1, 2, 3, 4, 5, 6]);
  const b = hostFromNumbers(DataType.FLOAT, [3, 2], [1, 2, 3, 4, 5, 6]);
  const s = compareTensors(a, b, 'y');
  assert.equal(s.pass, false);
  assert.equal(s.count, 0);
  assert.match(s.reason!, /shape \[2,3\] differs from the reference's \[3,2\]/);
  const d = compareTensors(a, hostFromNumbers(DataType.DOUBLE, [2, 3], [1, 2, 3, 4, 5, 6.5]), 'y');
  assert.equal(d.pass, false);
  assert.match(d.reason!, /dtype float differs from the reference's double/);
  assert.equal(d.maxAbs, 0.5, 'values are still measured');
});

test('per-output tolerances override the defaults; bad tolerances are refused', () => {
  const a = hostFromNumbers(DataType.FLOAT, [2], [1.01, 2]);
  const b = hostFromNumbers(DataType.FLOAT, [2], [1, 2]);
  assert.equal(compareTensors(a, b, 'loose').pass, false, 'default rtol 1e-3 fails a 1% error');
  const t = new Map([['loose', { rtol: 0.02 }]]);
  const r = compareTensors(a, b, 'loose', { tolerances: t });
  assert.equal(r.pass, true);
  assert.equal(r.rtol, 0.02);
  assert.equal(r.atol, 1e-5, 'atol keeps the default');
  assert.equal(compareTensors(a, b, 'other', { tolerances: t }).pass, false, 'only the named output is loosened');
  assert.equal(compareTensors(a, b, 'loose', { tolerances: { loose: { atol: 0.011 } } }).pass, true, 'a plain object works too');
  assert.throws(() => compareTensors(a, b, 'x', { rtol: -1 }), /rtol for 'x' must be a finite number >= 0; found -1/);
});

test('numpy semantics: the tolerance scales with the reference, not the actual value', () => {
  // |a-b| = 1 <= 0 + 0.5*|b| holds for b = 2 (a = 1) but not for b = 1 (a = 2).
  const r1 = compareTensors(hostFromNumbers(DataType.FLOAT, [1], [1]), hostFromNumbers(DataType.FLOAT, [1], [2]), 'x', { rtol: 0.5, atol: 0 });
  const r2 = compareTensors(hostFromNumbers(DataType.FLOAT, [1], [2]), hostFromNumbers(DataType.FLOAT, [1], [1]), 'x', { rtol: 0.5, atol: 0 });
  assert.equal(r1.pass, true);
  assert.equal(r2.pass, false);
});

test('histogram: errors by power of ten, exact matches apart', () => {
  const b = hostFromNumbers(DataType.DOUBLE, [6], [0, 0, 0, 0, 0, 0]);
  const a = hostFromNumbers(DataType.DOUBLE, [6], [0, 3e-7, 5e-7, 0.02, 1e-20, 1e9]);
  const r = compareTensors(a, b, 'h');
  const h = r.histogram!;
  assert.equal(h.exact, 1);
  const at = (exp: number) => h.counts[exp - HISTOGRAM_MIN_EXP];
  assert.equal(at(-7), 2, '3e-7 and 5e-7 are in [1e-7, 1e-6)');
  assert.equal(at(-2), 1, '0.02 is in [1e-2, 1e-1)');
  assert.equal(h.counts[0], 1, '1e-20 goes to the lowest bucket');
  assert.equal(h.counts[h.counts.length - 1], 1, '1e9 goes to the highest bucket');
  assert.equal(h.counts.reduce((x, y) => x + y, 0) + h.exact + h.nonFinite, 6);
  assert.equal(compareTensors(a, b, 'h', { histogram: false }).histogram, undefined);
});

test('worst element is located; unravel follows C order', () => {
  assert.deepEqual(unravel(23, [2, 3, 4]), [1, 2, 3]);
  assert.deepEqual(unravel(0, []), []);
  const b = hostFromNumbers(DataType.FLOAT, [2, 3], [0, 0, 0, 0, 0, 0]);
  const a = hostFromNumbers(DataType.FLOAT, [2, 3], [0, 0, 0, 0, -4, 0]);
  const r = compareTensors(a, b, 'w');
  assert.deepEqual(r.worst, { index: 4, at: [1, 1], actual: -4, expected: 0 });
});

test('empty tensors compare equal; float16 and bool read through the codec', () => {
  const e = compareTensors(hostFromNumbers(DataType.FLOAT, [0, 3], []), hostFromNumbers(DataType.FLOAT, [0, 3], []), 'e');
  assert.equal(e.pass, true);
  assert.equal(e.maxAbs, 0);
  const h = compareTensors(hostFromNumbers(DataType.FLOAT16, [2], [1, 2]), hostFromNumbers(DataType.FLOAT16, [2], [1, 2.001]), 'h');
  assert.equal(h.pass, true, 'float16(2.001) rounds to 2');
});

test('reports: JSON keeps NaN/Infinity as strings; Markdown has the table, reasons and histogram', () => {
  const ok = compareTensors(hostFromNumbers(DataType.FLOAT, [2], [1, 2]), hostFromNumbers(DataType.FLOAT, [2], [1, 2]), 'good|name');
  const bad = compareTensors(hostFromNumbers(DataType.FLOAT, [2], [NaN, 2]), hostFromNumbers(DataType.FLOAT, [2], [1, 3]), 'bad');
  const rep = makeReport([ok, bad], { model: 'm.onnx', reference: 'refs.npz', unmatched: ['extra'] });
  assert.equal(rep.pass, false);
  const j = JSON.parse(toJson(rep));
  assert.equal(j.outputs[1].nan.mismatched, 1);
  assert.equal(typeof j.outputs[1].maxAbs, 'number');
  const nanOnly = compareTensors(hostFromNumbers(DataType.FLOAT, [1], [NaN]), hostFromNumbers(DataType.FLOAT, [1], [1]), 'n');
  assert.equal(JSON.parse(toJson(nanOnly)).maxAbs, 'NaN', 'no finite pair: NaN, written as a string');
  const md = toMarkdown(rep);
  assert.match(md, /\| output \| result \| shape \| dtype \| max abs \| max rel \| mean abs \| cosine \| mismatches \|/);
  assert.match(md, /\| good\\\|name \| pass \|/, 'a | in a name is escaped');
  assert.match(md, /\| bad \| FAIL \|/);
  assert.match(md, /`bad`: 2 of 2 elements are outside rtol 0\.001, atol 0\.00001 \(1 NaN at different positions\)/);
  assert.match(md, /Verdict: \*\*FAIL\*\* \(1 of 2 outputs within tolerance\)/);
  assert.match(md, /Not compared \(no reference tensor\): `extra`/);
  assert.match(md, /1e0: 1/, 'histogram line for |3-2| = 1');
  const pass: TensorComparison[] = [ok];
  assert.equal(makeReport(pass).pass, true);
});
