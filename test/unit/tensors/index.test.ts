// readTensorFile / writeTensorFile: format detection by extension and by content, every format through the
// one entry point, and clear errors for what is not a tensor file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectTensorFormat, readTensorFile, writeTensorFile, TensorFileError } from '../../../src/core/codec/files/index';
import { DataType } from '../../../src/core/ir/dtype';
import { hostFromNumbers, hostToNumbers } from '../../../src/core/codec/tensordata';
import { FIXTURES, TENSORS } from './expect';

function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lens-tf-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('each format reads through readTensorFile', async () => {
  const npy = await readTensorFile(join(TENSORS, 'npy', 'f4.npy'));
  assert.equal(npy.format, 'npy');
  assert.deepEqual([...npy.tensors.keys()], ['f4']);
  const npz = await readTensorFile(join(FIXTURES, 'models', 'seed_two_heads', 'refs.npz'));
  assert.equal(npz.format, 'npz');
  assert.ok(npz.tensors.size >= 3);
  const pb = await readTensorFile(join(FIXTURES, 'onnx-backend-node', 'test_abs', 'test_data_set_0', 'input_0.pb'));
  assert.equal(pb.format, 'pb');
  assert.deepEqual([...pb.tensors.keys()], ['x']);
  const ds = await readTensorFile(join(FIXTURES, 'onnx-backend-node', 'test_abs', 'test_data_set_0'));
  assert.equal(ds.format, 'testdataset');
  assert.deepEqual([...ds.tensors.keys()], ['x', 'y']);
  const pg = await readTensorFile(join(TENSORS, 'polygraphy', 'outputs.json'));
  assert.equal(pg.format, 'polygraphy');
  assert.deepEqual([...pg.tensors.keys()], ['logits', 'ids']);
  assert.match(pg.notes.join('\n'), /runner 'onnxrt-runner-N0-01\/02\/25-10:11:12' is shown; the file also holds 'trt-runner/);
  const trt = await readTensorFile(join(TENSORS, 'polygraphy', 'outputs.json'), { runner: 'trt-runner-N0-01/02/25-10:11:12' });
  assert.deepEqual(Array.from(hostToNumbers(trt.tensors.get('logits')!)), [0.25, -1.5, Math.fround(2.999)]);
  await assert.rejects(readTensorFile(join(TENSORS, 'polygraphy', 'outputs.json'), { runner: 'nope' }), /runner "nope" is not in the file; it has 'onnxrt/);
  const inputs = await readTensorFile(join(TENSORS, 'polygraphy', 'inputs.json'), { iteration: 1 });
  assert.deepEqual(Array.from(hostToNumbers(inputs.tensors.get('mask')!)), [0, 0]);
});

test('content decides when the extension does not', async () => {
  await withTmp(async (dir) => {
    for (const [src, format] of [
      [join(TENSORS, 'npy', 'i4.npy'), 'npy'],
      [join(TENSORS, 'npz', 'deflated.npz'), 'npz'],
      [join(TENSORS, 'polygraphy', 'inputs.json'), 'polygraphy'],
    ] as const) {
      const p = join(dir, `blob_${format}`);
      copyFileSync(src, p);
      assert.equal((await readTensorFile(p)).format, format, src);
    }
    writeFileSync(join(dir, 'mystery.bin'), 'hello');
    await assert.rejects(readTensorFile(join(dir, 'mystery.bin')), /unknown tensor file format: expected \.npy, \.npz, \.pb, Polygraphy \.json or a test_data_set folder/);
    await assert.rejects(readTensorFile(join(dir, 'missing.npy')), (e: unknown) => e instanceof TensorFileError && /missing\.npy: no such file or folder/.test(e.message));
    mkdirSync(join(dir, 'notaset'));
    await assert.rejects(readTensorFile(join(dir, 'notaset')), /no input_K\.pb or output_K\.pb files/);
  });
  assert.equal(detectTensorFormat('x.NPY', new Uint8Array(0)), 'npy');
  assert.equal(detectTensorFormat('x', new TextEncoder().encode('  \n[{"a"')), 'polygraphy');
  assert.equal(detectTensorFormat('x', new Uint8Array([1, 2])), undefined);
});

test('writeTensorFile writes every format by extension, and reading gives the tensors back', async () => {
  await withTmp(async (dir) => {
    const a = hostFromNumbers(DataType.FLOAT, [2, 2], [1, 2, 3, 4], 'a');
    const b = hostFromNumbers(DataType.INT8, [3], [-1, 0, 1], 'b');
    const both = new Map([['a', a], ['b', b]]);
    for (const [file, tensors, opts] of [
      ['a.npy', a, {}], ['a.pb', a, {}], ['ab.npz', both, { compress: true }], ['ab.json', both, {}],
      ['in.json', both, { polygraphy: 'inputs' as const }],
    ] as const) {
      const p = join(dir, file);
      await writeTensorFile(p, tensors, opts);
      const back = await readTensorFile(p);
      const want = tensors instanceof Map ? tensors : new Map([[tensors.name!, tensors]]);
      assert.deepEqual([...back.tensors.keys()], [...want.keys()], file);
      for (const [k, h] of want) assert.deepEqual(Buffer.from(back.tensors.get(k)!.data), Buffer.from(h.data), `${file} ${k}`);
    }
    await assert.rejects(writeTensorFile(join(dir, 'x.npy'), both), /a npy file holds exactly one tensor; got 2: write an \.npz for several/);
    await assert.rejects(writeTensorFile(join(dir, 'x.txt'), a), /cannot tell the format from '\.txt'/);
  });
});
