/**
 * Parse speed: bytes -> ModelProto (protobufjs static code) and bytes -> IR, beside onnx's C++ parser
 * (`onnx.ModelProto.ParseFromString` from Debian's python3-onnx) on the same bytes in the same run.
 * Target (issue 2): within 3x of the C++ parse.
 */
import { readFileSync, existsSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { Session } from 'node:inspector';
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

/**
 * `--profile [model]` (default decoder_200): instead of the table, profiles 20 runs of bytes -> IR on one model
 * with the inspector's CPU profiler and prints where the time goes (self time per function, garbage collection
 * included), then the path of the written .cpuprofile (open it in Chrome DevTools or VS Code).
 * `node --import tsx --expose-gc bench/decode.bench.ts --profile decoder_48`
 */
function profile(name: string): void {
  const found = models.find((m) => m[0] === name);
  if (!found) {
    console.error(`no model named '${name}'; expected one of: ${models.map((m) => m[0]).join(', ')}`);
    process.exit(2);
  }
  const bytes = readFileSync(found[1]);
  for (let i = 0; i < 5; i++) decodeModel(bytes);
  const session = new Session();
  session.connect();
  let result: { profile: CpuProfile } | undefined;
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 100 });
  session.post('Profiler.start');
  const runs = 20;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) decodeModel(bytes);
  const wall = Number(process.hrtime.bigint() - t0) / 1e6 / runs;
  session.post('Profiler.stop', (err, r) => {
    if (err) throw err;
    result = r as { profile: CpuProfile };
  });
  session.disconnect();
  if (!result) throw new Error('the inspector did not return a profile');
  const p = result.profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i])!;
    const dt = p.timeDeltas[i] ?? 0;
    const f = n.callFrame;
    // Line numbers of .ts files are those of tsx's compiled output: name the file only.
    const where = !f.url ? '' : f.url.endsWith('.ts') ? f.url.split('/').slice(-2).join('/') : `${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  const out = join(mkdtempSync(join(tmpdir(), 'onnx-lens-decode-')), `${name}.cpuprofile`);
  writeFileSync(out, JSON.stringify(p));
  console.log(`${name}: ${runs} runs of bytes -> IR, ${wall.toFixed(1)} ms per run (profiler on); self time per run:`);
  for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
    console.log(`${(us / 1000 / runs).toFixed(2).padStart(8)} ms  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`);
  }
  console.log(`profile: ${out}`);
}
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}
const profileAt = process.argv.indexOf('--profile');
if (profileAt >= 0) {
  profile(process.argv[profileAt + 1] ?? 'decoder_200');
  process.exit(0);
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
