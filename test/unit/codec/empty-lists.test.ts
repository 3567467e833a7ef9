// proto/generate.mjs strips the empty arrays from the generated constructors (the decoders create a list when its
// first element arrives): a repeated field that is absent reads protobufjs's shared empty array. These tests pin
// what that means: absent lists read as empty and encode to nothing, present ones are the message's own arrays,
// and the shared one is frozen, so a push onto an absent list fails loudly instead of changing every message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModel } from '../../../src/core/codec/decode';
import { encodeModel } from '../../../src/core/codec/encode';
import { onnx } from '../../../src/core/codec/pb';

test('a new message has no arrays of its own; its repeated fields read empty and the shared empty array is frozen', () => {
  const n = new onnx.NodeProto();
  assert.equal(Object.prototype.hasOwnProperty.call(n, 'input'), false);
  assert.equal(n.input.length, 0);
  assert.equal(n.attribute.length, 0);
  assert.ok(Object.isFrozen(n.input));
  assert.throws(() => (n.input as string[]).push('x'), TypeError);
  assert.equal(new onnx.NodeProto().input.length, 0, 'the failed push changed no other message');
  assert.equal(onnx.NodeProto.encode(n).finish().length, 0);
});

test('decoded lists are each message\'s own; absent ones stay empty through a round trip', () => {
  const bytes = onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      node: [
        { opType: 'Relu', input: ['x'], output: ['y'] },
        { opType: 'Constant', output: ['c'], attribute: [{ name: 'value_float', type: onnx.AttributeProto.AttributeType.FLOAT, f: 1 }] },
        { opType: 'Add', input: ['y', 'c'], output: ['z'] },
      ],
      input: [{ name: 'x' }],
      output: [{ name: 'z' }],
    },
  }).finish();
  const model = decodeModel(bytes);
  const [relu, constant, add] = model.graph.nodes;
  assert.deepEqual(relu.proto.input, ['x']);
  assert.equal(constant.proto.input.length, 0);
  assert.notEqual(relu.proto.input, add.proto.input);
  assert.notEqual(relu.proto.output, constant.proto.output);
  assert.equal(relu.proto.attribute.length, 0);
  assert.equal(constant.proto.attribute[0]?.ints?.length, 0);
  assert.deepEqual(Buffer.from(encodeModel(model)), Buffer.from(bytes));
});
