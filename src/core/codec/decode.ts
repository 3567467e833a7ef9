/**
 * bytes -> ModelProto -> IR.
 *
 * protobufjs decodes the message tree (raw_data stays a view into `bytes`, never a copy; int64 exact, see
 * ./pb.ts); this module then builds the IR and links values to producers and uses, graph by graph, subgraphs
 * seeing their enclosing scopes. Structural problems (not protobuf, truncated, too deep) throw a
 * ModelDecodeError with the byte offset; problems local to one tensor (negative dims, raw_data shorter than
 * dims x element size) are collected in `model.problems` so the rest of the model still opens.
 */
import { $protobuf, onnx } from './pb';
import { Attribute, Graph, type GraphKind, Model, type ModelProblem, Node, Tensor, Value, type ValueInfo } from '../ir/model';
import { checkedElementCount, dtypeName, rawByteLength } from '../ir/dtype';

export class ModelDecodeError extends Error {
  constructor(
    readonly file: string | undefined,
    readonly detail: string,
    readonly offset?: number,
  ) {
    super(`${file ?? '<bytes>'}: ${detail}${offset !== undefined ? ` (at byte ${offset})` : ''}`);
    this.name = 'ModelDecodeError';
  }
}


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
    throw new ModelDecodeError(file, 'the file is empty (0 bytes); expected an ONNX ModelProto');
  }
  const reader = $protobuf.Reader.create(asBuffer(bytes));
  let proto: onnx.ModelProto;
  try {
    proto = onnx.ModelProto.decode(reader);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const what = /max depth/.test(msg)
      ? 'messages are nested deeper than the limit (256): a corrupt or hostile file'
      : /index out of range/.test(msg)
        ? `a field runs past the end of the data (${msg}): the file is truncated or not an ONNX model`
        : `not a valid protobuf encoding of an ONNX model (${msg})`;
    throw new ModelDecodeError(file, what, Math.min(reader.pos, bytes.byteLength));
  }
  if (!proto.graph) {
    throw new ModelDecodeError(
      file,
      'expected an ONNX ModelProto with a graph (field 7); found none: this is not an ONNX model, or it is truncated',
    );
  }
  return proto;
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
    // Outputs first, so inputs (and subgraphs' outer references) resolve whatever the node order.
    const nodes = protos.map((np) => {
      const n = new Node(np, g);
      const outs = np.output ?? [];
      n.outputs = outs.map((name, i) => {
        if (name === '') return null;
        const v = this.define(g, name);
        if (!v.producer) {
          v.producer = n;
          v.producerIndex = i;
        }
        return v;
      });
      return n;
    });
    g.nodes = nodes;
    for (const n of nodes) {
      const np = n.proto;
      n.inputs = (np.input ?? []).map((name, i) => {
        if (name === '') return null;
        const v = g.lookup(name) ?? this.define(g, name);
        v.uses.push({ node: n, index: i });
        return v;
      });
      n.attributes = (np.attribute ?? []).map((ap) => this.attribute(ap as onnx.AttributeProto, n));
    }
  }

  private attribute(ap: onnx.AttributeProto, n: Node): Attribute {
    const a = new Attribute(ap);
    if (ap.g) a.graph = this.graph(ap.g as onnx.GraphProto, 'subgraph', n.graph, n, a.name);
    if (ap.graphs && ap.graphs.length) {
      a.graphs = ap.graphs.map((gp, i) => this.graph(gp as onnx.GraphProto, 'subgraph', n.graph, n, `${a.name}[${i}]`));
    }
    if (ap.t) a.tensor = this.tensor(ap.t as onnx.TensorProto, n.graph, `${n.label}.${a.name}`);
    if (ap.tensors && ap.tensors.length) {
      a.tensors = ap.tensors.map((tp, i) => this.tensor(tp as onnx.TensorProto, n.graph, `${n.label}.${a.name}[${i}]`));
    }
    return a;
  }

  private tensor(tp: onnx.TensorProto, g: Graph, where?: string): Tensor {
    const t = new Tensor(tp);
    const label = where ?? (t.name || '<unnamed tensor>');
    const count = checkedElementCount(t.dims);
    if (typeof count === 'string') {
      this.problem('invalid-dims', `tensor '${label}' has invalid dims: ${count}`, label, g);
    } else if (hasOwn(tp, 'rawData') && !t.isExternal) {
      const expected = rawByteLength(t.dataType, count);
      if (expected === undefined) {
        if (t.dataType !== 8) {
          this.problem('unknown-dtype', `tensor '${label}' has unknown data type ${t.dataType}`, label, g);
        }
      } else if (tp.rawData.byteLength !== expected) {
        this.problem(
          'raw-data-size',
          `tensor '${label}' ${dtypeName(t.dataType)}[${t.dims.join(',')}] needs ${expected} bytes of raw_data; found ${tp.rawData.byteLength}`,
          label,
          g,
        );
      }
    }
    return t;
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
