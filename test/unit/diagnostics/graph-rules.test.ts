// Rules about the graph's structure: broken tensors and runtime I/O, names defined twice, undefined values,
// cycles and order, unused nodes/initializers/inputs, initializers listed as inputs. Graphs built in code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataType } from '../../../src/core/ir/dtype';
import { floatTensor, graphProto, type ModelSpec } from '../../helpers/build';
import { check, none, one, rawModel, summary, diagnose } from './helpers';

const F = DataType.FLOAT;
const io = (name: string, shape: number[] = [3]) => ({ name, dtype: F, shape });

// ---------------------------------------------------------------------------------------------- model-problems

test('model-problems: a tensor whose raw_data does not match its dims is an error on the tensor', () => {
  // x ──► Add(x, w) ──► y      w: float[4] with 3 floats of raw_data
  const spec: ModelSpec = {
    inputs: [io('x', [4])], outputs: [io('y', [4])],
    nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
    initializers: [{ ...floatTensor('w', [4], [1, 2, 3]) }],
  };
  const d = one(check(spec), 'tensor-invalid');
  assert.equal(d.severity, 'error');
  assert.equal(d.tensor, 'w');
  assert.match(d.message, /needs 16 bytes of raw_data; found 12.*re-export/);
  none(check({ ...spec, initializers: [floatTensor('w', [4], [1, 2, 3, 4])] }), 'tensor-invalid');
});

test('model-problems: a sequence graph input is a runtime-io warning (onnxruntime-node cannot pass it); tensors are fine', () => {
  // s: seq(float) ──► SequenceLength ──► n
  const g = graphProto({ nodes: [{ op: 'SequenceLength', inputs: ['s'], outputs: ['n'] }], outputs: [{ name: 'n', dtype: DataType.INT64, shape: [] }] });
  g.input = [{ name: 's', type: { sequenceType: { elemType: { tensorType: { elemType: F } } } } }];
  const list = diagnose(rawModel({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph: g }));
  const d = one(list, 'runtime-io');
  assert.equal(d.severity, 'warning');
  assert.equal(d.tensor, 's');
  assert.match(d.message, /sequence\(tensor\(float\)\).*only takes tensors/);
  assert.equal(list.filter((x) => x.severity === 'error').length, 0);
});

// ---------------------------------------------------------------------------------------------- names

test('names: a value produced twice and two nodes with one name are errors (onnxruntime refuses both)', () => {
  //  x ──► Relu ──► y
  //  x ──► Neg  ──► y     <- second definition of y
  const dup = check({ inputs: [io('x')], outputs: [io('y')], nodes: [
    { op: 'Relu', inputs: ['x'], outputs: ['y'], name: 'r' }, { op: 'Neg', inputs: ['x'], outputs: ['y'], name: 'n' },
  ] });
  const d = one(dup, 'duplicate-value');
  assert.equal(d.node?.name, 'n');
  assert.deepEqual(d.related?.map((n) => n.name), ['r']);
  assert.match(d.message, /'y' \(output 0\) is already defined by node r/);
  //  x ──► Relu "a" ──► t ──► Neg "a" ──► y
  const names = check({ inputs: [io('x')], outputs: [io('y')], nodes: [
    { op: 'Relu', inputs: ['x'], outputs: ['t'], name: 'a' }, { op: 'Neg', inputs: ['t'], outputs: ['y'], name: 'a' },
  ] });
  assert.equal(one(names, 'duplicate-node-name').severity, 'error');
  none(names, 'duplicate-value');
  // a node output that is also an initializer
  const init = check({ inputs: [io('x')], outputs: [io('y')], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], initializers: [floatTensor('y', [3], [1, 2, 3])] });
  assert.match(one(init, 'duplicate-value').message, /already defined by an initializer/);
});

test('names: an output listed twice is a warning; a subgraph value shadowing an outer one is a warning; unique names are fine', () => {
  const twice = check({ inputs: [io('x')], outputs: [io('y'), io('y')], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] });
  assert.equal(one(twice, 'duplicate-output').severity, 'warning');
  // c, x ──► If ──► y       then: Relu(x) ──► t (t also defined outside)    else: Neg(x) ──► u
  //  x ──► Abs ──► t ──► (output z)
  const branch = (op: string, out: string) => graphProto({ name: op, nodes: [{ op, inputs: ['x'], outputs: [out] }], outputs: [{ name: out, dtype: F }] });
  const spec: ModelSpec = {
    inputs: [{ name: 'c', dtype: DataType.BOOL, shape: [] }, io('x')], outputs: [io('y'), io('z')],
    nodes: [
      { op: 'Abs', inputs: ['x'], outputs: ['t'] },
      { op: 'If', inputs: ['c'], outputs: ['y'], name: 'if', attrs: { then_branch: branch('Relu', 't'), else_branch: branch('Neg', 'u') } },
      { op: 'Identity', inputs: ['t'], outputs: ['z'] },
    ],
  };
  const sh = one(check(spec), 'shadowed-name');
  assert.equal(sh.severity, 'warning');
  assert.match(sh.graph.path, /if\.then_branch/);
  assert.deepEqual(check({ inputs: [io('x')], outputs: [io('y')], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'], name: 'a' }] }), []);
});

// ---------------------------------------------------------------------------------------------- undefined-values

test('undefined-values: an input nothing defines and an output nothing produces are errors', () => {
  //  ghost ──► Add(x, ghost) ──► y        (z: listed as output, produced by nobody)
  const list = check({ inputs: [io('x')], outputs: [io('y'), io('z')], nodes: [{ op: 'Add', inputs: ['x', 'ghost'], outputs: ['y'], name: 'add' }] });
  const u = one(list, 'undefined-input');
  assert.equal(u.tensor, 'ghost');
  assert.match(u.message, /input 1 'ghost' is not a graph input, an initializer or the output of any node/);
  assert.equal(one(list, 'output-undefined').tensor, 'z');
  // Outer-scope reads from a subgraph are defined.
  const branch = (op: string, out: string) => graphProto({ name: op, nodes: [{ op, inputs: ['x'], outputs: [out] }], outputs: [{ name: out, dtype: F }] });
  const ok = check({
    inputs: [{ name: 'c', dtype: DataType.BOOL, shape: [] }, io('x')], outputs: [io('y')],
    nodes: [{ op: 'If', inputs: ['c'], outputs: ['y'], attrs: { then_branch: branch('Relu', 'a'), else_branch: branch('Neg', 'b') } }],
  });
  assert.deepEqual(summary(ok), []);
});

// ---------------------------------------------------------------------------------------------- cycle

test('cycle: nodes that depend on their own output are an error with the cycle as related', () => {
  //  x ──► Add(x, t2) ──► t1 ──► Neg ──► t2 ─┐
  //              ▲────────────────────────────┘      y = Identity(t1)
  const list = check({ inputs: [io('x')], outputs: [io('y')], nodes: [
    { op: 'Add', inputs: ['x', 't2'], outputs: ['t1'], name: 'add' },
    { op: 'Neg', inputs: ['t1'], outputs: ['t2'], name: 'neg' },
    { op: 'Identity', inputs: ['t1'], outputs: ['y'], name: 'id' },
  ] }, { inference: false });
  const d = one(list, 'cycle');
  assert.equal(d.severity, 'error');
  assert.deepEqual(d.related?.map((n) => n.name).sort(), ['add', 'id', 'neg']);
  none(list, 'not-topologically-sorted');
});

test('cycle: a node listed before its producer is a warning (not-topologically-sorted); sorted graphs are fine', () => {
  //  file order: Neg(t) ──► y  listed before  Relu(x) ──► t
  const list = check({ inputs: [io('x')], outputs: [io('y')], nodes: [
    { op: 'Neg', inputs: ['t'], outputs: ['y'], name: 'neg' }, { op: 'Relu', inputs: ['x'], outputs: ['t'], name: 'relu' },
  ] });
  const d = one(list, 'not-topologically-sorted');
  assert.equal(d.node?.name, 'neg');
  assert.equal(d.severity, 'warning');
  assert.deepEqual(summary(list), ['warning not-topologically-sorted @neg']);
});

// ---------------------------------------------------------------------------------------------- unused

test('unused: a dead end with the nodes feeding only it, an unused initializer and an unused input', () => {
  //  x ──► Neg ──► a ──► Relu ──► b      (b read by nobody: Relu is the dead end, Neg feeds only it)
  //  x ──► Abs ──► y (output)            w: initializer read by nobody        u: graph input read by nobody
  const list = check({
    inputs: [io('x'), io('u')], outputs: [io('y')],
    nodes: [
      { op: 'Neg', inputs: ['x'], outputs: ['a'], name: 'neg' },
      { op: 'Relu', inputs: ['a'], outputs: ['b'], name: 'relu' },
      { op: 'Abs', inputs: ['x'], outputs: ['y'], name: 'abs' },
    ],
    initializers: [floatTensor('w', [3], [1, 2, 3])],
  });
  const d = one(list, 'unused-node');
  assert.equal(d.node?.name, 'relu');
  assert.equal(d.severity, 'warning');
  assert.deepEqual(d.related?.map((n) => n.name), ['neg']);
  assert.deepEqual(d.fixes?.map((f) => f.id), ['remove-unused']);
  assert.match(d.message, /nothing reads the output of relu \('b'\), so it and 1 node feeding only it/);
  const w = one(list, 'unused-initializer');
  assert.equal(w.tensor, 'w');
  assert.deepEqual(w.fixes?.[0].args, { initializers: ['w'] });
  assert.equal(one(list, 'unused-input').tensor, 'u');
});

test('unused: a value read only inside an If branch is used; a node feeding a live one is live', () => {
  //  x ──► Neg ──► a ···► If.then_branch: Relu(a)        x ──► Abs ──► b ──► Exp ──► y
  const branch = (op: string, out: string) => graphProto({ name: op, nodes: [{ op, inputs: ['a'], outputs: [out] }], outputs: [{ name: out, dtype: F }] });
  const list = check({
    inputs: [{ name: 'c', dtype: DataType.BOOL, shape: [] }, io('x')], outputs: [io('y'), io('z')],
    nodes: [
      { op: 'Neg', inputs: ['x'], outputs: ['a'] },
      { op: 'If', inputs: ['c'], outputs: ['z'], attrs: { then_branch: branch('Relu', 'p'), else_branch: branch('Sigmoid', 'q') } },
      { op: 'Abs', inputs: ['x'], outputs: ['b'] },
      { op: 'Exp', inputs: ['b'], outputs: ['y'] },
    ],
  });
  assert.deepEqual(summary(list), []);
});

// ---------------------------------------------------------------------------------------------- initializer-input

test('initializer-input: from IR 4, initializers listed as inputs are one info per graph; at IR 3 they are required', () => {
  //  x, w (input and initializer) ──► Add ──► y
  const spec = (ir: number): ModelSpec => ({
    irVersion: ir, opset: 8,
    inputs: [io('x'), io('w')], outputs: [io('y')],
    nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
    initializers: [floatTensor('w', [3], [1, 2, 3])],
  });
  const d = one(check(spec(8)), 'initializer-is-input');
  assert.equal(d.severity, 'info');
  assert.match(d.message, /1 initializer is also listed as graph input \('w'\)/);
  assert.deepEqual(check(spec(3)), []);
});

test('unused: a Loop body may leave its iteration input unread, and its condition pass-through Identity is needed', () => {
  //  n, c, x ──► Loop ──► y      body(i, cin, acc): cout = Identity(cin); acc2 = Add(acc, x)   (i is never read)
  const body = graphProto({
    name: 'body',
    inputs: [{ name: 'i', dtype: DataType.INT64, shape: [] }, { name: 'cin', dtype: DataType.BOOL, shape: [] }, io('acc')],
    outputs: [{ name: 'cout', dtype: DataType.BOOL, shape: [] }, io('acc2')],
    nodes: [{ op: 'Identity', inputs: ['cin'], outputs: ['cout'] }, { op: 'Add', inputs: ['acc', 'x'], outputs: ['acc2'] }],
  });
  const list = check({
    opset: 13,
    inputs: [io('x'), { name: 'n', dtype: DataType.INT64, shape: [] }, { name: 'c', dtype: DataType.BOOL, shape: [] }], outputs: [io('y')],
    nodes: [{ op: 'Loop', inputs: ['n', 'c', 'x'], outputs: ['y'], attrs: { body } }],
  });
  assert.deepEqual(summary(list), []);
  // The same unread input in the main graph is reported.
  assert.equal(one(check({ inputs: [io('x'), io('i')], outputs: [io('y')], nodes: [{ op: 'Neg', inputs: ['x'], outputs: ['y'] }] }), 'unused-input').tensor, 'i');
});
