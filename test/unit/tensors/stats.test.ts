// tensorStats against numpy's answers (make_fixtures.py: mean/std/min/max over finite values, np.histogram with
// 10 bins), plus chunking and edge cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensorStats } from '../../../src/core/compare/stats';
import { readNpy } from '../../../src/core/codec/files/npy';
import { DataType } from '../../../src/core/ir/dtype';
import { hostFromNumbers, hostFromStrings } from '../../../src/core/codec/tensordata';
import { assertValues, fixtureJson, TENSORS } from './expect';

interface Expected {
  count: number; zeros: number; nan: number; inf: number; first: (number | string)[];
  min?: number; max?: number; mean?: number; std?: number; edges?: number[]; counts?: number[];
}

function close(a: number, e: number, rel: number, what: string): void {
  assert.ok(Math.abs(a - e) <= rel * Math.max(1, Math.abs(e)), `${what}: ${a} vs numpy ${e}`);
}

test('statistics match numpy for float32 (with NaN/inf/zeros), int8, constant, all-non-finite, float16, complex64', () => {
  const cases = fixtureJson<Record<string, Expected>>('stats.json');
  for (const [name, e] of Object.entries(cases)) {
    const h = readNpy(readFileSync(join(TENSORS, 'stats', `${name}.npy`)), name);
    for (const chunk of [undefined, 7]) {
      const s = tensorStats(h, { bins: 10, chunk });
      const where = `${name} chunk=${chunk}`;
      assert.equal(s.count, e.count, where);
      assert.equal(s.zeros, e.zeros, `${where} zeros`);
      assert.equal(s.nan, e.nan, `${where} nan`);
      assert.equal(s.inf, e.inf, `${where} inf`);
      // |z| goes through Math.hypot here and C's hypot in numpy: they may differ in the last bit.
      const ulp = name === 'c64' ? 4e-16 : 0;
      if (ulp === 0) assertValues(s.first, e.first, `${where} first`);
      else s.first.forEach((v, i) => close(v, e.first[i] as number, ulp, `${where} first ${i}`));
      if (e.min === undefined) {
        assert.ok(Number.isNaN(s.min) && Number.isNaN(s.mean) && Number.isNaN(s.std), where);
        assert.deepEqual(s.histogram, { edges: [], counts: [] });
        continue;
      }
      close(s.min, e.min, ulp, `${where} min`);
      close(s.max, e.max!, ulp, `${where} max`);
      close(s.mean, e.mean!, 1e-12, `${where} mean`);
      close(s.std, e.std!, 1e-9, `${where} std`);
      e.edges!.forEach((x, i) => close(s.histogram.edges[i], x, 1e-12, `${where} edge ${i}`));
      assert.deepEqual(s.histogram.counts, e.counts, `${where} histogram counts`);
    }
  }
});

test('defaults: 32 bins, 16 first values; bins 0 skips the histogram', () => {
  const h = hostFromNumbers(DataType.FLOAT, [100], Array.from({ length: 100 }, (_, i) => i));
  const s = tensorStats(h);
  assert.equal(s.histogram.counts.length, 32);
  assert.equal(s.histogram.edges.length, 33);
  assert.equal(s.histogram.counts.reduce((a, b) => a + b, 0), 100);
  assert.deepEqual(s.first, Array.from({ length: 16 }, (_, i) => i));
  assert.deepEqual(tensorStats(h, { bins: 0, first: 2 }).histogram, { edges: [], counts: [] });
  assert.deepEqual(tensorStats(h, { first: 2 }).first, [0, 1]);
});

test('a large offset does not cancel the variance (Welford), and empty tensors are fine', () => {
  const vals = Array.from({ length: 1000 }, (_, i) => 1e9 + (i % 2));
  const s = tensorStats(hostFromNumbers(DataType.DOUBLE, [1000], vals));
  assert.equal(s.mean, 1e9 + 0.5);
  close(s.std, 0.5, 1e-9, 'std');
  const empty = tensorStats(hostFromNumbers(DataType.FLOAT, [0, 4], []));
  assert.equal(empty.count, 0);
  assert.ok(Number.isNaN(empty.mean));
  assert.deepEqual(empty.first, []);
});

test('string tensors have no statistics', () => {
  assert.throws(() => tensorStats(hostFromStrings([1], ['a'])), /STRING tensor has no numeric values/);
});
