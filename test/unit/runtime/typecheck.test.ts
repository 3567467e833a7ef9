// The refusal of model I/O that onnxruntime-node's JS API cannot pass (pure, no onnxruntime).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from '../../../src/core/codec/pb';
import { DataType } from '../../../src/core/ir/dtype';
import {
  checkRuntimeIo,
  checkRuntimeIoBytes,
  checkValueInfo,
  describeType,
  readGraphIo,
  refusalMessage,
} from '../../../src/runtime/typecheck';
import { emptyOptionalOutput, identityAllDtypes } from '../../fixtures/runtime/models';
import { BACKEND } from './helpers';

const T = (elemType: number): onnx.TypeProto.$Properties => ({ tensorType: { elemType } });

test('describeType prints types the way ONNX does', () => {
  assert.equal(describeType(T(DataType.FLOAT)), 'tensor(float)');
  assert.equal(describeType({ sequenceType: { elemType: T(DataType.INT64) } }), 'sequence(tensor(int64))');
  assert.equal(describeType({ mapType: { keyType: DataType.STRING, valueType: T(DataType.FLOAT) } }), 'map(string,tensor(float))');
  assert.equal(
    describeType({ optionalType: { elemType: { sequenceType: { elemType: T(DataType.FLOAT) } } } }),
    'optional(sequence(tensor(float)))',
  );
  assert.equal(describeType({ sparseTensorType: { elemType: DataType.DOUBLE } }), 'sparse_tensor(double)');
  assert.equal(describeType({ opaqueType: { domain: 'com.x', name: 'T' } }), 'opaque(com.x,T)');
  assert.equal(describeType({ tensorType: {} }), 'tensor(undefined)');
  assert.equal(describeType(undefined), 'no type');
});

test('checkValueInfo: tensors of supported element types pass, everything else is named with its type', () => {
  for (const d of [DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.INT8, DataType.INT16, DataType.INT32,
    DataType.INT64, DataType.UINT8, DataType.UINT16, DataType.UINT32, DataType.UINT64, DataType.BOOL, DataType.STRING]) {
    assert.equal(checkValueInfo({ name: 'x', type: T(d) }, 'input'), undefined, `dtype ${d}`);
  }
  // No type at all, or an undefined element type: onnxruntime reports those itself.
  assert.equal(checkValueInfo({ name: 'x' }, 'input'), undefined);
  assert.equal(checkValueInfo({ name: 'x', type: { tensorType: {} } }, 'input'), undefined);

  const seq = checkValueInfo({ name: 'x', type: { sequenceType: { elemType: T(DataType.FLOAT) } } }, 'input')!;
  assert.equal(seq.reason, 'non-tensor');
  assert.equal(seq.type, 'sequence(tensor(float))');
  assert.match(seq.message, /^input 'x' is a sequence\(tensor\(float\)\); onnxruntime-node's JS API only takes tensors\./);

  const opt = checkValueInfo({ name: 'y', type: { optionalType: { elemType: T(DataType.FLOAT) } } }, 'output')!;
  assert.match(opt.message, /^output 'y' is an optional\(tensor\(float\)\); onnxruntime-node's JS API only returns tensors\./);

  const map = checkValueInfo({ name: 'm', type: { mapType: { keyType: DataType.INT64, valueType: T(DataType.FLOAT) } } }, 'output')!;
  assert.equal(map.type, 'map(int64,tensor(float))');
  assert.equal(checkValueInfo({ name: 's', type: { sparseTensorType: { elemType: 1 } } }, 'input')!.reason, 'non-tensor');

  for (const d of [DataType.BFLOAT16, DataType.COMPLEX64, DataType.FLOAT8E4M3FN, DataType.INT4, DataType.UINT4]) {
    const p = checkValueInfo({ name: 'b', type: T(d) }, 'input')!;
    assert.equal(p.reason, 'dtype', `dtype ${d}`);
    assert.match(p.message, /^input 'b' is a tensor\(\w+\); onnxruntime-node's JS API only takes tensors of float, /);
  }
});

test('checkRuntimeIo lists inputs then outputs; refusalMessage puts one per line', () => {
  const m = onnx.ModelProto.decode(emptyOptionalOutput());
  const problems = checkRuntimeIo(m);
  assert.deepEqual(problems.map((p) => [p.io, p.name, p.type]), [['output', 'y', 'optional(tensor(float))']]);
  assert.deepEqual(checkRuntimeIo(onnx.ModelProto.decode(identityAllDtypes())), []);
  assert.deepEqual(checkRuntimeIo({}), []);
  const msg = refusalMessage([
    ...checkRuntimeIo({ graph: { input: [{ name: 'a', type: { sequenceType: { elemType: T(1) } } }] } }),
    ...problems,
  ]);
  assert.equal(msg.split('\n').length, 3);
  assert.match(msg, /^onnxruntime-node cannot run this model \(2 values\):\n  input 'a' is a sequence/);
  assert.equal(refusalMessage([]), '');
});

test("readGraphIo agrees with a full decode on every ONNX backend test model, and the refusals are exactly the non-tensor and bfloat16 ones", () => {
  const refused: string[] = [];
  const cases = readdirSync(BACKEND).filter((d) => d.startsWith('test_')).sort();
  assert.ok(cases.length > 400, `expected the backend test folders under ${BACKEND}`);
  for (const name of cases) {
    const bytes = readFileSync(join(BACKEND, name, 'model.onnx'));
    const full = onnx.ModelProto.decode(bytes);
    const io = readGraphIo(bytes);
    assert.equal(io.hasGraph, true, name);
    assert.deepEqual(io.inputs.map((v) => v.name), full.graph!.input!.map((v) => v.name), `${name}: inputs`);
    assert.deepEqual(io.outputs.map((v) => v.name), full.graph!.output!.map((v) => v.name), `${name}: outputs`);
    const fromBytes = checkRuntimeIoBytes(bytes);
    assert.deepEqual(fromBytes, checkRuntimeIo(full), name);
    if (fromBytes.length) refused.push(name);
  }
  assert.deepEqual(refused, [
    'test_cast_FLOAT_to_BFLOAT16',
    'test_castlike_BFLOAT16_to_FLOAT_expanded',
    'test_castlike_FLOAT_to_BFLOAT16_expanded',
    'test_identity_opt',
    'test_if_seq',
    'test_loop16_seq_none',
    'test_optional_get_element_sequence',
    'test_optional_has_element_empty',
    'test_sequence_insert_at_front',
    'test_sequence_map_add_1_sequence_1_tensor_expanded',
    'test_sequence_map_add_2_sequences_expanded',
    'test_sequence_map_extract_shapes_expanded',
    'test_sequence_map_identity_1_sequence_1_tensor',
    'test_sequence_map_identity_1_sequence_expanded',
    'test_sequence_map_identity_2_sequences_expanded',
  ]);
});

test('readGraphIo merges repeated graph fields, skips unknown fields and throws on truncated bytes', () => {
  const g1 = onnx.GraphProto.encode({ input: [{ name: 'a', type: T(1) }] }).finish();
  const g2 = onnx.GraphProto.encode({ output: [{ name: 'b', type: { sequenceType: { elemType: T(1) } } }] }).finish();
  const w = onnx.ModelProto.encode({ irVersion: 8, producerName: 'x' });
  w.uint32((7 << 3) | 2).bytes(g1);
  w.uint32((99 << 3) | 0).uint32(5); // an unknown varint field
  w.uint32((7 << 3) | 2).bytes(g2);
  const bytes = w.finish();
  const io = readGraphIo(bytes);
  assert.deepEqual(io.inputs.map((v) => v.name), ['a']);
  assert.deepEqual(io.outputs.map((v) => v.name), ['b']);
  assert.deepEqual(checkRuntimeIoBytes(bytes).map((p) => p.name), ['b']);
  assert.equal(readGraphIo(onnx.ModelProto.encode({ irVersion: 8 }).finish()).hasGraph, false);
  assert.throws(() => readGraphIo(bytes.subarray(0, bytes.length - 3)));
  assert.throws(() => readGraphIo(Uint8Array.from([0x3a, 0x7f, 0x01])), /past the end|index out of range/);
});
