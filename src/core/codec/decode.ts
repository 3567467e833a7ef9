/**
 * bytes -> ModelProto -> IR.
 *
 * protobufjs decodes the message tree (raw_data stays a view into `bytes`, never a copy; int64 exact, see
 * ./pb.ts); this module then builds the IR and links values to producers and uses, graph by graph, subgraphs
 * seeing their enclosing scopes. Structural problems (not protobuf, truncated, a length or varint past the end of
 * its message, too deep, a known field with the wrong wire type) throw a ModelDecodeError that says what was
 * expected, what was found and at which byte; nothing else is ever thrown for bad input (test/unit/codec/
 * hostile.test.ts and fuzz.test.ts hold the decoder to that). Problems local to one tensor (negative or
 * overflowing dims, raw_data or a typed field not matching dims x element size, an unknown data type) are
 * collected in `model.problems`, naming the tensor, so the rest of the model still opens.
 */
import { $protobuf, type Int64, isWireError, onnx, RECURSION_LIMIT, wireTypeName } from './pb';
import { Attribute, Graph, type GraphKind, Model, type ModelProblem, Node, Tensor, type Use, Value, type ValueInfo } from '../ir/model';
import { checkedElementCount, DataType, dtypeName, rawByteLength } from '../ir/dtype';

export class ModelDecodeError extends Error {
  constructor(
    readonly file: string | undefined,
    /** What was expected and what was found. */
    readonly detail: string,
    /** Where: the byte offset in the file, when known. */
    readonly offset?: number,
    /** What to do about it. */
    readonly hint?: string,
  ) {
    super(`${file ?? '<bytes>'}: ${detail}${offset !== undefined ? ` (at byte ${offset})` : ''}${hint ? `; ${hint}` : ''}`);
    this.name = 'ModelDecodeError';
  }
}

const CORRUPT = 'the file is truncated or corrupt: re-export or re-download it';
/** Leads every wire-format error, so that the first words say what kind of problem it is. */
const NOT_PROTOBUF = 'not a valid protobuf encoding of an ONNX model: ';


export interface DecodeOptions {
  /** The file the bytes came from: names it in errors and anchors external data. */
  path?: string;
}

function asBuffer(bytes: Uint8Array): Uint8Array {
  // protobufjs's BufferReader decodes strings with Buffer#utf8Slice, much faster than its JS fallback.
  if (typeof Buffer !== 'undefined' && !Buffer.isBuffer(bytes)) {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return bytes;
}

/** Decodes the protobuf message only (no IR): what the parse benchmark measures. */
export function decodeModelProto(bytes: Uint8Array, file?: string): onnx.ModelProto {
  if (bytes.byteLength === 0) {
    throw new ModelDecodeError(file, 'expected an ONNX ModelProto; found nothing: the file is empty (0 bytes)', undefined, 'it was not written completely: re-export it');
  }
  const buf = asBuffer(bytes);
  const reader = $protobuf.Reader.create(buf) as $protobuf.Reader & { sawUnknownField?: boolean };
  let proto: onnx.ModelProto;
  try {
    proto = onnx.ModelProto.decode(reader);
  } catch (e) {
    throw wireFailure(e, reader.pos, bytes.byteLength, file);
  }
  // Only files with fields the decoder did not recognise pay for this walk.
  if (reader.sawUnknownField) checkWireTypes(proto, buf, file);
  if (!proto.graph) {
    throw new ModelDecodeError(
      file,
      'expected an ONNX ModelProto with a graph (field 7); found none',
      undefined,
      'this is not an ONNX model, or it is truncated',
    );
  }
  return proto;
}

/** Turns whatever protobufjs threw into a ModelDecodeError saying what was expected, what was found and where. */
function wireFailure(e: unknown, pos: number, size: number, file: string | undefined): ModelDecodeError {
  const d = describeWireFailure(e, pos, size, file);
  if (/^expected messages nested/.test(d.detail)) return d;
  return new ModelDecodeError(d.file, NOT_PROTOBUF + d.detail, d.offset, d.hint);
}

function describeWireFailure(e: unknown, pos: number, size: number, file: string | undefined): ModelDecodeError {
  const at = (n: number) => Math.max(0, Math.min(n, size));
  if (isWireError(e)) return new ModelDecodeError(file, e.message, at(e.wireOffset), CORRUPT);
  const msg = e instanceof Error ? e.message : String(e);
  if (/max depth/.test(msg)) {
    return new ModelDecodeError(
      file,
      `expected messages nested at most ${RECURSION_LIMIT} deep (about ${Math.floor(RECURSION_LIMIT / 3)} levels of subgraphs); found deeper nesting of messages or groups`,
      at(pos),
      'the file is corrupt or hostile and cannot be opened',
    );
  }
  // protobufjs leaves `pos` just after the bytes it rejected: point at where they start.
  if (/invalid varint encoding/.test(msg)) {
    return new ModelDecodeError(file, 'expected a varint of at most 10 bytes; found one of 11 or more', at(pos - 10), CORRUPT);
  }
  if (/invalid tag encoding/.test(msg)) {
    return new ModelDecodeError(
      file,
      'expected a field tag (a varint of at most 5 bytes, field number below 2^29); found a longer one',
      at(pos - 5),
      CORRUPT,
    );
  }
  if (/invalid length encoding/.test(msg)) {
    return new ModelDecodeError(file, 'expected a length prefix below 2 GiB; found a larger one', at(pos - 5), CORRUPT);
  }
  if (/illegal tag: field number 0/.test(msg)) {
    return new ModelDecodeError(file, 'expected a field tag with a field number of 1 or more; found field number 0', at(pos - 1), CORRUPT);
  }
  if (/end group/.test(msg)) {
    return new ModelDecodeError(file, 'expected the end-group tag of the open group; found the end-group tag of another field', at(pos), CORRUPT);
  }
  const range = /index out of range: (\d+) \+ (\d+) > (\d+)/.exec(msg);
  if (range) {
    // A fixed-size value, a varint or a skipped field that needs more bytes than its message or the file has.
    const [p, n, end] = [Number(range[1]), Number(range[2]), Number(range[3])];
    const where = end >= size ? 'the end of the file' : 'the end of the enclosing message';
    const found = p >= end ? `found ${where} at byte ${end}` : `found only ${end - p} before ${where} at byte ${end}`;
    return new ModelDecodeError(file, `expected ${n} more byte${n === 1 ? '' : 's'} at byte ${p}; ${found}`, at(p), CORRUPT);
  }
  if (/index out of range/.test(msg)) {
    return new ModelDecodeError(
      file,
      `expected every field to end inside its message; found one running past the end of its message or of the file (${msg})`,
      at(pos),
      CORRUPT,
    );
  }
  return new ModelDecodeError(file, `expected a protobuf-encoded ONNX ModelProto; found bytes protobufjs rejects (${msg})`, at(pos), CORRUPT);
}

type MessageClass = { decode(b: Uint8Array): object };
let messageClassNames: Map<unknown, string> | undefined;

/** Every generated message class (onnx.ModelProto, onnx.TensorProto.Segment, ...) and its full name. */
function messageClasses(): Map<unknown, string> {
  if (messageClassNames) return messageClassNames;
  const names = new Map<unknown, string>();
  const visit = (ns: object, prefix: string) => {
    for (const [k, v] of Object.entries(ns)) {
      if (typeof v === 'function' && typeof (v as Partial<MessageClass>).decode === 'function' && !names.has(v)) {
        names.set(v, prefix + k);
        visit(v, `${prefix}${k}.`);
      }
    }
  };
  visit(onnx, 'onnx.');
  return (messageClassNames = names);
}

/** For a message class and field number: the wire types its decoder accepts and the field's name ([] if unknown). */
const fieldCache = new Map<unknown, Map<number, { wireTypes: number[]; name: string }>>();
/**
 * One value of each wire type. Length-delimited has several: empty (a message, a string), and one packed element
 * of each width (an empty packed list would leave the field looking absent).
 */
const PROBES: [number, number[]][] = [
  [0, [0]],
  [1, [0, 0, 0, 0, 0, 0, 0, 0]],
  [2, [0]],
  [2, [1, 0]],
  [2, [4, 0, 0, 0, 0]],
  [2, [8, 0, 0, 0, 0, 0, 0, 0, 0]],
  [5, [0, 0, 0, 0]],
];

function knownField(cls: MessageClass, field: number): { wireTypes: number[]; name: string } {
  let byField = fieldCache.get(cls);
  if (!byField) fieldCache.set(cls, (byField = new Map()));
  let info = byField.get(field);
  if (info) return info;
  info = { wireTypes: [], name: '' };
  // Decode a one-field message with each wire type: the decoder knows the field with that wire type exactly
  // when the field lands in a property rather than among the unknown fields. No table to keep in sync.
  for (const [w, payload] of PROBES) {
    if (info.wireTypes.includes(w)) continue;
    try {
      const m = cls.decode(Uint8Array.from([...encodeVarint(field * 8 + w), ...payload]));
      // Repeated fields are own empty arrays from the constructor on: the field read is the one that is not.
      const key = Object.keys(m).find((k) => {
        const v = (m as Record<string, unknown>)[k];
        return !(Array.isArray(v) && v.length === 0);
      });
      if (!hasOwn(m, '$unknowns') && key !== undefined) {
        info.wireTypes.push(w);
        info.name = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      }
    } catch {
      // not accepted with this wire type
    }
  }
  byField.set(field, info);
  return info;
}

function encodeVarint(v: number): number[] {
  const out: number[] = [];
  while (v >= 128) {
    out.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/**
 * protobuf (and protobufjs) treat a known field written with the wrong wire type as an unknown field: the model
 * would open with that field silently missing (a node without its op_type, a graph without its nodes). That
 * only happens to corrupt files, so say so, naming the field and where it is.
 */
function checkWireTypes(root: object, buf: Uint8Array, file: string | undefined): void {
  const classes = messageClasses();
  const stack: object[] = [root];
  while (stack.length) {
    const m = stack.pop() as Record<string, unknown>;
    const cls = m.constructor as unknown as MessageClass;
    if (hasOwn(m, '$unknowns')) {
      for (const chunk of m.$unknowns as Uint8Array[]) {
        let tag = 0;
        let mul = 1;
        for (let i = 0; i < 5 && i < chunk.length; i++) {
          tag += (chunk[i] & 127) * mul;
          mul *= 128;
          if (chunk[i] < 128) break;
        }
        const field = Math.floor(tag / 8);
        const wire = tag % 8;
        const known = knownField(cls, field);
        if (known.wireTypes.length && !known.wireTypes.includes(wire)) {
          const expected = known.wireTypes.map((w) => `${w} (${wireTypeName(w)})`).join(' or ');
          throw new ModelDecodeError(
            file,
            `${NOT_PROTOBUF}expected field ${field} (${known.name}) of ${classes.get(cls)} with wire type ${expected}; found wire type ${wire} (${wireTypeName(wire)})`,
            chunk.buffer === buf.buffer ? chunk.byteOffset - buf.byteOffset : undefined,
            CORRUPT,
          );
        }
      }
    }
    for (const k of Object.keys(m)) {
      const v = m[k];
      if (Array.isArray(v)) {
        // Repeated fields are homogeneous: look at the first element only to skip arrays of numbers.
        if (v.length && v[0] !== null && typeof v[0] === 'object' && classes.has(v[0].constructor)) {
          for (const x of v) stack.push(x);
        }
      } else if (v !== null && typeof v === 'object' && classes.has(v.constructor)) {
        stack.push(v);
      }
    }
  }
}

export function decodeModel(bytes: Uint8Array, options: DecodeOptions = {}): Model {
  const proto = decodeModelProto(bytes, options.path);
  return modelFromProto(proto, options.path);
}

export function modelFromProto(proto: onnx.ModelProto, path?: string): Model {
  const model = new Model(proto);
  model.path = path;
  const b = new Builder(model);
  model.graph = b.graph(proto.graph as onnx.GraphProto, 'main', undefined);
  for (const fp of proto.functions ?? []) model.functions.push(b.fn(fp as onnx.FunctionProto));
  return model;
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

type TypedKey = 'floatData' | 'int32Data' | 'stringData' | 'int64Data' | 'doubleData' | 'uint64Data';
const TYPED_KEYS: TypedKey[] = ['floatData', 'int32Data', 'stringData', 'int64Data', 'doubleData', 'uint64Data'];
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Where onnx.proto stores each data type when raw_data is not used: the field, and how many entries hold how
 * many elements (complex: 2 entries per element; 4-bit types: 2 elements per int32_data entry; 2-bit: 4).
 */
const TYPED_FIELD: Record<number, { key: TypedKey; name: string; perElement: number; perEntry: number }> = {};
{
  const set = (types: DataType[], key: TypedKey, perElement = 1, perEntry = 1) => {
    for (const t of types) TYPED_FIELD[t] = { key, name: snake(key), perElement, perEntry };
  };
  set([DataType.FLOAT], 'floatData');
  set([DataType.COMPLEX64], 'floatData', 2);
  set(
    [
      DataType.INT32, DataType.INT16, DataType.INT8, DataType.UINT16, DataType.UINT8, DataType.BOOL,
      DataType.FLOAT16, DataType.BFLOAT16, DataType.FLOAT8E4M3FN, DataType.FLOAT8E4M3FNUZ, DataType.FLOAT8E5M2,
      DataType.FLOAT8E5M2FNUZ, DataType.FLOAT8E8M0,
    ],
    'int32Data',
  );
  set([DataType.INT4, DataType.UINT4, DataType.FLOAT4E2M1], 'int32Data', 1, 2);
  set([DataType.INT2, DataType.UINT2], 'int32Data', 1, 4);
  set([DataType.STRING], 'stringData');
  set([DataType.INT64], 'int64Data');
  set([DataType.DOUBLE], 'doubleData');
  set([DataType.COMPLEX128], 'doubleData', 2);
  set([DataType.UINT32, DataType.UINT64], 'uint64Data');
}

/** An attribute tensor, for its label: `index` -1 for TENSOR attributes, the position in TENSORS otherwise. */
interface AttributeTensor {
  node: Node;
  attr: string;
  index: number;
}

function tensorLabel(labelOf: string | onnx.TensorProto | AttributeTensor): string {
  if (typeof labelOf === 'string') return labelOf;
  if (labelOf instanceof onnx.TensorProto || !('node' in labelOf)) return (labelOf as onnx.TensorProto).name || '<unnamed tensor>';
  return `${labelOf.node.label}.${labelOf.attr}${labelOf.index < 0 ? '' : `[${labelOf.index}]`}`;
}

class Builder {
  constructor(private model: Model) {}

  graph(gp: onnx.GraphProto, kind: GraphKind, parent: Graph | undefined, owner?: Node, attr?: string): Graph {
    const g = new Graph(kind, this.model, parent, gp);
    g.ownerNode = owner;
    g.ownerAttribute = attr;
    for (const vi of gp.input ?? []) this.info(g, vi as onnx.ValueInfoProto, 'input');
    for (const tp of gp.initializer ?? []) {
      const t = this.tensor(tp as onnx.TensorProto, g);
      const v = this.define(g, t.name);
      v.initializer = t;
      t.value = v;
      g.initializers.push(t);
    }
    for (const sp of gp.sparseInitializer ?? []) {
      this.checkSparse(sp as onnx.SparseTensorProto, sp.values?.name || '<unnamed sparse tensor>', g);
      const v = this.define(g, sp.values?.name ?? '');
      v.sparseInitializer = sp as onnx.SparseTensorProto;
      g.sparseInitializers.push(sp as onnx.SparseTensorProto);
    }
    this.nodes(g, gp.node as onnx.NodeProto[] | undefined);
    for (const vi of gp.output ?? []) this.info(g, vi as onnx.ValueInfoProto, 'output');
    for (const vi of gp.valueInfo ?? []) this.info(g, vi as onnx.ValueInfoProto, 'valueInfo');
    return g;
  }

  fn(fp: onnx.FunctionProto): Graph {
    const g = new Graph('function', this.model, undefined, fp);
    for (const name of fp.input ?? []) this.nameInfo(g, name, 'input');
    this.nodes(g, fp.node as onnx.NodeProto[] | undefined);
    for (const name of fp.output ?? []) this.nameInfo(g, name, 'output');
    for (const vi of fp.valueInfo ?? []) this.info(g, vi as onnx.ValueInfoProto, 'valueInfo');
    return g;
  }

  private nodes(g: Graph, protos: onnx.NodeProto[] | undefined): void {
    if (!protos) return;
    // Plain loops, no closures: this runs once per node of every graph (22k nodes in decoder_200).
    // Outputs first, so inputs (and subgraphs' outer references) resolve whatever the node order.
    const count = protos.length;
    const nodes: Node[] = new Array(count);
    const values = g.values;
    for (let k = 0; k < count; k++) {
      const np = protos[k];
      const n = new Node(np, g);
      const outs = np.output;
      if (outs && outs.length) {
        const outputs: (Value | null)[] = new Array(outs.length);
        for (let i = 0; i < outs.length; i++) {
          const name = outs[i];
          if (name === '') {
            outputs[i] = null;
            continue;
          }
          let v = values.get(name);
          if (v === undefined) {
            v = new Value(name, g);
            values.set(name, v);
          }
          if (!v.producer) {
            v.producer = n;
            v.producerIndex = i;
          }
          outputs[i] = v;
        }
        n.outputs = outputs;
      }
      nodes[k] = n;
    }
    g.nodes = nodes;
    for (let k = 0; k < count; k++) {
      const n = nodes[k];
      const np = n.proto;
      const ins = np.input;
      if (ins && ins.length) {
        const inputs: (Value | null)[] = new Array(ins.length);
        for (let i = 0; i < ins.length; i++) {
          const name = ins[i];
          if (name === '') {
            inputs[i] = null;
            continue;
          }
          // This graph's own scope first (the common case), then the enclosing ones.
          let v = values.get(name) ?? (g.parent ? g.parent.lookup(name) : undefined);
          if (v === undefined) {
            v = new Value(name, g);
            values.set(name, v);
          }
          // Most values have one use: a one-element array holds it without the 16 spare slots `push` leaves.
          if (v.uses.length === 0) (v as { uses: Use[] }).uses = [{ node: n, index: i }];
          else v.uses.push({ node: n, index: i });
          inputs[i] = v;
        }
        n.inputs = inputs;
      }
      const aps = np.attribute;
      if (aps && aps.length) {
        const attributes: Attribute[] = new Array(aps.length);
        for (let i = 0; i < aps.length; i++) attributes[i] = this.attribute(aps[i] as onnx.AttributeProto, n);
        n.attributes = attributes;
      }
    }
  }

  private attribute(ap: onnx.AttributeProto, n: Node): Attribute {
    const a = new Attribute(ap);
    if (ap.g) a.graph = this.graph(ap.g as onnx.GraphProto, 'subgraph', n.graph, n, a.name);
    if (ap.graphs && ap.graphs.length) {
      a.graphs = ap.graphs.map((gp, i) => this.graph(gp as onnx.GraphProto, 'subgraph', n.graph, n, `${a.name}[${i}]`));
    }
    // The label ("Constant_3.value") is only built when the tensor has a problem to report.
    if (ap.t) a.tensor = this.tensor(ap.t as onnx.TensorProto, n.graph, { node: n, attr: a.name, index: -1 });
    if (ap.tensors && ap.tensors.length) {
      a.tensors = ap.tensors.map((tp, i) => this.tensor(tp as onnx.TensorProto, n.graph, { node: n, attr: a.name, index: i }));
    }
    return a;
  }

  private tensor(tp: onnx.TensorProto, g: Graph, where?: AttributeTensor): Tensor {
    const t = new Tensor(tp);
    this.checkTensor(tp, where ?? tp, g);
    return t;
  }

  /**
   * Tensor-level problems go to model.problems, naming the tensor, so the rest of the model still opens.
   * `labelOf` names the tensor in messages: a fixed label, the tensor itself (its name), or the attribute that
   * holds it ("Constant_3.value"). Labels and messages are built only for tensors that have a problem (most have
   * none), and the check allocates nothing otherwise.
   */
  private checkTensor(tp: onnx.TensorProto, labelOf: string | onnx.TensorProto | AttributeTensor, g: Graph): void {
    const dims = tp.dims ?? [];
    const dtype = tp.dataType ?? 0;
    const count = checkedElementCount(dims);
    if (typeof count === 'string') {
      this.tensorProblem(labelOf, dims, dtype, g, 'invalid-dims',
        (label) =>
          `tensor '${label}' has invalid dims: ${count}`,
      );
      return;
    }
    if (tp.dataLocation === 1) return; // external data: checked when it is read
    if (hasOwn(tp, 'rawData')) {
      const expected = rawByteLength(dtype, count);
      if (dtype === DataType.STRING) {
        this.tensorProblem(labelOf, dims, dtype, g, 'data-size',
          (_, what) =>
            `${what} stores raw_data; expected its strings in string_data`,
        );
      } else if (expected === undefined) {
        this.tensorProblem(labelOf, dims, dtype, g, 'unknown-dtype',
          (label) =>
            `tensor '${label}' has unknown data type ${dtype}; expected one of 1-26`,
        );
      } else if (tp.rawData.byteLength !== expected) {
        this.tensorProblem(labelOf, dims, dtype, g, 'raw-data-size',
          (_, what) =>
            `${what} needs ${expected} bytes of raw_data; found ${tp.rawData.byteLength}`,
        );
      }
      return;
    }
    const field = TYPED_FIELD[dtype];
    if (!field) {
      if (dtype !== DataType.UNDEFINED || count !== 0) {
        this.tensorProblem(labelOf, dims, dtype, g, 'unknown-dtype',
          (label) =>
            `tensor '${label}' has unknown data type ${dtype}; expected one of 1-26`,
        );
      }
      return;
    }
    const expected = Math.ceil((count * field.perElement) / field.perEntry);
    const found = (tp[field.key] as unknown[] | undefined)?.length ?? 0;
    if (found !== expected) {
      const elsewhere = found === 0 ? TYPED_KEYS.find((k) => ((tp[k] as unknown[] | undefined)?.length ?? 0) > 0) : undefined;
      this.tensorProblem(
        labelOf,
        dims,
        dtype,
        g,
        'data-size',
        (_, what) =>
          `${what} needs ${expected} values in ${field.name} (or raw_data); found ${found}` +
          (elsewhere ? ` (its data is in ${snake(elsewhere)}, which is not the field for ${dtypeName(dtype)})` : ''),
      );
    }
  }

  private tensorProblem(
    labelOf: string | onnx.TensorProto | AttributeTensor,
    dims: Int64[],
    dtype: number,
    g: Graph,
    code: ModelProblem['code'],
    message: (label: string, what: string) => string,
  ): void {
    const label = tensorLabel(labelOf);
    this.problem(code, message(label, `tensor '${label}' ${dtypeName(dtype)}[${dims.join(',')}]`), label, g);
  }

  private checkSparse(sp: onnx.SparseTensorProto, label: string, g: Graph): void {
    const dims = checkedElementCount(sp.dims ?? []);
    if (typeof dims === 'string') this.problem('invalid-dims', `sparse tensor '${label}' has invalid dims: ${dims}`, label, g);
    if (sp.values) this.checkTensor(sp.values as onnx.TensorProto, `${label} (values)`, g);
    if (sp.indices) this.checkTensor(sp.indices as onnx.TensorProto, `${label} (indices)`, g);
  }

  private problem(code: ModelProblem['code'], message: string, tensor: string, g: Graph): void {
    this.model.problems.push({ code, message, tensor, graph: g.path });
  }

  private define(g: Graph, name: string): Value {
    let v = g.values.get(name);
    if (!v) {
      v = new Value(name, g);
      g.values.set(name, v);
    }
    return v;
  }

  private info(g: Graph, proto: onnx.ValueInfoProto, role: ValueInfo['role']): void {
    const name = proto.name ?? '';
    // Inputs define values in this graph; outputs and value_info may name outer-scope values.
    const v = role === 'input' ? this.define(g, name) : (g.lookup(name) ?? this.define(g, name));
    const entry: ValueInfo = { value: v, graph: g, role, proto };
    v.infos.push(entry);
    (role === 'input' ? g.inputs : role === 'output' ? g.outputs : g.valueInfo).push(entry);
  }

  private nameInfo(g: Graph, name: string, role: 'input' | 'output'): void {
    const v = role === 'input' ? this.define(g, name) : (g.lookup(name) ?? this.define(g, name));
    const entry: ValueInfo = { value: v, graph: g, role, proto: undefined };
    v.infos.push(entry);
    (role === 'input' ? g.inputs : g.outputs).push(entry);
  }
}
