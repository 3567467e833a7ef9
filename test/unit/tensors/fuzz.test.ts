// Corrupted tensor files (truncated, bytes flipped or overwritten) must either read or fail with our
// TensorFileError, quickly: never a TypeError/RangeError from deep inside, never a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { readNpy, TensorFileError } from '../../../src/core/codec/files/npy';
import { readNpz } from '../../../src/core/codec/files/npz';
import { readTensorPb } from '../../../src/core/codec/files/pb';
import { readPolygraphyJson } from '../../../src/core/codec/files/polygraphy';
import { TENSORS } from './expect';

const samples: [string, (b: Uint8Array) => unknown][] = [
  ['npy/f4.npy', (b) => readNpy(b, 'x')],
  ['npy/fortran_be_i2.npy', (b) => readNpy(b, 'x')],
  ['npy/unicode.npy', (b) => readNpy(b, 'x')],
  ['npz/deflated.npz', (b) => readNpz(b, 'x', { maxTotalBytes: 1 << 20, maxMemberBytes: 1 << 20 })],
  ['npz/stored.npz', (b) => readNpz(b, 'x', { maxTotalBytes: 1 << 20, maxMemberBytes: 1 << 20 })],
  ['pb/int4_int32.pb', (b) => readTensorPb(b, 'x')],
  ['pb/complex64_field.pb', (b) => readTensorPb(b, 'x')],
  ['pb/string_field.pb', (b) => readTensorPb(b, 'x')],
  ['polygraphy/inputs.json', (b) => readPolygraphyJson(b, 'x')],
];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0, 0xff, 0x7f, 0x80) }),
);

function mutate(src: Uint8Array, ms: { kind: string; at: number; bits?: number; value?: number }[]): Uint8Array {
  let b = src.slice();
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === 'truncate') b = b.subarray(0, at);
    else if (m.kind === 'flip') b[at] ^= m.bits!;
    else b[at] = m.value!;
  }
  return b;
}

for (const [file, read] of samples) {
  test(`corrupted ${file}: reads or fails with a TensorFileError`, () => {
    const src = readFileSync(join(TENSORS, file));
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
        const t0 = Date.now();
        try {
          read(mutate(src, ms));
        } catch (e) {
          if (!(e instanceof TensorFileError)) throw e;
          assert.ok(e.message.length > 10);
        }
        assert.ok(Date.now() - t0 < 1000, 'fast');
      }),
      { numRuns: 300, seed: 42 },
    );
  });
}
