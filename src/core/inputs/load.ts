/**
 * Tensors from files, matched to a model's inputs (and, for comparisons, outputs).
 *
 * Any format readTensorFile reads:
 *   .npz / Polygraphy .json     tensors keyed by name
 *   .npy / .pb                  one tensor, named by the file's stem (or the TensorProto's name)
 *   test_data_set_N/            input_K.pb / output_K.pb, by position (graph-input / graph-output order)
 *   a folder of input_K.npy / output_K.npy files (as the sample models ship them), by position
 * A file named input_K / output_K (e.g. input_0.npy) that is not itself the name of a model tensor stands
 * for the K-th graph input / output. Several files may be given; a name given twice is an error.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { DataType, dtypeName } from '../ir/dtype';
import type { HostTensor } from '../ir/hosttensor';
import { readTensorFile, unsafeMemberName, writeTensorFile, type TensorFile } from '../codec/files';
import { InputError } from './errors';
import { describeSignature, type ValueSignature } from './signature';

export interface TensorSet {
  /** Tensors that carry a name (npz members, named .pb, Polygraphy values, .npy stems). */
  named: Map<string, HostTensor>;
  /** Positional inputs (test data sets, input_K files); holes are undefined. */
  inputs: (HostTensor | undefined)[];
  /** Positional outputs (test data sets, output_K files). */
  outputs: (HostTensor | undefined)[];
  /** Where each tensor came from, for messages: name or `input #K` / `output #K` -> path. */
  origin: Map<string, string>;
  /** The files read, in order. */
  files: string[];
  /** Formats of the files read. */
  formats: string[];
  notes: string[];
}

export interface ModelIo {
  inputs: readonly ValueSignature[];
  outputs: readonly ValueSignature[];
}

const POSITIONAL = /^(input|output)_(\d+)$/;

function emptySet(): TensorSet {
  return { named: new Map(), inputs: [], outputs: [], origin: new Map(), files: [], formats: [], notes: [] };
}

function stem(p: string): string {
  const b = basename(p);
  const e = extname(b);
  return e ? b.slice(0, -e.length) : b;
}

function isModelName(io: ModelIo, name: string): boolean {
  return io.inputs.some((s) => s.name === name) || io.outputs.some((s) => s.name === name);
}

function put(set: TensorSet, io: ModelIo, name: string, t: HostTensor, file: string): void {
  const m = POSITIONAL.exec(name);
  if (m && !isModelName(io, name)) {
    const list = m[1] === 'input' ? set.inputs : set.outputs;
    const k = Number(m[2]);
    const key = `${m[1]} #${k}`;
    if (list[k]) throw new InputError(`${key} is given twice (${set.origin.get(key)} and ${file}); give each tensor once`);
    list[k] = t;
    set.origin.set(key, file);
    return;
  }
  if (set.named.has(name)) throw new InputError(`tensor '${name}' is given twice (${set.origin.get(name)} and ${file}); give each tensor once`);
  set.named.set(name, { ...t, name });
  set.origin.set(name, file);
}

/** input_K.npy / output_K.npy files of a folder, by position; undefined when the folder has none. */
function npyFolder(dir: string): { inputs: string[]; outputs: string[] } | undefined {
  const names = readdirSync(dir);
  const pick = (prefix: string) =>
    names
      .map((n) => new RegExp(`^${prefix}_(\\d+)\\.npy$`).exec(n))
      .filter((m): m is RegExpExecArray => !!m)
      .sort((a, b) => Number(a[1]) - Number(b[1]))
      .map((m) => join(dir, m[0]));
  const inputs = pick('input');
  const outputs = pick('output');
  if (!inputs.length && !outputs.length) return undefined;
  return { inputs, outputs };
}

function hasPbDataSet(dir: string): boolean {
  return readdirSync(dir).some((n) => /^(input|output)_\d+\.pb$/.test(n));
}

/** Reads tensor files (and data set folders) into one set. Throws TensorFileError / InputError with the file named. */
export async function readTensorSet(paths: readonly string[], io: ModelIo): Promise<TensorSet> {
  const set = emptySet();
  for (const p of paths) {
    set.files.push(p);
    if (existsSync(p) && statSync(p).isDirectory() && !hasPbDataSet(p)) {
      const f = npyFolder(p);
      if (!f) {
        throw new InputError(`${p}: expected a test_data_set folder (input_K.pb, output_K.pb) or a folder of input_K.npy / output_K.npy files; found neither`);
      }
      set.formats.push('npy folder');
      for (const file of [...f.inputs, ...f.outputs]) {
        const tf = await readTensorFile(file);
        put(set, io, stem(file), [...tf.tensors.values()][0], file);
      }
      continue;
    }
    const tf: TensorFile = await readTensorFile(p, {
      signature: {
        inputs: io.inputs.map((s) => ({ name: s.name, type: s.type ?? null })),
        outputs: io.outputs.map((s) => ({ name: s.name, type: s.type ?? null })),
      },
    });
    set.formats.push(tf.format);
    set.notes.push(...tf.notes.map((n) => `${p}: ${n}`));
    if (tf.format === 'testdataset' && tf.dataset) {
      const ds = tf.dataset;
      ds.inputs.forEach((v, k) => {
        if (v.kind !== 'tensor') throw new InputError(`${p}: input ${k} ('${v.name}') is ${v.kind === 'sequence' ? 'a sequence' : 'an optional'}; onnxruntime-node can only take tensors`);
        set.inputs[k] = { ...v.tensor, name: io.inputs[k]?.name ?? v.name };
        set.origin.set(`input #${k}`, p);
      });
      ds.outputs.forEach((v, k) => {
        if (v.kind !== 'tensor') {
          set.notes.push(`${p}: output ${k} ('${v.name}') is ${v.kind === 'sequence' ? 'a sequence' : 'an optional'} and cannot be compared`);
          return;
        }
        set.outputs[k] = { ...v.tensor, name: io.outputs[k]?.name ?? v.name };
        set.origin.set(`output #${k}`, p);
      });
      continue;
    }
    for (const [name, t] of tf.tensors) put(set, io, name, t, p);
  }
  return set;
}

/** The tensor for each signature: by name, else by position. Entries with nothing are undefined. */
function pick(set: TensorSet, sigs: readonly ValueSignature[], positional: (HostTensor | undefined)[]): (HostTensor | undefined)[] {
  return sigs.map((s, k) => {
    const t = set.named.get(s.name) ?? positional[k];
    return t ? { ...t, name: s.name } : undefined;
  });
}

/**
 * The model's inputs from a tensor set, in graph-input order, named, and checked against the model's
 * declared types and shapes. A single unnamed tensor (one .npy) feeds a model with a single input.
 */
export function selectInputs(set: TensorSet, io: ModelIo): HostTensor[] {
  let picked = pick(set, io.inputs, set.inputs);
  if (io.inputs.length === 1 && !picked[0] && set.named.size === 1 && set.inputs.length === 0 && set.formats.length === 1 &&
      (set.formats[0] === 'npy' || set.formats[0] === 'pb')) {
    const t = [...set.named.values()][0];
    picked = [{ ...t, name: io.inputs[0].name }];
  }
  const missing = io.inputs.filter((_, k) => !picked[k]);
  if (missing.length) {
    const have = [...set.named.keys(), ...set.inputs.map((t, k) => (t ? `input_${k}` : '')).filter(Boolean)];
    throw new InputError(
      `no tensor for input${missing.length > 1 ? 's' : ''} ${missing.map((s) => `'${s.name}'`).join(', ')} in ${set.files.join(', ') || '(no files)'}; ` +
        `found ${have.length ? have.map((n) => `'${n}'`).join(', ') : 'no tensors'}. Name the tensors after the inputs (npz keys) ` +
        `or give them in graph-input order (input_K files or a test_data_set folder)`,
    );
  }
  const tensors = picked as HostTensor[];
  checkInputs(tensors, io.inputs);
  return tensors;
}

/**
 * Checks tensors against the model's declared inputs: element type, rank, fixed dims, and the same size for
 * every use of one symbolic dim. Throws one InputError listing every problem.
 */
export function checkInputs(tensors: readonly HostTensor[], sigs: readonly ValueSignature[]): void {
  const problems: string[] = [];
  const symbols = new Map<string, { size: number; where: string }>();
  sigs.forEach((s, k) => {
    const t = tensors[k];
    if (!t) return;
    if (s.kind !== undefined && s.kind !== 'tensor') {
      problems.push(`input '${s.name}' is ${describeSignature(s)}; only tensors can be fed`);
      return;
    }
    const got = `${dtypeName(t.dtype)}[${t.dims.join(',')}]`;
    if (s.dtype !== DataType.UNDEFINED && t.dtype !== s.dtype) {
      problems.push(`input '${s.name}' is ${describeSignature(s)} but the tensor given is ${got}`);
      return;
    }
    if (!s.shape) return;
    if (s.shape.length !== t.dims.length) {
      problems.push(`input '${s.name}' has rank ${s.shape.length} (${describeSignature(s)}) but the tensor given is ${got}`);
      return;
    }
    s.shape.forEach((d, axis) => {
      const n = t.dims[axis];
      if (typeof d === 'number' && d !== n) problems.push(`input '${s.name}' needs size ${d} on axis ${axis} (${describeSignature(s)}); the tensor given is ${got}`);
      if (typeof d === 'string') {
        const seen = symbols.get(d);
        if (seen && seen.size !== n) problems.push(`dim '${d}' is ${seen.size} in ${seen.where} but ${n} in input '${s.name}' axis ${axis}`);
        else if (!seen) symbols.set(d, { size: n, where: `input '${s.name}' axis ${axis}` });
      }
    });
  });
  if (problems.length) throw new InputError(`the inputs do not fit the model: ${problems.join('; ')}`);
}

/** The reference tensor for each model output (by name, else by position); undefined where there is none. */
export function selectOutputs(set: TensorSet, io: ModelIo): (HostTensor | undefined)[] {
  return pick(set, io.outputs, set.outputs);
}

/** The model's inputs if the set holds all of them (by name or position), else undefined. */
export function inputsIfComplete(set: TensorSet, io: ModelIo): HostTensor[] | undefined {
  const picked = pick(set, io.inputs, set.inputs);
  return picked.every((t) => t) ? (picked as HostTensor[]) : undefined;
}

/** Saves tensors (generated inputs, outputs) keyed by name; the format follows the extension (.npz by default). */
export async function saveTensors(path: string, tensors: readonly HostTensor[]): Promise<void> {
  const map = new Map<string, HostTensor>();
  tensors.forEach((t, k) => map.set(t.name || `tensor_${k}`, t));
  const file = extname(path) ? path : `${path}.npz`;
  if (extname(file).toLowerCase() === '.npz') {
    const bad = [...map.keys()].filter((n) => unsafeMemberName(`${n}.npy`));
    if (bad.length) {
      throw new InputError(
        `${file}: ${bad.length} tensor name${bad.length > 1 ? 's' : ''} (e.g. '${bad[0]}': ${unsafeMemberName(`${bad[0]}.npy`)}) cannot be ` +
          `.npz keys, since numpy would read them as paths: save to a .json file (Polygraphy RunResults) instead`,
      );
    }
  }
  await writeTensorFile(file, map);
}
