/**
 * remove-attribute: removes an attribute from a node; the operator's default (if it has one) applies again.
 *
 *   Gemm "fc": remove-attribute fc alpha   ->   alpha back to its default 1.0
 *
 * Refuses an attribute the node does not have, and one the schema marks required (unless force).
 */
import { attributeSchema } from '../schema/index';
import { attributeText, schemaOf } from './lib/attrs';
import { findNode } from './lib/graph';
import { PassError, type Pass } from './types';

export const removeAttributePass: Pass = {
  id: 'remove-attribute',
  title: 'Remove a node attribute',
  description: "Removes an attribute from a node so the operator's default applies; refuses required attributes unless forced.",
  kind: 'edit',
  args: [
    { name: 'node', type: 'node', description: 'The node', required: true },
    { name: 'name', type: 'string', description: 'The attribute name', required: true },
    { name: 'force', type: 'boolean', description: 'Remove even a required attribute', required: false, default: false },
  ],
  run(model, args) {
    const node = findNode(model, String(args.node));
    const name = String(args.name ?? '').trim();
    const a = node.attr(name);
    if (!a) {
      const has = node.attributes.map((x) => x.name);
      throw new PassError(`${node.label} has no attribute '${name}'; it has ${has.length ? has.join(', ') : 'none'}`);
    }
    const schema = schemaOf(node);
    const s = schema ? attributeSchema(schema, name) : undefined;
    if (s?.required && !args.force) {
      throw new PassError(`'${name}' is required by ${node.opType} (since opset ${schema!.sinceVersion}): without it the model is invalid. Pass force to remove it anyway`);
    }
    node.attributes.splice(node.attributes.indexOf(a), 1);
    const def = s && s.default !== undefined ? `; the default ${JSON.stringify(s.default)} applies` : '';
    return { modified: true, summary: `removed ${node.label}.${name} (was ${attributeText(a.proto)})${def}` };
  },
};
