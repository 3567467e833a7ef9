/**
 * extract: the subgraph between chosen input and output tensors, as a NEW model (onnx.utils.extract_model):
 *
 *   x -> A -> t -> B -> u -> C -> y        extract inputs=t outputs=u   ->   new model: t -> B -> u
 *
 * Nodes are found by walking back from the outputs, stopping at the inputs (and at constants); nodes keep their
 * order, names and attributes; initializers and value_info they use come along; inputs and outputs are declared
 * with the model's types or, where it declares none, inferred ones. Opset imports, IR version, metadata and local
 * functions are kept. Unlike onnx's extractor, an original graph input the walk reaches but that was not named
 * is added as an input too (the details say so) instead of leaving an invalid model. The model itself is not
 * changed: the pass returns the new model's bytes.
 *
 * Refuses unknown tensors, tensors inside subgraphs, a constant named as an input, and no outputs.
 */
import type { Node, Value } from '../ir/model';
import { onnx } from '../codec/pb';
import { modelToProto, nodeToProto } from '../codec/encode';
import { implicitInputs } from '../ir/traverse';
import { inferShapes, typeToProto } from '../infer/index';
import { findValue, plural } from './lib/graph';
import { PassError, type Pass } from './types';

function names(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String).map((s) => s.trim()).filter(Boolean);
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  return [];
}

export const extractPass: Pass = {
  id: 'extract',
  title: 'Extract a subgraph as a new model',
  description: 'Builds a new model from the nodes between the given input and output tensors (onnx.utils.extract_model semantics); the model itself is unchanged.',
  kind: 'new-model',
  args: [
    { name: 'inputs', type: 'tensors', description: 'Tensors that become the new model\'s inputs (comma-separated)', required: false, default: [] },
    { name: 'outputs', type: 'tensors', description: "Tensors that become the new model's outputs (comma-separated)", required: true },
  ],
  run(model, args) {
    const g = model.graph;
    const inNames = names(args.inputs);
    const outNames = names(args.outputs);
    if (!outNames.length) throw new PassError('no outputs given: name the tensors the new model should return');
    const inVals = inNames.map((n) => findValue(model, n));
    const outVals = outNames.map((n) => findValue(model, n));
    for (const v of [...inVals, ...outVals]) {
      if (v.graph !== g) throw new PassError(`'${v.name}' lives in ${v.graph.path}: extract works on tensors of the main graph`);
    }
    for (const v of inVals) if (v.isConstant) throw new PassError(`'${v.name}' is a constant (an initializer): name computed tensors or graph inputs as inputs`);
    const stop = new Set<Value>(inVals);
    const reached = new Set<Node>();
    const inits = new Set<Value>();
    const extraInputs: Value[] = [];
    const stack: Value[] = [...outVals];
    const seen = new Set<Value>();
    while (stack.length) {
      const v = stack.pop()!;
      if (seen.has(v)) continue;
      seen.add(v);
      if (stop.has(v)) continue;
      if (v.initializer || v.sparseInitializer) {
        if (v.isGraphInput && !v.isConstant) extraInputs.push(v);
        inits.add(v);
        continue;
      }
      const p = v.producer;
      if (!p) {
        if (v.isGraphInput) extraInputs.push(v);
        continue;
      }
      if (reached.has(p)) continue;
      reached.add(p);
      for (const x of p.inputs) if (x) stack.push(x);
      if (p.subgraphs.length) for (const x of implicitInputs(p)) stack.push(x);
    }
    const inf = inferShapes(model);
    const info = (v: Value): onnx.ValueInfoProto => {
      const declared = v.infos.find((i) => i.proto?.type)?.proto;
      const vi = new onnx.ValueInfoProto({ name: v.name });
      if (declared?.docString) vi.docString = declared.docString;
      if (declared?.type) vi.type = declared.type as onnx.TypeProto;
      else {
        const t = inf.typeOf(v);
        if (t) vi.type = typeToProto(t) as onnx.TypeProto;
      }
      return vi;
    };
    const nodes = g.nodes.filter((n) => reached.has(n));
    const inputs = [...inVals, ...extraInputs.filter((v) => !stop.has(v))];
    const full = modelToProto(model);
    const gp = full.graph!;
    const inside = new Set<Value>([...inputs, ...inits]);
    for (const n of nodes) for (const o of n.outputs) if (o) inside.add(o);
    const graph = new onnx.GraphProto({
      name: gp.name,
      node: nodes.map(nodeToProto),
      input: inputs.map(info),
      output: outVals.map(info),
      initializer: g.initializers.filter((t) => t.value && inits.has(t.value) && t.value.initializer).map((t) => {
        const p = t.proto;
        return p.name === t.value!.name ? p : new onnx.TensorProto({ ...p, name: t.value!.name });
      }),
      sparseInitializer: g.sparseInitializers.filter((s) => inits.has(g.values.get(s.values?.name ?? '')!)),
      valueInfo: g.valueInfo.filter((e) => inside.has(e.value) && !inputs.includes(e.value) && !outVals.includes(e.value)).map((e) => info(e.value)),
    });
    if (gp.docString) graph.docString = gp.docString;
    const out = new onnx.ModelProto({ ...full, graph });
    const bytes = onnx.ModelProto.encode(out).finish();
    const details: string[] = [];
    if (extraInputs.length) details.push(`also inputs (the walk reached these graph inputs): ${extraInputs.map((v) => `'${v.name}'`).join(', ')}`);
    const unused = inVals.filter((v) => !v.uses.some((u) => reached.has(u.node)));
    if (unused.length) details.push(`note: nothing extracted reads ${unused.map((v) => `'${v.name}'`).join(', ')}`);
    const ext = [...inits].filter((v) => v.initializer?.isExternal);
    if (ext.length) details.push(`${plural(ext.length, 'initializer')} keep their external data locations: save the new model beside the original`);
    return {
      modified: false,
      summary: `extracted ${plural(nodes.length, 'node')} (${plural(inputs.length, 'input')}, ${plural(outVals.length, 'output')}, ${plural(inits.size, 'initializer')}) as a new model of ${bytes.byteLength} bytes`,
      details,
      newModel: bytes,
      stats: { nodes: nodes.length, inputs: inputs.length, outputs: outVals.length, initializers: inits.size },
    };
  },
};
