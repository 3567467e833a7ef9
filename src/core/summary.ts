/** The facts `onnx-lens inspect` prints and the model-properties panel shows. */
import type { Graph, Model, ValueInfo } from './ir/model';
import { describeType, tensorTypeOf, type Dim } from './ir/types';
import { dtypeName, rawByteLength } from './ir/dtype';
import { countNodes } from './ir/traverse';

export interface IoSummary {
  name: string;
  /** 'float', 'int64', ...; for non-tensors the kind ('sequence', 'map', 'optional'). */
  dtype: string;
  /** Dims: numbers, symbolic names, null when unknown; absent when the rank is unknown. */
  shape?: Dim[];
  type: string;
}

export interface ModelSummary {
  file?: string;
  irVersion?: number;
  opsetImports: { domain: string; version: number }[];
  producer: { name: string; version: string };
  domain: string;
  modelVersion?: number;
  docString: string;
  metadata: Record<string, string>;
  inputs: IoSummary[];
  outputs: IoSummary[];
  /** Nodes in every graph: main, subgraphs and functions. */
  nodeCount: number;
  mainGraphNodeCount: number;
  opTypes: Record<string, number>;
  domains: Record<string, number>;
  initializers: { count: number; bytes: number; external: number };
  externalData: { file: string; tensors: number; bytes: number }[];
  subgraphs: { path: string; nodeCount: number }[];
  functions: { domain: string; name: string; nodeCount: number }[];
  problems: { code: string; message: string; tensor: string }[];
}

function io(info: ValueInfo): IoSummary {
  const t = info.proto?.type;
  const tt = tensorTypeOf(t);
  const s: IoSummary = { name: info.value.name, dtype: tt ? dtypeName(tt.elemType) : (t ? describeType(t).split('(')[0] : '?'), type: describeType(t) };
  if (tt?.shape) s.shape = tt.shape;
  return s;
}

/** Graph inputs that are not initializers (older exporters list weights as inputs too). */
export function realInputs(g: Graph): ValueInfo[] {
  return g.inputs.filter((i) => !i.value.initializer);
}

export function summarize(model: Model): ModelSummary {
  const p = model.proto;
  const opTypes: Record<string, number> = {};
  const domains: Record<string, number> = {};
  for (const n of model.allNodes()) {
    const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}::${n.opType}` : n.opType;
    opTypes[key] = (opTypes[key] ?? 0) + 1;
    const d = n.domain || 'ai.onnx';
    domains[d] = (domains[d] ?? 0) + 1;
  }
  let bytes = 0;
  let external = 0;
  const ext = new Map<string, { tensors: number; bytes: number }>();
  let count = 0;
  for (const g of model.allGraphs()) {
    for (const t of g.initializers) {
      count++;
      const n = t.elementCount;
      const size = typeof n === 'number' ? (rawByteLength(t.dataType, n) ?? 0) : 0;
      bytes += size;
      if (t.isExternal) {
        external++;
        const loc = (t.proto.externalData ?? []).find((e) => e.key === 'location')?.value ?? '?';
        const e = ext.get(loc) ?? { tensors: 0, bytes: 0 };
        e.tensors++;
        e.bytes += size;
        ext.set(loc, e);
      }
    }
  }
  const metadata: Record<string, string> = {};
  for (const e of p.metadataProps ?? []) metadata[e.key ?? ''] = e.value ?? '';
  const subgraphs = model.graph.descendants().map((g) => ({ path: g.path, nodeCount: g.nodes.length }));
  for (const f of model.functions) subgraphs.push(...f.descendants().map((g) => ({ path: g.path, nodeCount: g.nodes.length })));
  return {
    file: model.path,
    irVersion: model.irVersion,
    opsetImports: model.opsetImports,
    producer: { name: p.producerName ?? '', version: p.producerVersion ?? '' },
    domain: p.domain ?? '',
    modelVersion: Object.prototype.hasOwnProperty.call(p, 'modelVersion') ? Number(p.modelVersion) : undefined,
    docString: p.docString ?? '',
    metadata,
    inputs: realInputs(model.graph).map(io),
    outputs: model.graph.outputs.map(io),
    nodeCount: countNodes(model),
    mainGraphNodeCount: model.graph.nodes.length,
    opTypes: Object.fromEntries(Object.entries(opTypes).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    domains,
    initializers: { count, bytes, external },
    externalData: [...ext].map(([file, e]) => ({ file, ...e })),
    subgraphs,
    functions: model.functions.map((f) => ({
      domain: (f.proto as { domain?: string }).domain ?? '',
      name: f.name,
      nodeCount: f.nodes.length,
    })),
    problems: model.problems.map(({ code, message, tensor }) => ({ code, message, tensor })),
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}
