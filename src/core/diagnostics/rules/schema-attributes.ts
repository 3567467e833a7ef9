/**
 * Attributes against the operator's schema (the ONNX checker and onnxruntime reject all of these at load):
 *
 *   unknown-attribute    "Unrecognized attribute: foo for operator Relu": error, fix remove it or fix its name
 *   missing-attribute    "Required attribute 'to' is missing" (Cast without `to`): error
 *   attribute-type       "Mismatched attribute type ... Expected: 'INT', actual: 'FLOAT'": error
 *   duplicate-attribute  the same attribute twice on one node: error
 *
 * Attributes that refer to a function's attribute (ref_attr_name) are checked by name only; attributes
 * whose type field is UNDEFINED (0) are not type-checked.
 */
import { ATTRIBUTE_TYPE_NAMES } from '../../format';
import { attributeSchema, type OpSchema } from '../../schema/index';
import { ALL_PROFILES, type Rule } from '../types';

export const schemaAttributesRule: Rule = {
  id: 'schema-attributes',
  description: 'Unknown, missing, duplicated and mistyped attributes against the operator schema',
  profiles: ALL_PROFILES,
  codes: ['unknown-attribute', 'missing-attribute', 'attribute-type', 'duplicate-attribute'],
  run(ctx) {
    for (const g of ctx.graphs) {
      for (const n of g.nodes) {
        const r = ctx.resolve(n);
        if (r.kind !== 'ok' && r.kind !== 'deprecated') continue;
        const s: OpSchema = r.schema;
        const sig = `${n.opType}-${s.sinceVersion}`;
        const seen = new Set<string>();
        for (const a of n.attributes) {
          if (seen.has(a.name)) {
            ctx.report({
              code: 'duplicate-attribute', severity: 'error', node: n, graph: g,
              message: `attribute '${a.name}' appears more than once on the node: keep one`,
            });
            continue;
          }
          seen.add(a.name);
          const as = attributeSchema(s, a.name);
          if (!as) {
            const names = s.attributes.map((x) => x.name);
            const near = names.find((x) => x.toLowerCase() === a.name.toLowerCase());
            ctx.report({
              code: 'unknown-attribute', severity: 'error', node: n, graph: g,
              message: `${sig} has no attribute '${a.name}' (it takes ${names.length ? names.join(', ') : 'no attributes'}): ` +
                (near ? `did you mean '${near}'? Rename it` : 'remove it, or use the operator version that defines it'),
            });
            continue;
          }
          if (a.refAttrName || a.type === 0) continue;
          const found = ATTRIBUTE_TYPE_NAMES[a.type] ?? String(a.type);
          if (found !== as.type) {
            ctx.report({
              code: 'attribute-type', severity: 'error', node: n, graph: g,
              message: `attribute '${a.name}' of ${sig} must be ${as.type}; the node stores ${found}: store it as ${as.type}`,
            });
          }
        }
        for (const as of s.attributes) {
          if (as.required && !seen.has(as.name)) {
            ctx.report({
              code: 'missing-attribute', severity: 'error', node: n, graph: g,
              message: `${sig} requires attribute '${as.name}' (${as.type}); the node does not set it: add it`,
            });
          }
        }
      }
    }
  },
};
