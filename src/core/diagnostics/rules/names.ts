/**
 * Names that must be unique (onnxruntime refuses the model: "Duplicate definition of name (y)",
 * "two nodes with same node name (a)"):
 *
 *   duplicate-value      a value defined twice: by two nodes, twice by one node, by a node and an
 *                        initializer or graph input, or listed twice as a graph input: error
 *   duplicate-node-name  two nodes of one graph with the same (non-empty) name: error
 *   duplicate-output     a graph lists the same output twice: warning
 *   shadowed-name        a subgraph defines a value whose name an enclosing graph already defines: warning
 *                        (ONNX requires names to be unique across nested scopes)
 */
import type { Node, Value } from '../../ir/model';
import { ALL_PROFILES, type Rule } from '../types';
import { isDefined } from './util';

function definer(v: Value, except: Node): string {
  if (v.producer && v.producer !== except) return `node ${v.producer.label}`;
  if (v.initializer) return 'an initializer';
  if (v.isGraphInput) return 'a graph input';
  return 'another output of the same node';
}

export const namesRule: Rule = {
  id: 'names',
  description: 'Values defined twice, node names used twice, outputs listed twice, names shadowing an enclosing scope',
  profiles: ALL_PROFILES,
  codes: ['duplicate-value', 'duplicate-node-name', 'duplicate-output', 'shadowed-name'],
  run(ctx) {
    for (const g of ctx.graphs) {
      const inputNames = new Set<string>();
      for (const i of g.inputs) {
        if (inputNames.has(i.value.name)) {
          ctx.report({
            code: 'duplicate-value', severity: 'error', graph: g, tensor: i.value.name,
            message: `graph input '${i.value.name}' is listed more than once in ${g.path}: remove the duplicate entry`,
          });
        }
        inputNames.add(i.value.name);
      }
      const nodeNames = new Map<string, Node>();
      for (const n of g.nodes) {
        if (n.name) {
          const first = nodeNames.get(n.name);
          if (first) {
            ctx.report({
              code: 'duplicate-node-name', severity: 'error', node: n, graph: g, related: [first],
              message: `another node of ${g.path} is also named '${n.name}' (${first.opType}); onnxruntime refuses the model ` +
                '("two nodes with same node name"): give each node a unique name',
            });
          } else nodeNames.set(n.name, n);
        }
        n.outputs.forEach((v, i) => {
          if (!v) return;
          const twice = v.producer !== n || v.producerIndex !== i || !!v.initializer || v.isGraphInput;
          if (!twice) return;
          ctx.report({
            code: 'duplicate-value', severity: 'error', node: n, graph: g, tensor: v.name,
            ...(v.producer && v.producer !== n ? { related: [v.producer] } : {}),
            message: `value '${v.name}' (output ${i}) is already defined by ${definer(v, n)}; ONNX graphs define every name once ` +
              '(onnxruntime: "Duplicate definition of name"): rename one of them',
          });
        });
        if (g.parent) {
          for (const v of n.outputs) {
            if (!v || v.graph !== g) continue;
            const outer = g.parent.lookup(v.name);
            if (outer && isDefined(outer)) {
              ctx.report({
                code: 'shadowed-name', severity: 'warning', node: n, graph: g, tensor: v.name,
                message: `value '${v.name}' defined in ${g.path} has the same name as a value of the enclosing ${outer.graph.path}; ` +
                  'ONNX requires names to be unique across nested graphs, and readers may resolve it to the outer one: rename it',
              });
            }
          }
        }
      }
      const outNames = new Set<string>();
      for (const o of g.outputs) {
        if (outNames.has(o.value.name)) {
          ctx.report({
            code: 'duplicate-output', severity: 'warning', graph: g, tensor: o.value.name,
            message: `output '${o.value.name}' is listed more than once in ${g.path}'s outputs: remove the duplicate entry`,
          });
        }
        outNames.add(o.value.name);
      }
    }
  },
};

