// .npz: numpy's stored and deflated archives, round trips, and hostile archives (path escapes, lying sizes,
// zip bombs, corruption) that must fail fast with a clear message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { readNpz, writeNpz, crc32 } from '../../../src/core/codec/files/npz';
import { writeNpy, TensorFileError } from '../../../src/core/codec/files/npy';
import { DataType } from '../../../src/core/ir/dtype';
import { hostFromNumbers, hostToNumbers } from '../../../src/core/codec/tensordata';
import { assertValues, fixtureJson, TENSORS } from './expect';

const expected = fixtureJson<Record<string, { dims: number[]; descr: string; values: (number | string)[] }>>('npz.json');

test('np.savez (stored) and np.savez_compressed (deflated) archives read with numpy\'s keys and values', () => {
  for (const f of ['stored.npz', 'deflated.npz']) {
    const m = readNpz(readFileSync(join(TENSORS, 'npz', f)), f);
    assert.deepEqual([...m.keys()], Object.keys(expected), f);
    for (const [k, e] of Object.entries(expected)) {
      const h = m.get(k)!;
      assert.equal(h.name, k);
      assert.deepEqual(h.dims, e.dims, `${f} ${k}`);
      assertValues(hostToNumbers(h), e.values, `${f} ${k}`);
    }
  }
});

test('stored members stay views into the archive bytes', () => {
  const bytes = readFileSync(join(TENSORS, 'npz', 'stored.npz'));
  assert.equal(readNpz(bytes).get('weights')!.data.buffer, bytes.buffer);
});

test('write -> read round-trips, stored and deflated', () => {
  const tensors = new Map([
    ['a', hostFromNumbers(DataType.FLOAT, [2, 2], [1, 2, 3, 4])],
    ['nested/b', hostFromNumbers(DataType.INT64, [3], [1n, -2n, 2n ** 62n])],
    ['zeros', hostFromNumbers(DataType.DOUBLE, [1000], new Array(1000).fill(0))],
  ]);
  for (const compress of [false, true]) {
    const bytes = writeNpz(tensors, { compress });
    const back = readNpz(bytes);
    assert.deepEqual([...back.keys()], [...tensors.keys()]);
    for (const [k, h] of tensors) assert.deepEqual(Buffer.from(back.get(k)!.data), Buffer.from(h.data), `${k} compress=${compress}`);
    if (compress) assert.ok(bytes.byteLength < 2000, 'deflated');
  }
  assert.throws(() => writeNpz({ '../up': hostFromNumbers(DataType.FLOAT, [1], [1]) }), /cannot write the key '\.\.\/up' because it has a '\.\.' segment/);
});

// --- hostile archives --------------------------------------------------------------------------------

const npy = writeNpy(hostFromNumbers(DataType.FLOAT, [2], [1, 2]));

/** Replaces every occurrence of `from` (same length) in the archive: both the local and the central header. */
function rename(zip: Uint8Array, from: string, to: string): Uint8Array {
  assert.equal(from.length, to.length);
  const out = zip.slice();
  const f = Buffer.from(from, 'latin1');
  let hits = 0;
  for (let i = 0; i + f.length <= out.length; i++) {
    if (f.every((b, k) => out[i + k] === b)) {
      out.set(Buffer.from(to, 'latin1'), i);
      hits++;
    }
  }
  assert.equal(hits, 2);
  return out;
}

/** Offset of the first central directory entry. */
function centralEntry(zip: Uint8Array, index = 0): number {
  let seen = 0;
  for (let i = 0; i + 4 <= zip.length; i++) {
    if (zip[i] === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 1 && zip[i + 3] === 2 && seen++ === index) return i;
  }
  throw new Error('no central entry');
}

function refuses(bytes: Uint8Array, re: RegExp, opts = {}): void {
  const t0 = Date.now();
  assert.throws(() => readNpz(bytes, 'evil.npz', opts), (e: unknown) => e instanceof TensorFileError && re.test(e.message), `expected ${re}`);
  assert.ok(Date.now() - t0 < 2000, 'fails fast');
}

test('member names that could escape a folder are refused', () => {
  const base = (name: string) => zipSync({ [name]: [npy, { level: 0 }] });
  refuses(rename(base('zz/x.npy'), 'zz/x.npy', '../x.npy'), /member '\.\.\/x\.npy': refused because it has a '\.\.' segment/);
  refuses(rename(base('a/zz/x.npy'), 'a/zz/x.npy', 'a/../x.npy'), /'\.\.' segment/);
  refuses(rename(base('zabs.npy'), 'zabs.npy', '/abs.npy'), /member '\/abs\.npy': refused because it is an absolute path/);
  refuses(rename(base('Cxx.npy'), 'Cxx.npy', 'C:x.npy'), /starts with a drive letter/);
  refuses(rename(base('azb.npy'), 'azb.npy', 'a\\b.npy'), /contains a backslash/);
});

test('declared sizes over the limits, or beyond what deflate can produce, are refused before inflating', () => {
  const one = zipSync({ 'a.npy': [new Uint8Array(600_000), { level: 6 }] });
  refuses(one, /member 'a\.npy': its declared size 600000 bytes exceeds the limit of 100000 bytes per member/, { maxMemberBytes: 100_000 });
  const two = zipSync({ 'a.npy': [new Uint8Array(600_000), { level: 6 }], 'b.npy': [new Uint8Array(600_000), { level: 6 }] });
  refuses(two, /declared sizes add up to more than the limit of 1000000 bytes/, { maxTotalBytes: 1_000_000 });
  const huge = one.slice();
  new DataView(huge.buffer).setUint32(centralEntry(huge) + 24, 0xfffffff0, true);
  refuses(huge, /declares 4294967280 bytes from \d+ compressed bytes, more than deflate can produce/);
  const stored = zipSync({ 'a.npy': [npy, { level: 0 }] });
  const lie = stored.slice();
  new DataView(lie.buffer).setUint32(centralEntry(lie) + 24, npy.byteLength + 1, true);
  refuses(lie, /a stored member must have equal sizes/);
});

/**
 * A raw deflate stream that inflates to about `outBytes` zero bytes: one fixed-Huffman block holding a literal 0
 * and then matches of length 258 at distance 1 (13 bits each: about 1:160).
 */
function deflateBomb(outBytes: number): Uint8Array {
  const matches = Math.ceil(outBytes / 258);
  const out = new Uint8Array(Math.ceil((3 + 8 + matches * 13 + 7) / 8) + 1);
  let bit = 0;
  const put = (v: number, n: number) => { // n bits of v, LSB first
    for (let i = 0; i < n; i++, bit++) if ((v >> i) & 1) out[bit >> 3] |= 1 << (bit & 7);
  };
  const code = (v: number, n: number) => { // a Huffman code: MSB first
    for (let i = n - 1; i >= 0; i--, bit++) if ((v >> i) & 1) out[bit >> 3] |= 1 << (bit & 7);
  };
  put(1, 1); // BFINAL
  put(1, 2); // fixed Huffman
  code(0x30, 8); // literal 0
  for (let i = 0; i < matches; i++) {
    code(0xc5, 8); // length code 285 = 258
    code(0, 5); // distance code 0 = 1
  }
  code(0, 7); // end of block
  return out;
}

test('a zip bomb whose data inflates past its declared size is stopped early', () => {
  const stream = deflateBomb(256 * 1024 * 1024); // 256 MiB of zeros from ~1.7 MiB
  const zip = zipSync({ 'a.npy': [stream, { level: 0 }] });
  const dv = new DataView(zip.buffer);
  const c = centralEntry(zip);
  dv.setUint16(8, 8, true); // local header: deflated
  dv.setUint16(c + 10, 8, true); // central header: deflated
  dv.setUint32(c + 24, 1000, true); // declared uncompressed size
  refuses(zip, /member 'a\.npy': it inflates to more than its declared 1000 bytes: the archive lies about its sizes/);
  dv.setUint32(c + 24, 16 * 1024 * 1024, true); // a plausible declaration: inflated up to it, then stopped
  refuses(zip, /inflates to more than its declared 16777216 bytes/);
});

test('truncated and corrupt archives give clear errors', () => {
  const good = zipSync({ 'a.npy': [npy, { level: 0 }], 'b.npy': [npy, { level: 6 }] });
  refuses(good.subarray(0, good.byteLength - 30), /no end-of-central-directory record|central directory/);
  refuses(new Uint8Array(10), /shorter than an end-of-central-directory record/);
  const flipped = good.slice();
  flipped[30 + 'a.npy'.length + npy.byteLength - 1] ^= 0xff; // last data byte of the stored member
  refuses(flipped, /member 'a\.npy': CRC-32 mismatch/);
  const notNpy = zipSync({ 'a.npy': [new TextEncoder().encode('hello'), { level: 0 }] });
  refuses(notNpy, /member 'a\.npy': it is not a \.npy array/);
  const moved = good.slice();
  new DataView(moved.buffer).setUint32(centralEntry(moved, 1) + 42, 3, true);
  refuses(moved, /member 'b\.npy': no local header at byte 3/);
});

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});
