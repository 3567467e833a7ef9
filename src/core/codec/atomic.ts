/**
 * Writing a file so that the path holds either the old bytes or the new ones, never a mix: write a temporary
 * file in the same folder, flush it to disk, then rename it over the target (rename is atomic within a file
 * system, so a crash or `kill -9` at any moment leaves the complete old file or the complete new one). The
 * target's mode (and, when running as root, its owner) is kept; a new file gets 0o644 minus the umask. On any
 * failure the temporary file is removed and the original is untouched.
 *
 * Temporary files are named `.<name>.<pid>.<8 hex>.tmp` (`.bak` for the short-lived hard-link backups that
 * saveModel makes while it swaps several files). A process killed mid-write cannot remove its own: the next
 * write into the same folder does (`sweepStaleTemps`): it removes those whose process is gone on this machine,
 * and any older than a day (a pid reused since, or a file written from another machine on a shared disk).
 *
 * The primitives (`stageFile`, `commitStaged`, `discardStaged`) let saveModel write every file first and rename
 * them all at the end; `writeFileAtomic` is the one-file case. Both take an optional `fs` seam so that tests can
 * make any call fail (ENOSPC on the Nth write, ...).
 */
import nodeFs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export type FsApi = typeof nodeFs;

export interface AtomicOptions {
  /** Replacements for node:fs functions (tests inject failures here). */
  fs?: Partial<FsApi>;
}

/** node:fs with the given functions replaced. */
export function resolveFs(over?: Partial<FsApi>): FsApi {
  return over ? ({ ...nodeFs, ...over } as FsApi) : nodeFs;
}

const TEMP_NAME = /^\.(.+)\.(\d{1,10})\.([0-9a-f]{8})\.(tmp|bak)$/;

/** Temporary files older than this are removed even when a process with their pid exists. */
export const STALE_TEMP_AGE_MS = 24 * 60 * 60 * 1000;

/** A fresh temporary (or backup) path beside `target`: `.<name>.<pid>.<8 hex>.tmp`. */
export function tempPathFor(target: string, kind: 'tmp' | 'bak' = 'tmp'): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.${kind}`);
}

/** The parts of a temporary file's name, or undefined for any other name. */
export function parseTempName(name: string): { base: string; pid: number; kind: 'tmp' | 'bak' } | undefined {
  const m = TEMP_NAME.exec(name);
  return m ? { base: m[1], pid: Number(m[2]), kind: m[4] as 'tmp' | 'bak' } : undefined;
}

function processAlive(pid: number): boolean {
  if (pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporary files left in `dir` by writers that died (their pid is not running here), and those older
 * than STALE_TEMP_AGE_MS. Never touches this process' own files, folders, or any other name. Returns the paths
 * removed; errors are ignored (a sweep must never make a save fail).
 */
export function sweepStaleTemps(dir: string, fs: FsApi = nodeFs, now = Date.now()): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const t = parseTempName(name);
    if (!t || t.pid === process.pid) continue;
    const p = join(dir, name);
    try {
      const st = fs.lstatSync(p, { throwIfNoEntry: false });
      if (!st || st.isDirectory()) continue;
      if (processAlive(t.pid) && now - st.mtimeMs < STALE_TEMP_AGE_MS) continue;
      fs.unlinkSync(p);
      removed.push(p);
    } catch {
      // someone else removed it, or we may not: leave it
    }
  }
  return removed;
}

/** A temporary file written and flushed, waiting to be renamed over its target. */
export interface Staged {
  target: string;
  tmp: string;
  /** Bytes written. */
  bytes: number;
  /** The target existed when staging began (its mode was copied to the temporary file). */
  existed: boolean;
  /** A hard link to the target's previous contents while a multi-file save may still roll back. */
  backup?: string;
}

export interface StageOptions {
  /** Follow a symlink at the target to learn the mode (writeFileAtomic's behaviour); saveModel refuses links before. */
  follow?: boolean;
}

/**
 * Writes `chunks` to a new temporary file beside `target` (created exclusively, never through a link), gives it
 * the target's mode (and owner when root), flushes and closes it. On failure the temporary file is removed and the
 * original error is thrown.
 */
export function stageFile(target: string, chunks: Iterable<Uint8Array>, fs: FsApi = nodeFs, options: StageOptions = {}): Staged {
  let prev: nodeFs.Stats | undefined;
  try {
    prev = options.follow ? fs.statSync(target, { throwIfNoEntry: false }) : fs.lstatSync(target, { throwIfNoEntry: false });
  } catch {
    prev = undefined;
  }
  const existed = prev !== undefined && prev.isFile();
  const tmp = tempPathFor(target);
  const c = nodeFs.constants;
  // 0o600 while writing over an existing file (its mode is set below, before anyone can see the file under the
  // target's name); a new file is created 0o644 so that the umask applies as for any new file.
  const fd = fs.openSync(tmp, c.O_WRONLY | c.O_CREAT | c.O_EXCL | (c.O_NOFOLLOW ?? 0), existed ? 0o600 : 0o644);
  let bytes = 0;
  try {
    for (const chunk of chunks) {
      let off = 0;
      while (off < chunk.byteLength) {
        const n = fs.writeSync(fd, chunk, off, chunk.byteLength - off);
        if (!(n > 0)) throw Object.assign(new Error(`write returned ${n} bytes`), { code: 'EIO' });
        off += n;
      }
      bytes += chunk.byteLength;
    }
    if (existed && prev) {
      const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
      if (uid === 0 && (prev.uid !== 0 || prev.gid !== 0)) {
        try {
          fs.fchownSync(fd, prev.uid, prev.gid);
        } catch {
          // the owner is kept when possible; the mode below matters more
        }
      }
      fs.fchmodSync(fd, prev.mode & 0o7777);
    }
    fs.fsyncSync(fd);
  } catch (e) {
    closeQuietly(fs, fd);
    unlinkQuietly(fs, tmp);
    throw e;
  }
  try {
    fs.closeSync(fd);
  } catch (e) {
    unlinkQuietly(fs, tmp);
    throw e;
  }
  return { target, tmp, bytes, existed };
}

/** Renames the temporary file over its target. */
export function commitStaged(s: Staged, fs: FsApi = nodeFs): void {
  fs.renameSync(s.tmp, s.target);
}

/** Removes a staged temporary file (and a leftover backup link), ignoring errors. */
export function discardStaged(s: Staged, fs: FsApi = nodeFs): void {
  unlinkQuietly(fs, s.tmp);
  if (s.backup) unlinkQuietly(fs, s.backup);
}

/** Makes renames and creations in `dir` durable; ignored where the file system refuses fsync on folders. */
export function fsyncDir(dir: string, fs: FsApi = nodeFs): void {
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // some file systems (and Windows) refuse fsync on directories
  }
}

/** Why an fs call failed, in words ("the disk is full (ENOSPC)"). */
export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const code = err?.code;
  switch (code) {
    case 'ENOSPC':
      return 'the disk is full (ENOSPC)';
    case 'EDQUOT':
      return 'the disk quota is exceeded (EDQUOT)';
    case 'EROFS':
      return 'the file system is read-only (EROFS)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'EIO':
      return `an input/output error (EIO${err.syscall ? ` in ${err.syscall}` : ''}): the disk or the connection to it failed`;
    case 'EMFILE':
    case 'ENFILE':
      return `too many open files (${code})`;
    case 'ENAMETOOLONG':
      return 'the file name is too long (ENAMETOOLONG)';
    case 'EFBIG':
      return 'the file is too large for this file system (EFBIG)';
    default:
      return String(err?.message ?? e);
  }
}

/** What the user can do about an fs error, as a sentence, or ''. */
export function adviceFor(e: unknown): string {
  switch ((e as NodeJS.ErrnoException)?.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'Free some space on that disk and save again, or save to another disk.';
    case 'EROFS':
      return 'Save to a writable folder instead.';
    case 'EACCES':
    case 'EPERM':
      return "Check the folder's permissions, or save to another folder.";
    default:
      return '';
  }
}

export function writeFileAtomic(path: string, chunks: Uint8Array | Iterable<Uint8Array>, options: AtomicOptions = {}): void {
  const fs = resolveFs(options.fs);
  const dir = dirname(path);
  sweepStaleTemps(dir, fs);
  let staged: Staged | undefined;
  try {
    staged = stageFile(path, chunks instanceof Uint8Array ? [chunks] : chunks, fs, { follow: true });
    commitStaged(staged, fs);
  } catch (e) {
    if (staged) discardStaged(staged, fs);
    throw new Error(`could not save ${path}: ${describeFsError(e)}; the original file is untouched`);
  }
  fsyncDir(dir, fs);
}

function closeQuietly(fs: FsApi, fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already failing
  }
}

function unlinkQuietly(fs: FsApi, p: string): void {
  try {
    fs.unlinkSync(p);
  } catch {
    // never created, or already gone
  }
}
