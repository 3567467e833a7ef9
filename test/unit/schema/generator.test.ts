// Runs scripts/gen-schema.mjs on small sources written here (tests never read ../shared), and checks
// that the committed operators.generated.json says what made it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '../../..');
const SCRIPT = join(REPO, 'scripts/gen-schema.mjs');

const param = (name: string, type: string, option = 'single', heterogeneous = false) => ({ name, type, option, heterogeneous });
const attr = (name: string, type: string, def: string | null = null, required = false) => ({ name, type, required, default: def });
const op = (domain: string, name: string, since: number, extra: Record<string, unknown> = {}) => ({
  domain, name, since_version: since, deprecated: false,
  attributes: [], inputs: [param('X', 'T')], outputs: [param('Y', 'T')],
  min_inputs: 1, max_inputs: 1, min_outputs: 1, max_outputs: 1,
  type_constraints: [{ name: 'T', allowed: ['tensor(float)', 'tensor(double)'] }],
  ...extra,
});
const deprecatedEmpty = (domain: string, name: string, since: number) => op(domain, name, since, {
  deprecated: true, attributes: [], inputs: [], outputs: [], min_inputs: 0, max_inputs: 0, min_outputs: 0, max_outputs: 0, type_constraints: [],
});

function sampleSource() {
  return {
    source: 'written by generator.test.ts',
    operators: [
      // Out of order on purpose: the output is sorted by domain, name, version.
      op('', 'Pool', 7, {
        attributes: [
          attr('axes', 'list of ints', "['0', '2', '3']"), attr('acts', 'list of strings', "['Tanh', 'Sigmoid']"),
          attr('scales', 'list of floats', "['0.5', '-1.25']"), attr('mode', 'string', 'nearest'),
          attr('eps', 'float', '1e-05'), attr('hi', 'float', '(3.5e+38)'), attr('k', 'int', '-1'),
          attr('body', 'graph', null, true),
        ],
      }),
      op('', 'Pool', 1),
      deprecatedEmpty('', 'Pool', 9),
      op('', 'Concat', 4, { inputs: [param('inputs', 'T', 'variadic')], max_inputs: null }),
      op('ai.onnx.ml', 'Zip', 1, {
        outputs: [param('Z', 'T')],
        type_constraints: [{ name: 'T', allowed: ['seq(map(string', 'float))', 'map(int64', 'double)', 'tensor(int64)'] }],
      }),
      op('', 'Selu', 6, { attributes: [attr('alpha', 'float', '1.67326')] }),
    ],
  };
}

function run(args: string[]) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

function withTmp(fn: (dir: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'gen-schema-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function generateFrom(dir: string, source: unknown, name = 'src.json') {
  const src = join(dir, name);
  const out = join(dir, 'out.json');
  const text = JSON.stringify(source, null, 1);
  writeFileSync(src, text);
  const r = run([src, '--out', out]);
  return { ...r, src, out, text };
}

test('the generator types defaults, rejoins map types, fills deprecated signatures and records the source hash', () => {
  withTmp((dir) => {
    const g = generateFrom(dir, sampleSource());
    assert.equal(g.status, 0, g.err);
    const file = JSON.parse(readFileSync(g.out, 'utf8'));
    assert.match(file.generated, /GENERATED.*scripts\/gen-schema\.mjs/);
    assert.equal(file.formatVersion, 1);
    assert.equal(file.source.file, 'src.json');
    assert.equal(file.source.sha256, createHash('sha256').update(g.text).digest('hex'));
    assert.equal(file.source.operatorVersions, 6);
    assert.equal(file.source.origin, 'written by generator.test.ts');

    const ops = file.operators as { d: string; n: string; v: number; [k: string]: unknown }[];
    assert.deepEqual(ops.map((o) => `${o.d}/${o.n}-${o.v}`), ['/Concat-4', '/Pool-1', '/Pool-7', '/Pool-9', '/Selu-6', 'ai.onnx.ml/Zip-1']);
    const pool7 = ops.find((o) => o.n === 'Pool' && o.v === 7)!;
    assert.deepEqual(pool7.a, [
      ['axes', 'INTS', 0, [0, 2, 3]], ['acts', 'STRINGS', 0, ['Tanh', 'Sigmoid']], ['scales', 'FLOATS', 0, [0.5, -1.25]],
      ['mode', 'STRING', 0, 'nearest'], ['eps', 'FLOAT', 0, 1e-5], ['hi', 'FLOAT', 0, 3.5e38], ['k', 'INT', 0, -1],
      ['body', 'GRAPH', 1],
    ]);
    // Deprecated with no signature: takes the version before it, and is marked.
    const pool9 = ops.find((o) => o.n === 'Pool' && o.v === 9)!;
    assert.equal(pool9.x, 1);
    assert.equal(pool9.s, 'Pool-7');
    assert.deepEqual(pool9.a, pool7.a);
    assert.deepEqual(pool9.io, [1, 1, 1, 1]);
    // Variadic, unbounded.
    const concat = ops.find((o) => o.n === 'Concat')!;
    assert.deepEqual(concat.i, [['inputs', 'T', 'v']]);
    assert.deepEqual(concat.io, [1, null, 1, 1]);
    // map(...) strings split at their comma are joined again.
    const zip = ops.find((o) => o.n === 'Zip')!;
    const [[, set]] = zip.c as [string, number][];
    assert.deepEqual(file.typeSets[set], ['seq(map(string, float))', 'map(int64, double)', 'tensor(int64)']);
    // A listed correction replaces the rounded printed float.
    const selu = ops.find((o) => o.n === 'Selu')!;
    assert.deepEqual(selu.a, [['alpha', 'FLOAT', 0, 1.67326319217681884765625]]);
    assert.ok(file.notes.some((n: string) => n.includes('Selu-6') && n.includes('1.67326')));
    assert.ok(file.notes.some((n: string) => n.includes('Pool-9') && n.includes('Pool-7')));
  });
});

test('the generator output depends only on the operators, not their order; --check tells stale from current', () => {
  withTmp((dir) => {
    const a = generateFrom(dir, sampleSource(), 'a.json');
    assert.equal(a.status, 0, a.err);
    const first = JSON.parse(readFileSync(a.out, 'utf8'));
    const shuffled = sampleSource();
    shuffled.operators.reverse();
    const b = generateFrom(dir, shuffled, 'b.json');
    assert.equal(b.status, 0, b.err);
    const second = JSON.parse(readFileSync(b.out, 'utf8'));
    assert.deepEqual(second.operators, first.operators);
    assert.deepEqual(second.typeSets, first.typeSets);

    assert.equal(run([b.src, '--out', b.out, '--check']).status, 0);
    writeFileSync(b.out, readFileSync(b.out, 'utf8').replace('"nearest"', '"linear"'));
    const stale = run([b.src, '--out', b.out, '--check']);
    assert.equal(stale.status, 1);
    assert.match(stale.err, /is not what scripts\/gen-schema\.mjs makes/);
  });
});

test('the generator refuses what it does not understand, naming the operator and what to do', () => {
  withTmp((dir) => {
    const cases: [string, (s: ReturnType<typeof sampleSource>) => void, RegExp][] = [
      ['correction no longer matches', (s) => { (s.operators[5].attributes as unknown[])[0] = attr('alpha', 'float', '1.5'); }, /Selu-6.*CORRECTIONS/],
      ['deprecated op with nothing to copy', (s) => { s.operators.push(deprecatedEmpty('', 'Lonely', 3)); }, /Lonely-3.*SIGNATURES/],
      ['unknown attribute type', (s) => { (s.operators[1].attributes as unknown[]).push(attr('q', 'quaternion')); }, /Pool-1.*attribute q.*quaternion/],
      ['bad list default', (s) => { (s.operators[1].attributes as unknown[]).push(attr('q', 'list of ints', "['1', 'x']")); }, /Pool-1 attribute q.*integer/],
      ['unbalanced type string', (s) => { s.operators[1].type_constraints = [{ name: 'T', allowed: ['map(int64'] }]; }, /Pool-1.*unbalanced/],
      ['undefined type variable', (s) => { s.operators[1].inputs = [param('X', 'U')]; }, /Pool-1.*parameter X has type U/],
      ['listed twice', (s) => { s.operators.push(op('', 'Pool', 1)); }, /Pool-1: listed twice/],
    ];
    for (const [what, mutate, expected] of cases) {
      const s = sampleSource();
      mutate(s);
      const g = generateFrom(dir, s);
      assert.equal(g.status, 1, `${what}: should fail`);
      assert.match(g.err, expected, what);
    }
    const missing = run([join(dir, 'nope.json'), '--out', join(dir, 'x.json')]);
    assert.equal(missing.status, 1);
    assert.match(missing.err, /cannot read .*nope\.json.*pass the path/);
  });
});

test('the committed operators.generated.json says it is generated, by what, and from which source', () => {
  const text = readFileSync(join(REPO, 'src/core/schema/operators.generated.json'), 'utf8');
  const file = JSON.parse(text);
  assert.match(file.generated, /GENERATED FILE, do not edit.*scripts\/gen-schema\.mjs/);
  assert.equal(file.formatVersion, 1);
  assert.equal(file.source.file, 'onnx-operators.json');
  assert.match(file.source.sha256, /^[0-9a-f]{64}$/);
  assert.equal(file.operators.length, file.source.operatorVersions);
  assert.equal(file.operators.length, 642);
  assert.ok(text.length < 400_000, `kept compact (${text.length} bytes)`);
});
