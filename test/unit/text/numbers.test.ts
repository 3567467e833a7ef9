/**
 * Numbers as std::to_chars writes them (what onnx's printer uses). The expected strings below are what onnx's
 * printer printed for the same values (test/fixtures/text/expected/features/dtypes.full.txt and numbers.full.txt
 * hold thousands more, checked in printer.test.ts); the properties check the round trip on random bit patterns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatDouble, formatFloat, formatInt } from '../../../src/core/text';

test('float32: shortest text that reads back as the same float, fixed or scientific by length', () => {
  const cases: [number, string][] = [
    [0.1, '0.1'],
    [-2.5, '-2.5'],
    [1e-5, '1e-05'],
    [100000, '1e+05'], // "1e+05" is shorter than "100000"
    [123456, '123456'],
    [123456789, '123456792'], // fixed, and then the exact integer
    [1073741824, '1073741824'],
    [1.98828125, '1.9882812'], // a tie between 1.9882812 and 1.9882813: the even digit
    [3.4028234663852886e38, '3.4028235e+38'],
    [1.401298464324817e-45, '1e-45'],
    [0.001, '0.001'], // a tie in length: fixed
    [0.0001, '1e-04'],
    [1e7, '1e+07'],
    [16777217, '16777216'],
  ];
  for (const [v, s] of cases) assert.equal(formatFloat(Math.fround(v)), s, `${v}`);
  // A power of two with a lopsided rounding interval: the nearest 8-digit decimal does not read back, the
  // next one up does (onnx prints 1.2621775e-29 for 2^-96).
  assert.equal(formatFloat(2 ** -96), '1.2621775e-29');
});

test('float32 and float64 specials: signed zero, infinities, NaN by its sign bit', () => {
  assert.equal(formatFloat(0), '0');
  assert.equal(formatFloat(-0), '-0');
  assert.equal(formatFloat(Infinity), 'inf');
  assert.equal(formatFloat(-Infinity), '-inf');
  assert.equal(formatFloat(NaN), 'nan');
  assert.equal(formatFloat(NaN, true), '-nan');
  assert.equal(formatDouble(-0), '-0');
  assert.equal(formatDouble(-Infinity), '-inf');
  assert.equal(formatDouble(NaN, false), 'nan');
  assert.equal(formatDouble(NaN, true), '-nan');
});

test('float64: shortest round trip, fixed or scientific by length, exact integers in fixed form', () => {
  const cases: [number, string][] = [
    [0.1, '0.1'],
    [1 / 3, '0.3333333333333333'],
    [1e300, '1e+300'],
    [5e-324, '5e-324'],
    [1e21, '1e+21'],
    [123456789012345680000, '123456789012345683968'],
    [2 ** 60, '1152921504606846976'],
    [1e-7, '1e-07'],
    [123456.789, '123456.789'],
    [9007199254740993, '9007199254740992'],
    [1e16, '1e+16'],
    [1e15, '1e+15'],
    [2.5, '2.5'],
  ];
  for (const [v, s] of cases) assert.equal(formatDouble(v), s, `${v}`);
});

test('64-bit integers: numbers and bigints as decimal text', () => {
  assert.equal(formatInt(0), '0');
  assert.equal(formatInt(-0), '0');
  assert.equal(formatInt(-7), '-7');
  assert.equal(formatInt(-9223372036854775808n), '-9223372036854775808');
  assert.equal(formatInt(18446744073709551615n), '18446744073709551615');
});

test('property: every finite float32 prints as text that reads back as itself, and no longer than 9 digits', () => {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (bits) => {
      u32[0] = bits;
      const x = f32[0];
      if (!Number.isFinite(x)) return;
      const s = formatFloat(x);
      assert.ok(Object.is(Math.fround(Number(s)), x), `${x} printed as ${s}`);
      const digits = s.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '');
      assert.ok(digits.length <= 9 || /^\d+$/.test(s.replace(/^-/, '')), `${s} has more than 9 digits`);
    }),
    { numRuns: 20000 },
  );
});

test('property: every finite float64 prints as text that reads back as itself', () => {
  const f64 = new Float64Array(1);
  const u32 = new Uint32Array(f64.buffer);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (lo, hi) => {
      u32[0] = lo;
      u32[1] = hi;
      const x = f64[0];
      if (!Number.isFinite(x)) return;
      const s = formatDouble(x);
      assert.ok(Object.is(Number(s), x), `${x} printed as ${s}`);
      assert.ok(s.length <= 24, `${s} is longer than to_chars would write`);
    }),
    { numRuns: 20000 },
  );
});
