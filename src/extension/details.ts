/** Node properties for the panel and hover: pure, built on request (never sent with the graph). */
import type { Graph, Node, Value } from '../core/ir/model';
import { describeType } from '../core/ir/types';
import { ATTRIBUTE_TYPE_NAMES, describeTensor, formatAttributeValue } from '../core/format';
import { docUrl, resolutionMessage, resolveSchema } from '../core/schema';
import type { NodeDetails, TensorRef } from '../protocol/view';

function ref(v: Value | null, side: 'in' | 'out'): TensorRef {
  if (!v) return { name: '', type: '(absent optional)', initializer: false };
  const r: TensorRef = {
    name: v.name,
    type: v.initializer ? describeTensor(v.initializer) : v.type ? describeType(v.type) : '',
    initializer: !!v.initializer,
  };
  if (side === 'in') r.producer = v.producer ? v.producer.label : v.initializer ? 'initializer' : v.isGraphInput ? 'graph input' : v.graph !== undefined ? 'outer scope' : '';
  else r.consumers = v.uses.length;
  return r;
}

export function nodeDetails(graph: Graph, node: Node): NodeDetails {
  const r = resolveSchema(node.domain, node.opType, graph.model.opsetImports);
  let schema: NodeDetails['schema'];
  if (r.kind === 'ok' || r.kind === 'deprecated') {
    schema = {
      sinceVersion: r.sinceVersion,
      deprecated: r.kind === 'deprecated',
      docUrl: docUrl(node.domain, node.opType, r.sinceVersion) ?? '',
    };
  } else {
    const fn = graph.model.findFunction(node.domain, node.opType);
    schema = { missing: fn ? `defined by a local function ${node.domain}::${node.opType}` : (resolutionMessage(node.domain, node.opType, r) ?? 'no schema') };
  }
  return {
    graphId: graph.id,
    nodeId: node.id,
    name: node.name,
    opType: node.opType,
    domain: node.domain,
    schema,
    attributes: node.attributes.map((a) => ({
      name: a.name,
      type: ATTRIBUTE_TYPE_NAMES[a.type] ?? String(a.type),
      value: formatAttributeValue(a, 64),
      ...(a.graph || a.graphs ? { graphIds: a.graph ? [a.graph.id] : a.graphs!.map((g) => g.id) } : {}),
      ...(a.refAttrName ? { refAttrName: a.refAttrName } : {}),
    })),
    inputs: node.inputs.map((v) => ref(v, 'in')),
    outputs: node.outputs.map((v) => ref(v, 'out')),
    docString: node.proto.docString ?? '',
    ...(fnGraph(graph, node) ? { functionGraphId: fnGraph(graph, node)!.id } : {}),
  };
}

function fnGraph(graph: Graph, node: Node) {
  return node.domain ? graph.model.findFunction(node.domain, node.opType, node.proto.overload ?? '') : undefined;
}

export function findNode(graph: Graph, nodeId: number): Node | undefined {
  return graph.nodes.find((n) => n.id === nodeId);
}
