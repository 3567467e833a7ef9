import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';

const fixtures = join(__dirname, '../../fixtures');

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('inspect --json reports the stable fields, symbolic dims kept', async () => {
  const r = await run('inspect', join(fixtures, 'models/seed_dynamic_batch/model.onnx'), '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  for (const k of ['irVersion', 'opsetImports', 'inputs', 'outputs', 'nodeCount', 'opTypes']) assert.ok(k in j, k);
  assert.equal(j.inputs[0].shape[0], 'batch');
  assert.equal(typeof j.nodeCount, 'number');
});

test('inspect counts nodes in every graph: const_if has an If with two branches', async () => {
  const j = JSON.parse((await run('inspect', join(fixtures, 'models/const_if/model.onnx'), '--json')).out);
  assert.equal(j.nodeCount, 4);
  assert.equal(j.opTypes.If, 1);
  assert.deepEqual(j.subgraphs.map((s: { path: string }) => s.path.split('.').pop()).sort(), ['else_branch', 'then_branch']);
});

test('inspect on decoder_48 counts 5,341 nodes', async () => {
  const j = JSON.parse((await run('inspect', join(fixtures, 'models/decoder_48/model.onnx'), '--json')).out);
  assert.equal(j.nodeCount, 5341);
});

test('inspect text names custom domains', async () => {
  const r = await run('inspect', join(fixtures, 'models/seed_deform_conv/model.onnx'));
  assert.equal(r.code, 0);
  assert.match(r.out, /custom::deform_conv2d 1/);
});

test('resave writes identical bytes and keeps the target file mode', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-lens-resave-'));
  const src = join(fixtures, 'models/bert_tiny/model.onnx');
  const out = join(dir, 'out.onnx');
  writeFileSync(out, 'old');
  chmodSync(out, 0o600);
  const r = await run('resave', src, out);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(readFileSync(out), readFileSync(src));
  assert.equal(statSync(out).mode & 0o777, 0o600);
});

test('errors: exit 2, one line naming the file, no stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-lens-err-'));
  const cases: [string, RegExp][] = [
    ['empty.onnx', /empty \(0 bytes\)/],
    ['text.onnx', /not a valid protobuf|past the end|expected an ONNX ModelProto/],
  ];
  writeFileSync(join(dir, 'empty.onnx'), '');
  writeFileSync(join(dir, 'text.onnx'), 'hello, this is not a model\n');
  for (const [name, re] of cases) {
    const r = await run('inspect', join(dir, name));
    assert.equal(r.code, 2);
    assert.match(r.err, re);
    assert.ok(r.err.includes(name), r.err);
    assert.equal(r.err.split('\n').length, 1, r.err);
    assert.doesNotMatch(r.err, /\bat .*:\d+:\d+/);
  }
  const missing = await run('inspect', join(dir, 'missing.onnx'));
  assert.equal(missing.code, 2);
  assert.match(missing.err, /missing\.onnx: no such file/);
  const usage = await run('inspect');
  assert.equal(usage.code, 2);
  assert.match(usage.err, /missing MODEL/);
  assert.equal((await run('frobnicate')).code, 2);
  assert.equal((await run('inspect', 'x.onnx', '--bogus')).code, 2);
});
