// Round trips: every model in test/fixtures decodes to the IR and encodes back to the identical bytes
// (all of them were written canonically by onnx's C++ serializer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModel } from '../../../src/core/codec/decode';
import { encodeModel } from '../../../src/core/codec/encode';

const fixtures = join(__dirname, '../../fixtures');

function modelFiles(): string[] {
  const out: string[] = [];
  for (const group of ['models', 'onnx-backend-node']) {
    const dir = join(fixtures, group);
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name, 'model.onnx');
      if (existsSync(p)) out.push(p);
    }
  }
  return out;
}

test('every fixture model round-trips byte for byte through the IR', () => {
  const files = modelFiles();
  assert.ok(files.length > 400, `expected the fixture models, found ${files.length}`);
  const failures: string[] = [];
  for (const f of files) {
    const bytes = readFileSync(f);
    const model = decodeModel(bytes, { path: f });
    const out = encodeModel(model);
    if (Buffer.compare(Buffer.from(out), bytes) !== 0) failures.push(`${f}: ${bytes.length} -> ${out.length} bytes`);
  }
  assert.deepEqual(failures, []);
});
