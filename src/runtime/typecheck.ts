/**
 * Which graph inputs and outputs onnxruntime-node's JavaScript API can feed and fetch, decided from the
 * model alone, before onnxruntime ever sees it. Pure: no onnxruntime import, usable by the CLI and by
 * diagnostics.
 *
 * Why: onnxruntime-node's JS API passes only tensors. A model that takes or returns a sequence, a map or
 * an optional value cannot be run from JavaScript, and some onnxruntime-node releases crash the whole
 * process (SIGSEGV, exit 139) when such a model is run with plain tensors instead of failing cleanly.
 * Tensors of an element type the JS API has no typed array for (bfloat16, float8, complex, ...) make
 * session creation itself fail ("Unsupported data type: 16"), so they are refused here too, by name.
 *
 * Handles: tensor, sparse_tensor, sequence, map, optional and opaque types at any nesting (described the
 * way ONNX prints them), unknown element types. Leaves alone: values without a type (onnxruntime reports
 * those itself at load), initializer-backed inputs (they are tensors).
 */
import { DataType, dtypeName } from '../core/ir/dtype';
import { onnx, $protobuf } from '../core/codec/pb';

/**
 * Element types onnxruntime-node 1.30's JS API can feed and fetch. (Its metadata table also names int4 and
 * uint4, but the native binding refuses such tensors: "Tensor.type is not supported: int4".)
 */
export const ORT_JS_TENSOR_DTYPES: ReadonlySet<DataType> = new Set<DataType>([
  DataType.FLOAT, DataType.UINT8, DataType.INT8, DataType.UINT16, DataType.INT16, DataType.INT32,
  DataType.INT64, DataType.STRING, DataType.BOOL, DataType.FLOAT16, DataType.DOUBLE, DataType.UINT32,
  DataType.UINT64,
]);

type TypeLike = onnx.TypeProto.$Properties;
type ValueInfoLike = onnx.ValueInfoProto.$Properties;
type ModelLike = onnx.ModelProto.$Properties;

export interface IoTypeProblem {
  /** Whether the value is a graph input or a graph output. */
  io: 'input' | 'output';
  /** The value's name in the graph. */
  name: string;
  /** The value's type as ONNX prints it, e.g. `sequence(tensor(float))`. */
  type: string;
  /** `non-tensor`: a sequence/map/optional/sparse/opaque value; `dtype`: a tensor of an element type the JS API lacks. */
  reason: 'non-tensor' | 'dtype';
  /** A full sentence naming the value and its type and saying what to do. */
  message: string;
}

/** ONNX's textual form of a type: `tensor(float)`, `sequence(map(int64,tensor(float)))`, `optional(tensor(int32))`. */
export function describeType(t: TypeLike | null | undefined): string {
  if (!t) return 'no type';
  if (t.tensorType) return `tensor(${elemName(t.tensorType.elemType)})`;
  if (t.sparseTensorType) return `sparse_tensor(${elemName(t.sparseTensorType.elemType)})`;
  if (t.sequenceType) return `sequence(${describeType(t.sequenceType.elemType)})`;
  if (t.optionalType) return `optional(${describeType(t.optionalType.elemType)})`;
  if (t.mapType) return `map(${elemName(t.mapType.keyType)},${describeType(t.mapType.valueType)})`;
  if (t.opaqueType) {
    const d = t.opaqueType.domain ?? '';
    const n = t.opaqueType.name ?? '';
    return `opaque(${d}${d && n ? ',' : ''}${n})`;
  }
  return 'no type';
}

function elemName(e: number | null | undefined): string {
  return e === null || e === undefined || e === 0 ? 'undefined' : dtypeName(e);
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? 'an' : 'a';
}

/** The problem with one graph input or output, or undefined when onnxruntime-node's JS API can pass it. */
export function checkValueInfo(v: ValueInfoLike, io: 'input' | 'output'): IoTypeProblem | undefined {
  const t = v.type;
  const name = v.name ?? '';
  if (!t) return undefined;
  const type = describeType(t);
  const verb = io === 'input' ? 'takes' : 'returns';
  if (t.tensorType) {
    const e = t.tensorType.elemType;
    if (e === null || e === undefined || e === 0) return undefined;
    if (ORT_JS_TENSOR_DTYPES.has(e)) return undefined;
    const allowed = [...ORT_JS_TENSOR_DTYPES].map(dtypeName).join(', ');
    return {
      io, name, type, reason: 'dtype',
      message: `${io} '${name}' is ${article(type)} ${type}; onnxruntime-node's JS API only ${verb} tensors of ${allowed}. ` +
        `Cast it in the graph (Cast to float or float16) or run the model with Python onnxruntime.`,
    };
  }
  if (!t.sequenceType && !t.mapType && !t.optionalType && !t.sparseTensorType && !t.opaqueType) return undefined;
  return {
    io, name, type, reason: 'non-tensor',
    message: `${io} '${name}' is ${article(type)} ${type}; onnxruntime-node's JS API only ${verb} tensors. ` +
      (io === 'input'
        ? `Build the ${t.sequenceType ? 'sequence' : 'value'} inside the graph from tensor inputs ` +
          `(e.g. SequenceConstruct / Optional), or run the model with Python onnxruntime.`
        : `Make the graph return tensors (e.g. SequenceAt / ConcatFromSequence / OptionalGetElement), ` +
          `or run the model with Python onnxruntime.`),
  };
}

/**
 * Every graph input and output that onnxruntime-node's JS API cannot pass, in graph order (inputs first).
 * An empty array means the model's interface is all tensors of supported element types.
 */
export function checkRuntimeIo(model: ModelLike): IoTypeProblem[] {
  const g = model.graph;
  if (!g) return [];
  const out: IoTypeProblem[] = [];
  for (const v of g.input ?? []) {
    const p = checkValueInfo(v, 'input');
    if (p) out.push(p);
  }
  for (const v of g.output ?? []) {
    const p = checkValueInfo(v, 'output');
    if (p) out.push(p);
  }
  return out;
}

/** One message for a refusal: all problems, one per line, after a line saying the model was not run. */
export function refusalMessage(problems: readonly IoTypeProblem[]): string {
  if (problems.length === 0) return '';
  const head = problems.length === 1
    ? 'onnxruntime-node cannot run this model:'
    : `onnxruntime-node cannot run this model (${problems.length} values):`;
  return [head, ...problems.map((p) => `  ${p.message}`)].join('\n');
}

/** The graph's inputs and outputs, read from encoded model bytes without decoding nodes or weights. */
export interface GraphIo {
  inputs: onnx.ValueInfoProto[];
  outputs: onnx.ValueInfoProto[];
  /** False when the bytes hold no graph at all. */
  hasGraph: boolean;
}

const MODEL_GRAPH = 7; // ModelProto.graph
const GRAPH_INPUT = 11; // GraphProto.input
const GRAPH_OUTPUT = 12; // GraphProto.output

/**
 * Reads only ModelProto.graph.input and .output from encoded bytes, skipping nodes and initializers
 * without touching them, so a big model costs a scan of its top-level fields rather than a full decode.
 * Throws (protobufjs's RangeError/Error) when the bytes are not a well-formed protobuf message.
 */
export function readGraphIo(bytes: Uint8Array): GraphIo {
  const r = $protobuf.Reader.create(bytes);
  const io: GraphIo = { inputs: [], outputs: [], hasGraph: false };
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === MODEL_GRAPH && wire === 2) {
      io.hasGraph = true;
      const end = r.uint32() + r.pos;
      if (end > r.len) throw new RangeError(`ModelProto.graph runs past the end of the bytes (${end} > ${r.len})`);
      while (r.pos < end) {
        const gtag = r.uint32();
        const gfield = gtag >>> 3;
        const gwire = gtag & 7;
        if ((gfield === GRAPH_INPUT || gfield === GRAPH_OUTPUT) && gwire === 2) {
          const v = onnx.ValueInfoProto.decode(r, r.uint32());
          (gfield === GRAPH_INPUT ? io.inputs : io.outputs).push(v);
        } else {
          r.skipType(gwire, 0, gfield);
        }
      }
      if (r.pos !== end) throw new RangeError('ModelProto.graph: a field runs past the end of the graph');
    } else {
      r.skipType(wire, 0, field);
    }
  }
  return io;
}

/** checkRuntimeIo on encoded model bytes (see readGraphIo). Throws when the bytes are not a protobuf message. */
export function checkRuntimeIoBytes(bytes: Uint8Array): IoTypeProblem[] {
  const io = readGraphIo(bytes);
  return checkRuntimeIo({ graph: { input: io.inputs, output: io.outputs } });
}
