/**
 * ONNX's own operator tests (test/fixtures/onnx-backend-node): inferred without the declared output types,
 * every output dim that inference claims to know must equal the dim of the reference output_K.pb, and
 * the element type must be the declared one. Outputs whose dims depend on input data (NonZero, Unique,
 * shapes fed as graph inputs) may stay unknown; a wrong known dim fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from '../../../src/core/codec/pb';
import { readModelFile } from '../../../src/core/codec/file';
import { formatDims, inferShapes, typeFromProto } from '../../../src/core/infer/index';
import { compareWithOnnx, type Expected } from './compare';

const DIR = 'test/fixtures/onnx-backend-node';

test('onnx backend node tests: no inferred dim or element type contradicts the reference outputs', () => {
  let full = 0;
  let partial = 0;
  const unknownRank: string[] = [];
  let outputs = 0;
  const uncovered = new Map<string, number>();
  const wrong: string[] = [];
  const problems: string[] = [];
  const cases = readdirSync(DIR).filter((n) => n.startsWith('test_')).sort();
  for (const name of cases) {
    const m = readModelFile(join(DIR, name, 'model.onnx'));
    const r = inferShapes(m, { useStored: false });
    for (const [op, n] of r.uncovered) uncovered.set(op, (uncovered.get(op) ?? 0) + n);
    for (const p of r.problems) problems.push(`${name}: ${p.node.label}: ${p.message}`);
    m.graph.outputs.forEach((o, i) => {
      const declared = typeFromProto(o.proto?.type);
      const file = join(DIR, name, 'test_data_set_0', `output_${i}.pb`);
      if (!declared || declared.wrap || !existsSync(file)) return; // sequences and optionals: SequenceProto files
      outputs++;
      const ref = onnx.TensorProto.decode(readFileSync(file));
      const dims = (ref.dims ?? []).map(Number);
      const t = r.typeOf(o.value);
      if (t?.elemType && declared.elemType && t.elemType !== declared.elemType) {
        wrong.push(`${name}: ${o.value.name} element type ${t.elemType}, declared ${declared.elemType}`);
      }
      if (!t?.shape) {
        unknownRank.push(name);
        return;
      }
      if (t.shape.length !== dims.length) {
        wrong.push(`${name}: ${o.value.name} inferred ${formatDims(t.shape)}, reference [${dims}]`);
        return;
      }
      let all = true;
      t.shape.forEach((d, k) => {
        if (typeof d !== 'number') all = false;
        else if (d !== dims[k]) wrong.push(`${name}: ${o.value.name} inferred ${formatDims(t.shape)}, reference [${dims}]`);
      });
      if (all) full++;
      else partial++;
    });
  }
  console.log(`onnx backend node tests: ${cases.length} models, ${outputs} tensor outputs: ${full} fully known, ` +
    `${partial} partly known, ${unknownRank.length} of unknown rank; uncovered ops: ${JSON.stringify([...uncovered])}`);
  assert.deepEqual(wrong, []);
  assert.deepEqual(problems, []);
  assert.ok(full >= 450, `only ${full} outputs fully inferred`);
  // The axes of these are graph inputs (not constants): which dims go or come cannot be known.
  assert.deepEqual(unknownRank, [
    'test_reduce_sum_do_not_keepdims_example', 'test_squeeze', 'test_unsqueeze_axis_0', 'test_unsqueeze_axis_2',
    'test_unsqueeze_three_axes', 'test_unsqueeze_unsorted_axes',
  ]);
});

test('onnx backend node tests: every value agrees with onnx shape inference', () => {
  const expected = JSON.parse(readFileSync('test/fixtures/infer/expected/onnx-backend-node.json', 'utf8')) as { onnx: string; tests: Record<string, Expected['values']> };
  const totals = { same: 0, more: 0, less: 0, differ: 0, missing: 0, total: 0 };
  const notes: string[] = [];
  for (const [name, values] of Object.entries(expected.tests)) {
    const m = readModelFile(join(DIR, name, 'model.onnx'));
    const r = inferShapes(m, { useStored: false });
    const a = compareWithOnnx(m, r, { onnx: expected.onnx, values }, () => undefined);
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += a[k];
    notes.push(...a.notes.map((n) => `${name}: ${n}`));
  }
  console.log(`onnx backend node tests vs onnx ${expected.onnx} inference: ${totals.total} values, ${totals.same} same, ` +
    `${totals.more} known better here, ${totals.less} less known, ${totals.differ} differ, ${totals.missing} missing`);
  assert.deepEqual(notes, []);
  assert.ok(totals.total > 1300);
});
