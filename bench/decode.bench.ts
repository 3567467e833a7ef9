/**
 * Parse speed: bytes -> ModelProto (protobufjs static code) and bytes -> IR, beside onnx's C++ parser
 * (`onnx.ModelProto.ParseFromString` from Debian's python3-onnx) on the same bytes in the same run.
 * Target (issue 2): within 3x of the C++ parse.
 */
import { readFileSync, existsSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { decodeModel, decodeModelProto } from '../src/core/codec/decode';
import { countNodes } from '../src/core/ir/traverse';

const root = join(__dirname, '..');
const models: [string, string][] = [];
for (const d of readdirSync(join(root, 'test/fixtures/models')).sort()) {
  const p = join(root, 'test/fixtures/models', d, 'model.onnx');
  if (existsSync(p)) models.push([d, p]);
}
for (const extra of ['decoder_200', 'resnet18_preserve']) {
  const p = join(root, 'test/fixtures/generated', extra, 'model.onnx');
  if (existsSync(p)) models.push([extra, p]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void, runs: number): number {
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    ts.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(ts);
}

function pythonTimes(paths: string[]): Map<string, number> | string {
  const py = '/usr/bin/python3';
  if (!existsSync(py)) return 'no /usr/bin/python3';
  const script = join(mkdtempSync(join(tmpdir(), 'onnx-lens-bench-')), 'parse.py');
  writeFileSync(
    script,
    [
      'import sys, time, json',
      'try:\n    import onnx\nexcept ImportError:\n    print(json.dumps({"error": "python3-onnx is not installed"})); sys.exit(0)',
      'out = {}',
      'for p in sys.argv[1:]:',
      '    b = open(p, "rb").read()',
      '    ts = []',
      '    for i in range(25):',
      '        t = time.perf_counter(); m = onnx.ModelProto(); m.ParseFromString(b); ts.append(time.perf_counter() - t)',
      '    ts.sort(); out[p] = ts[len(ts) // 2] * 1000',
      'print(json.dumps(out))',
    ].join('\n'),
  );
  const r = spawnSync(py, [script, ...paths], { encoding: 'utf8' });
  if (r.status !== 0) return `python3 failed: ${r.stderr.split('\n').slice(-2).join(' ')}`;
  const j = JSON.parse(r.stdout);
  if (j.error) return j.error;
  return new Map(Object.entries(j as Record<string, number>));
}

const py = pythonTimes(models.map((m) => m[1]));
if (typeof py === 'string') console.log(`(onnx C++ parse not measured: ${py})`);

const rows: string[][] = [['model', 'MB', 'nodes', 'proto ms', 'IR ms', 'MB/s (IR)', 'onnx C++ ms', 'IR / C++']];
for (const [name, path] of models) {
  const bytes = readFileSync(path);
  const runs = bytes.length > 5e6 ? 25 : 60;
  for (let i = 0; i < 5; i++) decodeModel(bytes); // warm the JIT
  const protoMs = time(() => decodeModelProto(bytes), runs);
  const irMs = time(() => decodeModel(bytes), runs);
  const nodes = countNodes(decodeModel(bytes));
  const cpp = typeof py === 'string' ? undefined : py.get(path);
  rows.push([
    name,
    (bytes.length / 1e6).toFixed(2),
    String(nodes),
    protoMs.toFixed(2),
    irMs.toFixed(2),
    (bytes.length / 1e6 / (irMs / 1000)).toFixed(0),
    cpp === undefined ? '-' : cpp.toFixed(2),
    cpp === undefined ? '-' : `${(irMs / cpp).toFixed(2)}x`,
  ]);
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  '));
