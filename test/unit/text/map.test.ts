/**
 * The source map of the printed text: hovers (what is at a position), go to definition, references, node and
 * graph ranges, the outline, diagnostic anchors; and, over every fixture model, that each node owns exactly
 * one line or block of the text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModel, modelFromProto } from '../../../src/core/codec/decode';
import type { onnx } from '../../../src/core/codec/pb';
import { DataType } from '../../../src/core/ir/dtype';
import type { Graph, Model, Node, Value } from '../../../src/core/ir/model';
import { runDiagnostics } from '../../../src/core/diagnostics';
import { printModel, printName, type Range, type TextMap } from '../../../src/core/text';
import { buildModel, floatTensor, graphProto } from '../../helpers/build';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');

function slice(lines: readonly string[], r: Range): string {
  if (r.start.line === r.end.line) return lines[r.start.line].slice(r.start.character, r.end.character);
  const parts = [lines[r.start.line].slice(r.start.character)];
  for (let l = r.start.line + 1; l < r.end.line; l++) parts.push(lines[l]);
  parts.push(lines[r.end.line].slice(0, r.end.character));
  return parts.join('\n');
}

function range(line: number, start: number, end: number, endLine = line): Range {
  return { start: { line, character: start }, end: { line: endLine, character: end } };
}

/**
 *   x ──[add] Add(w)──▶ s ──[if] If(cond)──▶ y ──my.fns.Double──▶ z
 *                            then: t = Neg(s)    (s read from the outer scope)
 *                            else: e = Relu(s)
 *   function my.fns.Double (X) => (Y) { Y = Add(X, X) }
 */
function sample(): Model {
  const then = graphProto({
    name: 'then',
    outputs: [{ name: 't', dtype: DataType.FLOAT, shape: [2] }],
    nodes: [{ op: 'Neg', inputs: ['s'], outputs: ['t'] }],
  });
  const otherwise = graphProto({
    name: 'else',
    outputs: [{ name: 'e', dtype: DataType.FLOAT, shape: [2] }],
    nodes: [{ op: 'Relu', inputs: ['s'], outputs: ['e'] }],
  });
  return buildModel({
    opset: [{ domain: '', version: 17 }, { domain: 'my.fns', version: 1 }],
    inputs: [{ name: 'x', dtype: DataType.FLOAT, shape: [2] }, { name: 'cond', dtype: DataType.BOOL, shape: [] }],
    outputs: [{ name: 'z', dtype: DataType.FLOAT, shape: [2] }],
    initializers: [floatTensor('w', [2], [1, 2])],
    nodes: [
      { op: 'Add', name: 'add', inputs: ['x', 'w'], outputs: ['s'] },
      { op: 'If', name: 'if', inputs: ['cond'], outputs: ['y'], attrs: { then_branch: then, else_branch: otherwise } },
      { op: 'Double', domain: 'my.fns', inputs: ['y'], outputs: ['z'] },
    ],
    functions: [
      {
        name: 'Double',
        domain: 'my.fns',
        input: ['X'],
        output: ['Y'],
        opsetImport: [{ domain: '', version: 17 }],
        node: [{ opType: 'Add', input: ['X', 'X'], output: ['Y'] }],
      },
    ],
  });
}

const SAMPLE_TEXT = [
  '<',
  '   ir_version: 8,',
  '   opset_import: ["" : 17, "my.fns" : 1],',
  '   producer_name: "onnx-lens-tests"',
  '>',
  'g (float[2] x, bool cond) => (float[2] z) ',
  '   <float[2] w =  {1,2}>',
  '{',
  '   [add] s = Add (x, w)',
  '   [if] y = If (cond) <then_branch: graph = then () => (float[2] t) {',
  '      t = Neg (s)',
  '   }, else_branch: graph = else () => (float[2] e) {',
  '      e = Relu (s)',
  '   }>',
  '   z = my.fns.Double (y)',
  '}',
  '<',
  '  domain: "my.fns",',
  '  opset_import: ["" : 17]',
  '>',
  'Double (X) => (Y)',
  '{',
  '   Y = Add (X, X)',
  '}',
];

function setup() {
  const model = sample();
  const { text, map } = printModel(model);
  const g = model.graph;
  const [add, iff, call] = g.nodes;
  const then = iff.attr('then_branch')!.graph!;
  const otherwise = iff.attr('else_branch')!.graph!;
  const fn = model.functions[0];
  return { model, text, map, lines: text.split('\n'), g, add, iff, call, then, otherwise, fn, v: (name: string) => g.lookup(name)! };
}

test('the sample prints as expected (the positions below refer to it)', () => {
  const { text, map } = setup();
  assert.deepEqual(text.split('\n'), SAMPLE_TEXT);
  assert.equal(map.lineCount, SAMPLE_TEXT.length);
});

/** The range of the nth `text` on a line of SAMPLE_TEXT. */
function tok(line: number, text: string, nth = 0): Range {
  let c = -1;
  for (let i = 0; i <= nth; i++) c = SAMPLE_TEXT[line].indexOf(text, c + 1);
  assert.ok(c >= 0, `"${text}" is not on line ${line}`);
  return range(line, c, c + text.length);
}

test('at(): value names, operators, node names, attributes, graph and function names', () => {
  const { map, add, iff, call, g, then, fn, v } = setup();
  // Line 8: "   [add] s = Add (x, w)"
  const xr = tok(8, 'x');
  const x = map.at(8, xr.start.character);
  assert.ok(x?.kind === 'value');
  assert.equal(x.value, v('x'));
  assert.equal(x.role, 'nodeInput');
  assert.equal(x.node, add);
  assert.equal(x.graph, g);
  assert.deepEqual(x.range, xr);
  // The character just after a name still finds it (where the cursor sits after typing it).
  assert.equal(map.at(8, xr.end.character)?.kind, 'value');
  assert.equal(map.at(8, xr.end.character + 1), undefined); // the space after "x,"
  const s = map.at(8, tok(8, 's').start.character);
  assert.ok(s?.kind === 'value' && s.role === 'nodeOutput' && s.value === v('s') && s.node === add);
  const op = map.at(8, tok(8, 'Add').start.character + 1);
  assert.ok(op?.kind === 'op' && op.node === add && op.function === undefined);
  assert.deepEqual(op.range, tok(8, 'Add'));
  const name = map.at(8, 5);
  assert.ok(name?.kind === 'nodeName' && name.node === add);
  assert.deepEqual(name.range, tok(8, 'add'));
  const attr = map.at(9, tok(9, 'then_branch').start.character + 2);
  assert.ok(attr?.kind === 'attribute' && attr.node === iff && attr.attribute.name === 'then_branch');
  assert.deepEqual(attr.range, tok(9, 'then_branch'));
  const gname = map.at(9, tok(9, 'then', 1).start.character);
  assert.ok(gname?.kind === 'graph' && gname.graph === then);
  // Line 10: "      t = Neg (s)": s is the outer value, read inside the then branch.
  const outer = map.at(10, tok(10, 's').start.character);
  assert.ok(outer?.kind === 'value' && outer.value === v('s') && outer.node === then.nodes[0] && outer.graph === then);
  const callOp = map.at(14, 10);
  assert.ok(callOp?.kind === 'op' && callOp.node === call && callOp.function === fn);
  assert.deepEqual(callOp.range, tok(14, 'my.fns.Double'));
  const fnName = map.at(20, 2);
  assert.ok(fnName?.kind === 'graph' && fnName.graph === fn);
  const X = map.at(20, tok(20, 'X').start.character);
  assert.ok(X?.kind === 'value' && X.role === 'input' && X.value.graph === fn && X.graph === fn);
  const w = map.at(6, tok(6, 'w').start.character);
  assert.ok(w?.kind === 'value' && w.role === 'initializer' && w.value === v('w'));
  const z = map.at(5, tok(5, 'z').start.character);
  assert.ok(z?.kind === 'value' && z.role === 'output' && z.value === v('z') && z.graph === g);
  assert.equal(map.at(0, 0), undefined);
  assert.equal(map.at(7, 0), undefined);
  assert.equal(map.at(99, 0), undefined);
});

test('definitionOf / definitionAt: producer output, initializer, graph and function inputs, outer scope', () => {
  const { map, v, then, fn } = setup();
  assert.deepEqual(map.definitionOf(v('s')), tok(8, 's'));
  assert.deepEqual(map.definitionOf(v('w')), tok(6, 'w'));
  assert.deepEqual(map.definitionOf(v('x')), tok(5, 'x'));
  assert.deepEqual(map.definitionOf(v('z')), tok(14, 'z'));
  assert.deepEqual(map.definitionOf(then.lookup('t')!), tok(10, 't'));
  assert.deepEqual(map.definitionOf(fn.lookup('X')!), tok(20, 'X'));
  assert.deepEqual(map.definitionOf(fn.lookup('Y')!), tok(22, 'Y'));
  // From the outer reference inside the subgraph to the producer in the main graph.
  assert.deepEqual(map.definitionAt(10, tok(10, 's').start.character), tok(8, 's'));
  // From a call of a local function to the function's name.
  assert.deepEqual(map.definitionAt(14, 12), tok(20, 'Double'));
  // From a node name to the node's first line.
  assert.deepEqual(map.definitionAt(8, 5), range(8, 3, SAMPLE_TEXT[8].length));
  assert.equal(map.definitionAt(7, 0), undefined);
});

test('references(): every place a value is written, in text order', () => {
  const { map, v } = setup();
  assert.deepEqual(map.references(v('s')), [tok(8, 's'), tok(10, 's'), tok(12, 's')]);
  assert.deepEqual(map.references(v('w')), [tok(6, 'w'), tok(8, 'w')]);
  assert.deepEqual(map.references(v('x')), [tok(5, 'x'), tok(8, 'x')]);
});

test('node and graph ranges; the innermost node and graph at a position', () => {
  const { map, add, iff, call, g, then, otherwise, fn } = setup();
  assert.deepEqual(map.nodeRange(add), range(8, 3, SAMPLE_TEXT[8].length));
  assert.deepEqual(map.nodeRange(iff), range(9, 3, 5, 13));
  assert.deepEqual(map.nodeRange(iff.id), map.nodeRange(iff));
  assert.deepEqual(map.nodeHeadRange(iff), range(9, 3, SAMPLE_TEXT[9].length));
  assert.deepEqual(map.nodeHeadRange(add), map.nodeRange(add));
  assert.equal(map.nodeRange(-5), undefined);
  assert.deepEqual(map.graphRange(g), range(5, 0, 1, 15));
  assert.deepEqual(map.graphRange(g.id), map.graphRange(g));
  assert.deepEqual(map.graphRange(then), { start: tok(9, 'then', 1).start, end: { line: 11, character: 4 } });
  assert.deepEqual(map.graphRange(fn), range(16, 0, 1, 23));
  assert.deepEqual(map.graphNameRange(otherwise), tok(11, 'else', 1));
  assert.equal(map.nodeAt(8, 0), undefined); // the indentation before a node is not the node
  assert.equal(map.nodeAt(8, 3), add);
  assert.equal(map.nodeAt(8), add);
  assert.equal(map.nodeAt(10, 9), then.nodes[0]);
  assert.equal(map.nodeAt(11, 5), iff); // "   }, else_branch: ..." continues the If
  assert.equal(map.nodeAt(11), iff);
  assert.equal(map.nodeAt(12), otherwise.nodes[0]);
  assert.equal(map.nodeAt(13, 4), iff);
  assert.equal(map.nodeAt(14, 30), undefined); // past the end of the line
  assert.equal(map.nodeAt(14), call);
  assert.equal(map.nodeAt(7), undefined);
  assert.equal(map.nodeAt(22, 5), fn.nodes[0]);
  assert.equal(map.graphAt(8, 5), g);
  assert.equal(map.graphAt(10, 8), then);
  assert.equal(map.graphAt(11, 2), then); // its closing brace
  assert.equal(map.graphAt(11, 5), g); // ", else_branch": back in the main graph's node
  assert.equal(map.graphAt(12, 8), otherwise);
  assert.equal(map.graphAt(18, 1), fn);
  assert.equal(map.graphAt(1, 3), undefined); // the model header belongs to no graph
});

test('outline(): graph > nodes > subgraphs > nodes, then functions', () => {
  const { map, add, iff, g, then, fn } = setup();
  const strip = (items: ReturnType<TextMap['outline']>): unknown =>
    items.map((i) => ({ kind: i.kind, name: i.name, detail: i.detail, children: strip(i.children) }));
  assert.deepEqual(strip(map.outline()), [
    {
      kind: 'graph',
      name: 'g',
      detail: '3 nodes',
      children: [
        { kind: 'node', name: 'add', detail: 'Add', children: [] },
        {
          kind: 'node',
          name: 'if',
          detail: 'If',
          children: [
            { kind: 'graph', name: 'then_branch: then', detail: '1 node', children: [{ kind: 'node', name: 't', detail: 'Neg', children: [] }] },
            { kind: 'graph', name: 'else_branch: else', detail: '1 node', children: [{ kind: 'node', name: 'e', detail: 'Relu', children: [] }] },
          ],
        },
        { kind: 'node', name: 'z', detail: 'my.fns.Double', children: [] },
      ],
    },
    { kind: 'function', name: 'my.fns.Double', detail: '1 node', children: [{ kind: 'node', name: 'Y', detail: 'Add', children: [] }] },
  ]);
  const [main, fnItem] = map.outline();
  assert.equal(main.target, g);
  assert.equal(fnItem.target, fn);
  assert.deepEqual(main.selectionRange, range(5, 0, 1));
  assert.equal(main.children[0].target, add);
  assert.deepEqual(main.children[1].range, map.nodeRange(iff));
  assert.deepEqual(main.children[1].selectionRange, map.nodeHeadRange(iff));
  assert.equal(main.children[1].children[0].target, then);
  // Every selection range lies inside its range (VS Code rejects document symbols otherwise).
  const inside = (a: Range, b: Range) =>
    (a.start.line > b.start.line || (a.start.line === b.start.line && a.start.character >= b.start.character)) &&
    (a.end.line < b.end.line || (a.end.line === b.end.line && a.end.character <= b.end.character));
  const walk = (items: ReturnType<TextMap['outline']>) => {
    for (const i of items) {
      assert.ok(inside(i.selectionRange, i.range), `${i.name}: selection outside range`);
      for (const c of i.children) assert.ok(inside(c.range, i.range), `${c.name} outside ${i.name}`);
      walk(i.children);
    }
  };
  walk(map.outline());
});

test('rangeOf(): diagnostic anchors on a node, a tensor at a node, a tensor, a graph', () => {
  const { map, add, iff, g, then, lines } = setup();
  const addLine = range(8, 3, lines[8].length);
  assert.deepEqual(map.rangeOf({ node: add, graph: g }), addLine);
  assert.deepEqual(map.rangeOf({ node: add, tensor: 'w', graph: g }), tok(8, 'w'));
  assert.deepEqual(map.rangeOf({ node: iff, graph: g }), range(9, 3, lines[9].length));
  // A tensor named at a node that does not name it: the node.
  assert.deepEqual(map.rangeOf({ node: add, tensor: 'cond', graph: g }), addLine);
  // A tensor alone: where it is defined.
  assert.deepEqual(map.rangeOf({ tensor: 'w', graph: g }), tok(6, 'w'));
  assert.deepEqual(map.rangeOf({ tensor: 's', graph: then }), tok(8, 's'));
  // An unknown tensor, or just the graph: the graph's name.
  assert.deepEqual(map.rangeOf({ tensor: 'nope', graph: g }), range(5, 0, 1));
  assert.deepEqual(map.rangeOf({ graph: then }), tok(9, 'then', 1));
  assert.deepEqual(map.rangeOf({}), range(5, 0, 1));
});

test('rangeOf() places the real diagnostics of the sample models on their node or tensor', () => {
  let seen = 0;
  for (const name of ['seed_asinh_opset7', 'seed_deform_conv', 'const_if', 'seed_prelu_instnorm', 'seed_just_reshape']) {
    const model = decodeModel(readFileSync(join(FIXTURES, 'models', name, 'model.onnx')));
    const { text, map } = printModel(model);
    const lines = text.split('\n');
    for (const d of runDiagnostics(model, { inference: false })) {
      const r = map.rangeOf(d);
      assert.ok(r, `${name}: ${d.code} has no range`);
      const at = slice(lines, r);
      if (d.node && d.tensor && at === printName(d.tensor)) seen++;
      else if (d.node) {
        assert.equal(map.nodeAt(r.start.line, r.start.character), d.node, `${name}: ${d.code} not on its node`);
        assert.ok(at.includes(d.node.opType), `${name}: ${d.code}: "${at}" does not show ${d.node.opType}`);
        seen++;
      } else if (d.tensor) {
        assert.equal(at, printName(d.tensor), `${name}: ${d.code} not on its tensor`);
        seen++;
      }
    }
  }
  assert.ok(seen >= 3, `expected diagnostics on nodes or tensors in the sample models; found ${seen}`);
});

test('quoted and multi-line names: the token covers the quotes and every line', () => {
  //   "in put" ─Relu─▶ "two\nlines" ─Neg─▶ y
  const model = buildModel({
    inputs: [{ name: 'in put', dtype: DataType.FLOAT, shape: [1] }],
    outputs: [{ name: 'y', dtype: DataType.FLOAT, shape: [1] }],
    nodes: [{ op: 'Relu', inputs: ['in put'], outputs: ['two\nlines'] }, { op: 'Neg', inputs: ['two\nlines'], outputs: ['y'] }],
  });
  const { text, map } = printModel(model);
  const lines = text.split('\n');
  const mid = model.graph.lookup('two\nlines')!;
  const def = map.definitionOf(mid)!;
  assert.equal(slice(lines, def), '"two\nlines"');
  assert.equal(def.end.line, def.start.line + 1);
  const neg = model.graph.nodes[1];
  assert.equal(map.nodeRange(neg)!.end.line, map.nodeRange(neg)!.start.line + 1);
  assert.equal(map.nodeAt(def.end.line, 2), model.graph.nodes[0]);
  const inDef = map.definitionOf(model.graph.lookup('in put')!)!;
  assert.equal(slice(lines, inDef), '"in put"');
  assert.equal((map.at(inDef.start.line, inDef.start.character + 3) as { value: Value }).value.name, 'in put');
});

/** Whether every line break of the text lies inside a "quoted" name or string. */
function breaksOnlyInQuotes(text: string): boolean {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (c === '\n' && !quoted) return false;
  }
  return true;
}

/** Every fixture model: each node has exactly one range, ranges nest like the graphs, tokens spell the names. */
function checkModel(model: Model, what: string): number {
  const { text, map } = printModel(model);
  const lines = text.split('\n');
  assert.equal(map.lineCount, lines.length, what);
  const nodes = [...model.allNodes()];
  const firstLines = new Set<number>();
  const checkGraph = (g: Graph, owner: Node | undefined) => {
    const gr = map.graphRange(g);
    assert.ok(gr, `${what}: graph ${g.path} has no range`);
    let prevEnd = gr.start;
    for (const n of g.nodes) {
      const r = map.nodeRange(n);
      assert.ok(r, `${what}: node ${n.label} has no range`);
      // In order, after the previous sibling, inside the graph.
      assert.ok(r.start.line > prevEnd.line || (r.start.line === prevEnd.line && r.start.character >= prevEnd.character), `${what}: ${n.label} overlaps its predecessor`);
      assert.ok(r.end.line <= gr.end.line, `${what}: ${n.label} runs past its graph`);
      prevEnd = r.end;
      assert.ok(!firstLines.has(r.start.line), `${what}: two nodes start on line ${r.start.line}`);
      firstLines.add(r.start.line);
      assert.equal(lines[r.start.line].slice(0, r.start.character).trim(), '', `${what}: ${n.label} does not start its line`);
      assert.equal(map.nodeAt(r.start.line, r.start.character), n, `${what}: nodeAt(${n.label})`);
      const head = slice(lines, r);
      const outs = n.outputs.map((v) => printName(v ? v.name : '')).join(', ');
      const expectedStart = Object.prototype.hasOwnProperty.call(n.proto, 'name') ? `[${printName(n.name)}] ${outs}` : outs;
      assert.ok(head.startsWith(expectedStart), `${what}: ${n.label} starts "${head.slice(0, 40)}"`);
      const sub = n.subgraphs;
      // Without subgraphs a node is one line, but for line breaks inside quoted names and strings.
      if (!sub.length) assert.ok(breaksOnlyInQuotes(head), `${what}: ${n.label} spans lines outside quotes`);
      for (const s of sub) checkGraph(s, n);
    }
    if (owner) {
      const or = map.nodeRange(owner)!;
      assert.ok(gr.start.line >= or.start.line && gr.end.line <= or.end.line, `${what}: ${g.path} outside its node`);
    }
  };
  checkGraph(model.graph, undefined);
  for (const f of model.functions) checkGraph(f, undefined);
  map.forEachToken((h) => {
    const at = slice(lines, h.range);
    if (h.kind === 'value') assert.equal(at, printName(h.value.name), `${what}: value token`);
    else if (h.kind === 'op') assert.equal(at, `${h.node.domain ? `${h.node.domain}.` : ''}${h.node.opType}${h.node.proto.overload ? `:${h.node.proto.overload}` : ''}`);
    else if (h.kind === 'nodeName') assert.equal(at, printName(h.node.name));
    else if (h.kind === 'attribute') assert.equal(at, h.attribute.name);
    else assert.equal(at, printName(h.graph.name));
  });
  return nodes.length;
}

test('every node of every fixture model owns one line (or one block with its subgraphs)', () => {
  const files: string[] = [];
  for (const d of readdirSync(join(FIXTURES, 'models'))) {
    if (d !== 'decoder_48' && existsSync(join(FIXTURES, 'models', d, 'model.onnx'))) files.push(join(FIXTURES, 'models', d, 'model.onnx'));
  }
  for (const f of readdirSync(join(FIXTURES, 'text', 'models'))) files.push(join(FIXTURES, 'text', 'models', f));
  for (const d of readdirSync(join(FIXTURES, 'onnx-backend-node'))) {
    const p = join(FIXTURES, 'onnx-backend-node', d, 'model.onnx');
    if (existsSync(p)) files.push(p);
  }
  let nodes = 0;
  for (const f of files) nodes += checkModel(decodeModel(readFileSync(f)), f);
  assert.ok(files.length > 480 && nodes > 2000, `checked ${files.length} models, ${nodes} nodes`);
});

test('a 200,000-node model prints line by line, and lookups stay fast at its end', () => {
  //   x ─Relu─▶ v1 ─Relu─▶ v2 ... ─Relu─▶ v200000
  const N = 200_000;
  const node: onnx.NodeProto.$Properties[] = new Array(N);
  for (let i = 0; i < N; i++) node[i] = { opType: 'Relu', input: [i ? `v${i}` : 'x'], output: [`v${i + 1}`] };
  const model = modelFromProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'chain', node, input: [{ name: 'x' }], output: [{ name: `v${N}` }] },
  } as unknown as onnx.ModelProto);
  const t0 = performance.now();
  const { text, map } = printModel(model);
  const ms = performance.now() - t0;
  assert.ok(ms < 8000, `printing 200k nodes took ${ms.toFixed(0)} ms`);
  // 4 header lines, the graph's line, one line per node, the closing brace.
  assert.equal(map.lineCount, N + 6);
  const last = model.graph.nodes[N - 1];
  assert.deepEqual(map.nodeRange(last), range(N + 4, 3, 3 + `v${N} = Relu (v${N - 1})`.length));
  assert.equal(map.nodeAt(N + 4, 10), last);
  const hit = map.at(N + 4, 3);
  assert.ok(hit?.kind === 'value' && hit.value.name === `v${N}`);
  assert.deepEqual(map.definitionAt(N + 4, 3 + `v${N} = Relu (`.length + 1), range(N + 3, 3, 3 + `v${N - 1}`.length));
  assert.equal(text.length, text.split('\n').reduce((n, l) => n + l.length + 1, -1));
});
