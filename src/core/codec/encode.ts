/**
 * IR -> ModelProto -> bytes.
 *
 * Each message starts as a shallow copy of the proto it was decoded from (so field presence, unknown fields
 * and everything the IR does not model come back as they were), then the fields the IR owns (node inputs and
 * outputs, names, subgraphs, lists) are written from the IR. An untouched model that was written canonically
 * encodes to the identical bytes.
 */
import { onnx } from './pb';
import type { Attribute, Graph, Model, Node, ValueInfo } from '../ir/model';

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Own fields of a decoded message, `$unknowns` included (protobufjs makes it non-enumerable). */
function copy<T extends object>(m: T): T {
  const out = { ...m } as T & { $unknowns?: Uint8Array[] };
  const unknowns = (m as { $unknowns?: Uint8Array[] }).$unknowns;
  if (unknowns && hasOwn(m, '$unknowns')) out.$unknowns = unknowns;
  return out;
}

/** Sets a repeated field, leaving it absent when empty (protobuf does not tell empty from absent). */
function setList<T extends object, K extends keyof T>(m: T, key: K, list: T[K] & unknown[]): void {
  if (list.length) m[key] = list;
  else delete m[key];
}

export function encodeModel(model: Model): Uint8Array {
  return onnx.ModelProto.encode(modelToProto(model)).finish();
}

export function modelToProto(model: Model): onnx.ModelProto {
  const m = copy(model.proto);
  m.graph = graphToProto(model.graph);
  setList(m, 'functions', model.functions.map(functionToProto));
  return m;
}

function infoToProto(info: ValueInfo): onnx.ValueInfoProto {
  const p = info.proto;
  if (p && (p.name ?? '') === info.value.name) return p;
  const out = p ? copy(p) : ({} as onnx.ValueInfoProto);
  out.name = info.value.name;
  return out;
}

export function graphToProto(g: Graph): onnx.GraphProto {
  const m = copy(g.proto as onnx.GraphProto);
  setList(m, 'node', g.nodes.map(nodeToProto));
  setList(m, 'input', g.inputs.map(infoToProto));
  setList(m, 'output', g.outputs.map(infoToProto));
  setList(m, 'valueInfo', g.valueInfo.map(infoToProto));
  setList(
    m,
    'initializer',
    g.initializers.map((t) => {
      const name = t.value?.name ?? t.name;
      if (name === t.name) return t.proto;
      const out = copy(t.proto);
      out.name = name;
      return out;
    }),
  );
  setList(m, 'sparseInitializer', g.sparseInitializers);
  return m;
}

function functionToProto(g: Graph): onnx.FunctionProto {
  const m = copy(g.proto as onnx.FunctionProto);
  setList(m, 'node', g.nodes.map(nodeToProto));
  setList(m, 'input', g.inputs.map((i) => i.value.name));
  setList(m, 'output', g.outputs.map((i) => i.value.name));
  setList(m, 'valueInfo', g.valueInfo.map(infoToProto));
  return m;
}

export function nodeToProto(n: Node): onnx.NodeProto {
  const m = copy(n.proto);
  setList(m, 'input', n.inputs.map((v) => (v ? v.name : '')));
  setList(m, 'output', n.outputs.map((v) => (v ? v.name : '')));
  setList(m, 'attribute', n.attributes.map(attributeToProto));
  return m;
}

function attributeToProto(a: Attribute): onnx.AttributeProto {
  if (!a.graph && !a.graphs && !a.tensor && !a.tensors) return a.proto;
  const m = copy(a.proto);
  if (a.graph) m.g = graphToProto(a.graph);
  if (a.graphs) m.graphs = a.graphs.map(graphToProto);
  if (a.tensor) m.t = a.tensor.proto;
  if (a.tensors) m.tensors = a.tensors.map((t) => t.proto);
  return m;
}
