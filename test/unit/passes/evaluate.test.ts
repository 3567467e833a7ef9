// The TypeScript evaluator of constant folding, against ONNX's own operator tests: every one-node backend test
// of an op it evaluates is run through it with the test's inputs, and must give the reference outputs exactly
// (integers, bools, data movement) or to the last bit where the result is one IEEE operation per element.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModel } from '../../../src/core/codec/decode';
import { readTensorPb } from '../../../src/core/codec/files/pb';
import { hostToNumbers, hostFromNumbers } from '../../../src/core/codec/tensordata';
import { DataType, dtypeName } from '../../../src/core/ir/dtype';
import type { HostTensor } from '../../../src/core/ir/hosttensor';
import { evaluateNode, evaluableOps } from '../../../src/core/passes/lib/evaluate';
import { buildModel, int64Tensor } from '../../helpers/build';
import { FIXTURES } from './helpers';

const BACKEND = join(FIXTURES, 'onnx-backend-node');

function sameValues(a: HostTensor, b: HostTensor): string | undefined {
  if (a.dtype !== b.dtype) return `dtype ${dtypeName(a.dtype)} vs ${dtypeName(b.dtype)}`;
  if (a.dims.join(',') !== b.dims.join(',')) return `dims [${a.dims}] vs [${b.dims}]`;
  if (a.dtype === DataType.STRING) {
    const x = (a.strings ?? []).map((s) => Buffer.from(s).toString());
    const y = (b.strings ?? []).map((s) => Buffer.from(s).toString());
    return x.join('\u0000') === y.join('\u0000') ? undefined : 'strings differ';
  }
  const x = hostToNumbers(a);
  const y = hostToNumbers(b);
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i]) && Number.isNaN(y[i])) continue;
    if (!Object.is(x[i], y[i]) && x[i] !== y[i]) return `element ${i}: ${x[i]} vs ${y[i]}`;
  }
  return undefined;
}

test('the evaluator reproduces ONNX backend test outputs for every op it covers', () => {
  const ops = new Set(evaluableOps());
  let checked = 0;
  const unsupported: string[] = [];
  const covered = new Set<string>();
  for (const dir of readdirSync(BACKEND).sort()) {
    const modelFile = join(BACKEND, dir, 'model.onnx');
    const data = join(BACKEND, dir, 'test_data_set_0');
    if (!existsSync(modelFile) || !existsSync(data)) continue;
    const model = decodeModel(readFileSync(modelFile));
    if (model.graph.nodes.length !== 1) continue;
    const node = model.graph.nodes[0];
    if (!ops.has(node.opType) || node.domain) continue;
    const byName = new Map<string, HostTensor>();
    let mismatch = false;
    model.graph.inputs.forEach((info, k) => {
      const f = join(data, `input_${k}.pb`);
      if (!existsSync(f)) return;
      let t: HostTensor;
      try {
        t = readTensorPb(readFileSync(f));
      } catch {
        mismatch = true; // a sequence or optional, not a tensor
        return;
      }
      // onnx 1.12 stores bfloat16 test data as uint16: such a case tests the file, not the op.
      if (info.proto?.type?.tensorType?.elemType && info.proto.type.tensorType.elemType !== t.dtype) mismatch = true;
      byName.set(info.value.name, t);
    });
    if (mismatch) continue;
    const inputs = node.inputs.map((v) => (v ? byName.get(v.name) : undefined));
    const r = evaluateNode(node, inputs, { opset: model.opsetVersion('') ?? 0, maxBytes: 1 << 30 });
    if (!r.ok) {
      unsupported.push(`${dir}: ${r.reason} ${r.detail ?? ''}`);
      continue;
    }
    node.outputs.forEach((o, k) => {
      if (!o) return;
      const f = join(data, `output_${k}.pb`);
      if (!existsSync(f)) return;
      const want = readTensorPb(readFileSync(f));
      const why = sameValues(r.outputs[k], want);
      assert.equal(why, undefined, `${dir} output ${k}: ${why}`);
    });
    covered.add(node.opType);
    checked++;
  }
  console.log(`checked ${checked} backend tests over ${covered.size} ops; not evaluated here (left to onnxruntime): ${unsupported.length}`);
  for (const u of unsupported) console.log(`  ${u}`);
  assert.ok(checked >= 60, `only ${checked} backend tests checked`);
});

test('evaluator: int64 arithmetic is exact beyond 2^53 and wraps like C++', () => {
  const m = buildModel({
    nodes: [{ op: 'Add', inputs: ['a', 'b'], outputs: ['c'] }],
    initializers: [int64Tensor('a', [2], [9007199254740993n, 9223372036854775807n]), int64Tensor('b', [2], [2n, 1n])],
    outputs: [{ name: 'c', dtype: DataType.INT64 }],
  });
  const n = m.graph.nodes[0];
  const a = hostFromNumbers(DataType.INT64, [2], [9007199254740993n, 9223372036854775807n]);
  const b = hostFromNumbers(DataType.INT64, [2], [2n, 1n]);
  const r = evaluateNode(n, [a, b], { opset: 17, maxBytes: 1 << 20 });
  assert.ok(r.ok);
  const dv = new DataView(r.outputs[0].data.buffer, r.outputs[0].data.byteOffset);
  assert.equal(dv.getBigInt64(0, true), 9007199254740995n);
  assert.equal(dv.getBigInt64(8, true), -9223372036854775808n);
});

test('evaluator: growing ops past the size limit answer too-large, unknown ops unsupported', () => {
  const m = buildModel({
    nodes: [
      { op: 'ConstantOfShape', inputs: ['s'], outputs: ['z'] },
      { op: 'Erf', inputs: ['z'], outputs: ['e'] },
    ],
    initializers: [int64Tensor('s', [2], [1024, 1024])],
    outputs: [{ name: 'e' }],
  });
  const [cos, erf] = m.graph.nodes;
  const s = hostFromNumbers(DataType.INT64, [2], [1024, 1024]);
  assert.deepEqual(evaluateNode(cos, [s], { opset: 17, maxBytes: 1 << 20 }).ok, false);
  const r = evaluateNode(cos, [s], { opset: 17, maxBytes: 1 << 20 });
  assert.equal(!r.ok && r.reason, 'too-large');
  const big = evaluateNode(cos, [s], { opset: 17, maxBytes: 1 << 23 });
  assert.ok(big.ok && big.outputs[0].data.byteLength === 4 << 20);
  const x = hostFromNumbers(DataType.FLOAT, [1], [0.5]);
  const e = evaluateNode(erf, [x], { opset: 17, maxBytes: 1 << 20 });
  assert.equal(!e.ok && e.reason, 'unsupported');
});
