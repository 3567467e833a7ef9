/**
 * ONNX test data sets: a `test_data_set_N/` folder of `input_K.pb` / `output_K.pb` files, as ONNX's backend
 * tests and onnxruntime's onnx_test_runner use them.
 *
 * Most files hold a TensorProto. Models whose inputs or outputs are sequences or optionals store a
 * SequenceProto or OptionalProto (onnx-data.proto) instead, which a TensorProto decoder misreads as garbage
 * (the name's bytes become dims). Those are decoded here by hand (our generated code has onnx.proto only),
 * guided by the model's types when given; without them a file that is not a valid tensor but has the shape of
 * a SequenceProto/OptionalProto gets an error that says so. Values are returned as a small union so that a
 * runner can refuse sequence/optional values clearly before they reach onnxruntime (which crashes on them).
 *
 * Names: the TensorProto's own name, else the model's input/output name at that position, else `input_K`.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { $protobuf, onnx } from '../pb';
import type { HostTensor } from '../../ir/hosttensor';
import type { Model } from '../../ir/model';
import { tensorProtoToHost, TensorDataError } from '../tensordata';
import { TensorFileError } from './npy';
import { decodeTensorProto, writeTensorPb } from './pb';
import { writeFileAtomic } from '../atomic';

export type TestValue =
  | { kind: 'tensor'; name: string; tensor: HostTensor }
  | { kind: 'sequence'; name: string; elements: TestValue[] }
  | { kind: 'optional'; name: string; value: TestValue | undefined };

export interface TestDataSet {
  dir: string;
  inputs: TestValue[];
  outputs: TestValue[];
}

/** Names and (optionally) types of a model's inputs and outputs, in order. */
export interface DataSetSignature {
  inputs?: { name: string; type?: onnx.TypeProto.$Properties | null }[];
  outputs?: { name: string; type?: onnx.TypeProto.$Properties | null }[];
}

/** The signature of a model's main graph: inputs that have an initializer are left out (they are weights). */
export function signatureOfModel(model: Model): DataSetSignature {
  const g = model.graph;
  return {
    inputs: g.inputs.filter((i) => !i.value.initializer).map((i) => ({ name: i.value.name, type: i.proto?.type ?? null })),
    outputs: g.outputs.map((o) => ({ name: o.value.name, type: o.proto?.type ?? null })),
  };
}

// SequenceProto / OptionalProto elem_type values (onnx-data.proto).
const ELEM = { UNDEFINED: 0, TENSOR: 1, SPARSE_TENSOR: 2, SEQUENCE: 3, MAP: 4, OPTIONAL: 5 } as const;
const MAX_DEPTH = 32;

type Fail = (m: string) => never;

interface Container {
  name: string;
  elemType: number;
  tensors: Uint8Array[];
  sequences: Uint8Array[];
  optionals: Uint8Array[];
  other: number[];
}

/** Reads SequenceProto/OptionalProto fields (both number them alike); throws on a malformed message. */
function readContainer(bytes: Uint8Array): Container {
  const r = $protobuf.Reader.create(bytes);
  const c: Container = { name: '', elemType: 0, tensors: [], sequences: [], optionals: [], other: [] };
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 2) c.name = r.string();
    else if (field === 2 && wire === 0) c.elemType = r.int32();
    else if (field === 3 && wire === 2) c.tensors.push(r.bytes());
    else if (field === 5 && wire === 2) c.sequences.push(r.bytes());
    else if (field === 7 && wire === 2) c.optionals.push(r.bytes());
    else if ((field === 4 || field === 6) && wire === 2) {
      c.other.push(field);
      r.skipType(wire);
    } else if (field >= 1 && field <= 7) throw new Error(`field ${field} has wire type ${wire}`);
    else r.skipType(wire);
  }
  return c;
}

function looksLikeContainer(bytes: Uint8Array): boolean {
  try {
    const c = readContainer(bytes);
    // A TensorProto misread this way has its dims as the "name": real containers have a printable name.
    const printable = /^[\x20-\x7e\u00a0-\ufffc]+$/.test(c.name);
    const content = c.tensors.length + c.sequences.length + c.optionals.length + c.other.length > 0;
    return c.elemType >= 0 && c.elemType <= 5 && (printable || (c.name === '' && content));
  } catch {
    return false;
  }
}

function tensorValue(bytes: Uint8Array, file: string, fallbackName: string): TestValue {
  const t = decodeTensorProto(bytes, file);
  try {
    const tensor = tensorProtoToHost(t);
    const name = tensor.name || fallbackName;
    return { kind: 'tensor', name, tensor: { ...tensor, name } };
  } catch (e) {
    if (e instanceof TensorDataError) throw new TensorFileError(file, e.message);
    throw e;
  }
}

function containerValue(bytes: Uint8Array, kind: 'sequence' | 'optional', type: onnx.TypeProto.$Properties | null | undefined,
  file: string, fallbackName: string, depth: number, fail: Fail): TestValue {
  if (depth > MAX_DEPTH) fail('sequences/optionals nest deeper than 32 levels');
  let c: Container;
  try {
    c = readContainer(bytes);
  } catch (e) {
    fail(`not a valid ${kind === 'sequence' ? 'SequenceProto' : 'OptionalProto'} (${(e as Error).message})`);
  }
  if (c.other.length) fail(`the ${kind} holds ${c.other[0] === 4 ? 'sparse tensors' : 'maps'}, which are not supported`);
  const name = c.name || fallbackName;
  const elemType = kind === 'sequence' ? type?.sequenceType?.elemType : type?.optionalType?.elemType;
  const child = (b: Uint8Array, k: 'tensor' | 'sequence' | 'optional', i: number): TestValue =>
    k === 'tensor' ? tensorValue(b, `${file}[${i}]`, `${name}[${i}]`)
      : containerValue(b, k, elemType, `${file}[${i}]`, `${name}[${i}]`, depth + 1, fail);
  const items: TestValue[] = [
    ...c.tensors.map((b, i) => child(b, 'tensor', i)),
    ...c.sequences.map((b, i) => child(b, 'sequence', i)),
    ...c.optionals.map((b, i) => child(b, 'optional', i)),
  ];
  if (kind === 'sequence') return { kind, name, elements: items };
  if (items.length > 1) fail(`an OptionalProto holds at most one value; found ${items.length}`);
  return { kind, name, value: items[0] };
}

/**
 * Reads one input_K.pb / output_K.pb. With the model's `type` for that position, sequences and optionals are
 * decoded; without it, a file that is not a tensor gets an error saying what it looks like.
 */
export function readTestValue(bytes: Uint8Array, file: string, fallbackName: string, type?: onnx.TypeProto.$Properties | null): TestValue {
  const fail: Fail = (m) => {
    throw new TensorFileError(file, m);
  };
  if (type?.sequenceType) return containerValue(bytes, 'sequence', type, file, fallbackName, 0, fail);
  if (type?.optionalType) return containerValue(bytes, 'optional', type, file, fallbackName, 0, fail);
  if (type?.mapType) fail('the value is a map, which is not supported (only tensors, sequences and optionals are)');
  if (type?.sparseTensorType) fail('the value is a sparse tensor, which is not supported');
  try {
    return tensorValue(bytes, file, fallbackName);
  } catch (e) {
    if (!type && looksLikeContainer(bytes)) {
      fail('this is not a TensorProto: it has the layout of a SequenceProto or OptionalProto (a sequence or optional value); pass the model so its input/output types say which');
    }
    throw e;
  }
}

function numbered(dir: string, prefix: 'input' | 'output', names: string[]): string[] {
  const re = new RegExp(`^${prefix}_(\\d+)\\.pb$`);
  const idx = names.map((n) => re.exec(n)).filter((m): m is RegExpExecArray => !!m).map((m) => Number(m[1])).sort((a, b) => a - b);
  idx.forEach((k, i) => {
    if (k !== i) {
      throw new TensorFileError(dir, `${prefix}_${i}.pb is missing (found ${idx.map((j) => `${prefix}_${j}.pb`).join(', ')}): files must be numbered from 0 without gaps`);
    }
  });
  return idx.map((k) => join(dir, `${prefix}_${k}.pb`));
}

/** Reads a test_data_set_N folder. Pass the model's signature to name unnamed values and decode sequences/optionals. */
export function readTestDataSet(dir: string, signature: DataSetSignature = {}): TestDataSet {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new TensorFileError(dir, 'expected a test_data_set_N folder; found a file');
    names = readdirSync(dir);
  } catch (e) {
    if (e instanceof TensorFileError) throw e;
    throw new TensorFileError(dir, `cannot read the folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const read = (prefix: 'input' | 'output', sig: DataSetSignature['inputs']): TestValue[] => {
    const files = numbered(dir, prefix, names);
    if (sig && files.length !== sig.length) {
      throw new TensorFileError(dir, `the data set has ${files.length} ${prefix}s; the model has ${sig.length} (${sig.map((s) => s.name).join(', ')})`);
    }
    return files.map((f, k) => readTestValue(readFileSync(f), f, sig?.[k]?.name || `${prefix}_${k}`, sig?.[k]?.type));
  };
  const inputs = read('input', signature.inputs);
  const outputs = read('output', signature.outputs);
  if (inputs.length === 0 && outputs.length === 0) throw new TensorFileError(dir, 'no input_K.pb or output_K.pb files: this is not a test data set folder');
  return { dir, inputs, outputs };
}

/** The test_data_set_N folders of a test case folder, in numeric order. */
export function listTestDataSets(caseDir: string): string[] {
  return readdirSync(caseDir)
    .map((n) => /^test_data_set_(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => !!m)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => join(caseDir, m[0]))
    .filter((p) => statSync(p).isDirectory());
}

/** The tensors of a list of values; a sequence or optional is refused with a message naming it. */
export function tensorsOf(values: TestValue[], what = 'value'): HostTensor[] {
  return values.map((v) => {
    if (v.kind !== 'tensor') {
      throw new TensorFileError(v.name, `the ${what} '${v.name}' is ${v.kind === 'sequence' ? 'a sequence' : 'an optional'}, not a tensor; only tensor ${what}s can be used here`);
    }
    return v.tensor;
  });
}

// ---------------------------------------------------------------------------------------------------
// Writing

function encodeContainer(v: Exclude<TestValue, { kind: 'tensor' }>): Uint8Array {
  const w = $protobuf.Writer.create();
  if (v.name) w.uint32((1 << 3) | 2).string(v.name);
  const items = v.kind === 'sequence' ? v.elements : v.value ? [v.value] : [];
  const first = items[0];
  const elem = !first ? ELEM.UNDEFINED : first.kind === 'tensor' ? ELEM.TENSOR : first.kind === 'sequence' ? ELEM.SEQUENCE : ELEM.OPTIONAL;
  if (items.some((i) => i.kind !== first?.kind)) throw new TensorFileError(v.name, `the elements of ${v.kind} '${v.name}' mix kinds; a SequenceProto holds one kind`);
  if (v.kind === 'sequence' || first) w.uint32((2 << 3) | 0).int32(elem);
  for (const it of items) {
    const field = it.kind === 'tensor' ? 3 : it.kind === 'sequence' ? 5 : 7;
    w.uint32((field << 3) | 2).bytes(encodeTestValue(it));
  }
  return w.finish();
}

export function encodeTestValue(v: TestValue): Uint8Array {
  return v.kind === 'tensor' ? writeTensorPb(v.tensor, v.name || undefined) : encodeContainer(v);
}

/** Writes input_K.pb / output_K.pb files into `dir` (created if missing). Unnamed tensors stay unnamed in the file. */
export function writeTestDataSet(dir: string, data: { inputs: (HostTensor | TestValue)[]; outputs: (HostTensor | TestValue)[] }): void {
  mkdirSync(dir, { recursive: true });
  const asValue = (v: HostTensor | TestValue): TestValue => ('kind' in v ? v : { kind: 'tensor', name: v.name ?? '', tensor: v });
  data.inputs.forEach((v, k) => writeFileAtomic(join(dir, `input_${k}.pb`), encodeTestValue(asValue(v))));
  data.outputs.forEach((v, k) => writeFileAtomic(join(dir, `output_${k}.pb`), encodeTestValue(asValue(v))));
}
