// .pb tensor files and test_data_set_N folders: ONNX's backend cases (tensors, sequences, optionals), with
// and without the model's types, and write -> read round trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModel } from '../../../src/core/codec/decode';
import { readTensorPb, writeTensorPb } from '../../../src/core/codec/files/pb';
import { TensorFileError } from '../../../src/core/codec/files/npy';
import {
  listTestDataSets, readTestDataSet, signatureOfModel, tensorsOf, writeTestDataSet, type TestValue,
} from '../../../src/core/codec/files/testdataset';
import { DataType } from '../../../src/core/ir/dtype';
import { hostFromNumbers, hostFromStrings, hostToNumbers, hostToStrings } from '../../../src/core/codec/tensordata';
import { FIXTURES } from './expect';

const BACKEND = join(FIXTURES, 'onnx-backend-node');

function caseOf(name: string) {
  const dir = join(BACKEND, name);
  const model = decodeModel(readFileSync(join(dir, 'model.onnx')));
  return { dir, model, sig: signatureOfModel(model), set: join(dir, 'test_data_set_0') };
}

test('every backend test data set reads with the model signature; tensor names match the graph', () => {
  let tensors = 0;
  let others = 0;
  for (const name of readdirSync(BACKEND).sort()) {
    const { dir, sig } = caseOf(name);
    const sets = listTestDataSets(dir);
    assert.ok(sets.length >= 1, name);
    const ds = readTestDataSet(sets[0], sig);
    assert.equal(ds.inputs.length, sig.inputs!.length, name);
    assert.equal(ds.outputs.length, sig.outputs!.length, name);
    [...ds.inputs, ...ds.outputs].forEach((v, i) => {
      const expectedName = [...sig.inputs!, ...sig.outputs!][i].name;
      if (v.kind === 'tensor') {
        tensors++;
        assert.equal(v.name, v.tensor.name);
        // Backend files carry the graph's names (or none): either way the value ends up under the graph name.
        assert.equal(v.name, expectedName, `${name}: value ${i}`);
      } else others++;
    });
  }
  assert.ok(tensors > 1300, `${tensors} tensors`);
  assert.ok(others >= 10, `${others} sequences/optionals`);
});

test('sequences and optionals decode with the model types', () => {
  const seq = caseOf('test_sequence_insert_at_front');
  const ds = readTestDataSet(seq.set, seq.sig);
  const s = ds.inputs[0];
  assert.equal(s.kind, 'sequence');
  assert.ok(s.kind === 'sequence' && s.elements.length > 0 && s.elements.every((e) => e.kind === 'tensor'));
  assert.throws(() => tensorsOf(ds.inputs, 'input'), /the input 'sequence' is a sequence, not a tensor; only tensor inputs can be used here/);

  const empty = caseOf('test_optional_has_element_empty');
  const e = readTestDataSet(empty.set, empty.sig).inputs[0];
  assert.equal(e.kind, 'optional');
  assert.equal(e.kind === 'optional' && e.value, undefined);

  const optSeq = caseOf('test_optional_get_element_sequence');
  const o = readTestDataSet(optSeq.set, optSeq.sig).inputs[0];
  assert.ok(o.kind === 'optional' && o.value?.kind === 'sequence', JSON.stringify(o.kind));
});

test('without the model, a sequence file is named for what it is instead of being misread as a tensor', () => {
  const seq = caseOf('test_sequence_insert_at_front');
  assert.throws(() => readTestDataSet(seq.set), (err: unknown) =>
    err instanceof TensorFileError && /input_0\.pb: this is not a TensorProto: it has the layout of a SequenceProto or OptionalProto .*pass the model/.test(err.message));
  const opt = caseOf('test_optional_has_element_empty');
  assert.throws(() => readTestDataSet(opt.set), /layout of a SequenceProto or OptionalProto/);
  // A plain tensor case needs no model.
  const abs = readTestDataSet(caseOf('test_abs').set);
  assert.deepEqual(abs.inputs.map((v) => v.name), ['x']);
});

test('a data set whose count disagrees with the model, or with a gap, is refused clearly', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'lens-ds-'));
  try {
    const x = hostFromNumbers(DataType.FLOAT, [1], [1], 'x');
    writeFileSync(join(tmp, 'input_0.pb'), writeTensorPb(x));
    writeFileSync(join(tmp, 'input_2.pb'), writeTensorPb(x));
    assert.throws(() => readTestDataSet(tmp), /input_1\.pb is missing \(found input_0\.pb, input_2\.pb\)/);
    rmSync(join(tmp, 'input_2.pb'));
    assert.throws(() => readTestDataSet(tmp, { inputs: [{ name: 'a' }, { name: 'b' }] }), /the data set has 1 inputs; the model has 2 \(a, b\)/);
    assert.throws(() => readTestDataSet(join(tmp, 'input_0.pb')), /expected a test_data_set_N folder; found a file/);
    const emptyDir = join(tmp, 'empty');
    mkdirSync(emptyDir);
    assert.throws(() => readTestDataSet(emptyDir), /no input_K\.pb or output_K\.pb files/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('write -> read round-trips tensors (named from the signature when unnamed), sequences and optionals', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'lens-ds-'));
  try {
    const a = hostFromNumbers(DataType.FLOAT16, [2, 2], [1, -2, 0.5, 65504]);
    const s = hostFromStrings([2], ['x', 'ÿ'], 'names');
    const seq: TestValue = { kind: 'sequence', name: 'seq', elements: [
      { kind: 'tensor', name: 'e0', tensor: hostFromNumbers(DataType.INT64, [2], [1, 2]) },
      { kind: 'tensor', name: 'e1', tensor: hostFromNumbers(DataType.INT64, [1], [3]) },
    ] };
    const none: TestValue = { kind: 'optional', name: 'maybe', value: undefined };
    const some: TestValue = { kind: 'optional', name: 'some', value: { kind: 'tensor', name: 'v', tensor: hostFromNumbers(DataType.BOOL, [1], [1]) } };
    writeTestDataSet(tmp, { inputs: [a, s, seq], outputs: [none, some] });
    const sig = {
      inputs: [{ name: 'in_a' }, { name: 'names' }, { name: 'seq', type: { sequenceType: { elemType: { tensorType: { elemType: 7 } } } } }],
      outputs: [{ name: 'maybe', type: { optionalType: { elemType: { tensorType: { elemType: 1 } } } } }, { name: 'some', type: { optionalType: {} } }],
    };
    const ds = readTestDataSet(tmp, sig);
    const [ra, rs, rseq] = ds.inputs;
    assert.ok(ra.kind === 'tensor' && rs.kind === 'tensor' && rseq.kind === 'sequence');
    assert.equal(ra.name, 'in_a', 'an unnamed tensor takes the signature name');
    assert.deepEqual(Array.from(hostToNumbers(ra.tensor)), [1, -2, 0.5, 65504]);
    assert.deepEqual(hostToStrings(rs.tensor), ['x', 'ÿ']);
    assert.deepEqual(rseq.elements.map((e) => e.kind === 'tensor' && Array.from(hostToNumbers(e.tensor))), [[1, 2], [3]]);
    const [rnone, rsome] = ds.outputs;
    assert.ok(rnone.kind === 'optional' && rnone.value === undefined && rnone.name === 'maybe');
    assert.ok(rsome.kind === 'optional' && rsome.value?.kind === 'tensor');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('.pb files: read/write round trip and clear errors', () => {
  const h = hostFromNumbers(DataType.UINT8, [3], [1, 2, 255], 'bytes');
  const back = readTensorPb(writeTensorPb(h));
  assert.equal(back.name, 'bytes');
  assert.deepEqual(Array.from(back.data), [1, 2, 255]);
  assert.throws(() => readTensorPb(new Uint8Array(0), 'e.pb'), /e\.pb: the file is empty \(0 bytes\); expected a serialized TensorProto/);
  assert.throws(() => readTensorPb(new Uint8Array([0x0a, 0xff]), 't.pb'), /t\.pb: not a serialized TensorProto/);
  const truncated = writeTensorPb(hostFromNumbers(DataType.FLOAT, [4], [1, 2, 3, 4], 'w')).subarray(0, 12);
  assert.throws(() => readTensorPb(truncated, 'w.pb'), /w\.pb: /);
});
