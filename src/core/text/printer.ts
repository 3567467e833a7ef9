/**
 * A model in ONNX's textual syntax, exactly as onnx's own printer writes it (`onnx.printer.to_text(model)`,
 * onnx/defs/printer.cc as of onnx main, commit 04cc1064), with a source map for hovers, outline, go to
 * definition and diagnostics (./map.ts).
 *
 *   <
 *      ir_version: 8,
 *      opset_import: ["" : 17]
 *   >
 *   g (float[N,3] x) => (float[N,2] y)
 *      <float[3,2] w =  {1,2,3,4,5,6}>
 *   {
 *      [mm] y = MatMul (x, w)
 *   }
 *
 * The IR is what is printed (node inputs and outputs, lists, subgraphs, names after a rename), with the decoded
 * protos for what the IR does not model, as the encoder does: printing an edited model gives the text of the
 * model it would save. The text is built as an array of lines, so a 200k-node model costs one string per line.
 *
 * Where it deliberately differs from onnx's printer (test/fixtures/text/README.md lists the same):
 * - Tensor data: at most `maxTensorValues` values (default 16), then `...`: `{1,2,...}` (strings:
 *   `{"a", "b", ...}`). `maxTensorValues: Infinity` prints them all, as onnx does.
 * - raw_data whose length does not match dims x element size prints `...` (onnx's printer throws).
 * - Strings are bytes in onnx; here they are UTF-8 decoded, so invalid UTF-8 shows as U+FFFD.
 * - A carriage return inside a name or string is a line break here (as an editor shows it), so "\r\n" and "\r"
 *   become "\n" in `text`.
 * - `wrapInitializers` (off by default) puts each entry of a graph's `<...>` list on its own line.
 */
import type { onnx } from '../codec/pb';
import { Attribute, Graph, type Model, Node, Tensor, Value, type ValueInfo } from '../ir/model';
import { DataType, DTYPE_NAMES, checkedElementCount } from '../ir/dtype';
import { MapBuilder, ROLE_INDEX, TextMap, TokenKind, type ValueRole } from './map';
import { formatDouble, formatFloat, formatInt } from './numbers';

export interface PrintOptions {
  /**
   * Tensor data lists with more values print the first this many and then `...`. Default 16. Infinity prints
   * every value, exactly as onnx's printer does.
   */
  maxTensorValues?: number;
  /** Each initializer and value_info of a graph's `<...>` list on a line of its own. Default false (onnx's layout). */
  wrapInitializers?: boolean;
}

export interface PrintResult {
  text: string;
  map: TextMap;
}

export const DEFAULT_MAX_TENSOR_VALUES = 16;

const ATTRIBUTE_TYPE_NAMES: Record<number, string> = {
  1: 'float', 2: 'int', 3: 'string', 4: 'tensor', 5: 'graph', 6: 'floats', 7: 'ints', 8: 'strings',
  9: 'tensors', 10: 'graphs', 11: 'sparse_tensor', 12: 'sparse_tensors', 13: 'type_proto', 14: 'type_protos',
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: false });
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
/** proto2 presence: the field was on the wire (or set in code). */
function has(o: object | null | undefined, k: string): boolean {
  if (!o || !hasOwn(o, k)) return false;
  const v = (o as Record<string, unknown>)[k];
  return v !== undefined && v !== null;
}

/** A string in double quotes with `\` and `"` escaped (nothing else is: onnx's printQuoted). */
export function quoteText(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

/** A name as the printer writes it: bare when it is an identifier, else quoted. */
export function printName(s: string): string {
  return IDENTIFIER.test(s) ? s : quoteText(s);
}

function dtype(t: number | null | undefined): string {
  return DTYPE_NAMES[t ?? 0] ?? 'undefined';
}

function bytes(b: Uint8Array | string | null | undefined): string {
  if (b === null || b === undefined) return '';
  return typeof b === 'string' ? b : utf8.decode(b);
}

type TypeProto = onnx.TypeProto.$Properties;
type TensorShape = onnx.TensorShapeProto.$Properties | null | undefined;

function shapeText(shape: TensorShape): string {
  const dims = shape?.dim ?? [];
  let s = '[';
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i];
    if (i) s += ',';
    if (has(d, 'dimValue')) s += formatInt(d.dimValue as number);
    else if (has(d, 'dimParam')) s += printName(d.dimParam as string);
    else s += '?';
  }
  return `${s}]`;
}

/** The type as the printer writes it: `float[N,3]`, `float` (scalar), `float[]` (rank unknown), `seq(...)`, ... */
export function typeText(t: TypeProto | null | undefined): string {
  if (!t) return '';
  if (has(t, 'tensorType')) {
    const tt = t.tensorType!;
    const elem = dtype(tt.elemType);
    if (!has(tt, 'shape')) return `${elem}[]`;
    return (tt.shape!.dim ?? []).length ? elem + shapeText(tt.shape) : elem;
  }
  if (has(t, 'sequenceType')) return `seq(${typeText(t.sequenceType!.elemType)})`;
  if (has(t, 'mapType')) return `map(${dtype(t.mapType!.keyType)}, ${typeText(t.mapType!.valueType)})`;
  if (has(t, 'optionalType')) return `optional(${typeText(t.optionalType!.elemType)})`;
  if (has(t, 'sparseTensorType')) {
    const st = t.sparseTensorType!;
    let s = `sparse_tensor(${dtype(st.elemType)}`;
    if (!has(st, 'shape')) s += '[]';
    else if ((st.shape!.dim ?? []).length) s += shapeText(st.shape);
    return `${s})`;
  }
  if (has(t, 'opaqueType')) {
    const o = t.opaqueType!;
    return `opaque(${o.domain ? `${o.domain},` : ''}${o.name ?? ''})`;
  }
  return '';
}

/** Lines under construction, with the current position. */
class Lines {
  readonly lines: string[] = [];
  cur = '';
  /** Text without line breaks. */
  put(s: string): void {
    this.cur += s;
  }
  /** Text from the model, which may hold line breaks. */
  text(s: string): void {
    if (s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      this.cur += s;
      return;
    }
    const parts = s.split(/\r\n|\r|\n/);
    this.cur += parts[0];
    for (let i = 1; i < parts.length; i++) {
      this.lines.push(this.cur);
      this.cur = parts[i];
    }
  }
  nl(): void {
    this.lines.push(this.cur);
    this.cur = '';
  }
  get line(): number {
    return this.lines.length;
  }
  get col(): number {
    return this.cur.length;
  }
}

const EMPTY_TENSOR = {} as onnx.TensorProto;

/**
 * IR objects for a GraphProto the IR does not hold (an attribute made in code, e.g. by a pass, carries only its
 * proto): what the encoder would write, so it is what gets printed. Names only; nothing is linked.
 */
function detachedGraph(gp: onnx.GraphProto.$Properties, parent: Graph): Graph {
  const g = new Graph('subgraph', parent.model, parent, gp as onnx.GraphProto);
  const value = (name: string) => {
    let v = g.values.get(name);
    if (!v) g.values.set(name, (v = new Value(name, g)));
    return v;
  };
  const info = (vi: onnx.ValueInfoProto.$Properties, role: ValueInfo['role']): ValueInfo => ({
    value: value(vi.name ?? ''),
    graph: g,
    role,
    proto: vi as onnx.ValueInfoProto,
  });
  g.inputs = (gp.input ?? []).map((vi) => info(vi, 'input'));
  g.outputs = (gp.output ?? []).map((vi) => info(vi, 'output'));
  g.valueInfo = (gp.valueInfo ?? []).map((vi) => info(vi, 'valueInfo'));
  g.initializers = (gp.initializer ?? []).map((tp) => new Tensor(tp as onnx.TensorProto));
  g.nodes = (gp.node ?? []).map((np) => {
    const n = new Node(np as onnx.NodeProto, g);
    n.inputs = (np.input ?? []).map((name) => (name ? value(name) : null));
    n.outputs = (np.output ?? []).map((name) => (name ? value(name) : null));
    n.attributes = (np.attribute ?? []).map((ap) => new Attribute(ap as onnx.AttributeProto));
    return n;
  });
  return g;
}

/** The subgraph(s) of an attribute: the IR's, else those of its proto. */
function attributeGraphs(a: Attribute, owner: Node): { graph?: Graph; graphs?: Graph[] } {
  const p = a.proto;
  return {
    graph: a.graph ?? (p.g ? detachedGraph(p.g, owner.graph) : undefined),
    graphs: a.graphs ?? (p.graphs && p.graphs.length ? p.graphs.map((gp) => detachedGraph(gp, owner.graph)) : undefined),
  };
}

class Printer {
  readonly out = new Lines();
  readonly map = new MapBuilder();
  private indent = 3;
  private readonly max: number;
  private readonly wrap: boolean;
  /** Index (in the map) of the node whose attributes are being printed, and of the graph being printed. */
  private curNode = -1;
  private curGraph = -1;

  constructor(options: PrintOptions) {
    const m = options.maxTensorValues ?? DEFAULT_MAX_TENSOR_VALUES;
    this.max = Number.isNaN(m) ? DEFAULT_MAX_TENSOR_VALUES : Math.max(0, m);
    this.wrap = options.wrapInitializers ?? false;
  }

  /** Writes model text (which may hold line breaks) as a token. */
  private token(kind: TokenKind, target: unknown, aux: number, s: string): void {
    const o = this.out;
    const line = o.line;
    const col = o.col;
    o.text(s);
    this.map.token(kind, target, aux, line, col, o.line, o.col);
  }

  private valueToken(v: { name: string } | null | undefined, role: ValueRole): void {
    const name = v ? v.name : '';
    if (v) this.token(TokenKind.Value, v, ROLE_INDEX[role], printName(name));
    else this.out.put('""');
  }

  model(m: Model): void {
    const o = this.out;
    const p = m.proto;
    o.put('<');
    o.nl();
    o.put(`   ir_version: ${formatInt(p.irVersion ?? 0)}`);
    o.put(',');
    o.nl();
    o.put(`   opset_import: [${(p.opsetImport ?? []).map((x) => `${quoteText(x.domain ?? '')} : ${formatInt(x.version ?? 0)}`).join(', ')}]`);
    const str = (key: string, v: string) => {
      o.put(',');
      o.nl();
      o.put(`   ${key}: `);
      o.text(quoteText(v));
    };
    if (has(p, 'producerName')) str('producer_name', p.producerName);
    if (has(p, 'producerVersion')) str('producer_version', p.producerVersion);
    if (has(p, 'domain')) str('domain', p.domain);
    if (has(p, 'modelVersion')) {
      o.put(',');
      o.nl();
      o.put(`   model_version: ${formatInt(p.modelVersion)}`);
    }
    if (has(p, 'docString')) str('doc_string', p.docString);
    if ((p.metadataProps ?? []).length) {
      o.put(',');
      o.nl();
      o.put('   metadata_props: ');
      o.text(`[${p.metadataProps.map((e) => `${quoteText(e.key ?? '')}: ${quoteText(e.value ?? '')}`).join(', ')}]`);
    }
    o.nl();
    o.put('>');
    o.nl();
    this.graph(m.graph);
    for (const f of m.functions) {
      o.nl();
      this.fn(f);
    }
  }

  private graph(g: Graph | undefined): void {
    const o = this.out;
    const parentGraph = this.curGraph;
    const gi = g ? this.map.openGraph(g, o.line, o.col, parentGraph) : -1;
    if (g) {
      this.map.gName.set(gi, this.map.tTarget.length);
      this.token(TokenKind.GraphName, g, 0, printName(g.name));
    } else {
      o.put('""');
    }
    this.curGraph = gi;
    const io = (list: ValueInfo[], role: ValueRole) => {
      o.put('(');
      for (let i = 0; i < list.length; i++) {
        if (i) o.put(', ');
        this.valueInfo(list[i], role);
      }
      o.put(')');
    };
    o.put(' ');
    io(g?.inputs ?? [], 'input');
    o.put(' => ');
    io(g?.outputs ?? [], 'output');
    o.put(' ');
    const inits = g?.initializers ?? [];
    const infos = g?.valueInfo ?? [];
    if (inits.length || infos.length) {
      o.nl();
      const pad = ' '.repeat(this.indent);
      o.put(`${pad}<`);
      let first = true;
      const sep = () => {
        if (first) first = false;
        else if (this.wrap) {
          o.put(',');
          o.nl();
          o.put(`${pad} `);
        } else o.put(', ');
      };
      for (const t of inits) {
        sep();
        this.tensor(t.proto, t, true);
      }
      for (const vi of infos) {
        sep();
        this.valueInfo(vi, 'valueInfo');
      }
      o.put('>');
      o.nl();
    }
    this.nodes(g?.nodes ?? []);
    if (g) this.map.closeGraph(gi, o.line, o.col);
    this.curGraph = parentGraph;
  }

  private valueInfo(vi: ValueInfo, role: ValueRole): void {
    this.out.text(typeText(vi.proto?.type));
    this.out.put(' ');
    this.valueToken(vi.value, role);
  }

  private nodes(nodes: Node[]): void {
    const o = this.out;
    o.put('{');
    o.nl();
    for (const n of nodes) this.node(n);
    if (this.indent > 3) o.put(' '.repeat(Math.max(3, this.indent - 3)));
    o.put('}');
  }

  private node(n: Node): void {
    const o = this.out;
    const p = n.proto;
    o.put(' '.repeat(this.indent));
    const ni = this.map.openNode(n, o.line, o.col, this.curNode);
    if (has(p, 'name')) {
      o.put('[');
      this.token(TokenKind.NodeName, n, 0, printName(p.name));
      o.put('] ');
    }
    for (let i = 0; i < n.outputs.length; i++) {
      if (i) o.put(', ');
      this.valueToken(n.outputs[i], 'nodeOutput');
    }
    o.put(' = ');
    const domain = p.domain ?? '';
    const overload = p.overload ?? '';
    this.token(TokenKind.Op, n, 0, `${domain ? `${domain}.` : ''}${p.opType ?? ''}${overload ? `:${overload}` : ''}`);
    let hasSubgraph = false;
    for (const a of n.attributes) {
      if (a.graph || (a.graphs && a.graphs.length) || a.proto.g || (a.proto.graphs && a.proto.graphs.length)) hasSubgraph = true;
    }
    const parentNode = this.curNode;
    this.curNode = ni;
    if (!hasSubgraph && n.attributes.length) this.attributes(n);
    o.put(' (');
    for (let i = 0; i < n.inputs.length; i++) {
      if (i) o.put(', ');
      this.valueToken(n.inputs[i], 'nodeInput');
    }
    o.put(')');
    if (hasSubgraph && n.attributes.length) this.attributes(n);
    this.curNode = parentNode;
    this.map.closeNode(ni, o.line, o.col);
    o.nl();
  }

  private attributes(n: Node): void {
    const o = this.out;
    o.put(' <');
    for (let i = 0; i < n.attributes.length; i++) {
      if (i) o.put(', ');
      this.attribute(n, n.attributes[i], i);
    }
    o.put('>');
  }

  private attribute(n: Node, a: Attribute, index: number): void {
    const o = this.out;
    const p = a.proto;
    const type = p.type ?? 0;
    this.token(TokenKind.Attribute, n, index, p.name ?? '');
    const typeName = ATTRIBUTE_TYPE_NAMES[type] ?? 'undefined';
    if (has(p, 'refAttrName')) {
      o.put(`: ${typeName} = @`);
      o.text(p.refAttrName);
      return;
    }
    o.put(`: ${typeName} = `);
    switch (type) {
      case 2:
        o.put(formatInt(p.i ?? 0));
        break;
      case 7:
        o.put(`[${(p.ints ?? []).map(formatInt).join(', ')}]`);
        break;
      case 1:
        o.put(formatFloat(p.f ?? 0));
        break;
      case 6:
        o.put(`[${(p.floats ?? []).map((f) => formatFloat(f)).join(', ')}]`);
        break;
      case 3:
        o.text(quoteText(bytes(p.s)));
        break;
      case 8: {
        let sep = '[';
        for (const s of p.strings ?? []) {
          o.put(sep);
          o.text(quoteText(bytes(s)));
          sep = ', ';
        }
        o.put(']');
        break;
      }
      case 5:
        this.indent += 3;
        this.graph(attributeGraphs(a, n).graph);
        this.indent -= 3;
        break;
      case 10: {
        this.indent += 3;
        o.put('[');
        const graphs = attributeGraphs(a, n).graphs ?? [];
        for (let i = 0; i < graphs.length; i++) {
          if (i) o.put(', ');
          this.graph(graphs[i]);
        }
        o.put(']');
        this.indent -= 3;
        break;
      }
      case 4:
        this.tensor(a.tensor?.proto ?? (p.t as onnx.TensorProto | undefined) ?? EMPTY_TENSOR, undefined, false);
        break;
      case 9: {
        o.put('[');
        const ts = a.tensors?.map((t) => t.proto) ?? ((p.tensors ?? []) as onnx.TensorProto[]);
        for (let i = 0; i < ts.length; i++) {
          if (i) o.put(', ');
          this.tensor(ts[i], undefined, false);
        }
        o.put(']');
        break;
      }
      case 13:
        o.text(typeText(p.tp));
        break;
      case 14:
        o.text(`[${(p.typeProtos ?? []).map(typeText).join(', ')}]`);
        break;
      default:
        break;
    }
  }

  /** `float[2,3] name = {1,2,...}` (initializer) or `float[2,3] name {1,2,...}` (attribute value). */
  private tensor(tp: onnx.TensorProto, init: Tensor | undefined, isInitializer: boolean): void {
    const o = this.out;
    const dt = tp.dataType ?? 0;
    const dims = tp.dims ?? [];
    o.put(dtype(dt));
    if (dims.length) o.put(`[${dims.map(formatInt).join(',')}]`);
    const name = init ? (init.value?.name ?? init.name) : (tp.name ?? '');
    if (name) {
      o.put(' ');
      if (init?.value) this.token(TokenKind.Value, init.value, ROLE_INDEX.initializer, printName(name));
      else o.text(printName(name));
    }
    if (isInitializer) o.put(' = ');
    if (has(tp, 'dataLocation') && tp.dataLocation === 1) {
      o.text(`[${(tp.externalData ?? []).map((e) => `${quoteText(e.key ?? '')}: ${quoteText(e.value ?? '')}`).join(', ')}]`);
    } else if (has(tp, 'rawData')) {
      this.rawData(tp, dt);
    } else {
      this.typedData(tp, dt);
    }
  }

  private list(count: number, item: (i: number) => string): void {
    const o = this.out;
    const shown = Math.min(count, this.max);
    let s = ' {';
    for (let i = 0; i < shown; i++) {
      if (i) s += ',';
      s += item(i);
    }
    if (count > shown) s += shown ? ',...' : '...';
    o.put(`${s}}`);
  }

  private rawData(tp: onnx.TensorProto, dt: number): void {
    const raw = tp.rawData;
    const size = RAW_SIZE[dt];
    const count = checkedElementCount(tp.dims ?? []);
    if (size === undefined || typeof count === 'string' || raw.byteLength !== count * size) {
      this.out.put('...');
      return;
    }
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    let item: (i: number) => string;
    switch (dt) {
      case DataType.INT8:
        item = (i) => String(v.getInt8(i));
        break;
      case DataType.INT16:
        item = (i) => String(v.getInt16(i * 2, true));
        break;
      case DataType.UINT16:
      case DataType.FLOAT16:
      case DataType.BFLOAT16:
        item = (i) => String(v.getUint16(i * 2, true));
        break;
      case DataType.INT32:
        item = (i) => String(v.getInt32(i * 4, true));
        break;
      case DataType.UINT32:
        item = (i) => String(v.getUint32(i * 4, true));
        break;
      case DataType.INT64:
        item = (i) => v.getBigInt64(i * 8, true).toString();
        break;
      case DataType.UINT64:
        item = (i) => v.getBigUint64(i * 8, true).toString();
        break;
      case DataType.FLOAT:
        item = (i) => formatFloat(v.getFloat32(i * 4, true), (v.getUint8(i * 4 + 3) & 0x80) !== 0);
        break;
      case DataType.DOUBLE:
        item = (i) => formatDouble(v.getFloat64(i * 8, true), (v.getUint8(i * 8 + 7) & 0x80) !== 0);
        break;
      default: // uint8, bool, float8 types: the byte
        item = (i) => String(v.getUint8(i));
        break;
    }
    this.list(count, item);
  }

  private typedData(tp: onnx.TensorProto, dt: number): void {
    const o = this.out;
    switch (dt) {
      case DataType.INT8: case DataType.INT16: case DataType.INT32: case DataType.UINT8: case DataType.UINT16:
      case DataType.BOOL: case DataType.FLOAT16: case DataType.BFLOAT16: case DataType.FLOAT8E4M3FN:
      case DataType.FLOAT8E4M3FNUZ: case DataType.FLOAT8E5M2: case DataType.FLOAT8E5M2FNUZ: case DataType.FLOAT8E8M0: {
        const d = tp.int32Data ?? [];
        this.list(d.length, (i) => formatInt(d[i]));
        break;
      }
      case DataType.INT64: {
        const d = tp.int64Data ?? [];
        this.list(d.length, (i) => formatInt(d[i]));
        break;
      }
      case DataType.UINT32: case DataType.UINT64: {
        const d = tp.uint64Data ?? [];
        this.list(d.length, (i) => formatInt(d[i]));
        break;
      }
      case DataType.FLOAT: {
        const d = tp.floatData ?? [];
        this.list(d.length, (i) => formatFloat(d[i]));
        break;
      }
      case DataType.DOUBLE: {
        const d = tp.doubleData ?? [];
        this.list(d.length, (i) => formatDouble(d[i]));
        break;
      }
      case DataType.STRING: {
        const d = tp.stringData ?? [];
        const shown = Math.min(d.length, this.max);
        let sep = '{';
        for (let i = 0; i < shown; i++) {
          o.put(sep);
          o.text(quoteText(bytes(d[i])));
          sep = ', ';
        }
        if (d.length > shown) o.put(shown ? ', ...' : '{...');
        o.put('}');
        break;
      }
      default:
        o.put('...');
        break;
    }
  }

  private fn(g: Graph): void {
    const o = this.out;
    const p = g.proto as onnx.FunctionProto;
    const gi = this.map.openGraph(g, o.line, o.col, -1);
    this.curGraph = gi;
    o.put('<');
    o.nl();
    o.put('  domain: ');
    o.text(quoteText(p.domain ?? ''));
    o.put(',');
    o.nl();
    if (p.overload) {
      o.put('  overload: ');
      o.text(quoteText(p.overload));
      o.put(',');
      o.nl();
    }
    o.put('  opset_import: ');
    o.text(`[${(p.opsetImport ?? []).map((x) => `${quoteText(x.domain ?? '')} : ${formatInt(x.version ?? 0)}`).join(',')}]`);
    o.nl();
    o.put('>');
    o.nl();
    this.map.gName.set(gi, this.map.tTarget.length);
    this.token(TokenKind.GraphName, g, 0, printName(g.name));
    o.put(' ');
    if ((p.attribute ?? []).length) o.text(`<${p.attribute.join(',')}>`);
    const ids = (list: ValueInfo[], role: ValueRole) => {
      o.put('(');
      for (let i = 0; i < list.length; i++) {
        if (i) o.put(', ');
        this.valueToken(list[i].value, role);
      }
      o.put(')');
    };
    ids(g.inputs, 'input');
    o.put(' => ');
    ids(g.outputs, 'output');
    o.nl();
    this.nodes(g.nodes);
    this.map.closeGraph(gi, o.line, o.col);
    this.curGraph = -1;
  }
}

/** Bytes per element of the raw_data types the printer shows values for. */
const RAW_SIZE: Record<number, number> = {
  [DataType.INT8]: 1, [DataType.UINT8]: 1, [DataType.BOOL]: 1, [DataType.FLOAT8E4M3FN]: 1,
  [DataType.FLOAT8E4M3FNUZ]: 1, [DataType.FLOAT8E5M2]: 1, [DataType.FLOAT8E5M2FNUZ]: 1, [DataType.FLOAT8E8M0]: 1,
  [DataType.INT16]: 2, [DataType.UINT16]: 2, [DataType.FLOAT16]: 2, [DataType.BFLOAT16]: 2,
  [DataType.INT32]: 4, [DataType.UINT32]: 4, [DataType.FLOAT]: 4,
  [DataType.INT64]: 8, [DataType.UINT64]: 8, [DataType.DOUBLE]: 8,
};

/** The model in ONNX's textual syntax, and where everything is in it. */
export function printModel(model: Model, options: PrintOptions = {}): PrintResult {
  const p = new Printer(options);
  p.model(model);
  const o = p.out;
  o.lines.push(o.cur); // the text ends without a line break, as onnx's does
  const lines = o.lines;
  return { text: lines.join('\n'), map: new TextMap(p.map, model, lines) };
}
