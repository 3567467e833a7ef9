/**
 * Saving a model and its external data files safely (Save, Save As, and the CLI's OUT files).
 *
 *   saveModel({ bytes, model, sourcePath, targetPath, files })
 *
 * 1. Plan, touching nothing: the target folder must exist; the target must not be a symbolic link or a folder.
 *    Every file to write gets a destination inside the target's folder:
 *      - each of `files` (external data produced by an edit, e.g. the external-data pass) at its location;
 *      - on Save As to another folder, each external location the model references that is not in `files` is
 *        copied from the source model's folder (same relative location, subfolders created). "Another folder"
 *        means another folder on disk (device + inode), so a path spelt differently copies nothing.
 *    Refused, before anything is written (SaveError, message naming the tensor/file, the rule and what to do):
 *      a location checkLocation refuses ('..' leaving the folder, absolute, URL, ':' , NUL, onnxruntime's
 *      in-memory marker); a source file the reader would refuse (a symlink as the file or as any folder on the
 *      way, a hard link, not a regular file, a real path outside the folder: ExternalDataStore's own checks);
 *      a missing source file (the saved model would have lost those weights); at a destination, a symbolic link
 *      as the file or as any folder on the way, something that is not a regular file, or not a folder where one
 *      is needed; two files for one location; a location that is the model file itself.
 *    A save therefore never writes outside the target's folder, whatever the model says.
 * 2. Stage: stale temporary files in the folders written to are swept (see atomic.ts), missing subfolders are
 *    created, and every file is written to a temporary file beside its destination and flushed (fsync): the
 *    external files first, the model last. Any failure (ENOSPC, EROFS, EACCES, EIO, a source that shrinks...)
 *    removes every temporary file and every folder created, and throws: nothing visible has changed.
 * 3. Commit: the external files are renamed over their destinations first and the model last, so a model on disk
 *    never points at weights that are not there yet. An existing external file is first hard-linked to a backup
 *    (`.<name>.<pid>.<hex>.bak`) so that if a later rename fails, the files already replaced are put back (the
 *    error says so if a file could not be restored, e.g. on a file system without hard links). Backups are
 *    removed at the end, and the folders are fsync'ed.
 *
 * What is and is not guaranteed: every single file is always either its complete old or its complete new content
 * (also after kill -9 or a power cut, thanks to temp + fsync + rename). An error at any point leaves every
 * original as it was. A crash (not an error) between two renames of step 3 can leave a replaced external file
 * beside the old model; step 3 takes microseconds, and for the common cases (a new data file, or Save As to a
 * fresh folder) the old model does not reference the replaced file at all. A crash in step 3 may also leave a
 * `.bak` link, which the next save into that folder removes (until then the data file has two links, which
 * ExternalDataStore refuses to read: its message says how to fix it).
 *
 * The destination checks and the renames are path-based (Node has no openat/renameat): a process that swaps a
 * subfolder of the target folder for a link between the checks and the rename could redirect a file. Just
 * before each rename the real path of its folder is checked again to keep that window small.
 *
 * After a Save As, the caller should point the model at its new place (model.path = targetPath, and
 * closeExternal(model)) so that later reads use the copied files.
 */
import nodeFs from 'node:fs';
import * as path from 'node:path';
import type { Model } from '../ir/model';
import type { onnx } from './pb';
import type { PassFile } from '../passes/types';
import { ExternalDataError, ExternalDataStore, checkLocation, splitLocation } from './external';
import {
  type FsApi,
  type Staged,
  adviceFor,
  commitStaged,
  describeFsError,
  discardStaged,
  fsyncDir,
  resolveFs,
  stageFile,
  sweepStaleTemps,
  tempPathFor,
} from './atomic';

export interface SaveRequest {
  /** The encoded model to write (pieces are written in order, so no single buffer has to hold it all). */
  bytes: Uint8Array | readonly Uint8Array[];
  /** The same model as IR (to find its external-data locations). */
  model: Model;
  /** Where the model was opened from (its folder holds the current external files). Default: model.path. */
  sourcePath?: string;
  /** Where to write (Save or Save As). */
  targetPath: string;
  /** External-data files produced by edits, to write beside the target. */
  files?: PassFile[];
}

export interface SaveReport {
  /** Absolute paths written from `bytes` and `files`: the external files in order, the model last. */
  written: string[];
  /** Absolute paths of external data files copied from the source folder (Save As to another folder). */
  copied: string[];
  /** Things the user may want to know (what was copied, references left as they were). */
  notes: string[];
}

export interface SaveOptions {
  /** Replacements for node:fs functions, for tests that make a call fail. Source files are read with node:fs. */
  fs?: Partial<FsApi>;
  /** Bytes per read when copying external files (default 8 MiB). */
  copyChunkBytes?: number;
}

/** A save that was refused or failed. `file` is the file it was about; `code` the fs error code, if any. */
export class SaveError extends Error {
  override readonly name = 'SaveError';
  constructor(
    message: string,
    readonly file: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** One external location the model references, with the tensors that use it. */
export interface ExternalReference {
  /** The location as the (first) tensor has it. */
  location: string;
  /** Normalised components (undefined when '..' leaves the folder). */
  segs: string[] | undefined;
  /** What checkLocation refuses about it, if anything. */
  problem?: string;
  tensors: string[];
}

const EXTERNAL = 1;

function tensorProtos(model: Model): onnx.TensorProto.$Properties[] {
  const out: onnx.TensorProto.$Properties[] = [];
  const sparse = (s: onnx.SparseTensorProto.$Properties | null | undefined) => {
    if (s?.values) out.push(s.values);
    if (s?.indices) out.push(s.indices);
  };
  for (const g of model.allGraphs()) {
    for (const t of g.initializers) out.push(t.proto);
    for (const s of g.sparseInitializers) sparse(s);
    for (const n of g.nodes) {
      for (const a of n.attributes) {
        const t = a.tensor?.proto ?? a.proto.t;
        if (t) out.push(t);
        for (const x of a.tensors?.map((y) => y.proto) ?? a.proto.tensors ?? []) out.push(x);
        sparse(a.proto.sparseTensor);
        for (const s of a.proto.sparseTensors ?? []) sparse(s);
      }
    }
  }
  return out;
}

/**
 * Every external data location the model references (initializers, sparse initializers and tensor attributes of
 * every graph, subgraph and function), one entry per file, plus tensors that are EXTERNAL without a location.
 */
export function externalReferences(model: Model): { refs: ExternalReference[]; withoutLocation: string[] } {
  const byKey = new Map<string, ExternalReference>();
  const withoutLocation: string[] = [];
  for (const t of tensorProtos(model)) {
    if (t.dataLocation !== EXTERNAL) continue;
    const name = t.name || '<unnamed tensor>';
    const loc = (t.externalData ?? []).find((e) => e.key === 'location')?.value;
    if (typeof loc !== 'string') {
      withoutLocation.push(name);
      continue;
    }
    const segs = splitLocation(loc);
    const key = segs && !checkLocation(loc) ? segs.join('/') : `\0${loc}`;
    let r = byKey.get(key);
    if (!r) {
      const bad = checkLocation(loc);
      r = { location: loc, segs, tensors: [], ...(bad ? { problem: bad.detail } : {}) };
      byKey.set(key, r);
    }
    r.tensors.push(name);
  }
  return { refs: [...byKey.values()], withoutLocation };
}

/** A file to write: where, what, and the folders to create for it. */
interface Planned {
  kind: 'file' | 'copy' | 'model';
  /** Relative to the target folder, '/'-separated (for messages and clash checks). */
  rel: string;
  dest: string;
  mkdirs: string[];
  chunks: () => Iterable<Uint8Array>;
  bytes?: number;
}

const q = (s: string) => (/[\u0000-\u001f\u007f']/.test(s) ? JSON.stringify(s) : `'${s}'`);
const MiB = 1024 * 1024;
const fmtBytes = (n: number) => (n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : `${n} bytes`);
const tensorList = (names: string[]) =>
  names.length === 1 ? `tensor ${q(names[0])}` : `${names.length} tensors (${names.slice(0, 3).map(q).join(', ')}${names.length > 3 ? ', ...' : ''})`;

/**
 * Writes the model (and its external data) to `req.targetPath` as described at the top of this file. Returns what
 * was written and copied; throws SaveError, with every original untouched, when the save is refused or fails.
 */
export function saveModel(req: SaveRequest, options: SaveOptions = {}): SaveReport {
  const F = resolveFs(options.fs);
  const target = path.resolve(req.targetPath);
  const dir = path.dirname(target);
  const name = path.basename(target);
  const notes: string[] = [];

  const refuse = (detail: string, file = target): never => {
    throw new SaveError(`cannot save ${q(target)}: ${detail}. Nothing was written: existing files are untouched.`, file);
  };

  // ---- 1. Plan ---------------------------------------------------------------------------------------------
  let dirStat: nodeFs.Stats | undefined;
  try {
    dirStat = F.statSync(dir, { throwIfNoEntry: false });
  } catch (e) {
    refuse(`cannot inspect the folder ${q(dir)}: ${describeFsError(e)}`, dir);
  }
  if (!dirStat) refuse(`the folder ${q(dir)} does not exist; create it first or choose an existing folder`, dir);
  if (!dirStat!.isDirectory()) refuse(`${q(dir)} is not a folder`, dir);

  const planned: Planned[] = [];
  const claimed = new Map<string, string>(); // rel -> what claims it
  const claim = (rel: string, what: string) => {
    const other = claimed.get(rel);
    if (other) refuse(`${what} and ${other} would both be written to ${q(rel)}; give them different locations`);
    claimed.set(rel, what);
  };
  claim(name, 'the model');

  // `files` from edits.
  const fileKeys = new Set<string>();
  for (const f of req.files ?? []) {
    const bad = checkLocation(f.location);
    if (bad) refuse(`the external data file ${q(f.location)} cannot be written: ${bad.detail}`);
    const segs = splitLocation(f.location) as string[];
    const rel = segs.join('/');
    if (rel === name) refuse(`the external data file ${q(f.location)} would replace the model file itself; choose another location for the data`);
    claim(rel, `the external data file ${q(f.location)}`);
    fileKeys.add(rel);
    const d = checkDestination(F, dir, segs, `the external data file ${q(f.location)}`, refuse);
    planned.push({ kind: 'file', rel, dest: d.file, mkdirs: d.mkdirs, chunks: () => f.chunks, bytes: f.byteLength });
  }

  // External references of the model that `files` does not provide.
  const { refs, withoutLocation } = externalReferences(req.model);
  if (withoutLocation.length) {
    notes.push(`${tensorList(withoutLocation)} ${withoutLocation.length === 1 ? 'is' : 'are'} marked EXTERNAL without a 'location' entry, so ${withoutLocation.length === 1 ? 'its' : 'their'} data cannot be found; saved as ${withoutLocation.length === 1 ? 'it was' : 'they were'}`);
  }
  const pending = refs.filter((r) => !(r.segs && !r.problem && fileKeys.has(r.segs.join('/'))));
  const sourcePath = req.sourcePath ?? req.model.path;
  const sourceDir = sourcePath !== undefined ? path.dirname(path.resolve(sourcePath)) : undefined;
  const same = sourceDir !== undefined && sameFolder(F, sourceDir, dir);
  const store = pending.length && sourceDir !== undefined && !same ? new ExternalDataStore(sourceDir) : undefined;
  try {
    for (const r of pending) {
      const who = tensorList(r.tensors);
      if (r.problem) {
        if (same) {
          notes.push(`${who} ${r.tensors.length === 1 ? 'keeps its' : 'keep their'} data at ${q(r.location)}, which ONNX Lens will not read (${r.problem.split(';')[0]}); saved as it was`);
          continue;
        }
        refuse(`${who} ${r.tensors.length === 1 ? 'keeps its' : 'keep their'} data at ${q(r.location)}, which cannot be copied beside the saved model: ${r.problem}`);
      }
      const segs = r.segs as string[];
      const rel = segs.join('/');
      if (same) {
        if (!lstatQuiet(F, path.join(dir, ...segs))) notes.push(`${who} ${r.tensors.length === 1 ? 'keeps its' : 'keep their'} data in ${q(r.location)}, which is not in ${q(dir)}: the saved model cannot find those weights until the file is put there`);
        continue;
      }
      if (rel === name) refuse(`${who} ${r.tensors.length === 1 ? 'says its' : 'say their'} data is in ${q(r.location)}, the model file itself; copying it would replace the model: fix the tensor's location`);
      claim(rel, `the external data file ${q(r.location)}`);
      if (!store) {
        if (lstatQuiet(F, path.join(dir, ...segs))?.isFile()) {
          notes.push(`${who} ${r.tensors.length === 1 ? 'keeps its' : 'keep their'} data in ${q(r.location)}; the model was not read from a file, so the ${q(r.location)} already in ${q(dir)} is used as it is`);
          claimed.delete(rel);
          continue;
        }
        refuse(
          `${who} ${r.tensors.length === 1 ? 'keeps its' : 'keep their'} data in ${q(r.location)}, but the model was not read from a file, so there is no folder to copy it from: write the data with the model (files) or bring the weights into the model first (external-data pass, direction in)`,
        );
      }
      let size = 0;
      try {
        store!.resolve(r.tensors[0], r.location);
        size = store!.stat({ location: r.location, offset: 0 }, r.tensors[0]).fileSize;
      } catch (e) {
        if (e instanceof ExternalDataError) {
          const lost = e.reason === 'missing' ? 'the saved model would have lost these weights. ' : '';
          refuse(`the external data of ${who} cannot be copied from ${q(sourceDir!)}: ${lost}${e.message}`, e.file ?? path.join(sourceDir!, r.location));
        }
        throw e;
      }
      const d = checkDestination(F, dir, segs, `the copy of ${q(r.location)}`, refuse);
      const chunk = Math.max(1, Math.floor(options.copyChunkBytes ?? 8 * MiB));
      const s = store!;
      const first = r.tensors[0];
      const loc = r.location;
      planned.push({
        kind: 'copy',
        rel,
        dest: d.file,
        mkdirs: d.mkdirs,
        bytes: size,
        chunks: function* () {
          for (let at = 0; at < size; at += chunk) yield s.readSlice(first, { location: loc, offset: 0 }, at, Math.min(chunk, size - at));
        },
      });
    }

    // A location that is also a folder on the way to another ('a' and 'a/b') cannot be both.
    for (const rel of claimed.keys()) {
      const parts = rel.split('/');
      for (let i = 1; i < parts.length; i++) {
        const prefix = parts.slice(0, i).join('/');
        const other = claimed.get(prefix);
        if (other) refuse(`${claimed.get(rel)} needs ${q(prefix)} to be a folder, but ${other} is written there`);
      }
    }

    // The model itself.
    const tst = lstatQuiet(F, target);
    if (tst?.isSymbolicLink()) {
      refuse(`${q(target)} is a symbolic link${linkTarget(F, target)}; saving replaces a file by renaming a new one over it, which would replace the link rather than write what it points to: save to the file the link points to, or remove the link`);
    }
    if (tst && !tst.isFile()) refuse(`${q(target)} exists and is ${kindOf(tst)}, not a regular file`);
    const bytes = req.bytes;
    const modelChunks: readonly Uint8Array[] = bytes instanceof Uint8Array ? [bytes] : bytes;
    planned.push({ kind: 'model', rel: name, dest: target, mkdirs: [], chunks: () => modelChunks, bytes: modelChunks.reduce((n, c) => n + c.byteLength, 0) });

    // ---- 2. Stage ------------------------------------------------------------------------------------------
    const staged: Staged[] = [];
    const created: string[] = [];
    const folders = new Set<string>([dir]);
    for (const p of planned) folders.add(path.dirname(p.dest));
    for (const f of folders) sweepStaleTemps(f, F);
    const failed = (p: Planned | undefined, file: string, e: unknown, extra = ''): SaveError => {
      for (const s of staged) discardStaged(s, F);
      for (const d of [...created].reverse()) {
        try {
          F.rmdirSync(d);
        } catch {
          // not empty (someone else wrote there) or already gone
        }
      }
      const what = p?.kind === 'copy' ? `copying ${q(p.rel)} from ${q(sourceDir!)} to ${q(file)}` : `writing ${q(file)}`;
      const why = e instanceof ExternalDataError ? e.message : describeFsError(e);
      const untouched = tst
        ? `The original model ${q(target)} and its external data files are untouched`
        : `No existing file was changed (${q(target)} did not exist before)`;
      const advice = adviceFor(e);
      return new SaveError(
        `could not save ${q(target)}: ${what} failed: ${why}. ${extra}${untouched}; the temporary files were removed.${advice ? ` ${advice}` : ''}`,
        file,
        (e as NodeJS.ErrnoException)?.code,
      );
    };
    for (const p of planned) {
      try {
        for (const d of p.mkdirs) {
          F.mkdirSync(d);
          created.push(d);
        }
        staged.push(stageFile(p.dest, p.chunks(), F));
        const want = p.bytes;
        const got = staged[staged.length - 1].bytes;
        if (p.kind === 'copy' && want !== undefined && got !== want) {
          throw Object.assign(new Error(`the source file changed while it was being copied (${got} bytes instead of ${want})`), { code: 'ECHANGED' });
        }
      } catch (e) {
        throw failed(p, p.dest, e);
      }
    }

    // ---- 3. Commit: external files first, the model last ---------------------------------------------------
    const realDir = realpathQuiet(F, dir);
    const committed: Staged[] = [];
    let current: Staged | undefined;
    try {
      for (const s of staged) {
        current = s;
        const isModel = s.target === target;
        const p = planned[staged.indexOf(s)];
        if (realDir !== undefined && p.kind !== 'model') {
          const real = realpathQuiet(F, path.dirname(s.target));
          const rel = real === undefined ? '..' : path.relative(realDir, real);
          if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
            throw Object.assign(new Error(`the folder of ${q(s.target)} now resolves to ${q(real ?? '?')}, outside ${q(realDir)} (a link was put there during the save)`), { code: 'EMOVED' });
          }
        }
        if (!isModel && s.existed) {
          const backup = tempPathFor(s.target, 'bak');
          try {
            F.linkSync(s.target, backup);
            s.backup = backup;
          } catch {
            // no hard links here: this file cannot be rolled back (said in the error if it comes to that)
          }
        }
        commitStaged(s, F);
        committed.push(s);
      }
    } catch (e) {
      const lost: string[] = [];
      for (const s of [...committed].reverse()) {
        try {
          if (s.backup) {
            F.renameSync(s.backup, s.target);
            s.backup = undefined;
          } else if (!s.existed) F.unlinkSync(s.target);
          else lost.unshift(s.target);
        } catch {
          lost.unshift(s.target);
        }
      }
      for (const s of staged) discardStaged(s, F);
      for (const d of [...created].reverse()) {
        try {
          F.rmdirSync(d);
        } catch {
          // not empty
        }
      }
      const file = current?.target ?? target;
      const why = describeFsError(e);
      const advice = adviceFor(e);
      const untouched = lost.length
        ? `${lost.map(q).join(', ')} could not be put back and ${lost.length === 1 ? 'holds' : 'hold'} the new data; the model file ${q(target)} is untouched`
        : tst
          ? `The original model ${q(target)} and its external data files are untouched (files already replaced were put back)`
          : `No existing file was changed (${q(target)} did not exist before; files already written were removed)`;
      throw new SaveError(`could not save ${q(target)}: replacing ${q(file)} failed: ${why}. ${untouched}; the temporary files were removed.${advice ? ` ${advice}` : ''}`, file, (e as NodeJS.ErrnoException)?.code);
    }
    for (const s of committed) {
      if (s.backup) discardStaged({ ...s, tmp: s.backup }, F);
    }
    const synced = new Set<string>();
    for (const s of committed) synced.add(path.dirname(s.target));
    for (const d of created) synced.add(path.dirname(d));
    for (const d of synced) fsyncDir(d, F);

    const copies = planned.filter((p) => p.kind === 'copy');
    if (copies.length) {
      const total = copies.reduce((n, p) => n + (p.bytes ?? 0), 0);
      notes.push(`copied ${copies.length === 1 ? `the external data file ${q(copies[0].rel)}` : `${copies.length} external data files`} (${fmtBytes(total)}) from ${q(sourceDir!)} to ${q(dir)}`);
    }
    return {
      written: planned.filter((p) => p.kind !== 'copy').map((p) => p.dest),
      copied: copies.map((p) => p.dest),
      notes,
    };
  } finally {
    store?.close();
  }
}

/**
 * Checks a destination inside `dir` component by component, without following links: every existing component
 * must be a real folder (not a link), the file itself must be absent or a regular file (not a link). Returns the
 * absolute path and the folders to create, shallowest first.
 */
function checkDestination(F: FsApi, dir: string, segs: string[], what: string, refuse: (detail: string, file?: string) => never): { file: string; mkdirs: string[] } {
  let cur = dir;
  const mkdirs: string[] = [];
  for (let i = 0; i < segs.length; i++) {
    cur = path.join(cur, segs[i]);
    const isLast = i === segs.length - 1;
    const rel = segs.slice(0, i + 1).join('/');
    if (mkdirs.length) {
      if (!isLast) mkdirs.push(cur);
      continue;
    }
    let st: nodeFs.Stats | undefined;
    try {
      st = F.lstatSync(cur, { throwIfNoEntry: false });
    } catch (e) {
      refuse(`cannot inspect ${q(cur)} for ${what}: ${describeFsError(e)}`, cur);
    }
    if (!st) {
      if (!isLast) mkdirs.push(cur);
      continue;
    }
    if (st.isSymbolicLink()) {
      refuse(
        `${what} would be written through ${q(rel)} in ${q(dir)}, which is a symbolic link${linkTarget(F, cur)}; a save never follows links, since they could lead outside the model's folder: remove the link (or replace it with a real ${isLast ? 'file' : 'folder'}) and save again`,
        cur,
      );
    }
    if (!isLast && !st.isDirectory()) refuse(`${what} needs ${q(rel)} in ${q(dir)} to be a folder, but it is ${kindOf(st)}`, cur);
    if (isLast && !st.isFile()) refuse(`${what} would replace ${q(rel)} in ${q(dir)}, which is ${kindOf(st)}, not a regular file`, cur);
  }
  return { file: cur, mkdirs };
}

/** The same folder on disk (device and inode), however the paths are spelt. */
function sameFolder(F: FsApi, a: string, b: string): boolean {
  if (path.resolve(a) === path.resolve(b)) return true;
  try {
    const sa = F.statSync(a);
    const sb = F.statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

function lstatQuiet(F: FsApi, p: string): nodeFs.Stats | undefined {
  try {
    return F.lstatSync(p, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function realpathQuiet(F: FsApi, p: string): string | undefined {
  try {
    return (F.realpathSync.native ?? F.realpathSync)(p);
  } catch {
    return undefined;
  }
}

function linkTarget(F: FsApi, p: string): string {
  try {
    return ` (-> ${q(F.readlinkSync(p))})`;
  } catch {
    return '';
  }
}

function kindOf(st: nodeFs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}
