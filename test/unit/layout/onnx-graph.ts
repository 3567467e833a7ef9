/**
 * Test helper: an ONNX model file as a LayoutGraph, the way the graph view feeds the layout: graph
 * inputs, initializers, nodes and graph outputs are all nodes; one edge per (tensor, consumer input);
 * edgeTensor is the tensor's id.
 */
import { readFileSync } from 'node:fs';
import { onnx } from '../../../src/core/codec/pb';
import { GraphBuilder } from '../../../webview/layout/graph';
import type { LayoutGraph } from '../../../webview/layout/types';

export interface OnnxLayoutGraph {
  graph: LayoutGraph;
  labels: string[];
}

export function onnxFileToLayoutGraph(file: string): OnnxLayoutGraph {
  const model = onnx.ModelProto.decode(readFileSync(file));
  const g = model.graph;
  if (!g) throw new Error(`${file}: the model has no graph`);
  const b = new GraphBuilder();
  const labels: string[] = [];
  const producer = new Map<string, number>();
  const tensorId = new Map<string, number>();
  const tid = (name: string): number => {
    let id = tensorId.get(name);
    if (id === undefined) {
      id = tensorId.size;
      tensorId.set(name, id);
    }
    return id;
  };
  const initNames = new Set((g.initializer ?? []).map((t) => t.name ?? ''));
  for (const vi of g.input ?? []) {
    if (initNames.has(vi.name ?? '')) continue;
    producer.set(vi.name ?? '', b.node(120, 32));
    labels.push(`input ${vi.name}`);
  }
  for (const t of g.initializer ?? []) {
    producer.set(t.name ?? '', b.node(90, 24));
    labels.push(`init ${t.name}`);
  }
  const nodes = g.node ?? [];
  const ids: number[] = [];
  for (const nd of nodes) {
    const op = nd.opType ?? '?';
    ids.push(b.node(40 + 8 * op.length, 32));
    labels.push(op);
    for (const o of nd.output ?? []) if (o) producer.set(o, ids[ids.length - 1]);
  }
  nodes.forEach((nd, i) => {
    for (const name of nd.input ?? []) {
      if (!name) continue;
      const p = producer.get(name);
      if (p !== undefined) b.edge(p, ids[i], tid(name));
    }
  });
  for (const vi of g.output ?? []) {
    const v = b.node(120, 32);
    labels.push(`output ${vi.name}`);
    const p = producer.get(vi.name ?? '');
    if (p !== undefined) b.edge(p, v, tid(vi.name ?? ''));
  }
  return { graph: b.build(), labels };
}
