/**
 * Inference over real exports and synthetic models, checked three ways:
 *  1. graph outputs against the shapes PyTorch produced (output_K.npy), the inputs' symbolic dims bound
 *     to the dims of input_K.npy;
 *  2. every value against onnx's own inference (onnx.shape_inference.infer_shapes with data_prop=True,
 *     committed in test/fixtures/infer/expected by make_expected.py), with the agreement rate printed;
 *  3. the synthetic models' outputs against what onnxruntime computed at two bindings of their symbolic
 *     dims (test/fixtures/infer/runtime_shapes.json, by make_runtime_shapes.mjs): never a wrong known dim.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readModelFile } from '../../../src/core/codec/file';
import type { Model, Value } from '../../../src/core/ir/model';
import { realInputs } from '../../../src/core/summary';
import { evaluateDim, formatDims, inferShapes, type InferenceResult } from '../../../src/core/infer/index';
import { compareWithOnnx, loadExpected, npyShape, type Agreement } from './compare';

const MODELS = 'test/fixtures/models';
const SYNTHETIC = 'test/fixtures/infer/models';
const EXPECTED = 'test/fixtures/infer/expected';

const sampleNames = readdirSync(MODELS).filter((n) => existsSync(join(MODELS, n, 'model.onnx'))).sort();
const syntheticNames = readdirSync(SYNTHETIC).filter((n) => n.endsWith('.onnx')).map((n) => n.replace(/\.onnx$/, '')).sort();

const cache = new Map<string, Model>();
function load(path: string): Model {
  let m = cache.get(path);
  if (!m) cache.set(path, (m = readModelFile(path)));
  return m;
}

/** Why a value may be missing or less known than onnx says: an uncovered op upstream. */
function explainer(r: InferenceResult) {
  return (v: Value | undefined, kind: string): string | undefined => {
    if (!v) return undefined;
    const blame = r.unresolved.get(v);
    if ((kind === 'missing' || kind === 'less') && blame) {
      return `downstream of ${blame.domain ? blame.domain + '::' : ''}${blame.opType}, which has no inference function (onnx copies the declared output type)`;
    }
    return undefined;
  };
}

test('graph outputs match the shapes PyTorch produced, symbolic dims bound to the inputs', () => {
  let checked = 0;
  for (const name of sampleNames) {
    const dir = join(MODELS, name);
    if (!existsSync(join(dir, 'output_0.npy'))) continue;
    const m = load(join(dir, 'model.onnx'));
    const env = new Map<string, number>();
    realInputs(m.graph).forEach((info, i) => {
      const file = join(dir, `input_${i}.npy`);
      const t = info.proto?.type?.tensorType;
      if (!existsSync(file) || !t?.shape) return;
      const real = npyShape(file);
      (t.shape.dim ?? []).forEach((d, k) => {
        if (d.dimParam) env.set(d.dimParam, real[k]);
      });
    });
    // Without the declared output types: inference alone must get them right.
    const r = inferShapes(m, { useStored: false });
    m.graph.outputs.forEach((o, i) => {
      const expected = npyShape(join(dir, `output_${i}.npy`));
      const t = r.typeOf(o.value);
      assert.ok(t?.shape, `${name}: output ${o.value.name} has no inferred shape`);
      const got = t.shape.map((d) => evaluateDim(d, env));
      assert.deepEqual(got, expected, `${name}: output ${o.value.name} inferred ${formatDims(t.shape)} with ${JSON.stringify([...env])}`);
      checked++;
    });
  }
  assert.ok(checked >= 12, `only ${checked} outputs checked`);
});

test('declared types of the sample models agree with inference (no conflicts, no problems)', () => {
  for (const name of sampleNames) {
    const r = inferShapes(load(join(MODELS, name, 'model.onnx')));
    assert.deepEqual(r.conflicts.map((c) => c.message), [], name);
    assert.deepEqual(r.problems.map((p) => `${p.node.label}: ${p.message}`), [], name);
  }
});

test('only custom::deform_conv2d is left uncovered in the sample models', () => {
  const all = new Map<string, number>();
  for (const name of sampleNames) {
    for (const [op, n] of inferShapes(load(join(MODELS, name, 'model.onnx'))).uncovered) all.set(op, (all.get(op) ?? 0) + n);
  }
  assert.deepEqual([...all], [['custom::deform_conv2d', 1]]);
});

function agreementLine(name: string, a: Agreement): string {
  const pct = (n: number) => ((100 * n) / Math.max(1, a.total)).toFixed(1);
  return `${name.padEnd(18)} ${String(a.total).padStart(5)} values: ${pct(a.same + a.more)}% agree (${a.same} same, ${a.more} known better here), ` +
    `${a.less} less known, ${a.differ} differ, ${a.missing} missing`;
}

test('every value agrees with onnx shape inference (data_prop) or is explained', (t) => {
  const totals: Agreement = { same: 0, more: 0, less: 0, differ: 0, missing: 0, total: 0, notes: [] };
  const lines: string[] = [];
  for (const name of [...sampleNames, ...syntheticNames]) {
    const path = sampleNames.includes(name) ? join(MODELS, name, 'model.onnx') : join(SYNTHETIC, name + '.onnx');
    const expectedPath = join(EXPECTED, name + '.json');
    assert.ok(existsSync(expectedPath), `${expectedPath} is missing: run /usr/bin/python3 test/fixtures/infer/make_expected.py`);
    const m = load(path);
    // onnx was run on a copy without value_info and output shapes; do the same here.
    const r = inferShapes(m, { useStored: false });
    const a = compareWithOnnx(m, r, loadExpected(expectedPath), explainer(r));
    lines.push(agreementLine(name, a));
    for (const k of ['same', 'more', 'less', 'differ', 'missing', 'total'] as const) totals[k] += a[k];
    const unexplained = a.notes.filter((n) => !n.includes('— explained:'));
    assert.deepEqual(unexplained, [], `${name}: disagreements with onnx that nothing explains`);
    for (const n of a.notes) lines.push(`    ${n}`);
  }
  lines.push(agreementLine('all', totals));
  console.log(`agreement with onnx ${loadExpected(join(EXPECTED, 'bert_tiny.json')).onnx} shape inference (data_prop=True):\n${lines.join('\n')}`);
  t.diagnostic(agreementLine('all', totals));
  assert.equal(totals.differ, 0);
});

test('no inferred dim disagrees with what onnxruntime computed (synthetic models, bert_tiny, decoder_48)', () => {
  const runtime = JSON.parse(readFileSync('test/fixtures/infer/runtime_shapes.json', 'utf8')) as Record<string, { dims: Record<string, number>; shapes: Record<string, number[]> }[]>;
  const lines: string[] = [];
  let totalKnown = 0;
  for (const [name, cases] of Object.entries(runtime)) {
    const m = load(sampleNames.includes(name) ? join(MODELS, name, 'model.onnx') : join(SYNTHETIC, name + '.onnx'));
    const r = inferShapes(m, { useStored: false });
    let known = 0;
    let unknown = 0;
    for (const c of cases) {
      for (const [valueName, real] of Object.entries(c.shapes)) {
        const v = m.graph.values.get(valueName);
        assert.ok(v, `${name}: no value ${valueName}`);
        const t = r.typeOf(v);
        if (!t?.shape) {
          unknown += real.length;
          continue;
        }
        assert.equal(t.shape.length, real.length, `${name}: ${valueName} rank ${formatDims(t.shape)} vs ${JSON.stringify(real)}`);
        t.shape.forEach((d, i) => {
          const x = evaluateDim(d, c.dims);
          if (x === null) unknown++;
          else {
            known++;
            assert.equal(x, real[i], `${name}: ${valueName} (${v.producer?.opType}) inferred ${formatDims(t.shape)} = ${x} at dim ${i}, onnxruntime says ${JSON.stringify(real)} for ${JSON.stringify(c.dims)}`);
          }
        });
      }
    }
    totalKnown += known;
    lines.push(`${name.padEnd(18)} ${known} dims known and right, ${unknown} left unknown`);
  }
  console.log(`inferred dims vs onnxruntime at two bindings of the symbolic dims:\n${lines.join('\n')}`);
  assert.ok(totalKnown > 6000, `only ${totalKnown} dims checked`);
});

test('decoder_48 (5,341 nodes) infers well under a second', (t) => {
  const m = load(join(MODELS, 'decoder_48', 'model.onnx'));
  inferShapes(m); // warm-up: JIT, schema tables
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    inferShapes(m);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  t.diagnostic(`decoder_48: ${times.map((x) => x.toFixed(0)).join(', ')} ms`);
  console.log(`decoder_48 inference: median ${times[1].toFixed(0)} ms`);
  assert.ok(times[1] < 1000, `median ${times[1]} ms`);
});
