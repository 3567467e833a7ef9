/**
 * One entry point for tensor files: `readTensorFile` detects the format (by extension, then by content) and
 * returns the tensors as a name -> HostTensor map plus the full structure of richer formats; `writeTensorFile`
 * writes by extension.
 *
 *   .npy                one tensor (named after the file's stem unless the caller names it)
 *   .npz                one tensor per member
 *   .pb                 one TensorProto
 *   .json               Polygraphy RunResults (--save-outputs) or saved inputs (--save-inputs)
 *   test_data_set_N/    input_K.pb / output_K.pb (a folder)
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { HostTensor } from '../../ir/hosttensor';
import { writeFileAtomic } from '../atomic';
import { isNpy, npyChunks, readNpy, TensorFileError, type NpyWriteOptions } from './npy';
import { readNpz, writeNpz, type NpzReadOptions } from './npz';
import { readTensorPb, writeTensorPb } from './pb';
import { readPolygraphyJson, writePolygraphyInputs, writePolygraphyResults, type PolygraphyFile } from './polygraphy';
import { readTestDataSet, type DataSetSignature, type TestDataSet } from './testdataset';

export type TensorFileFormat = 'npy' | 'npz' | 'pb' | 'polygraphy' | 'testdataset';

export interface TensorFile {
  path: string;
  format: TensorFileFormat;
  /** Every tensor of the file (for Polygraphy results: of the chosen runner and iteration), in file order. */
  tensors: Map<string, HostTensor>;
  /** What the flat `tensors` view leaves out (other runners or iterations, non-tensor values). */
  notes: string[];
  polygraphy?: PolygraphyFile;
  dataset?: TestDataSet;
}

export interface ReadTensorFileOptions {
  /** Force a format instead of detecting it. */
  format?: TensorFileFormat;
  npz?: NpzReadOptions;
  /** Test data sets: the model's inputs/outputs, to name unnamed values and decode sequences/optionals. */
  signature?: DataSetSignature;
  /** Polygraphy results: which runner (name or index, default the first) and iteration (default 0). */
  runner?: string | number;
  iteration?: number;
}

/** Largest file read in one piece (fs.readFile refuses 2 GiB and more). */
export const MAX_TENSOR_FILE_BYTES = 2 ** 31 - 1;

/** The format a path and its first bytes suggest; undefined when neither says. */
export function detectTensorFormat(path: string, head: Uint8Array, isDirectory = false): TensorFileFormat | undefined {
  if (isDirectory) return 'testdataset';
  switch (extname(path).toLowerCase()) {
    case '.npy': return 'npy';
    case '.npz': return 'npz';
    case '.pb': return 'pb';
    case '.json': return 'polygraphy';
  }
  if (isNpy(head)) return 'npy';
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 3 && head[3] === 4) return 'npz';
  let i = 0;
  while (i < head.byteLength && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  if (head[i] === 0x7b || head[i] === 0x5b) return 'polygraphy';
  return undefined;
}

function stem(path: string): string {
  const b = basename(path);
  const e = extname(b);
  return e ? b.slice(0, -e.length) : b;
}

export async function readTensorFile(path: string, opts: ReadTensorFileOptions = {}): Promise<TensorFile> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TensorFileError(path, code === 'ENOENT' ? 'no such file or folder' : `cannot read it (${code ?? String(e)})`);
  }
  if (st.isDirectory()) {
    if (opts.format && opts.format !== 'testdataset') throw new TensorFileError(path, `is a folder; a ${opts.format} file was expected`);
    const dataset = readTestDataSet(path, opts.signature);
    const tensors = new Map<string, HostTensor>();
    const notes: string[] = [];
    for (const v of [...dataset.inputs, ...dataset.outputs]) {
      if (v.kind === 'tensor') {
        if (tensors.has(v.name)) notes.push(`'${v.name}' is both an input and an output; the output is kept`);
        tensors.set(v.name, v.tensor);
      } else notes.push(`'${v.name}' is ${v.kind === 'sequence' ? 'a sequence' : 'an optional'}, not a tensor: see dataset`);
    }
    return { path, format: 'testdataset', tensors, notes, dataset };
  }
  if (!st.isFile()) throw new TensorFileError(path, 'expected a regular file or a test_data_set folder');
  if (st.size > MAX_TENSOR_FILE_BYTES) {
    throw new TensorFileError(path, `the file is ${st.size} bytes; tensor files over 2 GiB cannot be read in one piece: split the tensors over several files`);
  }
  const bytes = await readFile(path);
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = opts.format ?? detectTensorFormat(path, data.subarray(0, 16));
  if (!format) throw new TensorFileError(path, 'unknown tensor file format: expected .npy, .npz, .pb, Polygraphy .json or a test_data_set folder');
  switch (format) {
    case 'npy': {
      const name = stem(path);
      return { path, format, tensors: new Map([[name, readNpy(data, path, name)]]), notes: [] };
    }
    case 'npz':
      return { path, format, tensors: readNpz(data, path, opts.npz), notes: [] };
    case 'pb': {
      const t = readTensorPb(data, path);
      const name = t.name || stem(path);
      return { path, format, tensors: new Map([[name, { ...t, name }]]), notes: [] };
    }
    case 'polygraphy': {
      const pg = readPolygraphyJson(data, path);
      const notes: string[] = [];
      let tensors: Map<string, HostTensor>;
      if (pg.kind === 'inputs') {
        const k = opts.iteration ?? 0;
        if (pg.iterations.length === 0) throw new TensorFileError(path, 'the saved inputs hold no iterations');
        if (k >= pg.iterations.length) throw new TensorFileError(path, `iteration ${k} does not exist; the file has ${pg.iterations.length}`);
        tensors = pg.iterations[k];
        if (pg.iterations.length > 1) notes.push(`iteration ${k} of ${pg.iterations.length} is shown`);
      } else {
        if (pg.runners.length === 0) throw new TensorFileError(path, 'the RunResults hold no runners');
        const want = opts.runner ?? 0;
        const r = typeof want === 'number' ? pg.runners[want] : pg.runners.find((x) => x.name === want);
        if (!r) throw new TensorFileError(path, `runner ${JSON.stringify(want)} is not in the file; it has ${pg.runners.map((x) => `'${x.name}'`).join(', ')}`);
        const k = opts.iteration ?? 0;
        const it = r.iterations[k];
        if (!it) throw new TensorFileError(path, `runner '${r.name}' has ${r.iterations.length} iterations; iteration ${k} does not exist`);
        tensors = it.outputs;
        if (pg.runners.length > 1) notes.push(`runner '${r.name}' is shown; the file also holds ${pg.runners.filter((x) => x !== r).map((x) => `'${x.name}'`).join(', ')}`);
        if (r.iterations.length > 1) notes.push(`iteration ${k} of ${r.iterations.length} is shown`);
      }
      return { path, format, tensors, notes, polygraphy: pg };
    }
    case 'testdataset':
      throw new TensorFileError(path, 'a test data set is a folder; this is a file');
  }
}

export interface WriteTensorFileOptions extends NpyWriteOptions {
  /** Force a format instead of the extension's. Test data sets are written with writeTestDataSet. */
  format?: Exclude<TensorFileFormat, 'testdataset'>;
  /** .npz: deflate members (np.savez_compressed). */
  compress?: boolean;
  /** .json: write RunResults (default, with this runner name) or saved inputs. */
  polygraphy?: 'results' | 'inputs';
  runnerName?: string;
}

/** Writes tensors to `path` (atomically: the old file stays intact on failure), the format chosen by extension. */
export async function writeTensorFile(
  path: string,
  tensors: HostTensor | Map<string, HostTensor>,
  opts: WriteTensorFileOptions = {},
): Promise<void> {
  const ext = extname(path).toLowerCase();
  const format = opts.format ?? (ext === '.npy' ? 'npy' : ext === '.npz' ? 'npz' : ext === '.pb' ? 'pb' : ext === '.json' ? 'polygraphy' : undefined);
  if (!format) throw new TensorFileError(path, `cannot tell the format from '${ext || 'no extension'}': use .npy, .npz, .pb or .json`);
  const map = tensors instanceof Map ? tensors : new Map([[tensors.name || stem(path), tensors]]);
  const single = (): HostTensor => {
    if (map.size !== 1) throw new TensorFileError(path, `a ${format} file holds exactly one tensor; got ${map.size}: write an .npz for several`);
    const [name, h] = map.entries().next().value as [string, HostTensor];
    return { ...h, name: h.name || name };
  };
  switch (format) {
    case 'npy':
      writeFileAtomic(path, npyChunks(single(), opts));
      return;
    case 'pb':
      writeFileAtomic(path, writeTensorPb(single()));
      return;
    case 'npz':
      writeFileAtomic(path, writeNpz(map, opts));
      return;
    case 'polygraphy': {
      const text = opts.polygraphy === 'inputs'
        ? writePolygraphyInputs([map], opts)
        : writePolygraphyResults([{ name: opts.runnerName ?? 'onnx-lens', iterations: [{ runnerName: opts.runnerName ?? 'onnx-lens', runtime: null, outputs: map }] }], opts);
      writeFileAtomic(path, new TextEncoder().encode(text));
      return;
    }
  }
}

export * from './npy';
export * from './npz';
export * from './pb';
export * from './polygraphy';
export * from './testdataset';
