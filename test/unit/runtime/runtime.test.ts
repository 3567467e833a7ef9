// RuntimeClient + child process on real models: results, every dtype, fetches, refusals, bench, the bundled child.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataType, dtypeName, rawByteLength } from '../../../src/core/ir/dtype';
import type { HostTensor } from '../../../src/core/ir/hosttensor';
import { RuntimeClient, RuntimeError } from '../../../src/runtime/client';
import { IDENTITY_DTYPES, addMul, fixtureFiles, identityAllDtypes } from '../../fixtures/runtime/models';
import { BACKEND, MODELS, REPO, assertTensorClose, f32, readNpy, tensorFromPb, values } from './helpers';

const logs: string[] = [];
const client = new RuntimeClient({ log: (line) => logs.push(line), timeoutMs: 20_000 });
after(() => client.dispose());

async function rejects(p: Promise<unknown>, kind: string, message?: RegExp): Promise<RuntimeError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RuntimeError, `expected a RuntimeError, got ${String(e)}`);
    assert.equal(e.kind, kind, `kind of: ${e.message}`);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected a RuntimeError of kind ${kind}, but the request succeeded`);
}

test('info reports the installed onnxruntime-node, its providers and the child pid', async () => {
  const info = await client.info();
  const pkg = JSON.parse(readFileSync(join(REPO, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8'));
  assert.equal(info.ortVersion, pkg.version);
  assert.ok(info.availableProviders.some((p) => p.name === 'cpu' && p.bundled), JSON.stringify(info.availableProviders));
  assert.notEqual(info.pid, process.pid, 'onnxruntime must run in a child process');
  assert.equal(info.pid, client.pid);
  assert.equal(client.childrenStarted, 1);
});

test('PyTorch sample models (by path) reproduce PyTorch outputs from their .npy files', async () => {
  for (const name of ['seed_linear', 'seed_two_heads', 'seed_dynamic_batch']) {
    const dir = join(MODELS, name);
    const s = await client.load({ modelPath: join(dir, 'model.onnx') });
    const feeds = s.inputNames.map((n, k) => ({ ...readNpy(join(dir, `input_${k}.npy`)), name: n }));
    const r = await client.run(s.sessionId, feeds);
    assert.deepEqual(r.outputs.map((o) => o.name), s.outputNames);
    r.outputs.forEach((o, k) => assertTensorClose(o, readNpy(join(dir, `output_${k}.npy`)), `${name} ${o.name}`, 1e-4, 1e-5));
    assert.ok(r.timings.runMs >= 0 && r.timings.feedMs >= 0 && r.timings.fetchMs >= 0);
    assert.equal(await client.release(s.sessionId), true);
  }
});

const BACKEND_CASES = [
  'test_abs', 'test_and2d', 'test_argmax_default_axis_example', 'test_bitshift_left_uint8',
  'test_bitshift_right_uint32', 'test_cast_FLOAT_to_FLOAT16', 'test_cast_FLOAT16_to_DOUBLE',
  'test_cast_STRING_to_FLOAT', 'test_castlike_FLOAT_to_STRING_expanded', 'test_clip_default_int8_max',
  'test_min_int64', 'test_min_uint64', 'test_max_uint32', 'test_max_float16', 'test_mod_mixed_sign_int8',
  'test_pow_types_int64_int64',
];

test('ONNX backend cases (by bytes) match their reference outputs across dtypes', async () => {
  for (const name of BACKEND_CASES) {
    const dir = join(BACKEND, name);
    const s = await client.load({ modelBytes: readFileSync(join(dir, 'model.onnx')) });
    const feeds: HostTensor[] = [];
    for (let k = 0; existsSync(join(dir, 'test_data_set_0', `input_${k}.pb`)); k++) {
      feeds.push({ ...tensorFromPb(readFileSync(join(dir, 'test_data_set_0', `input_${k}.pb`))), name: s.inputNames[k] });
    }
    const r = await client.run(s.sessionId, feeds);
    r.outputs.forEach((o, k) => {
      const expected = tensorFromPb(readFileSync(join(dir, 'test_data_set_0', `output_${k}.pb`)));
      if (name.endsWith('_to_STRING_expanded')) {
        // onnxruntime prints floats with more digits than ONNX's reference ('0.60484552' vs '0.6048455'): compare the numbers.
        assert.equal(o.dtype, DataType.STRING);
        const a = values(o).map(Number);
        const e = values(expected).map(Number);
        assert.equal(a.length, e.length);
        a.forEach((x, i) => assert.ok(Math.abs(x - e[i]) <= 1e-6 * Math.abs(e[i]), `${name}[${i}]: ${x} vs ${e[i]}`));
      } else {
        assertTensorClose(o, expected, `${name} ${o.name}`);
      }
    });
    await client.release(s.sessionId);
  }
});

/** Deterministic bytes for a dtype: any bit pattern for numbers, 0/1 for bool, assorted UTF-8 for strings. */
function sample(dtype: DataType, dims: number[], seed: number): HostTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const name = `x_${dtypeName(dtype)}`;
  if (dtype === DataType.STRING) {
    const words = ['', 'héllo', '数据', 'a\tb\n', '🙂 ok', `seed ${seed}`];
    return { name, dtype, dims, data: new Uint8Array(0), strings: Array.from({ length: n }, (_, i) => new TextEncoder().encode(words[(i + seed) % words.length])) };
  }
  const bytes = new Uint8Array(rawByteLength(dtype, n)!);
  let x = seed * 2654435761;
  for (let i = 0; i < bytes.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = dtype === DataType.BOOL ? (x >>> 16) & 1 : (x >>> 16) & 0xff;
  }
  return { name, dtype, dims, data: bytes };
}

test('every element type round-trips bit-exactly through onnxruntime (Identity), from unaligned views too', async () => {
  const s = await client.load({ modelBytes: identityAllDtypes() });
  assert.equal(s.inputNames.length, IDENTITY_DTYPES.length);
  const feeds = IDENTITY_DTYPES.map((d, i) => {
    const t = sample(d, [2, 3], i + 1);
    // An odd offset inside a bigger buffer: the child must not assume alignment.
    const padded = new Uint8Array(t.data.byteLength + 3);
    padded.set(t.data, 1);
    return { ...t, data: padded.subarray(1, 1 + t.data.byteLength) };
  });
  const r = await client.run(s.sessionId, feeds);
  for (let i = 0; i < IDENTITY_DTYPES.length; i++) {
    const d = IDENTITY_DTYPES[i];
    const o = r.outputs[i];
    const what = dtypeName(d);
    assert.equal(o.name, `y_${what}`);
    assert.equal(o.dtype, d, what);
    assert.deepEqual(o.dims, [2, 3], what);
    if (d === DataType.STRING) {
      assert.deepEqual(o.strings!.map((b) => Buffer.from(b).toString('hex')), feeds[i].strings!.map((b) => Buffer.from(b).toString('hex')), what);
    } else {
      assert.deepEqual(Buffer.from(o.data).toString('hex'), Buffer.from(feeds[i].data).toString('hex'), what);
    }
  }
  const meta = Object.fromEntries(s.inputMetadata.map((m) => [m.name, m.type]));
  assert.equal(meta.x_float16, 'float16');
  assert.equal(meta.x_uint64, 'uint64');
  await client.release(s.sessionId);
});

test('fetches choose and order the outputs; metadata keeps symbolic dims', async () => {
  const s = await client.load({ modelBytes: addMul(), options: { graphOptimizationLevel: 'basic', intraOpNumThreads: 1, executionProviders: ['cpu'], logSeverityLevel: 3 } });
  assert.deepEqual(s.inputMetadata[0], { name: 'a', isTensor: true, type: 'float32', shape: ['n'] });
  const feeds = [f32('a', [3], [1, 2, 3]), f32('b', [3], [10, 20, 30])];
  const one = await client.run(s.sessionId, feeds, { fetches: ['prod'] });
  assert.deepEqual(one.outputs.map((o) => [o.name, values(o)]), [['prod', [10, 40, 90]]]);
  const both = await client.run(s.sessionId, [feeds[1], feeds[0]], { fetches: ['prod', 'sum'] });
  assert.deepEqual(both.outputs.map((o) => [o.name, values(o)]), [['prod', [10, 40, 90]], ['sum', [11, 22, 33]]]);
  await client.release(s.sessionId);
});

test('bad feeds are refused by name in the child, onnxruntime errors come back as ort-error, and the session stays usable', async () => {
  const pid = client.pid;
  const s = await client.load({ modelBytes: addMul() });
  const a = f32('a', [2], [1, 2]);
  const b = f32('b', [2], [3, 4]);
  await rejects(client.run(s.sessionId, [a, { ...b, dtype: DataType.BFLOAT16, data: new Uint8Array(4) }]), 'refused',
    /feed 'b' has element type bfloat16, which onnxruntime-node's JS API cannot take; supported: float, double/);
  await rejects(client.run(s.sessionId, [a, { ...b, data: new Uint8Array(7) }]), 'refused', /float of shape \[2\] \(2 elements, 8 bytes\) but its data has 7 bytes/);
  await rejects(client.run(s.sessionId, [a, { ...b, dims: [-1] }]), 'refused', /invalid shape: dim 0 is negative/);
  const str = await client.load({ modelBytes: identityAllDtypes() });
  const strFeeds = IDENTITY_DTYPES.map((d, i) => sample(d, [2, 3], i));
  const si = IDENTITY_DTYPES.indexOf(DataType.STRING);
  const withNul = { ...strFeeds[si], strings: strFeeds[si].strings!.map((x, i) => (i === 4 ? Uint8Array.from([0x61, 0, 0x62]) : x)) };
  await rejects(client.run(str.sessionId, strFeeds.map((f, i) => (i === si ? withNul : f))), 'refused', /feed 'x_string': string 4 contains a NUL byte/);
  const badUtf8 = { ...strFeeds[si], strings: strFeeds[si].strings!.map((x, i) => (i === 1 ? Uint8Array.from([0xff, 0xfe]) : x)) };
  await rejects(client.run(str.sessionId, strFeeds.map((f, i) => (i === si ? badUtf8 : f))), 'refused', /string 1 is not valid UTF-8/);
  await rejects(client.run(str.sessionId, strFeeds.map((f, i) => (i === si ? { ...f, strings: f.strings!.slice(1) } : f))), 'refused',
    /string tensor of shape \[2, 3\] \(6 elements\) but holds 5 strings/);
  await client.release(str.sessionId);
  await rejects(client.run(s.sessionId, [a, { ...b, name: 'c' }]), 'refused', /named 'c', which is not an input of this session; its inputs are 'a', 'b'/);
  await rejects(client.run(s.sessionId, [a]), 'refused', /no feed for input 'b'; the session takes 'a', 'b'/);
  await rejects(client.run(s.sessionId, [a, a, b]), 'refused', /input 'a' is fed twice/);
  await rejects(client.run(s.sessionId, [a, b], { fetches: ['nope'] }), 'refused', /cannot fetch 'nope': the session's outputs are 'sum', 'prod'/);
  await rejects(client.run(s.sessionId, [a, { ...b, dtype: DataType.INT32 }]), 'ort-error', /type/i);
  await rejects(client.run(s.sessionId, [a, f32('b', [3], [1, 2, 3])]), 'ort-error');
  const ok = await client.run(s.sessionId, [a, b]);
  assert.deepEqual(values(ok.outputs[0]), [4, 6]);
  await rejects(client.load({ modelBytes: addMul(), options: { graphOptimizationLevel: 'fast' as never } }), 'refused', /graphOptimizationLevel must be one of/);
  await rejects(client.request({ type: 'bogus' } as never), 'refused', /unknown request type 'bogus'/);
  assert.equal(client.pid, pid, 'none of this may restart the child');
  await client.release(s.sessionId);
});

test('loads onnxruntime cannot do are ort-errors naming the cause (forced past the type check where it would refuse)', async () => {
  await rejects(client.load({ modelPath: join(MODELS, 'seed_deform_conv', 'model.onnx') }), 'ort-error', /deform_conv2d|custom/);
  // The type check refuses bfloat16 I/O; forced through, onnxruntime-node itself fails on it.
  const bf16 = join(BACKEND, 'test_cast_FLOAT_to_BFLOAT16', 'model.onnx');
  await rejects(client.load({ modelPath: bf16 }), 'refused', /output 'output' is a tensor\(bfloat16\)/);
  await rejects(client.load({ modelPath: bf16, unsafeSkipTypeCheck: true }), 'ort-error', /Unsupported data type: 16/);
  await rejects(client.load({ modelBytes: Uint8Array.from([1, 2, 3]), unsafeSkipTypeCheck: true }), 'ort-error');
});

test('load refusals happen in the parent: non-tensor I/O, unreadable files, bad arguments', async () => {
  const fresh = new RuntimeClient();
  try {
    const e = await rejects(fresh.load({ modelPath: join(BACKEND, 'test_sequence_insert_at_front', 'model.onnx') }), 'refused',
      /input 'sequence' is a sequence\(tensor\(int64\)\); onnxruntime-node's JS API only takes tensors/);
    assert.deepEqual(e.problems!.map((p) => `${p.io} ${p.name}`), ['input sequence', 'output output_sequence']);
    await rejects(fresh.load({ modelPath: join(REPO, 'no-such-model.onnx') }), 'refused', /cannot read the model file .*no-such-model\.onnx: ENOENT/);
    await rejects(fresh.load({ modelBytes: Uint8Array.from([0x3a, 0x7f]) }), 'refused', /not a well-formed ONNX model/);
    await rejects(fresh.load({}), 'refused', /exactly one of modelPath and modelBytes; found neither/);
    await rejects(fresh.load({ modelPath: 'x.onnx', modelBytes: new Uint8Array(1) }), 'refused', /found both/);
    await rejects(fresh.run('someone-else#1', []), 'invalid-session', /not created by this runtime client/);
    assert.equal(fresh.childrenStarted, 0, 'no child process may start for any of these');
    assert.equal(fresh.pid, undefined);
  } finally {
    await fresh.dispose();
  }
});

test('release frees a session; using it afterwards names the session', async () => {
  const s = await client.load({ modelBytes: addMul() });
  assert.equal(await client.release(s.sessionId), true);
  assert.equal(await client.release(s.sessionId), false);
  await rejects(client.run(s.sessionId, [f32('a', [1], [1]), f32('b', [1], [1])]), 'invalid-session',
    new RegExp(`session '${s.sessionId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' is not open in this runtime process`));
});

test('bench times each session.run inside the child', async () => {
  const s = await client.load({ modelPath: join(MODELS, 'seed_linear', 'model.onnx') });
  const feeds = [{ ...readNpy(join(MODELS, 'seed_linear', 'input_0.npy')), name: s.inputNames[0] }];
  const b = await client.bench(s.sessionId, feeds, { warmup: 3, iterations: 20 });
  assert.equal(b.warmupMs.length, 3);
  assert.equal(b.latenciesMs.length, 20);
  for (const ms of [...b.warmupMs, ...b.latenciesMs]) assert.ok(ms > 0 && ms < 1000, `latency ${ms}`);
  await rejects(client.bench(s.sessionId, feeds, { warmup: -1, iterations: 1 }), 'refused', /warmup must be a non-negative integer/);
  await client.release(s.sessionId);
});

test('many requests in flight are answered in order, each with its own result', async () => {
  const s = await client.load({ modelBytes: addMul() });
  const runs = Array.from({ length: 40 }, (_, i) => client.run(s.sessionId, [f32('a', [1], [i]), f32('b', [1], [1])], { fetches: ['sum'] }));
  const results = await Promise.all(runs);
  assert.deepEqual(results.map((r) => values(r.outputs[0])[0]), Array.from({ length: 40 }, (_, i) => i + 1));
  await client.release(s.sessionId);
});

test('the bundled child (esbuild, as dist/runtime-child.js is built) works with onnxruntime-node kept external', async () => {
  const esbuild = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'onnx-lens-runtime-'));
  try {
    const outfile = join(dir, 'runtime-child.js');
    await esbuild.build({
      entryPoints: [join(REPO, 'src', 'runtime', 'child.ts')], outfile, bundle: true, platform: 'node',
      target: 'node20', format: 'cjs', external: ['vscode', 'onnxruntime-node'], logLevel: 'silent',
    });
    const bundled = new RuntimeClient({ childPath: outfile, env: { ...process.env, NODE_PATH: join(REPO, 'node_modules') } });
    try {
      const info = await bundled.info();
      assert.equal(info.pid, bundled.pid);
      const s = await bundled.load({ modelBytes: addMul() });
      const r = await bundled.run(s.sessionId, [f32('a', [2], [1, 2]), f32('b', [2], [3, 4])]);
      assert.deepEqual(values(r.outputs[1]), [3, 8]);
    } finally {
      await bundled.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the committed fixture models match their builders (regenerate with test/fixtures/runtime/generate.ts)', () => {
  for (const [name, bytes] of Object.entries(fixtureFiles())) {
    const onDisk = readFileSync(join(REPO, 'test', 'fixtures', 'runtime', name));
    assert.ok(Buffer.from(bytes).equals(onDisk), `${name} differs from its builder`);
  }
});

test('stopping the client: pending requests fail as disposed, later calls too', async () => {
  const c = new RuntimeClient();
  const pending = c.info();
  await c.dispose();
  await rejects(pending, 'disposed');
  await rejects(c.info(), 'disposed', /create a new one/);
  await rejects(c.load({ modelBytes: addMul() }), 'disposed');
  assert.equal(c.pid, undefined);
});

test('onnxruntime-node is loaded only by the child: no other source file imports or requires it (type imports aside)', () => {
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|js|mjs|cjs)$/.test(name) && !p.includes(`${join('codec', 'generated')}`)) {
        const text = readFileSync(p, 'utf8');
        const runtimeUse = /(?:^|\n)\s*import\s+(?!type\b)[^;]*from\s+['"]onnxruntime-node['"]|require\(\s*['"]onnxruntime-node['"]\s*\)|import\(\s*['"]onnxruntime-node['"]\s*\)/;
        if (runtimeUse.test(text) && p !== join(REPO, 'src', 'runtime', 'child.ts')) offenders.push(p);
      }
    }
  };
  walk(join(REPO, 'src'));
  assert.deepEqual(offenders, [], 'only src/runtime/child.ts may load onnxruntime-node');
  // And the child really does: the check above is not vacuous.
  assert.match(readFileSync(join(REPO, 'src', 'runtime', 'child.ts'), 'utf8'), /require\('onnxruntime-node'\)/);
});
