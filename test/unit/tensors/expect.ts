// Shared by the tensor tests: the committed fixtures under test/fixtures/tensors and how to compare with them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(__dirname, '../../fixtures');
export const TENSORS = join(FIXTURES, 'tensors');

export function fixtureJson<T>(name: string): T {
  return JSON.parse(readFileSync(join(TENSORS, name), 'utf8')) as T;
}

/** make_fixtures.py writes non-finite floats and 64-bit-safe integers as strings. */
export function num(v: number | string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return Number(v);
}

/** Exact equality of decoded numbers with the expected list (NaN equals NaN, -0 differs from +0). */
export function assertValues(actual: ArrayLike<number>, expected: (number | string)[], where: string): void {
  assert.equal(actual.length, expected.length, `${where}: count`);
  for (let i = 0; i < expected.length; i++) {
    const e = num(expected[i]);
    const a = actual[i];
    if (!Object.is(a, e)) assert.fail(`${where}: value ${i} is ${a}, expected ${e} (${expected[i]})`);
  }
}
