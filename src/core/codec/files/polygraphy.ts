/**
 * Polygraphy JSON: what `polygraphy run --save-outputs` (RunResults) and `--save-inputs` (a list of feed
 * dicts) write, read and written without Polygraphy.
 *
 * The format, from NVIDIA/TensorRT tools/Polygraphy (polygraphy/json/serde.py, polygraphy/comparator/struct.py,
 * polygraphy/constants.py): its JSON Encoder turns each registered object into a dict and adds
 * `"polygraphy_class": "<type name>"`, with json.dumps(indent=4).
 *   np.ndarray      -> {"array": base64 of np.save(arr, allow_pickle=False), "polygraphy_class": "ndarray"}
 *   LazyArray       -> {"values": <ndarray>, "polygraphy_class": "LazyArray"}   ("LazyNumpyArray" before 0.48)
 *   IterationResult -> {"outputs": {name: <LazyArray>}, "runtime": s, "runner_name": str, "polygraphy_class": "IterationResult"}
 *   RunResults      -> {"lst": [[runner_name, [<IterationResult>, ...]], ...], "polygraphy_class": "RunResults"}
 *   --save-inputs   -> [{name: <ndarray>, ...}, ...] one feed dict per iteration
 * Older files mark classes with `"__polygraphy_encoded_<type>": "polygraphy_serialized_json_type"` instead,
 * and very old ones hold the .npy bytes as a latin-1 string or an .npz: the decoder accepts those too, as
 * Polygraphy's own does.
 *
 * Order: outputs keep the file's order, except that JSON.parse lists integer-like names ("0", "17") first.
 */
import type { HostTensor } from '../../ir/hosttensor';
import { isNpy, readNpy, TensorFileError, writeNpy, type NpyWriteOptions } from './npy';
import { readNpz } from './npz';

export interface PolygraphyIteration {
  runnerName: string;
  /** Seconds, as Polygraphy measured it (null when it did not). */
  runtime: number | null;
  outputs: Map<string, HostTensor>;
}

export interface PolygraphyRunner {
  name: string;
  iterations: PolygraphyIteration[];
}

export type PolygraphyFile =
  | { kind: 'results'; runners: PolygraphyRunner[] }
  | { kind: 'inputs'; iterations: Map<string, HostTensor>[] };

const TYPE_MARKER = 'polygraphy_class';
const LEGACY_PREFIX = '__polygraphy_encoded_';
const LEGACY_MARKER = 'polygraphy_serialized_json_type';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

function isObj(v: Json | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function classOf(o: Obj): string | undefined {
  const c = o[TYPE_MARKER];
  if (typeof c === 'string') return c;
  for (const k of Object.keys(o)) if (k.startsWith(LEGACY_PREFIX) && o[k] === LEGACY_MARKER) return k.slice(LEGACY_PREFIX.length);
  return undefined;
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeArray(v: Json | undefined, where: string, file: string, name: string): HostTensor {
  const fail = (m: string): never => {
    throw new TensorFileError(file, `${where}: ${m}`);
  };
  if (!isObj(v)) fail(`expected an encoded array (an object with "polygraphy_class"); found ${v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v}`);
  const o = v as Obj;
  const cls = classOf(o);
  if (cls === 'LazyArray' || cls === 'LazyNumpyArray') return decodeArray(o.values, where, file, name);
  if (cls === 'FormattedArray') fail('a FormattedArray (raw bytes in a TensorRT vectorized layout) cannot be read as a tensor: save the outputs from a non-TensorRT runner or with default formats');
  if (cls !== 'ndarray') fail(`expected "polygraphy_class": "ndarray" (or LazyArray); found ${cls === undefined ? 'no class marker' : `"${cls}"`}`);
  const text = o.array;
  if (typeof text !== 'string') fail('the ndarray has no "array" string');
  const s = text as string;
  let bytes: Uint8Array | undefined;
  if (s.length % 4 === 0 && B64.test(s)) {
    const b = Buffer.from(s, 'base64');
    bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  if (!bytes || !(isNpy(bytes) || isZip(bytes))) {
    // Polygraphy's fallback for old files: the .npy bytes as a latin-1 string.
    const raw = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 255) fail('the "array" string is neither base64 nor latin-1 .npy bytes');
      raw[i] = c;
    }
    bytes = raw;
  }
  if (isNpy(bytes)) return readNpy(bytes, `${file} (${where})`, name);
  if (isZip(bytes)) {
    const m = readNpz(bytes, `${file} (${where})`);
    const first = [...m.values()][0];
    if (!first) return fail('the embedded .npz is empty');
    return { ...first, name };
  }
  return fail('the "array" string does not hold a .npy file');
}

function isZip(b: Uint8Array): boolean {
  return b.byteLength >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4;
}

function feedDict(v: Json, where: string, file: string): Map<string, HostTensor> {
  if (!isObj(v)) throw new TensorFileError(file, `${where}: expected a dict of input name -> array; found ${Array.isArray(v) ? 'a list' : typeof v}`);
  const out = new Map<string, HostTensor>();
  for (const [k, a] of Object.entries(v)) {
    if (k === TYPE_MARKER || k.startsWith(LEGACY_PREFIX)) continue;
    out.set(k, decodeArray(a, `${where}['${k}']`, file, k));
  }
  return out;
}

function iteration(v: Json, where: string, file: string, runner: string): PolygraphyIteration {
  if (!isObj(v) || (classOf(v) !== undefined && classOf(v) !== 'IterationResult')) {
    throw new TensorFileError(file, `${where}: expected an IterationResult`);
  }
  const o = v as Obj;
  const outputs = o.outputs;
  if (!isObj(outputs)) throw new TensorFileError(file, `${where}: the IterationResult has no "outputs" dict`);
  return {
    runnerName: typeof o.runner_name === 'string' ? o.runner_name : runner,
    runtime: typeof o.runtime === 'number' ? o.runtime : null,
    outputs: feedDict(outputs, `${where}.outputs`, file),
  };
}

/** Reads a Polygraphy JSON file (results or inputs). */
export function readPolygraphyJson(content: string | Uint8Array, file = '<polygraphy json>'): PolygraphyFile {
  const text = typeof content === 'string' ? content : new TextDecoder().decode(content);
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch (e) {
    throw new TensorFileError(file, `not valid JSON (${(e as Error).message})`);
  }
  if (Array.isArray(doc)) {
    return { kind: 'inputs', iterations: doc.map((d, i) => feedDict(d, `iteration ${i}`, file)) };
  }
  if (!isObj(doc)) throw new TensorFileError(file, 'expected Polygraphy RunResults (an object) or saved inputs (a list of dicts)');
  const cls = classOf(doc);
  if (cls === 'RunResults' || (cls === undefined && Array.isArray(doc.lst))) {
    const lst = doc.lst;
    if (!Array.isArray(lst)) throw new TensorFileError(file, 'RunResults without a "lst" list');
    const runners = lst.map((pair, r): PolygraphyRunner => {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || !Array.isArray(pair[1])) {
        throw new TensorFileError(file, `RunResults.lst[${r}]: expected [runner_name, [IterationResult, ...]]`);
      }
      const name = pair[0];
      return { name, iterations: (pair[1] as Json[]).map((it, i) => iteration(it, `runner '${name}' iteration ${i}`, file, name)) };
    });
    return { kind: 'results', runners };
  }
  if (cls === 'IterationResult') {
    const it = iteration(doc, 'IterationResult', file, 'custom_runner');
    return { kind: 'results', runners: [{ name: it.runnerName, iterations: [it] }] };
  }
  if (cls !== undefined) throw new TensorFileError(file, `a Polygraphy "${cls}" holds no tensors this reader knows; expected RunResults or saved inputs`);
  // A single feed dict saved with save_json.
  return { kind: 'inputs', iterations: [feedDict(doc, 'inputs', file)] };
}

function encodeArray(h: HostTensor, opts: NpyWriteOptions): Obj {
  return { array: Buffer.from(writeNpy(h, opts)).toString('base64'), [TYPE_MARKER]: 'ndarray' };
}

function entries(m: Map<string, HostTensor> | Record<string, HostTensor>): [string, HostTensor][] {
  return m instanceof Map ? [...m] : Object.entries(m);
}

/** RunResults JSON as `polygraphy run --save-outputs` writes it (arrays wrapped in LazyArray). */
export function writePolygraphyResults(runners: PolygraphyRunner[], opts: NpyWriteOptions = {}): string {
  const doc = {
    lst: runners.map((r) => [
      r.name,
      r.iterations.map((it) => ({
        outputs: Object.fromEntries(entries(it.outputs).map(([k, h]) => [k, { values: encodeArray(h, opts), [TYPE_MARKER]: 'LazyArray' }])),
        runtime: it.runtime,
        runner_name: it.runnerName || r.name,
        [TYPE_MARKER]: 'IterationResult',
      })),
    ]),
    [TYPE_MARKER]: 'RunResults',
  };
  return JSON.stringify(doc, null, 4);
}

/** Saved-inputs JSON as `polygraphy run --save-inputs` writes it: one feed dict per iteration. */
export function writePolygraphyInputs(iterations: (Map<string, HostTensor> | Record<string, HostTensor>)[], opts: NpyWriteOptions = {}): string {
  return JSON.stringify(iterations.map((it) => Object.fromEntries(entries(it).map(([k, h]) => [k, encodeArray(h, opts)]))), null, 4);
}
