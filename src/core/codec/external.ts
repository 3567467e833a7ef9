/**
 * External data: tensors whose bytes live in a file next to the model (TensorProto.data_location = EXTERNAL).
 *
 * Such a tensor carries `external_data` key/value entries (onnx.proto, TensorProto.external_data):
 *   - `location` (required): a path relative to the folder of the model file,
 *   - `offset` (optional, default 0): where the bytes start in that file,
 *   - `length` (optional): how many bytes; absent means "the tensor's size" (or, if that is not known, the rest
 *     of the file),
 *   - `checksum` (optional): onnx.proto calls it a SHA1 digest of the file. It is kept but not verified, since
 *     that would mean reading the whole (possibly multi-GiB) file; nothing in practice writes it.
 * Any other key (onnx's Python helper also knows `basepath`) is kept in `extra` so that a writer can carry it over.
 *
 * Reading is lazy and windowed: `ExternalDataStore` opens a file only when someone asks for bytes, keeps its
 * descriptor in a small per-file cache, and reads exactly [offset, offset + length) with positioned reads.
 * It never reads a whole file (files can exceed 2 GiB, which `fs.readFile` refuses) and checks every window
 * against the file's size before allocating anything.
 *
 * A model is untrusted input, so the file must stay inside the model's folder. Refused, each with an
 * `ExternalDataError` whose `reason` says which rule fired:
 *   empty location, NUL bytes, absolute paths (POSIX `/x`, Windows `C:\x`, `C:x`, `\x`, UNC `\\server\share`),
 *   URLs or any `scheme:`, other `:` (a Windows alternate data stream), `..` that leaves the folder after
 *   normalisation, onnxruntime's in-memory marker `*\/_ORT_MEM_ADDR_/*`, a symbolic link as the file or as any
 *   folder between the model's folder and the file, a hard-linked file (more than one link), anything but a
 *   regular file (folder, FIFO, device, socket), a real path outside the real model folder, a file that changes
 *   identity between the checks and the open, windows past the end of the file, a declared length that
 *   disagrees with the tensor's size, and offsets/lengths that are not non-negative safe integers.
 * Both `/` and `\` separate path components in a location (models saved on Windows use `\`).
 *
 * The checks and the first open of a file are synchronous (a handful of lstat calls, cached per file);
 * `readAsync` then reads the window without blocking.
 */
import fs from 'node:fs';
import * as path from 'node:path';
import { constants as bufferConstants } from 'node:buffer';
import type { onnx } from './pb';
import { DataType, checkedElementCount, dtypeBits, dtypeName, rawByteLength } from '../ir/dtype';

/** onnxruntime's location for tensors whose "offset" is a memory address in the process that made them. */
export const ORT_MEM_ADDR_TAG = '*/_ORT_MEM_ADDR_/*';

/** TensorProto.DataLocation.EXTERNAL */
const EXTERNAL = 1;

/** Largest single read handed to the OS (fs.read refuses more than 2 GiB - 1 per call). */
const READ_CHUNK = 1 << 30;

export type ExternalDataReason =
  // the external_data entries themselves
  | 'not-external'
  | 'missing-location'
  | 'duplicate-key'
  | 'bad-offset'
  | 'bad-length'
  | 'bad-tensor'
  // the location string
  | 'empty'
  | 'nul'
  | 'absolute'
  | 'url'
  | 'colon'
  | 'escape'
  | 'ort-memory'
  // the file system
  | 'symlink'
  | 'hardlink'
  | 'not-regular'
  | 'missing'
  | 'changed'
  | 'io'
  // the window
  | 'out-of-range'
  | 'length-mismatch'
  | 'too-large';

/** Why a tensor's external data cannot be read. `message` names the tensor and the location and says what to do. */
export class ExternalDataError extends Error {
  override readonly name = 'ExternalDataError';
  constructor(
    /** The tensor's name (or a label such as `<unnamed tensor>`). */
    readonly tensor: string,
    /** The location string exactly as the model has it. */
    readonly location: string,
    readonly reason: ExternalDataReason,
    /** What was expected, what was found and what to do (without the tensor/location prefix). */
    readonly detail: string,
    /** The absolute path involved, when there is one. */
    readonly file?: string,
  ) {
    super(`tensor ${quote(tensor)}: external data at location ${quote(location)}: ${detail}`);
  }
}

export interface ExternalInfo {
  /** Path of the data file relative to the model's folder, exactly as written in the model. */
  location: string;
  /** Byte offset of the tensor's data in the file (0 when the entry is absent). */
  offset: number;
  /** Byte length when the model declares one. */
  length?: number;
  /** The `checksum` entry (SHA1 per onnx.proto), kept as text; not verified. */
  checksum?: string;
  /** Entries with any other key (e.g. onnx's `basepath`), in model order, kept so that writers can carry them over. */
  extra?: { key: string; value: string }[];
}

/** Size facts of one tensor's window, learnt from the file's metadata only (no data is read). */
export interface ExternalFileFacts {
  /** Absolute path of the data file (inside the model's folder). */
  file: string;
  /** Size of the whole data file in bytes. */
  fileSize: number;
  /** First byte of the tensor's window. */
  offset: number;
  /** Bytes in the window: the declared length, else the expected size if given, else the rest of the file. */
  length: number;
  /** Whether `length` came from the model's `length` entry. */
  lengthDeclared: boolean;
}

export interface ExternalDataStoreOptions {
  /** Most file descriptors kept open at once (least recently used are closed first). Default 32. */
  maxOpenFiles?: number;
  /** Largest single read handed to the OS, in bytes (1 to 1 GiB). Default 1 GiB. */
  chunkBytes?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing the external_data entries

function tensorLabel(t: onnx.TensorProto): string {
  return t.name || '<unnamed tensor>';
}

/**
 * Reads a tensor's `external_data` entries. Purely syntactic: the location is not checked for safety here
 * (see `isSafeRelativeLocation`; `ExternalDataStore` checks it before touching the disk).
 * Throws ExternalDataError for a tensor that is not external, a missing or repeated key, and an offset or length
 * that is not a non-negative decimal integer within Number.MAX_SAFE_INTEGER.
 */
export function parseExternalInfo(t: onnx.TensorProto): ExternalInfo {
  const name = tensorLabel(t);
  const entries = t.externalData ?? [];
  const locEntry = entries.find((e) => e.key === 'location');
  const locShown = locEntry?.value ?? '';
  if (t.dataLocation !== EXTERNAL) {
    throw new ExternalDataError(
      name,
      locShown,
      'not-external',
      `expected data_location EXTERNAL (1); found ${t.dataLocation ?? 0} (DEFAULT), so the tensor's data is inline` +
        (entries.length ? ' and its external_data entries are ignored: set data_location to EXTERNAL or drop the entries' : ''),
    );
  }
  const seen = new Set<string>();
  let location: string | undefined;
  let offset = 0;
  let length: number | undefined;
  let checksum: string | undefined;
  const extra: { key: string; value: string }[] = [];
  for (const e of entries) {
    const key = e.key ?? '';
    const value = e.value ?? '';
    const known = key === 'location' || key === 'offset' || key === 'length' || key === 'checksum';
    if (known) {
      if (seen.has(key)) {
        throw new ExternalDataError(
          name,
          locShown,
          'duplicate-key',
          `the external_data key '${key}' appears more than once; expected each of location/offset/length/checksum at most once: remove the duplicate entry`,
        );
      }
      seen.add(key);
    }
    switch (key) {
      case 'location':
        location = value;
        break;
      case 'offset':
        offset = parseByteCount(name, locShown, 'offset', value);
        break;
      case 'length':
        length = parseByteCount(name, locShown, 'length', value);
        break;
      case 'checksum':
        checksum = value;
        break;
      default:
        extra.push({ key, value });
    }
  }
  if (location === undefined) {
    throw new ExternalDataError(
      name,
      '',
      'missing-location',
      `data_location is EXTERNAL but external_data has no 'location' entry (keys found: ${
        entries.length ? entries.map((e) => quote(e.key ?? '')).join(', ') : 'none'
      }); expected the name of the data file relative to the model: add a 'location' entry or re-save the model`,
    );
  }
  const info: ExternalInfo = { location, offset };
  if (length !== undefined) info.length = length;
  if (checksum !== undefined) info.checksum = checksum;
  if (extra.length) info.extra = extra;
  return info;
}

function parseByteCount(tensor: string, location: string, key: 'offset' | 'length', value: string): number {
  const reason = key === 'offset' ? 'bad-offset' : 'bad-length';
  const what = key === 'offset' ? 'a byte offset from the start of the file' : 'a number of bytes';
  if (/^-[0-9]+$/.test(value)) {
    throw new ExternalDataError(tensor, location, reason, `${key} is ${value}, negative; expected ${what} (0 or more): fix the model's external_data '${key}' entry`);
  }
  if (!/^[0-9]+$/.test(value)) {
    throw new ExternalDataError(
      tensor,
      location,
      reason,
      `${key} is ${quote(value)}, not a decimal integer; expected ${what} written in digits only: fix the model's external_data '${key}' entry`,
    );
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new ExternalDataError(
      tensor,
      location,
      reason,
      `${key} is ${value}, beyond 2^53-1 (the largest exact integer here) and beyond any real file: the entry is corrupt; fix or re-save the model`,
    );
  }
  return n;
}

function checkByteCount(tensor: string, location: string, key: 'offset' | 'length', n: unknown): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new ExternalDataError(
      tensor,
      location,
      key === 'offset' ? 'bad-offset' : 'bad-length',
      `${key} is ${String(n)}; expected a non-negative safe integer (bytes): parse the entries with parseExternalInfo`,
    );
  }
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Location strings

/** What is wrong with a location string, or undefined when it is a safe relative path. */
export function checkLocation(loc: string): { reason: ExternalDataReason; detail: string } | undefined {
  const whereToPut = "external data must be a path relative to the model's folder (e.g. 'model.onnx.data'): put the file in the model's folder and set location to its relative name";
  if (loc.length === 0) {
    return { reason: 'empty', detail: "location is empty; expected the name of a file in the model's folder: fix the 'location' entry" };
  }
  const nul = loc.indexOf('\0');
  if (nul >= 0) {
    return {
      reason: 'nul',
      detail: `location contains a NUL byte at character ${nul}; no file name can contain one (it would cut the path short): the entry is corrupt, fix the 'location' entry`,
    };
  }
  if (loc.includes('_ORT_MEM_ADDR_')) {
    return {
      reason: 'ort-memory',
      detail: `location is onnxruntime's in-memory marker ${quote(ORT_MEM_ADDR_TAG)}: its 'offset' is a memory address inside the process that built the model, not a place in a file, so it only works in that process: re-export the model with its weights inline or in a real external data file`,
    };
  }
  if (/^[\\/][\\/]/.test(loc)) {
    return { reason: 'absolute', detail: `location is a UNC/network path (starts with ${quote(loc.slice(0, 2))}); ${whereToPut}` };
  }
  if (/^[\\/]/.test(loc)) {
    return { reason: 'absolute', detail: `location is an absolute path (starts with ${quote(loc[0])}); ${whereToPut}` };
  }
  if (/^[A-Za-z]:/.test(loc)) {
    return { reason: 'absolute', detail: `location starts with the Windows drive ${quote(loc.slice(0, 2))}, so it is not relative to the model's folder; ${whereToPut}` };
  }
  // RFC 3986 also allows '.' in a scheme; 'w.bin:stream' reads better as a colon problem, and is refused either way.
  const scheme = /^([A-Za-z][A-Za-z0-9+-]*):/.exec(loc);
  if (scheme) {
    return {
      reason: 'url',
      detail: `location is a URL (scheme '${scheme[1]}:'); ONNX Lens never opens URLs for a model: download the file into the model's folder and set location to its relative name`,
    };
  }
  if (loc.includes(':')) {
    return {
      reason: 'colon',
      detail: `location contains ':' at character ${loc.indexOf(':')}; on Windows that names an alternate data stream or a drive, so it is not a portable file name: rename the file without ':'`,
    };
  }
  const segs = splitLocation(loc);
  if (segs === undefined) {
    return { reason: 'escape', detail: `location climbs out of the model's folder with '..'; ONNX Lens only reads files inside the model's folder: move the data file into the model's folder (or the model next to its data)` };
  }
  if (segs.length === 0) {
    return { reason: 'empty', detail: "location names the model's folder itself, not a file: set it to the data file's name" };
  }
  return undefined;
}

/**
 * Why `loc` is not a safe external data location (a plain path relative to the model's folder that stays inside
 * it), or undefined when it is safe. String checks only: symlinks, hard links and file types need the disk and are
 * checked by ExternalDataStore. Writers use this before creating a file.
 */
export function isSafeRelativeLocation(loc: string): string | undefined {
  return checkLocation(loc)?.detail;
}

/**
 * The path components of a location after normalisation ('.' and empty components dropped, '..' applied),
 * `/` and `\` both being separators; undefined when '..' would leave the folder. Does not run the other checks.
 */
export function splitLocation(loc: string): string[] | undefined {
  const out: string[] = [];
  for (const s of loc.split(/[\\/]+/)) {
    if (s === '' || s === '.') continue;
    if (s === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(s);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Tensor sizes

/** Bytes the tensor's data takes in raw_data layout (dims x element size), or an error string. */
export function expectedByteLength(t: onnx.TensorProto): number | string {
  const dtype = t.dataType ?? 0;
  if (dtype === DataType.STRING) return 'STRING tensors keep their values in string_data, which cannot be stored externally';
  const bits = dtypeBits(dtype);
  if (bits === undefined) return `unknown data type ${dtype}`;
  const count = checkedElementCount(t.dims ?? []);
  if (typeof count === 'string') return `invalid dims: ${count}`;
  return rawByteLength(dtype, count) as number;
}

function describeTensor(t: onnx.TensorProto): string {
  const dtype = t.dataType ?? 0;
  return `${dtypeName(dtype)}[${(t.dims ?? []).join(',')}]`;
}

// ---------------------------------------------------------------------------------------------------------------
// The store

interface OpenFile {
  key: string;
  file: string;
  fd: number;
  size: number;
  /** Async reads in flight: the descriptor is closed only once they are done. */
  pending: number;
  closed: boolean;
}

/** I/O the store has done, for tests and for the "nothing is read until asked" promise. */
export interface ExternalIoCounters {
  opens: number;
  reads: number;
  bytesRead: number;
}

function fileKind(st: fs.BigIntStats | fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFile()) return 'a regular file';
  return 'not a regular file';
}

/**
 * Reads windows of external data files for one model, lazily and inside the model's folder only.
 * Construct it with the model file's path (or its folder); nothing is opened until bytes or sizes are asked for.
 * Call `close()` when done; the store can be used again afterwards (files are reopened and re-checked).
 */
export class ExternalDataStore {
  /** Absolute path of the folder external locations are relative to. */
  readonly folder: string;
  readonly io: ExternalIoCounters = { opens: 0, reads: 0, bytesRead: 0 };
  private readonly maxOpen: number;
  private readonly chunk: number;
  /** Open files by normalised location, least recently used first. */
  private readonly files = new Map<string, OpenFile>();
  private realFolder: string | undefined;

  constructor(modelPathOrFolder: string, options: ExternalDataStoreOptions = {}) {
    const abs = path.resolve(modelPathOrFolder);
    let isDir = false;
    try {
      isDir = fs.statSync(abs).isDirectory();
    } catch {
      // A model that is not on disk (yet): its folder is still the parent.
    }
    this.folder = isDir ? abs : path.dirname(abs);
    this.maxOpen = Math.max(1, Math.floor(options.maxOpenFiles ?? 32));
    this.chunk = Math.min(READ_CHUNK, Math.max(1, Math.floor(options.chunkBytes ?? READ_CHUNK)));
  }

  /** Number of file descriptors currently cached. */
  get openFileCount(): number {
    return this.files.size;
  }

  /**
   * The absolute path a location resolves to, after every safety check (string rules, each component
   * lstat'ed, real path inside the real folder, regular file with one link). Opens and caches the file.
   */
  resolve(tensorName: string, location: string): string {
    return this.open(tensorName, location).file;
  }

  /** Size facts of the tensor's window without reading any data; checks the window against the file size. */
  stat(info: ExternalInfo, tensorName = '<unnamed tensor>', expectedBytes?: number): ExternalFileFacts {
    const f = this.open(tensorName, info.location);
    const w = this.window(tensorName, info, f, expectedBytes);
    return { file: f.file, fileSize: f.size, offset: w.offset, length: w.length, lengthDeclared: info.length !== undefined };
  }

  /**
   * Reads exactly the tensor's bytes [offset, offset + length). `expectedBytes` (dims x element size) is checked
   * against a declared length and used as the length when none is declared. Returns a fresh Uint8Array of its
   * own (byteOffset 0, so typed-array views of it are aligned).
   */
  read(tensorName: string, info: ExternalInfo, expectedBytes?: number): Uint8Array {
    const f = this.open(tensorName, info.location);
    const w = this.window(tensorName, info, f, expectedBytes);
    return this.readWindow(tensorName, info.location, f, w.offset, w.length);
  }

  /**
   * Reads `count` bytes starting `start` bytes into the tensor's window (e.g. the first values of a huge weight
   * for a preview), after the same checks as `read`.
   */
  readSlice(tensorName: string, info: ExternalInfo, start: number, count: number, expectedBytes?: number): Uint8Array {
    const f = this.open(tensorName, info.location);
    const w = this.window(tensorName, info, f, expectedBytes);
    const s = this.sliceOf(tensorName, info.location, w, start, count);
    return this.readWindow(tensorName, info.location, f, s.offset, s.length);
  }

  /** `read` whose data transfer does not block the thread (the checks and the first open are synchronous). */
  async readAsync(tensorName: string, info: ExternalInfo, expectedBytes?: number): Promise<Uint8Array> {
    const f = this.open(tensorName, info.location);
    const w = this.window(tensorName, info, f, expectedBytes);
    const buf = this.allocate(tensorName, info.location, f, w.length);
    f.pending++;
    try {
      let done = 0;
      while (done < w.length) {
        const n = Math.min(this.chunk, w.length - done);
        const got = await new Promise<number>((res, rej) =>
          fs.read(f.fd, buf, done, n, w.offset + done, (err, bytes) => (err ? rej(err) : res(bytes))),
        ).catch((e: unknown) => {
          throw this.ioError(tensorName, info.location, f.file, e);
        });
        this.io.reads++;
        this.io.bytesRead += got;
        if (got === 0) throw this.shrunk(tensorName, info.location, f, w.offset + done);
        done += got;
      }
      return buf;
    } finally {
      f.pending--;
      if (f.closed && f.pending === 0) closeQuietly(f.fd);
    }
  }

  /** Reads a whole external tensor: parses its entries and checks the length against its dims and data type. */
  readTensor(t: onnx.TensorProto): Uint8Array {
    const { info, expected } = this.prepare(t);
    return this.read(tensorLabel(t), info, expected);
  }

  /** `readTensor` with a non-blocking data transfer. */
  readTensorAsync(t: onnx.TensorProto): Promise<Uint8Array> {
    const { info, expected } = this.prepare(t);
    return this.readAsync(tensorLabel(t), info, expected);
  }

  /** Closes every cached descriptor (those with async reads in flight close when the reads finish). */
  close(): void {
    for (const f of this.files.values()) this.release(f);
    this.files.clear();
  }

  // -------------------------------------------------------------------------------------------------------------

  private prepare(t: onnx.TensorProto): { info: ExternalInfo; expected: number } {
    const info = parseExternalInfo(t);
    const expected = expectedByteLength(t);
    if (typeof expected === 'string') {
      throw new ExternalDataError(
        tensorLabel(t),
        info.location,
        'bad-tensor',
        `cannot tell how many bytes ${describeTensor(t)} needs: ${expected}; fix the tensor's data type or dims`,
      );
    }
    if (info.length !== undefined && info.length !== expected) {
      throw this.mismatch(tensorLabel(t), info.location, info.length, expected, describeTensor(t));
    }
    return { info, expected };
  }

  private mismatch(tensor: string, location: string, length: number, expected: number, what?: string): ExternalDataError {
    return new ExternalDataError(
      tensor,
      location,
      'length-mismatch',
      `the model declares length ${length} bytes but the tensor${what ? ` ${what}` : ''} needs ${expected} bytes (dims x element size): the entry or the dims are wrong; re-save the model or fix its 'length' entry`,
    );
  }

  private window(tensor: string, info: ExternalInfo, f: OpenFile, expectedBytes: number | undefined): { offset: number; length: number } {
    const offset = checkByteCount(tensor, info.location, 'offset', info.offset);
    const declared = info.length === undefined ? undefined : checkByteCount(tensor, info.location, 'length', info.length);
    if (expectedBytes !== undefined && (!Number.isSafeInteger(expectedBytes) || expectedBytes < 0)) {
      throw new RangeError(`expectedBytes must be a non-negative safe integer; found ${expectedBytes}`);
    }
    if (offset > f.size) {
      throw new ExternalDataError(
        tensor,
        info.location,
        'out-of-range',
        `offset ${offset} is past the end of ${quote(f.file)}, which has ${f.size} bytes: the file is truncated or not the one the model was saved with; restore the complete data file`,
        f.file,
      );
    }
    if (declared !== undefined && expectedBytes !== undefined && declared !== expectedBytes) {
      throw this.mismatch(tensor, info.location, declared, expectedBytes);
    }
    const length = declared ?? expectedBytes ?? f.size - offset;
    if (offset + length > f.size) {
      throw new ExternalDataError(
        tensor,
        info.location,
        'out-of-range',
        `bytes [${offset}, ${offset + length}) are past the end of ${quote(f.file)}, which has ${f.size} bytes: the file is truncated or not the one the model was saved with; restore the complete data file`,
        f.file,
      );
    }
    return { offset, length };
  }

  private sliceOf(tensor: string, location: string, w: { offset: number; length: number }, start: number, count: number) {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > w.length) {
      throw new ExternalDataError(
        tensor,
        location,
        'out-of-range',
        `slice [${start}, ${start + count}) is outside the tensor's ${w.length} bytes; expected 0 <= start <= start + count <= ${w.length}`,
      );
    }
    return { offset: w.offset + start, length: count };
  }

  private allocate(tensor: string, location: string, f: OpenFile, length: number): Uint8Array {
    if (length > bufferConstants.MAX_LENGTH) {
      throw new ExternalDataError(
        tensor,
        location,
        'too-large',
        `the tensor has ${length} bytes, more than one buffer can hold here (${bufferConstants.MAX_LENGTH}); read it in slices with readSlice`,
        f.file,
      );
    }
    return new Uint8Array(length);
  }

  private readWindow(tensor: string, location: string, f: OpenFile, offset: number, length: number): Uint8Array {
    const buf = this.allocate(tensor, location, f, length);
    let done = 0;
    while (done < length) {
      let got: number;
      try {
        got = fs.readSync(f.fd, buf, done, Math.min(this.chunk, length - done), offset + done);
      } catch (e) {
        throw this.ioError(tensor, location, f.file, e);
      }
      this.io.reads++;
      this.io.bytesRead += got;
      if (got === 0) throw this.shrunk(tensor, location, f, offset + done);
      done += got;
    }
    return buf;
  }

  private shrunk(tensor: string, location: string, f: OpenFile, at: number): ExternalDataError {
    return new ExternalDataError(
      tensor,
      location,
      'io',
      `${quote(f.file)} ended at byte ${at} although it had ${f.size} bytes when opened: the file changed while being read; reopen the model`,
      f.file,
    );
  }

  private ioError(tensor: string, location: string, file: string, e: unknown): ExternalDataError {
    const code = (e as NodeJS.ErrnoException)?.code ?? String(e);
    return new ExternalDataError(tensor, location, 'io', `cannot read ${quote(file)} (${code}); check the file's permissions and the disk`, file);
  }

  private release(f: OpenFile): void {
    if (f.closed) return;
    f.closed = true;
    if (f.pending === 0) closeQuietly(f.fd);
  }

  private folderReal(tensor: string, location: string): string {
    if (this.realFolder !== undefined) return this.realFolder;
    try {
      this.realFolder = fs.realpathSync.native(this.folder);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ExternalDataError(
        tensor,
        location,
        code === 'ENOENT' ? 'missing' : 'io',
        code === 'ENOENT'
          ? `the model's folder ${quote(this.folder)} does not exist; open the model from where its data files are`
          : `cannot resolve the model's folder ${quote(this.folder)} (${code ?? String(e)})`,
        this.folder,
      );
    }
    return this.realFolder;
  }

  private open(tensor: string, location: string): OpenFile {
    if (typeof location !== 'string') {
      throw new ExternalDataError(tensor, String(location), 'missing-location', 'location is not a string: parse the entries with parseExternalInfo');
    }
    const bad = checkLocation(location);
    if (bad) throw new ExternalDataError(tensor, location, bad.reason, bad.detail);
    const segs = splitLocation(location) as string[];
    const key = segs.join('/');
    const cached = this.files.get(key);
    if (cached) {
      this.files.delete(key);
      this.files.set(key, cached);
      return cached;
    }

    const realFolder = this.folderReal(tensor, location);
    const fail = (reason: ExternalDataReason, detail: string, file?: string): never => {
      throw new ExternalDataError(tensor, location, reason, detail, file);
    };

    // Walk every component with lstat: no symlink anywhere between the model's folder and the file.
    let cur = this.folder;
    let last: fs.BigIntStats | undefined;
    for (let i = 0; i < segs.length; i++) {
      cur = path.join(cur, segs[i]);
      const rel = segs.slice(0, i + 1).join('/');
      const isLast = i === segs.length - 1;
      let st: fs.BigIntStats | undefined = undefined;
      try {
        st = fs.lstatSync(cur, { bigint: true, throwIfNoEntry: false });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOTDIR') fail('not-regular', `${quote(segs.slice(0, i).join('/'))} is not a folder, so ${quote(rel)} cannot exist inside it: fix the location`, cur);
        fail('io', `cannot inspect ${quote(cur)} (${code ?? String(e)}); check permissions`, cur);
      }
      if (st === undefined) {
        fail(
          'missing',
          isLast
            ? `the file ${quote(cur)} does not exist; external data files must sit where they were saved relative to the model: copy ${quote(location)} into ${quote(this.folder)}`
            : `the folder ${quote(cur)} (on the way to ${quote(location)}) does not exist; copy the model's data files along with the model, keeping their folders`,
          cur,
        );
        return undefined as never;
      }
      if (st.isSymbolicLink()) {
        let target = '';
        try {
          target = ` -> ${quote(fs.readlinkSync(cur))}`;
        } catch {
          // the target is only informative
        }
        fail(
          'symlink',
          `${quote(rel)} is a symbolic link${target}; links could point the model at any file on this machine, so ONNX Lens does not follow them inside a model's folder: replace the link with a copy of what it points to (e.g. cp -L)`,
          cur,
        );
      }
      if (!isLast && !st.isDirectory()) {
        fail('not-regular', `${quote(rel)} is ${fileKind(st)}, not a folder, so ${quote(location)} cannot be inside it: fix the location`, cur);
      }
      if (isLast) last = st;
    }
    const st = last as fs.BigIntStats;
    const file = cur;
    if (!st.isFile()) {
      fail('not-regular', `${quote(location)} is ${fileKind(st)}; expected a regular file holding the tensor's bytes: point the location at the data file`, file);
    }
    if (st.nlink > 1n) {
      fail(
        'hardlink',
        `${quote(location)} has ${st.nlink} hard links; a hard link can make a file that lives elsewhere appear inside the model's folder, so ONNX Lens refuses it: replace it with a plain copy (cp ${shellQuote(segs[segs.length - 1])} tmp && mv tmp ${shellQuote(segs[segs.length - 1])})`,
        file,
      );
    }
    // Defence in depth: the real path must be inside the real folder (catches anything the walk could miss).
    let real: string;
    try {
      real = fs.realpathSync.native(file);
    } catch (e) {
      return fail('io', `cannot resolve ${quote(file)} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, file);
    }
    const relReal = path.relative(realFolder, real);
    if (relReal === '' || relReal === '..' || relReal.startsWith(`..${path.sep}`) || path.isAbsolute(relReal)) {
      fail('escape', `${quote(location)} resolves to ${quote(real)}, outside the model's folder ${quote(realFolder)}: move the data file into the model's folder`, file);
    }

    // Open without following a link and without blocking on a FIFO swapped in since the checks, then make sure
    // the descriptor is the very file that was checked.
    const flags = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);
    let fd: number;
    try {
      fd = fs.openSync(file, flags);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') fail('symlink', `${quote(location)} became a symbolic link while it was being opened; replace the link with a copy of the file`, file);
      if (code === 'ENOENT') fail('missing', `the file ${quote(file)} disappeared while it was being opened; copy ${quote(location)} into ${quote(this.folder)}`, file);
      return fail('io', `cannot open ${quote(file)} (${code ?? String(e)}); check the file's permissions`, file);
    }
    this.io.opens++;
    let fst: fs.BigIntStats;
    try {
      fst = fs.fstatSync(fd, { bigint: true });
    } catch (e) {
      closeQuietly(fd);
      return fail('io', `cannot inspect ${quote(file)} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, file);
    }
    if (fst.dev !== st.dev || fst.ino !== st.ino || !fst.isFile() || fst.nlink > 1n) {
      closeQuietly(fd);
      fail('changed', `${quote(location)} was replaced while it was being checked (it is no longer the same regular, singly-linked file); open the model again once nothing is changing its folder`, file);
    }
    const size = Number(fst.size);
    const f: OpenFile = { key, file, fd, size, pending: 0, closed: false };
    this.files.set(key, f);
    while (this.files.size > this.maxOpen) {
      const [oldKey, old] = this.files.entries().next().value as [string, OpenFile];
      this.files.delete(oldKey);
      this.release(old);
    }
    return f;
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}

/** A string for a message: in single quotes when plain, JSON-escaped when it holds control characters; long ones cut. */
function quote(s: string): string {
  const cut = s.length > 300 ? `${s.slice(0, 300)}...` : s;
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f']/.test(cut) ? JSON.stringify(cut) : `'${cut}'`;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9._+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
