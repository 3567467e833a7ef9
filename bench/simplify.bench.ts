/**
 * simplify beside onnxruntime's own 'basic' graph optimization, on every sample model: node counts after each,
 * and the time each takes (ours: decode + simplify + encode; onnxruntime: creating a session at level 'basic'
 * with optimizedModelFilePath, as measured in its child process). Target (issue 6): no more nodes, less time,
 * same outputs (the outputs are checked by test/unit/passes/simplify-models.test.ts). DESIGN.md measured
 * onnxruntime at 5.7 s on decoder_48 and 64 s on the 22k-node decoder_200; ONNX_LENS_BENCH_LARGE=1 adds
 * decoder_200 (test/fixtures/generated) when it is there.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeClient } from '../src/runtime/client';
import { decodeModel } from '../src/core/codec/decode';
import { encodeModel } from '../src/core/codec/encode';
import { countNodes } from '../src/core/ir/traverse';
import { simplifyModel } from '../src/core/passes/simplify';

const root = join(__dirname, '..');

async function main(): Promise<void> {
  const models: [string, string][] = [];
  for (const d of readdirSync(join(root, 'test/fixtures/models')).sort()) {
    const p = join(root, 'test/fixtures/models', d, 'model.onnx');
    if (existsSync(p)) models.push([d, p]);
  }
  const d200 = join(root, 'test/fixtures/generated/decoder_200/model.onnx');
  if (process.env.ONNX_LENS_BENCH_LARGE === '1' && existsSync(d200)) models.push(['decoder_200', d200]);
  const rt = new RuntimeClient({ timeoutMs: 600_000 });
  const tmp = mkdtempSync(join(tmpdir(), 'onnx-lens-bench-simplify-'));
  const rows: string[][] = [['model', 'nodes', 'ours', 'ORT basic', 'ours ms', 'ORT basic ms', 'ours w/o runtime ms']];
  try {
    // Warm up (JIT) on one model, untimed, so that the first row is not the compiler's.
    await simplifyModel(decodeModel(readFileSync(join(root, 'test/fixtures/models/bert_tiny/model.onnx'))), {}, { runtime: rt });
    for (const [name, file] of models) {
      const bytes = readFileSync(file);
      // Ours, with the runtime child for float constant subgraphs (already running: not part of the time).
      const t0 = performance.now();
      const model = decodeModel(bytes, { path: file });
      const before = countNodes(model);
      await simplifyModel(model, {}, { runtime: rt });
      encodeModel(model);
      const ours = performance.now() - t0;
      const t1 = performance.now();
      const plain = decodeModel(bytes, { path: file });
      await simplifyModel(plain);
      encodeModel(plain);
      const oursPlain = performance.now() - t1;
      // onnxruntime basic.
      let ortNodes = '-';
      let ortMs = '-';
      try {
        const out = join(tmp, `${name}.onnx`);
        const s = await rt.load({ modelPath: file, options: { graphOptimizationLevel: 'basic', optimizedModelFilePath: out } });
        await rt.release(s.sessionId);
        ortNodes = String(countNodes(decodeModel(readFileSync(out))));
        ortMs = s.loadMs.toFixed(0);
      } catch (e) {
        ortNodes = /not a registered function|NOT_IMPLEMENTED|not implemented/i.test(String((e as Error).message)) ? '(no kernel)' : '(fails)';
      }
      rows.push([name, String(before), String(countNodes(model)), ortNodes, ours.toFixed(0), ortMs, oursPlain.toFixed(0)]);
    }
  } finally {
    await rt.dispose();
    rmSync(tmp, { recursive: true, force: true });
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
