/**
 * Small models built in code for tests: a compact description -> ModelProto bytes -> IR (through the real
 * codec, so tests exercise the same path as a file on disk).
 */
import { onnx } from '../../src/core/codec/pb';
import { decodeModel } from '../../src/core/codec/decode';
import type { Model } from '../../src/core/ir/model';
import { DataType } from '../../src/core/ir/dtype';

export type Dim = number | string;
export interface IO {
  name: string;
  dtype?: DataType;
  shape?: Dim[];
}
export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, number | number[] | string | Float32Array | onnx.GraphProto.$Properties | { t: onnx.TensorProto.$Properties }>;
}
export interface GraphSpec {
  name?: string;
  inputs?: IO[];
  outputs?: IO[];
  nodes: NodeSpec[];
  initializers?: onnx.TensorProto.$Properties[];
  valueInfo?: IO[];
}
export interface ModelSpec extends GraphSpec {
  opset?: number | { domain: string; version: number }[];
  irVersion?: number;
  functions?: onnx.FunctionProto.$Properties[];
}

export function valueInfo(io: IO): onnx.ValueInfoProto.$Properties {
  const vi: onnx.ValueInfoProto.$Properties = { name: io.name };
  if (io.dtype !== undefined || io.shape) {
    vi.type = {
      tensorType: {
        elemType: io.dtype ?? DataType.FLOAT,
        ...(io.shape
          ? { shape: { dim: io.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } }
          : {}),
      },
    };
  }
  return vi;
}

export function attr(name: string, value: NonNullable<NodeSpec['attrs']>[string]): onnx.AttributeProto.$Properties {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: A.INT, i: value } : { name, type: A.FLOAT, f: value };
  }
  if (typeof value === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(value) };
  if (value instanceof Float32Array) return { name, type: A.FLOATS, floats: [...value] };
  if (Array.isArray(value)) return { name, type: A.INTS, ints: value };
  if ('t' in value && value.t) return { name, type: A.TENSOR, t: value.t as onnx.TensorProto.$Properties };
  return { name, type: A.GRAPH, g: value as onnx.GraphProto.$Properties };
}

export function graphProto(spec: GraphSpec): onnx.GraphProto.$Properties {
  return {
    name: spec.name ?? 'g',
    node: spec.nodes.map((n) => ({
      opType: n.op,
      input: n.inputs,
      output: n.outputs,
      ...(n.name ? { name: n.name } : {}),
      ...(n.domain ? { domain: n.domain } : {}),
      attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attr(k, v)),
    })),
    input: (spec.inputs ?? []).map(valueInfo),
    output: (spec.outputs ?? []).map(valueInfo),
    initializer: spec.initializers ?? [],
    valueInfo: (spec.valueInfo ?? []).map(valueInfo),
  };
}

export function modelBytes(spec: ModelSpec): Uint8Array {
  const opset = spec.opset ?? 17;
  const proto: onnx.ModelProto.$Properties = {
    irVersion: spec.irVersion ?? 8,
    producerName: 'onnx-lens-tests',
    opsetImport: typeof opset === 'number' ? [{ domain: '', version: opset }] : opset,
    graph: graphProto(spec),
    functions: spec.functions ?? [],
  };
  return onnx.ModelProto.encode(proto).finish();
}

export function buildModel(spec: ModelSpec): Model {
  return decodeModel(modelBytes(spec), { path: 'built-in-test.onnx' });
}

/** A float32 initializer with raw_data. */
export function floatTensor(name: string, dims: number[], values: number[]): onnx.TensorProto.$Properties {
  return { name, dims, dataType: DataType.FLOAT, rawData: new Uint8Array(new Float32Array(values).buffer) };
}

/** An int64 initializer with raw_data. */
export function int64Tensor(name: string, dims: number[], values: (number | bigint)[]): onnx.TensorProto.$Properties {
  return { name, dims, dataType: DataType.INT64, rawData: new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer) };
}
