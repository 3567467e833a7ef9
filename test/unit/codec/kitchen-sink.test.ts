// The kitchen sink: one model holding everything the ONNX format has, built as protobufjs objects and encoded
// with onnx.ModelProto.encode. Every tensor data type in raw_data and in its typed field, every attribute type,
// If/Loop/Scan bodies and a GRAPHS attribute that read outer values, local functions with attribute references,
// sparse initializers, symbolic dims and denotations, every TypeProto kind, value_info, metadata, doc strings,
// training_info, device configurations, and an unknown field (a number ONNX does not use) in every one of the 28
// message types. decode -> encode gives the identical bytes, int64 values are exact, and the IR links values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModel, decodeModelProto } from '../../../src/core/codec/decode';
import { encodeModel } from '../../../src/core/codec/encode';
import { onnx } from '../../../src/core/codec/pb';
import { DataType, DTYPE_NAMES } from '../../../src/core/ir/dtype';
import type { Graph, Model, Node, Value } from '../../../src/core/ir/model';

type TensorP = onnx.TensorProto.$Properties;
type GraphP = onnx.GraphProto.$Properties;
type NodeP = onnx.NodeProto.$Properties;
type AttrP = onnx.AttributeProto.$Properties;
type TypeP = onnx.TypeProto.$Properties;
type ViP = onnx.ValueInfoProto.$Properties;
const A = onnx.AttributeProto.AttributeType;

// ---------------------------------------------------------------------------------------------------------------
// Unknown fields: numbers 9000+ are not used by any ONNX message. Each call gives one chunk (rotating through
// varint, 64-bit, length-delimited, 32-bit and group) tagged with where it was put, so a lost one is named.

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 128) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
let unknownCount = 0;
function U(where: string): { $unknowns: Uint8Array[] } {
  const i = unknownCount++;
  const text = [...Buffer.from(where)];
  const chunks = [
    [...varint(9000 * 8 + 0), ...varint(i)],
    [...varint(9001 * 8 + 1), 1, 2, 3, 4, 5, 6, 7, i & 255],
    [...varint(9002 * 8 + 2), ...varint(text.length), ...text],
    [...varint(9003 * 8 + 5), 9, 8, 7, i & 255],
    [...varint(9004 * 8 + 3), ...varint(1 * 8 + 0), i & 127, ...varint(9004 * 8 + 4)],
  ];
  return { $unknowns: [Uint8Array.from(chunks[i % chunks.length])] };
}
const meta = (where: string, key: string, value: string) => [{ ...U(`${where}.metadata`), key, value }];

// ---------------------------------------------------------------------------------------------------------------
// Tensors of every data type, each in raw_data and in its typed field.

const le = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
const INT64_VALUES = [-1n, 0n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, -(2n ** 53n) - 5n, 42n];
const UINT64_VALUES = [0n, 1n, 2n ** 53n + 1n, 2n ** 64n - 1n, 12345n, 2n ** 63n];
/** What the decoder gives for them: a number when it is a safe integer, else a bigint. */
const exact = (v: bigint) => (v >= -(2n ** 53n) + 1n && v <= 2n ** 53n - 1n ? Number(v) : v);

interface DtypeCase {
  dtype: DataType;
  dims: number[];
  raw: Uint8Array;
  typed: Partial<TensorP>;
}
const utf8 = (s: string) => Uint8Array.from(Buffer.from(s, 'utf8'));
const float8 = { dims: [3], raw: Uint8Array.from([0x38, 0x00, 0x7f]), typed: { int32Data: [0x38, 0x00, 0x7f] } };
const CASES: DtypeCase[] = [
  { dtype: DataType.FLOAT, dims: [2, 3], raw: le(new Float32Array([1.5, -2, 0, Infinity, -0, NaN])), typed: { floatData: [1.5, -2, 0, Infinity, -0, NaN] } },
  { dtype: DataType.UINT8, dims: [3], raw: Uint8Array.from([0, 128, 255]), typed: { int32Data: [0, 128, 255] } },
  { dtype: DataType.INT8, dims: [3], raw: le(new Int8Array([-128, 0, 127])), typed: { int32Data: [-128, 0, 127] } },
  { dtype: DataType.UINT16, dims: [2], raw: le(new Uint16Array([0, 65535])), typed: { int32Data: [0, 65535] } },
  { dtype: DataType.INT16, dims: [2], raw: le(new Int16Array([-32768, 32767])), typed: { int32Data: [-32768, 32767] } },
  { dtype: DataType.INT32, dims: [3], raw: le(new Int32Array([-(2 ** 31), 0, 2 ** 31 - 1])), typed: { int32Data: [-(2 ** 31), 0, 2 ** 31 - 1] } },
  { dtype: DataType.INT64, dims: [7], raw: le(new BigInt64Array(INT64_VALUES)), typed: { int64Data: INT64_VALUES.map(exact) } },
  { dtype: DataType.STRING, dims: [2, 2], raw: new Uint8Array(0), typed: { stringData: [utf8('hello'), utf8(''), utf8('ünïcødé ✓'), Uint8Array.from([0xff, 0xfe, 0x00])] } },
  { dtype: DataType.BOOL, dims: [3], raw: Uint8Array.from([1, 0, 1]), typed: { int32Data: [1, 0, 1] } },
  { dtype: DataType.FLOAT16, dims: [3], raw: le(new Uint16Array([0x3c00, 0xc000, 0x7c00])), typed: { int32Data: [0x3c00, 0xc000, 0x7c00] } },
  { dtype: DataType.DOUBLE, dims: [3], raw: le(new Float64Array([Math.PI, -1e300, 5e-324])), typed: { doubleData: [Math.PI, -1e300, 5e-324] } },
  { dtype: DataType.UINT32, dims: [2], raw: le(new Uint32Array([0, 4294967295])), typed: { uint64Data: [0, 4294967295] } },
  { dtype: DataType.UINT64, dims: [6], raw: le(new BigUint64Array(UINT64_VALUES)), typed: { uint64Data: UINT64_VALUES.map(exact) } },
  { dtype: DataType.COMPLEX64, dims: [2], raw: le(new Float32Array([1, 2, 3, 4])), typed: { floatData: [1, 2, 3, 4] } },
  { dtype: DataType.COMPLEX128, dims: [2], raw: le(new Float64Array([1, -2, 3e100, 4])), typed: { doubleData: [1, -2, 3e100, 4] } },
  { dtype: DataType.BFLOAT16, dims: [2], raw: le(new Uint16Array([0x3f80, 0xbf80])), typed: { int32Data: [0x3f80, 0xbf80] } },
  { dtype: DataType.FLOAT8E4M3FN, ...float8 },
  { dtype: DataType.FLOAT8E4M3FNUZ, ...float8 },
  { dtype: DataType.FLOAT8E5M2, ...float8 },
  { dtype: DataType.FLOAT8E5M2FNUZ, ...float8 },
  // 4-bit: 5 elements pack into 3 bytes, or 3 int32_data entries of two nibbles each
  { dtype: DataType.UINT4, dims: [5], raw: Uint8Array.from([0x21, 0x43, 0x0f]), typed: { int32Data: [0x21, 0x43, 0x0f] } },
  { dtype: DataType.INT4, dims: [5], raw: Uint8Array.from([0xf8, 0x07, 0x01]), typed: { int32Data: [0xf8, 0x07, 0x01] } },
  { dtype: DataType.FLOAT4E2M1, dims: [3], raw: Uint8Array.from([0x72, 0x0f]), typed: { int32Data: [0x72, 0x0f] } },
  { dtype: DataType.FLOAT8E8M0, ...float8 },
  // 2-bit: 5 elements pack into 2 bytes, or 2 int32_data entries of four
  { dtype: DataType.UINT2, dims: [5], raw: Uint8Array.from([0xe4, 0x03]), typed: { int32Data: [0xe4, 0x03] } },
  { dtype: DataType.INT2, dims: [5], raw: Uint8Array.from([0x1b, 0x02]), typed: { int32Data: [0x1b, 0x02] } },
];

function tensor(name: string, c: DtypeCase, raw: boolean): TensorP {
  const t: TensorP = { dims: c.dims, dataType: c.dtype, ...(raw ? {} : c.typed), name, docString: `${name} doc` };
  if (raw) t.rawData = c.raw;
  return { ...t, metadataProps: meta(name, 'dtype', DTYPE_NAMES[c.dtype]), ...U(`tensor ${name}`) };
}
const dtypeTensorName = (c: DtypeCase, raw: boolean) => `${DTYPE_NAMES[c.dtype]}_${raw ? 'raw' : 'typed'}`;
const floatT = (name: string, values: number[], dims = [values.length]): TensorP => ({ dims, dataType: DataType.FLOAT, floatData: values, name, ...U(`tensor ${name}`) });
const int64T = (name: string, values: (number | bigint)[], dims = [values.length]): TensorP => ({ dims, dataType: DataType.INT64, int64Data: values, name, ...U(`tensor ${name}`) });

// ---------------------------------------------------------------------------------------------------------------
// Types: tensor with symbolic dims and denotations, sequence, map, optional, sparse tensor, opaque.

function dim(d: number | string, denotation?: string): onnx.TensorShapeProto.Dimension.$Properties {
  return { ...(typeof d === 'number' ? { dimValue: d } : { dimParam: d }), ...(denotation ? { denotation } : {}), ...U(`dim ${d}`) };
}
function tensorType(elemType: number, dims: (number | string)[] | undefined, denotation?: string): TypeP {
  const tt: onnx.TypeProto.Tensor.$Properties = { elemType, ...U('TypeProto.Tensor') };
  if (dims) tt.shape = { dim: dims.map((d) => dim(d)), ...U('TensorShapeProto') };
  return { tensorType: tt, ...(denotation ? { denotation } : {}), ...U('TypeProto') };
}
function vi(name: string, type?: TypeP): ViP {
  return { name, ...(type ? { type } : {}), docString: `${name} info`, metadataProps: meta(name, 'role', 'value'), ...U(`value_info ${name}`) };
}
const f32 = (name: string, dims?: (number | string)[]) => vi(name, tensorType(DataType.FLOAT, dims));

/** One builder per kind, fresh objects on every call: a shared object would put one unknown field into several messages. */
const TYPES: Record<string, () => TypeP> = {
  image: () => ({
    tensorType: {
      elemType: DataType.FLOAT,
      shape: { dim: [dim('batch', 'DATA_BATCH'), dim(3, 'DATA_CHANNEL'), dim('h', 'DATA_FEATURE'), dim(224)], ...U('TensorShapeProto') },
      ...U('TypeProto.Tensor'),
    },
    denotation: 'IMAGE',
    ...U('TypeProto'),
  }),
  seq: () => ({ sequenceType: { elemType: tensorType(DataType.FLOAT, ['n']), ...U('TypeProto.Sequence') }, ...U('TypeProto') }),
  map: () => ({ mapType: { keyType: DataType.INT64, valueType: tensorType(DataType.FLOAT, []), ...U('TypeProto.Map') }, ...U('TypeProto') }),
  opt: () => ({ optionalType: { elemType: tensorType(DataType.INT64, undefined), ...U('TypeProto.Optional') }, ...U('TypeProto') }),
  sparse: () => ({ sparseTensorType: { elemType: DataType.FLOAT, shape: { dim: [dim(100), dim('m')], ...U('TensorShapeProto') }, ...U('TypeProto.SparseTensor') }, ...U('TypeProto') }),
  opaque: () => ({ opaqueType: { domain: 'com.example', name: 'Handle', ...U('TypeProto.Opaque') }, ...U('TypeProto') }),
  seqOfMaps: () => ({ sequenceType: { elemType: { mapType: { keyType: DataType.STRING, valueType: tensorType(DataType.DOUBLE, [2]) } } } }),
};

// ---------------------------------------------------------------------------------------------------------------
// Graph pieces.

function node(op: string, name: string, input: string[], output: string[], attribute: AttrP[] = [], extra: Partial<NodeP> = {}): NodeP {
  return { input, output, name, opType: op, attribute, docString: `${name} doc`, ...extra, ...U(`node ${name}`) };
}
function attr(name: string, a: Partial<AttrP>): AttrP {
  return { name, ...a, docString: `${name} attribute`, ...U(`attribute ${name}`) };
}
function graph(name: string, g: Partial<GraphP>): GraphP {
  return { name, ...g, docString: `graph ${name}`, metadataProps: meta(name, 'graph', name), ...U(`graph ${name}`) };
}
function sparse(name: string): onnx.SparseTensorProto.$Properties {
  // a 4x5 matrix with 3 non-zeros; indices as [NNZ, rank] coordinates
  return { values: floatT(name, [1, 2, 3]), indices: int64T('', [0, 1, 2, 3, 3, 4], [3, 2]), dims: [4, 5], ...U(`sparse ${name}`) };
}

/**
 * Main graph:
 *
 *   X(image) ─┬─► Constant(c0) ─► c0
 *             ├─► If(if_0, cond) ─► if_out         then: Add(X, c0)        else: Mul(X, w)   (X, c0, w from main)
 *             ├─► Loop(loop_0, trip, cond, X) ─► loop_x, loop_scan    body: Add(x_in, w) ; Identity(cond_in)
 *             ├─► Scan(scan_0, X, X) ─► scan_state, scan_out           body: Add(state, elem) ; Mul(elem, c0)
 *             ├─► com.example.MultiBranch(multi) ─► multi_out          graphs: [Relu(X), Neg(c0)] + every attribute type
 *             └─► local.MyFunc(call, X, c0) {alpha} ─► Y
 *   every dtype tensor: initializers float_raw, float_typed, ... ; sparse initializer sp ; Y, if_out ... outputs
 */
function kitchenSink(): onnx.ModelProto.$Properties {
  const initializers: TensorP[] = [];
  for (const c of CASES) {
    if (c.dtype !== DataType.STRING) initializers.push(tensor(dtypeTensorName(c, true), c, true));
    initializers.push(tensor(dtypeTensorName(c, false), c, false));
  }
  initializers.push({ ...floatT('w', [0.5, 0.25, 2]), segment: { begin: 0, end: 3, ...U('Segment') } });
  // data stored outside: location/offset/length entries, nothing read while decoding
  initializers.push({
    dims: [1024],
    dataType: DataType.FLOAT,
    name: 'external_w',
    externalData: [
      { key: 'location', value: 'weights.bin', ...U('external location') },
      { key: 'offset', value: '4096', ...U('external offset') },
      { key: 'length', value: '4096', ...U('external length') },
    ],
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    ...U('tensor external_w'),
  });

  const thenBranch = graph('then', {
    node: [node('Add', 'then_add', ['X', 'c0'], ['then_out'])],
    output: [f32('then_out', ['batch', 3, 'h', 224])],
  });
  const elseBranch = graph('else', {
    node: [node('Mul', 'else_mul', ['X', 'w'], ['else_out'])],
    output: [f32('else_out')],
  });
  const loopBody = graph('loop_body', {
    node: [
      node('Add', 'body_add', ['x_in', 'w'], ['x_out']),
      node('Identity', 'body_cond', ['cond_in'], ['cond_out']),
      node('Identity', 'body_scan', ['x_out'], ['scan_elem']),
    ],
    input: [vi('iter', tensorType(DataType.INT64, [])), vi('cond_in', tensorType(DataType.BOOL, [])), f32('x_in')],
    output: [vi('cond_out', tensorType(DataType.BOOL, [])), f32('x_out'), f32('scan_elem')],
    valueInfo: [f32('x_out')],
  });
  const scanBody = graph('scan_body', {
    node: [node('Add', 'scan_add', ['state', 'elem'], ['state_next']), node('Mul', 'scan_mul', ['elem', 'c0'], ['scan_y'])],
    input: [f32('state', [3, 224]), f32('elem', [3, 224])],
    output: [f32('state_next', [3, 224]), f32('scan_y', [3, 224])],
  });
  const branchA = graph('branch_a', { node: [node('Relu', 'a_relu', ['X'], ['a_out'])], output: [f32('a_out')] });
  const branchB = graph('branch_b', {
    node: [node('Neg', 'b_neg', ['c0'], ['b_out'])],
    output: [f32('b_out')],
    initializer: [floatT('b_local', [7])],
  });

  const everyAttribute: AttrP[] = [
    attr('f', { f: -0.125, type: A.FLOAT }),
    attr('i', { i: -(2n ** 62n), type: A.INT }),
    attr('s', { s: utf8('bytes ✓'), type: A.STRING }),
    attr('t', { t: tensor('attr_t', CASES[0], true), type: A.TENSOR }),
    attr('g', { g: branchA, type: A.GRAPH }),
    attr('floats', { floats: [1, -2.5, 1e-20], type: A.FLOATS }),
    attr('ints', { ints: [0, -1, 2n ** 53n + 7n, -(2n ** 63n), 2n ** 63n - 1n], type: A.INTS }),
    attr('strings', { strings: [utf8('a'), utf8(''), Uint8Array.from([0xc3, 0x28])], type: A.STRINGS }),
    attr('tensors', { tensors: [tensor('attr_t0', CASES[6], false), tensor('attr_t1', CASES[7], false)], type: A.TENSORS }),
    attr('graphs', { graphs: [branchB, graph('branch_c', { node: [node('Identity', 'c_id', ['if_out'], ['c_out'])], output: [f32('c_out')] })], type: A.GRAPHS }),
    attr('tp', { tp: TYPES.seq(), type: A.TYPE_PROTO }),
    attr('type_protos', { typeProtos: [TYPES.map(), TYPES.opt(), TYPES.opaque()], type: A.TYPE_PROTOS }),
    attr('sparse_tensor', { sparseTensor: sparse('attr_sp'), type: A.SPARSE_TENSOR }),
    attr('sparse_tensors', { sparseTensors: [sparse('attr_sp0'), sparse('attr_sp1')], type: A.SPARSE_TENSORS }),
    attr('undefined_type', {}),
  ];
  const deviceConfig: onnx.NodeDeviceConfigurationProto.$Properties = {
    configurationId: 'two_gpus',
    shardingSpec: [
      {
        tensorName: 'X',
        device: [0, 1],
        indexToDeviceGroupMap: [{ key: 0, value: [0, 1], ...U('IntIntListEntryProto') }],
        shardedDim: [{ axis: 0, simpleSharding: [{ dimParam: 'batch', numShards: 2, ...U('SimpleShardedDimProto') }, { dimValue: 4, numShards: 2 }], ...U('ShardedDimProto') }],
        ...U('ShardingSpecProto'),
      },
    ],
    pipelineStage: 1,
    ...U('NodeDeviceConfigurationProto'),
  };

  const main = graph('kitchen_sink', {
    node: [
      node('Constant', 'const_0', [], ['c0'], [attr('value', { t: floatT('', [1, 2, 3]), type: A.TENSOR })]),
      node('If', 'if_0', ['cond'], ['if_out'], [attr('else_branch', { g: elseBranch, type: A.GRAPH }), attr('then_branch', { g: thenBranch, type: A.GRAPH })]),
      node('Loop', 'loop_0', ['trip', 'cond', 'X'], ['loop_x', 'loop_scan'], [attr('body', { g: loopBody, type: A.GRAPH })]),
      node('Scan', 'scan_0', ['X', 'X'], ['scan_state', 'scan_out'], [attr('body', { g: scanBody, type: A.GRAPH }), attr('num_scan_inputs', { i: 1, type: A.INT })]),
      node('MultiBranch', 'multi', ['X', '', 'c0'], ['multi_out', ''], everyAttribute, {
        domain: 'com.example',
        metadataProps: meta('multi', 'note', 'every attribute type'),
        deviceConfigurations: [deviceConfig],
      }),
      node('MyFunc', 'call', ['X', 'c0'], ['Y'], [attr('alpha', { f: 0.5, type: A.FLOAT })], { domain: 'local', overload: 'v2' }),
    ],
    initializer: initializers,
    sparseInitializer: [sparse('sp')],
    input: [vi('X', TYPES.image()), vi('cond', tensorType(DataType.BOOL, [])), vi('trip', tensorType(DataType.INT64, [])), vi('maybe', TYPES.opt()), vi('handles', TYPES.opaque())],
    output: [
      f32('Y', ['batch', 3, 'h', 224]),
      vi('if_out'),
      f32('loop_x'),
      vi('scan_out', tensorType(DataType.FLOAT, ['s', 3, 224])),
      vi('multi_out', TYPES.seq()),
      vi('sp', TYPES.sparse()),
    ],
    valueInfo: [vi('c0', tensorType(DataType.FLOAT, [3])), vi('loop_scan', TYPES.seqOfMaps()), vi('scan_state', TYPES.map())],
    quantizationAnnotation: [
      { tensorName: 'X', quantParameterTensorNames: [{ key: 'SCALE_TENSOR', value: 'w', ...U('quant entry') }], ...U('TensorAnnotation') },
    ],
  });

  // local.MyFunc(a, b) {alpha, beta=2}: t = Mul(a, b); u = LeakyRelu<alpha=@alpha>(t); y = If(..) reading t
  const myFunc: onnx.FunctionProto.$Properties = {
    name: 'MyFunc',
    input: ['a', 'b'],
    output: ['y'],
    attribute: ['alpha'],
    attributeProto: [attr('beta', { f: 2, type: A.FLOAT })],
    node: [
      node('Mul', 'fn_mul', ['a', 'b'], ['t']),
      node('LeakyRelu', 'fn_leaky', ['t'], ['u'], [{ name: 'alpha', refAttrName: 'alpha', type: A.FLOAT, ...U('ref attribute') }]),
      node('Greater', 'fn_gt', ['u', 'b'], ['fcond']),
      node('If', 'fn_if', ['fcond'], ['y'], [
        attr('else_branch', { g: graph('fn_else', { node: [node('Identity', 'fe', ['u'], ['fe_out'])], output: [f32('fe_out')] }), type: A.GRAPH }),
        attr('then_branch', { g: graph('fn_then', { node: [node('Neg', 'ft', ['t'], ['ft_out'])], output: [f32('ft_out')] }), type: A.GRAPH }),
      ]),
    ],
    docString: 'a local function',
    opsetImport: [{ domain: '', version: 21, ...U('function opset') }],
    domain: 'local',
    overload: 'v2',
    valueInfo: [f32('t'), f32('u')],
    metadataProps: meta('MyFunc', 'kind', 'function'),
    ...U('function MyFunc'),
  };
  const otherOverload: onnx.FunctionProto.$Properties = {
    name: 'MyFunc',
    input: ['a', 'b'],
    output: ['y'],
    node: [node('Add', 'fn2_add', ['a', 'b'], ['y'])],
    opsetImport: [{ domain: '', version: 21 }],
    domain: 'local',
    ...U('function MyFunc overload'),
  };

  const training: onnx.TrainingInfoProto.$Properties = {
    initialization: graph('init', { node: [node('RandomNormal', 'init_rand', [], ['w_init'], [attr('shape', { ints: [3], type: A.INTS })])], output: [f32('w_init', [3])] }),
    algorithm: graph('algo', {
      node: [node('Sub', 'algo_sub', ['w', 'grad'], ['w_new'])],
      input: [f32('grad', [3])],
      output: [f32('w_new', [3])],
      initializer: [floatT('lr', [0.01], [])],
    }),
    initializationBinding: [{ key: 'w', value: 'w_init', ...U('init binding') }],
    updateBinding: [{ key: 'w', value: 'w_new', ...U('update binding') }],
    ...U('TrainingInfoProto'),
  };

  return {
    irVersion: 11,
    opsetImport: [
      { domain: '', version: 21, ...U('OperatorSetIdProto') },
      { domain: 'com.example', version: 1 },
      { domain: 'local', version: 1 },
      { domain: 'ai.onnx.preview.training', version: 1 },
    ],
    producerName: 'onnx-lens kitchen sink',
    producerVersion: '0.1.0',
    domain: 'org.example',
    modelVersion: 2n ** 60n + 1n,
    docString: 'everything ONNX has',
    graph: main,
    metadataProps: meta('model', 'license', 'MIT'),
    trainingInfo: [training],
    functions: [myFunc, otherOverload],
    configuration: [{ name: 'two_gpus', numDevices: 2, device: ['cuda:0', 'cuda:1'], ...U('DeviceConfigurationProto') }],
    ...U('ModelProto'),
  };
}

// ---------------------------------------------------------------------------------------------------------------

let cached: { bytes: Uint8Array; model: Model } | undefined;
function load() {
  if (!cached) {
    const bytes = onnx.ModelProto.encode(kitchenSink()).finish();
    cached = { bytes, model: decodeModel(bytes, { path: 'kitchen-sink.onnx' }) };
  }
  return cached;
}
/** Byte strings compared as plain arrays (decoded ones are Buffers, built ones Uint8Arrays). */
const plain = (v: unknown): unknown => (ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : Array.isArray(v) ? v.map(plain) : v);
const byName = (g: Graph, name: string): Node => {
  const n = g.nodes.find((x) => x.name === name);
  assert.ok(n, `node ${name} in ${g.path}`);
  return n;
};
const value = (g: Graph, name: string): Value => {
  const v = g.values.get(name);
  assert.ok(v, `value ${name} in ${g.path}`);
  return v;
};

test('the kitchen sink decodes without problems and encodes back to the identical bytes', () => {
  const { bytes, model } = load();
  assert.deepEqual(model.problems, []);
  const out = encodeModel(model);
  assert.equal(out.byteLength, bytes.byteLength);
  assert.ok(Buffer.from(out).equals(Buffer.from(bytes)), 'decode -> IR -> encode gives the identical bytes');
  // and at the protobuf level alone
  assert.ok(Buffer.from(onnx.ModelProto.encode(decodeModelProto(bytes)).finish()).equals(Buffer.from(bytes)));
  // twice over: the re-encoded bytes decode and encode to themselves
  assert.ok(Buffer.from(encodeModel(decodeModel(out))).equals(Buffer.from(bytes)));
});

test('every one of the 28 message types is in the kitchen sink, and every unknown field survives', () => {
  const { model } = load();
  const classes = new Map<unknown, string>();
  const visit = (ns: object, prefix: string) => {
    for (const [k, v] of Object.entries(ns)) {
      if (typeof v === 'function' && 'decode' in v) {
        classes.set(v, prefix + k);
        visit(v, `${prefix}${k}.`);
      }
    }
  };
  visit(onnx, '');
  assert.equal(classes.size, 28);
  const seen = new Set<string>();
  const withUnknowns = new Set<string>();
  let chunks = 0;
  const stack: object[] = [model.proto];
  while (stack.length) {
    const m = stack.pop() as Record<string, unknown>;
    const name = classes.get(m.constructor);
    assert.ok(name, 'a decoded message');
    seen.add(name);
    const u = (m as { $unknowns?: Uint8Array[] }).$unknowns;
    if (u && Object.prototype.hasOwnProperty.call(m, '$unknowns')) {
      withUnknowns.add(name);
      chunks += u.length;
    }
    for (const v of Object.values(m)) {
      for (const x of Array.isArray(v) ? v : [v]) if (x !== null && typeof x === 'object' && classes.has(x.constructor)) stack.push(x);
    }
  }
  const all = [...classes.values()].sort();
  assert.deepEqual([...seen].sort(), all, 'every message type appears');
  assert.deepEqual([...withUnknowns].sort(), all, 'every message type carries an unknown field');
  assert.equal(chunks, unknownCount, 'no unknown field was lost');
});

test('every data type, in raw_data and in its typed field, decodes exactly', () => {
  const { bytes, model } = load();
  const g = model.graph;
  assert.deepEqual(
    new Set(CASES.map((c) => c.dtype)),
    new Set(Object.values(DataType).filter((v): v is number => typeof v === 'number' && v !== 0)),
    'a case for every data type but UNDEFINED',
  );
  for (const c of CASES) {
    for (const raw of c.dtype === DataType.STRING ? [false] : [true, false]) {
      const name = dtypeTensorName(c, raw);
      const v = value(g, name);
      const t = v.initializer!;
      assert.equal(t.value, v);
      assert.equal(t.dataType, c.dtype, name);
      assert.deepEqual(t.dims, c.dims, name);
      assert.equal(t.elementCount, c.dims.reduce((a, b) => a * b, 1));
      assert.ok(v.isConstant);
      if (raw) {
        assert.deepEqual([...t.proto.rawData], [...c.raw], name);
        assert.equal(t.proto.rawData.buffer, bytes.buffer, `${name}: raw_data is a view into the file, not a copy`);
      } else {
        for (const [k, expected] of Object.entries(c.typed)) {
          assert.deepEqual(plain((t.proto as unknown as Record<string, unknown>)[k]), plain(expected), `${name}.${k}`);
        }
      }
    }
  }
});

test('int64 and uint64 values are exact: numbers when safe, bigints beyond 2^53', () => {
  const { model } = load();
  const g = model.graph;
  const i64 = value(g, 'int64_typed').initializer!.proto.int64Data;
  assert.deepEqual(i64, [-1, 0, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, -(2n ** 53n) - 5n, 42]);
  assert.equal(typeof i64[0], 'number');
  assert.equal(typeof i64[2], 'bigint');
  const u64 = value(g, 'uint64_typed').initializer!.proto.uint64Data;
  assert.deepEqual(u64, [0, 1, 2n ** 53n + 1n, 2n ** 64n - 1n, 12345, 2n ** 63n]);
  // raw int64 bytes are bytes: read them back as BigInt64 and they are the same values
  const raw = value(g, 'int64_raw').initializer!.proto.rawData;
  assert.deepEqual([...new BigInt64Array(new Uint8Array(raw).buffer)], INT64_VALUES);
  const multi = byName(g, 'multi');
  assert.equal(multi.attr('i')!.proto.i, -(2n ** 62n));
  assert.deepEqual(multi.attr('ints')!.proto.ints, [0, -1, 2n ** 53n + 7n, -(2n ** 63n), 2n ** 63n - 1n]);
  assert.equal(model.proto.modelVersion, 2n ** 60n + 1n);
  assert.equal(model.irVersion, 11);
  const sp = g.sparseInitializers[0];
  assert.deepEqual(sp.dims, [4, 5]);
  assert.deepEqual(sp.indices!.int64Data, [0, 1, 2, 3, 3, 4]);
});

test('the IR links every value: producers, uses, and subgraph outer-scope references to the outer Value', () => {
  const { model } = load();
  const g = model.graph;
  const X = value(g, 'X');
  const c0 = value(g, 'c0');
  const w = value(g, 'w');
  assert.ok(X.isGraphInput);
  assert.equal(c0.producer, byName(g, 'const_0'));
  assert.equal(c0.producerIndex, 0);

  // If: both branches read main-graph values
  const ifNode = byName(g, 'if_0');
  const then = ifNode.attr('then_branch')!.graph!;
  const els = ifNode.attr('else_branch')!.graph!;
  assert.equal(then.parent, g);
  assert.equal(then.ownerNode, ifNode);
  assert.equal(then.path, 'main/if_0.then_branch');
  const thenAdd = byName(then, 'then_add');
  assert.equal(thenAdd.inputs[0], X);
  assert.equal(thenAdd.inputs[1], c0);
  assert.equal(byName(els, 'else_mul').inputs[1], w);
  assert.equal(value(then, 'then_out').producer, thenAdd);
  assert.ok(!then.values.has('X') || then.values.get('X') === X, 'no shadow copy of X in the branch');

  // Loop: body inputs are the body's own; w comes from outside
  const loop = byName(g, 'loop_0');
  const body = loop.attr('body')!.graph!;
  const bodyAdd = byName(body, 'body_add');
  assert.equal(bodyAdd.inputs[0], value(body, 'x_in'));
  assert.equal(bodyAdd.inputs[0]!.graph, body);
  assert.ok(bodyAdd.inputs[0]!.isGraphInput);
  assert.equal(bodyAdd.inputs[1], w);
  assert.deepEqual(loop.inputs.map((v) => v?.name), ['trip', 'cond', 'X']);
  assert.equal(loop.inputs[2], X);
  assert.equal(value(g, 'loop_x').producer, loop);
  assert.equal(value(g, 'loop_scan').producerIndex, 1);
  assert.equal(value(body, 'x_out').uses[0].node, byName(body, 'body_scan'));

  // Scan: elem is local, c0 is the main graph's
  const scanBody = byName(g, 'scan_0').attr('body')!.graph!;
  assert.equal(byName(scanBody, 'scan_mul').inputs[1], c0);
  assert.equal(byName(scanBody, 'scan_mul').inputs[0]!.graph, scanBody);

  // GRAPHS attribute: each graph is a subgraph of the node, with its own path, reading outer values
  const multi = byName(g, 'multi');
  const graphs = multi.attr('graphs')!.graphs!;
  assert.equal(graphs.length, 2);
  assert.deepEqual(graphs.map((x) => x.path), ['main/multi.graphs[0]', 'main/multi.graphs[1]']);
  assert.equal(byName(graphs[0], 'b_neg').inputs[0], c0);
  assert.equal(byName(graphs[1], 'c_id').inputs[0], value(g, 'if_out'), 'a GRAPHS body reads an If output of the main graph');
  assert.ok(graphs[0].values.get('b_local')!.initializer);
  assert.equal(byName(multi.attr('g')!.graph!, 'a_relu').inputs[0], X);
  assert.deepEqual(multi.subgraphs.length, 3);
  // empty optional inputs/outputs stay holes
  assert.equal(multi.inputs[1], null);
  assert.equal(multi.outputs[1], null);
  assert.equal(multi.attr('t')!.tensor!.name, 'attr_t');
  assert.equal(multi.attr('tensors')!.tensors!.length, 2);

  // every use of X is recorded, in every scope
  const xUsers = X.uses.map((u) => u.node.name).sort();
  assert.deepEqual(xUsers, ['a_relu', 'call', 'else_mul', 'loop_0', 'multi', 'scan_0', 'scan_0', 'then_add']);
  assert.deepEqual(c0.uses.map((u) => `${u.node.name}:${u.index}`).sort(), ['b_neg:0', 'call:1', 'multi:2', 'scan_mul:1', 'then_add:1']);
  // every node's outputs name it as their producer, every input lists it among its uses
  for (const gr of model.allGraphs()) {
    for (const n of gr.nodes) {
      n.outputs.forEach((v, i) => v && assert.ok(v.producer === n && v.producerIndex === i, `${n.label} output ${i}`));
      n.inputs.forEach((v, i) => v && assert.ok(v.uses.some((u) => u.node === n && u.index === i), `${n.label} input ${i}`));
    }
  }
});

test('value_info, symbolic dims, denotations and every TypeProto kind are read', () => {
  const { model } = load();
  const g = model.graph;
  const X = value(g, 'X');
  const t = X.type!;
  assert.equal(t.denotation, 'IMAGE');
  const dims = t.tensorType!.shape!.dim!;
  assert.deepEqual(dims.map((d) => d.dimParam ?? d.dimValue), ['batch', 3, 'h', 224]);
  assert.deepEqual(dims.map((d) => d.denotation ?? ''), ['DATA_BATCH', 'DATA_CHANNEL', 'DATA_FEATURE', '']);
  assert.equal(value(g, 'c0').type!.tensorType!.elemType, DataType.FLOAT);
  assert.ok(value(g, 'multi_out').type!.sequenceType);
  assert.ok(value(g, 'scan_state').type!.mapType);
  assert.ok(value(g, 'maybe').type!.optionalType);
  assert.ok(value(g, 'handles').type!.opaqueType);
  assert.ok(value(g, 'sp').type!.sparseTensorType);
  assert.equal(value(g, 'sp').sparseInitializer, g.sparseInitializers[0]);
  assert.equal(value(g, 'loop_scan').type!.sequenceType!.elemType!.mapType!.keyType, DataType.STRING);
  assert.equal(g.valueInfo.length, 3);
  assert.equal(g.outputs.length, 6);
  assert.equal(value(g, 'if_out').type, undefined, 'an output without a type has none');
});

test('local functions: inputs, attribute references, overloads, and subgraphs reading function values', () => {
  const { model } = load();
  assert.equal(model.functions.length, 2);
  const f = model.findFunction('local', 'MyFunc', 'v2')!;
  assert.ok(f);
  assert.equal(f.kind, 'function');
  assert.equal(model.findFunction('local', 'MyFunc')!.nodes[0].name, 'fn2_add');
  const a = value(f, 'a');
  assert.ok(a.isGraphInput);
  const mul = byName(f, 'fn_mul');
  assert.equal(mul.inputs[0], a);
  assert.equal(value(f, 't').producer, mul);
  const leaky = byName(f, 'fn_leaky');
  assert.equal(leaky.attr('alpha')!.refAttrName, 'alpha');
  assert.equal(leaky.inputs[0], value(f, 't'));
  const fp = f.proto as onnx.FunctionProto;
  assert.deepEqual(fp.attribute, ['alpha']);
  assert.equal(fp.attributeProto[0].name, 'beta');
  const fnIf = byName(f, 'fn_if');
  const fthen = fnIf.attr('then_branch')!.graph!;
  assert.equal(fthen.parent, f);
  assert.equal(byName(fthen, 'ft').inputs[0], value(f, 't'), 'a function subgraph reads the function value');
  assert.equal(fthen.path, 'function MyFunc/fn_if.then_branch');
  assert.deepEqual(f.outputs.map((o) => o.value), [value(f, 'y')]);
  assert.equal(value(f, 'y').producer, fnIf);
  // the call site in the main graph
  const call = byName(model.graph, 'call');
  assert.equal(call.domain, 'local');
  assert.equal(call.proto.overload, 'v2');
  assert.ok(model.allGraphs().includes(fthen));
});

test('model-level fields the IR does not model survive: metadata, training_info, configuration, doc strings', () => {
  const { model } = load();
  const p = model.proto;
  assert.equal(p.docString, 'everything ONNX has');
  assert.deepEqual(p.metadataProps.map((m) => [m.key, m.value]), [['license', 'MIT']]);
  assert.equal(p.trainingInfo.length, 1);
  assert.equal(p.trainingInfo[0].algorithm!.node![0].opType, 'Sub');
  assert.deepEqual(p.trainingInfo[0].updateBinding!.map((b) => [b.key, b.value]), [['w', 'w_new']]);
  assert.equal(p.configuration[0].numDevices, 2);
  assert.deepEqual(model.opsetImports.map((o) => `${o.domain}:${o.version}`), [':21', 'com.example:1', 'local:1', 'ai.onnx.preview.training:1']);
  const multi = byName(model.graph, 'multi');
  assert.equal(multi.proto.deviceConfigurations[0].shardingSpec![0].shardedDim![0].simpleSharding![0].dimParam, 'batch');
  assert.equal(model.graph.proto.docString, 'graph kitchen_sink');
  const ext = value(model.graph, 'external_w').initializer!;
  assert.ok(ext.isExternal);
  assert.deepEqual(ext.proto.externalData.map((e) => e.key), ['location', 'offset', 'length']);
  assert.deepEqual(value(model.graph, 'w').initializer!.proto.segment!.end, 3);
});
