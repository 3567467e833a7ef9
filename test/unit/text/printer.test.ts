/**
 * The printer against onnx's own printer: test/fixtures/text/expected/ holds what onnx/defs/printer.cc printed
 * for the sample models, the feature models and ONNX's backend test models (test/fixtures/text/make_expected.py),
 * with tensor data cut to 16 values the way ONNX Lens does (the `.full` texts are onnx's output untouched).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModel, modelFromProto } from '../../../src/core/codec/decode';
import { onnx } from '../../../src/core/codec/pb';
import { DataType } from '../../../src/core/ir/dtype';
import { insertNode, renameValue } from '../../../src/core/ir/edit';
import { DEFAULT_MAX_TENSOR_VALUES, printModel, printName, quoteText } from '../../../src/core/text';
import { buildModel, floatTensor, graphProto } from '../../helpers/build';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');
const TEXT = join(FIXTURES, 'text');
const EXPECTED = join(TEXT, 'expected');

function load(path: string) {
  return decodeModel(readFileSync(path), { path });
}

/** Fails with the first differing line, which says far more than a 100 kB string diff. */
function assertSameText(actual: string, expected: string, what: string): void {
  if (actual === expected) return;
  const a = actual.split('\n');
  const e = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) {
      let c = 0;
      while (c < (a[i] ?? '').length && a[i]?.[c] === e[i]?.[c]) c++;
      assert.fail(
        `${what}: line ${i + 1} differs from onnx's printer at column ${c + 1}\n` +
          `  ours: ${(a[i] ?? '<no line>').slice(Math.max(0, c - 60), c + 60)}\n` +
          `  onnx: ${(e[i] ?? '<no line>').slice(Math.max(0, c - 60), c + 60)}`,
      );
    }
  }
}

test('the default cut is 16 values, as the expected files were made', () => {
  assert.equal(DEFAULT_MAX_TENSOR_VALUES, 16);
  const backend = JSON.parse(readFileSync(join(EXPECTED, 'backend.json'), 'utf8'));
  assert.equal(backend.maxTensorValues, DEFAULT_MAX_TENSOR_VALUES);
});

test('sample models print exactly as onnx.printer.to_text (tensor data cut at 16 values)', () => {
  const dir = join(FIXTURES, 'models');
  const names = readdirSync(dir).filter((d) => existsSync(join(dir, d, 'model.onnx')));
  assert.ok(names.length >= 14, `expected the 14 sample models; found ${names.length}`);
  for (const name of names) {
    const expected = readFileSync(join(EXPECTED, 'models', `${name}.txt`), 'utf8');
    const { text } = printModel(load(join(dir, name, 'model.onnx')));
    assertSameText(text, expected, name);
  }
});

test('feature models print exactly as onnx does, cut and in full', () => {
  const names = readdirSync(join(TEXT, 'models')).filter((f) => f.endsWith('.onnx')).map((f) => f.slice(0, -5));
  assert.deepEqual(names.sort(), ['attributes', 'dtypes', 'functions', 'names', 'numbers', 'subgraphs', 'types']);
  for (const name of names) {
    const model = load(join(TEXT, 'models', `${name}.onnx`));
    const short = readFileSync(join(EXPECTED, 'features', `${name}.txt`), 'utf8');
    const fullPath = join(EXPECTED, 'features', `${name}.full.txt`);
    const full = existsSync(fullPath) ? readFileSync(fullPath, 'utf8') : short;
    assertSameText(printModel(model).text, short, name);
    assertSameText(printModel(model, { maxTensorValues: Infinity }).text, full, `${name} (full)`);
  }
});

test("ONNX's backend test models print exactly as onnx does", () => {
  const backend = JSON.parse(readFileSync(join(EXPECTED, 'backend.json'), 'utf8')) as {
    full: Record<string, string>;
    elided: Record<string, string>;
  };
  const names = Object.keys(backend.full);
  assert.ok(names.length > 400, `expected the backend models; found ${names.length}`);
  for (const name of names) {
    const model = load(join(FIXTURES, 'onnx-backend-node', name, 'model.onnx'));
    assertSameText(printModel(model, { maxTensorValues: Infinity }).text, backend.full[name], name);
    assertSameText(printModel(model).text, backend.elided[name] ?? backend.full[name], `${name} (cut)`);
  }
});

test('decoder_48 (5,341 nodes) prints in under 300 ms', () => {
  const model = load(join(FIXTURES, 'models', 'decoder_48', 'model.onnx'));
  // Best of three: the first run also pays for compiling the printer.
  let best = Infinity;
  let lines = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const { map } = printModel(model);
    best = Math.min(best, performance.now() - t0);
    lines = map.lineCount;
  }
  assert.ok(best < 300, `printing decoder_48 took ${best.toFixed(0)} ms; expected under 300 ms`);
  assert.equal(lines, 5351);
});

test('names: identifiers bare, everything else quoted with \\ and " escaped', () => {
  assert.equal(printName('x'), 'x');
  assert.equal(printName('_a1'), '_a1');
  assert.equal(printName('1a'), '"1a"');
  assert.equal(printName(''), '""');
  assert.equal(printName('a.b'), '"a.b"');
  assert.equal(printName('é'), '"é"');
  assert.equal(printName('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(quoteText('line\nbreak'), '"line\nbreak"');
});

test('maxTensorValues: the first N values, then ... (0 shows none; strings keep their ", " separator)', () => {
  //   x ─Add(w)─▶ y      w: 5 floats;  s: 3 strings (an unused initializer)
  const model = buildModel({
    inputs: [{ name: 'x', dtype: DataType.FLOAT, shape: [5] }],
    outputs: [{ name: 'y', dtype: DataType.FLOAT, shape: [5] }],
    nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
    initializers: [
      floatTensor('w', [5], [1, 2, 3, 4, 5]),
      { name: 's', dataType: DataType.STRING, dims: [3], stringData: ['a', 'b', 'c'].map((s) => new TextEncoder().encode(s)) },
    ],
  });
  const init = (n: number) => printModel(model, { maxTensorValues: n }).text.split('\n')[6];
  assert.equal(init(2), '   <float[5] w =  {1,2,...}, string[3] s = {"a", "b", ...}>');
  assert.equal(init(5), '   <float[5] w =  {1,2,3,4,5}, string[3] s = {"a", "b", "c"}>');
  assert.equal(init(0), '   <float[5] w =  {...}, string[3] s = {...}>');
  assert.equal(init(Infinity), init(5));
});

test('wrapInitializers puts each entry of the <...> list on its own line, aligned after <', () => {
  const model = buildModel({
    inputs: [{ name: 'x', dtype: DataType.FLOAT, shape: [2] }],
    outputs: [{ name: 'y', dtype: DataType.FLOAT, shape: [2] }],
    nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['t'] }, { op: 'Mul', inputs: ['t', 'v'], outputs: ['y'] }],
    initializers: [floatTensor('w', [2], [1, 2]), floatTensor('v', [2], [3, 4])],
    valueInfo: [{ name: 't', dtype: DataType.FLOAT, shape: [2] }],
  });
  const { text, map } = printModel(model, { wrapInitializers: true });
  assert.deepEqual(text.split('\n').slice(6, 10), [
    '   <float[2] w =  {1,2},',
    '    float[2] v =  {3,4},',
    '    float[2] t>',
    '{',
  ]);
  const v = model.graph.lookup('v')!;
  assert.deepEqual(map.definitionOf(v), { start: { line: 7, character: 13 }, end: { line: 7, character: 14 } });
});

test('an edited model prints what it would save: renamed values, removed lists', () => {
  //   x ─Relu─▶ y
  const model = buildModel({
    inputs: [{ name: 'x', dtype: DataType.FLOAT, shape: [1] }],
    outputs: [{ name: 'y', dtype: DataType.FLOAT, shape: [1] }],
    nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['mid'] }, { op: 'Neg', inputs: ['mid'], outputs: ['y'] }],
  });
  renameValue(model.graph.lookup('mid')!, 'renamed value');
  const { text } = printModel(model);
  assert.match(text, /\n {3}"renamed value" = Relu \(x\)\n {3}y = Neg \("renamed value"\)\n\}$/);
  // A node inserted with a subgraph attribute given as a proto (the IR holds no Graph for it).
  const n = insertNode(model.graph, {
    opType: 'If',
    inputs: [model.graph.lookup('x')!],
    outputs: ['z'],
    attributes: [
      { name: 'then_branch', type: 5, g: graphProto({ name: 'b', outputs: [{ name: 'k' }], nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['k'] }] }) },
      { name: 'else_branch', type: 5, g: graphProto({ name: 'c', outputs: [{ name: 'x' }], nodes: [] }) },
    ],
  });
  const after = printModel(model);
  assert.deepEqual(after.text.split('\n').slice(-5), [
    '   z = If (x) <then_branch: graph = b () => ( k) {',
    '      k = Identity (x)',
    '   }, else_branch: graph = c () => ( x) {',
    '   }>',
    '}',
  ]);
  assert.deepEqual(after.map.nodeRange(n)!.end.line - after.map.nodeRange(n)!.start.line, 3);
});

test('raw_data that does not match its dims prints ... (onnx throws)', () => {
  const model = buildModel({
    inputs: [],
    outputs: [{ name: 'w' }],
    nodes: [],
    initializers: [{ name: 'w', dataType: DataType.FLOAT, dims: [3], rawData: new Uint8Array(8) }],
  });
  assert.match(printModel(model).text, /<float\[3\] w = \.\.\.>/);
});

test('carriage returns in names become line breaks, so the map stays on the lines an editor shows', () => {
  const model = buildModel({
    inputs: [{ name: 'a\r\nb\rc', dtype: DataType.FLOAT, shape: [1] }],
    outputs: [{ name: 'y', dtype: DataType.FLOAT, shape: [1] }],
    nodes: [{ op: 'Relu', inputs: ['a\r\nb\rc'], outputs: ['y'] }],
  });
  const { text, map } = printModel(model);
  assert.ok(!text.includes('\r'));
  const lines = text.split('\n');
  assert.equal(map.lineCount, lines.length);
  assert.deepEqual(lines.slice(4, 12), ['>', 'g (float[1] "a', 'b', 'c") => (float[1] y) {', '   y = Relu ("a', 'b', 'c")', '}']);
  const hit = map.at(6, 0);
  assert.equal(hit?.kind, 'value');
  assert.equal(hit?.kind === 'value' && hit.value.name, 'a\r\nb\rc');
});

test('protos built in code with fields set to undefined print like the same model decoded from bytes', () => {
  // Objects made in code may carry `undefined` for absent fields: presence must not count them.
  const proto = {
    irVersion: 9,
    opsetImport: [{ domain: '', version: 19 }],
    producerName: undefined,
    docString: undefined,
    graph: {
      name: 'g',
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: undefined } } }],
      node: [
        {
          name: undefined,
          opType: 'Constant',
          input: [],
          output: ['c'],
          attribute: [{ name: 'value', type: 4, refAttrName: undefined, t: { dataType: 1, dims: [], floatData: [1.5], dataLocation: undefined } }],
        },
        { opType: 'Add', input: ['x', 'c'], output: ['y'] },
      ],
      output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: undefined, dimParam: 'N' }] } } } }],
    },
  };
  const inCode = printModel(modelFromProto(proto as unknown as onnx.ModelProto)).text;
  const fromBytes = printModel(decodeModel(onnx.ModelProto.encode(proto as unknown as onnx.ModelProto).finish())).text;
  assert.equal(inCode, fromBytes);
  assert.deepEqual(inCode.split('\n').slice(3), [
    '>',
    'g (float[] x) => (float[N] y) {',
    '   c = Constant <value: tensor = float {1.5}> ()',
    '   y = Add (x, c)',
    '}',
  ]);
});
