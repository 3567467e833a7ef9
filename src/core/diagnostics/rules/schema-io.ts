/**
 * Input and output counts against the operator's schema (what the ONNX checker and onnxruntime check at load:
 * "Node with schema(::Relu:13) has input size 2 not in range [min=1, max=1]"):
 *
 *   input-count   fewer inputs than the schema needs, or more than it takes: error
 *   output-count  the same for outputs: error
 *   missing-input an input the schema requires (not optional) given as '' (absent): error
 */
import { formalInput, type OpSchema } from '../../schema/index';
import type { Node } from '../../ir/model';
import { ALL_PROFILES, type Rule } from '../types';

function range(min: number, max: number): string {
  if (max === Infinity) return `at least ${min}`;
  return min === max ? `exactly ${min}` : `${min} to ${max}`;
}

function schemaOf(r: ReturnType<import('../types').RuleContext['resolve']>): OpSchema | undefined {
  return r.kind === 'ok' || r.kind === 'deprecated' ? r.schema : undefined;
}

export const schemaIoRule: Rule = {
  id: 'schema-io',
  description: 'Input and output counts, and required inputs left empty, against the operator schema',
  profiles: ALL_PROFILES,
  codes: ['input-count', 'output-count', 'missing-input'],
  run(ctx) {
    for (const g of ctx.graphs) {
      for (const n of g.nodes) {
        const s = schemaOf(ctx.resolve(n));
        if (!s) continue;
        const sig = `${n.opType}-${s.sinceVersion}`;
        const ni = n.inputs.length;
        if (ni < s.minInputs || ni > s.maxInputs) {
          ctx.report({
            code: 'input-count', severity: 'error', node: n, graph: g,
            message: `${sig} takes ${range(s.minInputs, s.maxInputs)} inputs (${paramNames(s, 'inputs')}); the node has ${ni}: ` +
              (ni < s.minInputs ? 'connect the missing inputs' : 'remove the extra inputs') + ', or use the operator version that matches the node',
          });
        }
        const no = n.outputs.length;
        if (no < s.minOutputs || no > s.maxOutputs) {
          ctx.report({
            code: 'output-count', severity: 'error', node: n, graph: g,
            message: `${sig} has ${range(s.minOutputs, s.maxOutputs)} outputs (${paramNames(s, 'outputs')}); the node declares ${no}: ` +
              (no < s.minOutputs ? 'add the missing outputs' : 'remove the extra outputs'),
          });
        }
        checkEmptyRequired(n, s, (i, name) =>
          ctx.report({
            code: 'missing-input', severity: 'error', node: n, graph: g,
            message: `input ${i} (${name}) of ${sig} is required, but the node leaves it empty (''): connect a value to it`,
          }));
      }
    }
  },
};

function checkEmptyRequired(n: Node, s: OpSchema, report: (index: number, name: string) => void): void {
  for (let i = 0; i < n.inputs.length; i++) {
    if (n.inputs[i]) continue;
    const f = formalInput(s, i);
    if (f && f.option === 'single') report(i, f.name);
  }
}

function paramNames(s: OpSchema, which: 'inputs' | 'outputs'): string {
  const list = s[which];
  if (list.length === 0) return 'none';
  return list.map((p) => (p.option === 'optional' ? `${p.name}?` : p.option === 'variadic' ? `${p.name}...` : p.name)).join(', ');
}
