/**
 * set-attribute: sets (or adds) an attribute of a node, the value typed as text and parsed by the type the
 * operator's schema gives the attribute at the model's opset:
 *
 *   Conv "conv1": set-attribute conv1 pads "[1, 1, 1, 1]"  ->  pads: INTS [1, 1, 1, 1]
 *
 * INT ("3"), FLOAT ("1e-5", "inf"), STRING ("NOTSET", quotes optional), INTS / FLOATS ("[1, 2]", "1,2", "1 2"),
 * STRINGS ('["a", "b"]', "a,b"). Refuses an attribute the schema does not know (unless force; its type then comes
 * from `type` or is guessed from the text), TENSOR/GRAPH attributes, a value that does not parse as the type, and
 * a value that is already set.
 */
import { Attribute } from '../ir/model';
import { attributeSchema, type AttributeTypeName } from '../schema/index';
import { EDITABLE_TYPES, attributeText, guessType, parseAttribute, schemaOf } from './lib/attrs';
import { findNode } from './lib/graph';
import { onnx } from '../codec/pb';
import { PassError, type Pass } from './types';

function sameProto(a: onnx.AttributeProto, b: onnx.AttributeProto): boolean {
  const x = onnx.AttributeProto.encode(a).finish();
  const y = onnx.AttributeProto.encode(b).finish();
  return Buffer.from(x).equals(Buffer.from(y));
}

export const setAttributePass: Pass = {
  id: 'set-attribute',
  title: 'Set a node attribute',
  description: "Sets or adds an attribute, parsing the text by the attribute's type in the operator schema (INT, FLOAT, STRING and their lists). Unknown attributes need force.",
  kind: 'edit',
  args: [
    { name: 'node', type: 'node', description: 'The node', required: true },
    { name: 'name', type: 'string', description: 'The attribute name', required: true },
    { name: 'value', type: 'string', description: 'The value: 3, 1e-5, NOTSET, [1, 2], ["a", "b"]', required: true },
    { name: 'type', type: 'enum', choices: EDITABLE_TYPES, description: 'The type, for an attribute the schema does not know (default: guessed)', required: false },
    { name: 'force', type: 'boolean', description: 'Allow an attribute the schema does not know', required: false, default: false },
  ],
  run(model, args) {
    const node = findNode(model, String(args.node));
    const name = String(args.name ?? '').trim();
    if (!name) throw new PassError('the attribute name is empty');
    const text = String(args.value ?? '');
    const schema = schemaOf(node);
    const known = schema ? attributeSchema(schema, name) : undefined;
    let type: AttributeTypeName;
    if (known) {
      type = known.type;
      if (args.type && args.type !== type) throw new PassError(`${node.opType}'s attribute '${name}' is ${type}, not ${String(args.type)}`);
    } else {
      if (!args.force) {
        const names = schema ? schema.attributes.map((a) => a.name) : [];
        throw new PassError(
          schema
            ? `${node.opType} (since opset ${schema.sinceVersion}) has no attribute '${name}'; its attributes are ${names.join(', ') || '(none)'}. Pass force to add it anyway`
            : `no schema is known for ${node.domain ? `${node.domain}::` : ''}${node.opType}, so '${name}' cannot be typed from it: pass force (and type) to set it anyway`,
        );
      }
      type = (args.type as AttributeTypeName | undefined) ?? guessType(text);
    }
    if (!EDITABLE_TYPES.includes(type)) throw new PassError(`${node.opType}'s attribute '${name}' is ${type}: only ${EDITABLE_TYPES.join(', ')} attributes can be typed in`);
    const proto = parseAttribute(name, type, text);
    const existing = node.attr(name);
    if (existing && !existing.graph && !existing.graphs && sameProto(existing.proto, proto)) {
      return { modified: false, summary: `${node.label}.${name} is already ${attributeText(proto)}` };
    }
    if (existing) {
      const i = node.attributes.indexOf(existing);
      node.attributes[i] = new Attribute(proto);
    } else node.attributes.push(new Attribute(proto));
    return {
      modified: true,
      summary: `${node.label}.${name}: ${existing ? `${attributeText(existing.proto)} -> ` : 'added '}${attributeText(proto)} (${type})`,
    };
  },
};
