/**
 * NumPy `.npz` archives (a zip of .npy members) <-> Map<string, HostTensor>.
 *
 * The zip structure is read here (end of central directory, ZIP64 records, central and local headers) so
 * that nothing it declares is trusted blindly: member names that could escape a folder ('..' segments, a
 * leading '/', a drive letter, backslashes) are refused; declared sizes are checked against the limits and
 * against what deflate can physically produce from the compressed bytes before anything is allocated; data
 * ranges must lie inside the file; deflated members are inflated in small steps (fflate's streaming
 * Inflate) and stopped as soon as they exceed their declared size; the CRC-32 is verified. Stored members
 * stay views into the archive bytes.
 *
 * Keys are member names without the `.npy` suffix, as numpy.load gives them. Writing uses fflate's zipSync,
 * stored (np.savez) or deflated (np.savez_compressed).
 */
import { Inflate, zipSync, type Zippable } from 'fflate';
import type { HostTensor } from '../../ir/hosttensor';
import { isNpy, npyChunks, readNpy, TensorFileError, concat, type NpyWriteOptions } from './npy';

export interface NpzReadOptions {
  /** Largest uncompressed size accepted for one member (default 4 GiB). */
  maxMemberBytes?: number;
  /** Largest uncompressed size accepted for all members together (default 4 GiB). */
  maxTotalBytes?: number;
}

export const DEFAULT_NPZ_LIMIT = 4 * 1024 ** 3;
/** Deflate cannot expand data by more than 1032:1 (258-byte matches coded in 2 bits); allow some slack. */
const MAX_DEFLATE_RATIO = 1032;

interface Entry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
}
function u64(b: Uint8Array, o: number): number {
  return u32(b, o) + u32(b, o + 4) * 0x100000000;
}

let crcTable: Uint32Array | undefined;
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.byteLength; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Why a member name is unsafe, or undefined when it is fine. */
export function unsafeMemberName(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name.includes('\\')) return 'it contains a backslash';
  if (name.includes('\0')) return 'it contains a NUL character';
  if (name.startsWith('/')) return 'it is an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'it starts with a drive letter';
  if (name.split('/').some((seg) => seg === '..')) return "it has a '..' segment";
  return undefined;
}

function decodeName(raw: Uint8Array, utf8: boolean): string {
  try {
    return new TextDecoder('utf-8', { fatal: !utf8 }).decode(raw);
  } catch {
    return String.fromCharCode(...raw); // CP437 names of plain ASCII are the same bytes; anything else is shown as latin-1
  }
}

function readEntries(bytes: Uint8Array, fail: (m: string) => never): Entry[] {
  const n = bytes.byteLength;
  if (n < 22) fail(`not a zip archive: ${n} bytes is shorter than an end-of-central-directory record`);
  let e = n - 22;
  const stop = Math.max(0, n - 22 - 65535);
  while (e >= stop && u32(bytes, e) !== 0x06054b50) e--;
  if (e < stop) fail('not a zip archive (no end-of-central-directory record): the file is truncated or not an .npz');
  let count = u16(bytes, e + 10);
  let cdSize = u32(bytes, e + 12);
  let cdOffset = u32(bytes, e + 16);
  if (e >= 20 && u32(bytes, e - 20) === 0x07064b50) {
    const z = u64(bytes, e - 12);
    if (z + 56 > n || u32(bytes, z) !== 0x06064b50) fail('the ZIP64 end-of-central-directory locator points outside the file');
    count = u64(bytes, z + 32);
    cdSize = u64(bytes, z + 40);
    cdOffset = u64(bytes, z + 48);
  }
  if (cdOffset + cdSize > n) fail(`the central directory (offset ${cdOffset}, ${cdSize} bytes) lies outside the ${n}-byte file: it is truncated`);
  if (count > cdSize / 46) fail(`the archive claims ${count} members, more than its ${cdSize}-byte central directory can hold`);
  const entries: Entry[] = [];
  let o = cdOffset;
  for (let i = 0; i < count; i++) {
    if (o + 46 > cdOffset + cdSize || u32(bytes, o) !== 0x02014b50) fail(`central directory entry ${i} is corrupt (at byte ${o})`);
    const flags = u16(bytes, o + 8);
    const nlen = u16(bytes, o + 28);
    const elen = u16(bytes, o + 30);
    const clen = u16(bytes, o + 32);
    if (o + 46 + nlen + elen + clen > cdOffset + cdSize) fail(`central directory entry ${i} runs past the directory's end`);
    let size = u32(bytes, o + 24);
    let compressedSize = u32(bytes, o + 20);
    let localOffset = u32(bytes, o + 42);
    const name = decodeName(bytes.subarray(o + 46, o + 46 + nlen), (flags & 0x800) !== 0);
    // ZIP64 extra field: the 64-bit values of whichever 32-bit fields are 0xFFFFFFFF, in this order.
    let x = o + 46 + nlen;
    const xe = x + elen;
    while (x + 4 <= xe) {
      const id = u16(bytes, x);
      const len = u16(bytes, x + 2);
      if (id === 0x0001) {
        let p = x + 4;
        const take = (): number => {
          if (p + 8 > x + 4 + len) fail(`member '${name}': the ZIP64 extra field is too short`);
          const v = u64(bytes, p);
          p += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      x += 4 + len;
    }
    entries.push({ name, method: u16(bytes, o + 10), flags, crc: u32(bytes, o + 16), compressedSize, size, localOffset });
    o += 46 + nlen + elen + clen;
  }
  return entries;
}

function inflateBounded(src: Uint8Array, size: number, fail: (m: string) => never): Uint8Array {
  let out: Uint8Array;
  try {
    out = new Uint8Array(size);
  } catch {
    return fail(`cannot allocate ${size} bytes to inflate it: the member is too large for memory`);
  }
  let produced = 0;
  let over = false;
  const inf = new Inflate((chunk) => {
    if (produced + chunk.byteLength > size) {
      over = true;
      return;
    }
    out.set(chunk, produced);
    produced += chunk.byteLength;
  });
  const STEP = 16 * 1024; // at most ~16 MiB of output per step even at deflate's maximal ratio
  try {
    for (let p = 0; p < src.byteLength && !over; p += STEP) {
      const end = Math.min(src.byteLength, p + STEP);
      inf.push(src.subarray(p, end), end === src.byteLength);
    }
    if (src.byteLength === 0) inf.push(new Uint8Array(0), true);
  } catch (e) {
    if (!over) fail(`the deflated data is corrupt (${(e as Error).message})`);
  }
  if (over) fail(`it inflates to more than its declared ${size} bytes: the archive lies about its sizes (a zip bomb?)`);
  if (produced !== size) fail(`it inflates to ${produced} bytes, not the declared ${size}: the archive is truncated or corrupt`);
  return out;
}

/** Reads an .npz archive. `file` names it in errors. */
export function readNpz(bytes: Uint8Array, file = '<npz>', opts: NpzReadOptions = {}): Map<string, HostTensor> {
  const maxMember = opts.maxMemberBytes ?? DEFAULT_NPZ_LIMIT;
  const maxTotal = opts.maxTotalBytes ?? DEFAULT_NPZ_LIMIT;
  const fail = (m: string): never => {
    throw new TensorFileError(file, m);
  };
  const entries = readEntries(bytes, fail);
  // Check every declaration before allocating anything.
  let total = 0;
  for (const en of entries) {
    const mfail = (m: string): never => fail(`member '${en.name}': ${m}`);
    const why = unsafeMemberName(en.name);
    if (why) mfail(`refused because ${why}; .npz members are plain names like 'weights.npy'`);
    if (en.flags & 1) mfail('the member is encrypted, which is not supported');
    if (en.method !== 0 && en.method !== 8) mfail(`compression method ${en.method} is not supported (stored and deflated are)`);
    if (en.size > maxMember) mfail(`its declared size ${en.size} bytes exceeds the limit of ${maxMember} bytes per member: raise the limit if the file is trusted`);
    if (en.method === 0 && en.size !== en.compressedSize) mfail(`a stored member must have equal sizes; declared ${en.compressedSize} stored and ${en.size} uncompressed`);
    if (en.method === 8 && en.size > en.compressedSize * MAX_DEFLATE_RATIO + 1024) {
      mfail(`declares ${en.size} bytes from ${en.compressedSize} compressed bytes, more than deflate can produce: the archive is corrupt or hostile`);
    }
    total += en.size;
    if (total > maxTotal) fail(`the members' declared sizes add up to more than the limit of ${maxTotal} bytes: raise the limit if the file is trusted`);
  }
  const out = new Map<string, HostTensor>();
  for (const en of entries) {
    const mfail = (m: string): never => fail(`member '${en.name}': ${m}`);
    if (en.name.endsWith('/') && en.size === 0) continue; // a directory entry
    const lo = en.localOffset;
    if (lo + 30 > bytes.byteLength || u32(bytes, lo) !== 0x04034b50) mfail(`no local header at byte ${lo}: the archive is corrupt`);
    const start = lo + 30 + u16(bytes, lo + 26) + u16(bytes, lo + 28);
    if (start + en.compressedSize > bytes.byteLength) mfail(`its ${en.compressedSize} bytes of data run past the end of the file: the archive is truncated`);
    const src = bytes.subarray(start, start + en.compressedSize);
    const data = en.method === 0 ? src : inflateBounded(src, en.size, mfail);
    if (crc32(data) !== en.crc) mfail('CRC-32 mismatch: the member is corrupt');
    const key = en.name.endsWith('.npy') ? en.name.slice(0, -4) : en.name;
    if (out.has(key)) mfail(`the key '${key}' occurs twice`);
    if (!isNpy(data)) mfail('it is not a .npy array (no \\x93NUMPY magic)');
    out.set(key, readNpy(data, `${file}[${en.name}]`, key));
  }
  return out;
}

export interface NpzWriteOptions extends NpyWriteOptions {
  /** Deflate members (np.savez_compressed); default false (stored, like np.savez). */
  compress?: boolean;
}

/** Writes tensors as an .npz archive; keys become `<key>.npy` members. */
export function writeNpz(tensors: Map<string, HostTensor> | Record<string, HostTensor>, opts: NpzWriteOptions = {}): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const files: Zippable = {};
  for (const [key, h] of entries) {
    const name = `${key}.npy`;
    const why = unsafeMemberName(name);
    if (why) throw new TensorFileError('<npz>', `cannot write the key '${key}' because ${why}`);
    if (name in files) throw new TensorFileError('<npz>', `the key '${key}' occurs twice`);
    files[name] = [concat(npyChunks(h, opts)), { level: opts.compress ? 6 : 0 }];
  }
  return zipSync(files);
}
