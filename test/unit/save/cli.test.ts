// The CLI's OUT files go through saveModel: resave/pass to another folder carry the external data along, and a
// link at the destination is refused with one line (exit 2), nothing written.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { readModelFile } from '../../../src/core/codec/file';
import { readTensor, closeExternal } from '../../../src/core/weights';
import { cleanup, extModelBytes, ramp, snapshot, tempFiles, tmpDir, writeData, type ExtSpec } from './helpers';

after(cleanup);

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const W: ExtSpec = { name: 'W', location: 'data/w.bin', values: ramp(300, 9) };

function source() {
  const dir = tmpDir('cli-src');
  writeData(dir, [W]);
  writeFileSync(join(dir, 'model.onnx'), extModelBytes({ main: [W], inline: [{ name: 'I', values: ramp(400, 1) }] }));
  return join(dir, 'model.onnx');
}

test('resave to another folder copies the external data; the copy reads its weights', async () => {
  const src = source();
  const dst = tmpDir('cli-dst');
  const out = join(dst, 'm.onnx');
  const r = await run('resave', src, out);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /^wrote .*m\.onnx \(\d+ bytes\)\ncopied .*data\/w\.bin$/);
  const m = readModelFile(out);
  assert.deepEqual([...new Float32Array(readTensor(m, m.graph.initializers[0]).data.slice().buffer)], W.values.map(Math.fround));
  closeExternal(m);
  assert.deepEqual(readFileSync(join(dst, 'data/w.bin')), readFileSync(join(src, '..', 'data/w.bin')));
});

test('pass external-data to another folder writes its file and copies the existing one; a symlinked destination is refused', async () => {
  const src = source();
  const dst = tmpDir('cli-pass');
  const out = join(dst, 'm.onnx');
  const r = await run('pass', 'external-data', src, out, '--arg', 'threshold=1000', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(
    j.written.map((w: string) => w.replace(dst, 'DST')),
    ['DST/m.onnx (' + readFileSync(out).byteLength + ' bytes)', 'DST/m.onnx.data (1600 bytes)', 'DST/data/w.bin (copied)'],
  );
  const m = readModelFile(out);
  assert.deepEqual(m.graph.initializers.map((t) => t.isExternal), [true, true]);
  closeExternal(m);

  const outside = tmpDir('cli-outside');
  writeFileSync(join(outside, 'victim'), 'keep');
  const dst2 = tmpDir('cli-link');
  symlinkSync(join(outside, 'victim'), join(dst2, 'm.onnx.data'));
  const before = snapshot(dst2);
  const e = await run('pass', 'external-data', src, join(dst2, 'm.onnx'), '--arg', 'threshold=1000');
  assert.equal(e.code, 2);
  assert.match(e.err, /^onnx-lens: pass external-data: cannot save '.*m\.onnx': the external data file 'm\.onnx\.data' would be written through 'm\.onnx\.data' .* which is a symbolic link/);
  assert.equal(e.err.split('\n').length, 1);
  assert.deepEqual(snapshot(dst2), before);
  assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'keep');
  assert.equal(existsSync(join(dst2, 'm.onnx')), false);
  assert.deepEqual(tempFiles(dst2), []);
});
