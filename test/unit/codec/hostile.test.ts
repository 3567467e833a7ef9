// The codec against hostile input: decoding never crashes, never overflows the stack, never allocates more than
// the file could hold and never hangs. Every structural problem is a ModelDecodeError that names the file, says
// what was expected and what was found, and where (byte offset); every tensor-level problem is a
// `model.problems` entry naming the tensor while the rest of the model still opens.
//
// All hostile inputs are built here, byte by byte where protobufjs's encoder would refuse to write them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModel, ModelDecodeError } from '../../../src/core/codec/decode';
import { encodeModel } from '../../../src/core/codec/encode';
import { onnx, RECURSION_LIMIT } from '../../../src/core/codec/pb';
import type { Model } from '../../../src/core/ir/model';
import { DataType } from '../../../src/core/ir/dtype';

const FILE = 'hostile.onnx';
const models = join(__dirname, '../../fixtures/models');

// ---------------------------------------------------------------------------------------------------------------
// Hand-written protobuf wire format.

type Bytes = number[];
function varint(n: number | bigint): Bytes {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: Bytes = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}
const key = (field: number, wire: number): Bytes => varint(field * 8 + wire);
const fVarint = (field: number, n: number | bigint): Bytes => [...key(field, 0), ...varint(n)];
const fBytes = (field: number, body: Bytes): Bytes => [...key(field, 2), ...varint(body.length), ...body];
const utf8 = (s: string): Bytes => [...Buffer.from(s, 'utf8')];
const fStr = (field: number, s: string): Bytes => fBytes(field, utf8(s));
const cat = (...parts: Bytes[]): Bytes => ([] as number[]).concat(...parts);
/** An 11-byte varint: ten continuation bytes and a last one. */
const VARINT11: Bytes = [...Array(10).fill(0xff), 0x01];

/** A ModelProto around a GraphProto body: ir_version 8, opset 17. */
function model(graphBody: Bytes, extra: Bytes = []): Uint8Array {
  return Uint8Array.from(cat(fVarint(1, 8), fBytes(7, graphBody), fBytes(8, cat(fStr(1, ''), fVarint(2, 17))), extra));
}
/** GraphProto fields. */
const G = { node: 1, name: 2, initializer: 5, input: 11, output: 12, sparse: 15 };
/** A TensorProto as an initializer body. */
function tensorBody(name: string, dtype: number, dims: (number | bigint)[], data: Bytes = []): Bytes {
  // Fields in number order, as protobufjs writes them, so that these bytes round-trip: data fields 4-7 go
  // before the name (8), raw_data (9) and uint64_data (11) after it.
  const before = data.length > 0 && data[0] >> 3 < 8;
  return cat(...dims.map((d) => fVarint(1, d)), fVarint(2, dtype), before ? data : [], fStr(8, name), before ? [] : data);
}

function indexOf(bytes: Uint8Array, needle: Bytes): number {
  const i = Buffer.from(bytes).indexOf(Buffer.from(needle));
  assert.ok(i >= 0, 'marker not found in the built bytes');
  assert.equal(Buffer.from(bytes).indexOf(Buffer.from(needle), i + 1), -1, 'marker is not unique');
  return i;
}

// ---------------------------------------------------------------------------------------------------------------
// Assertions.

function timed<T>(fn: () => T): { value?: T; error?: unknown; ms: number } {
  const t0 = performance.now();
  try {
    const value = fn();
    return { value, ms: performance.now() - t0 };
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
}

/** Decoding fails with a clear ModelDecodeError: file, expected, found, byte offset; in under a second. */
function decodeFails(bytes: Uint8Array, detail: RegExp, offset?: number): ModelDecodeError {
  const r = timed(() => decodeModel(bytes, { path: FILE }));
  assert.ok(r.ms < 1000, `decoding took ${r.ms.toFixed(0)} ms; expected under 1 s`);
  const e = r.error;
  assert.ok(e instanceof ModelDecodeError, `expected a ModelDecodeError; got ${e instanceof Error ? `${e.name}: ${e.message}` : e === undefined ? 'a decoded model' : String(e)}`);
  assert.equal(e.file, FILE);
  assert.ok(e.message.startsWith(`${FILE}: `), e.message);
  assert.match(e.detail, /expected .+; found /, e.message);
  assert.match(e.detail, detail, e.message);
  if (offset !== undefined) {
    assert.equal(e.offset, offset, e.message);
    assert.ok(e.message.includes(`(at byte ${offset})`), e.message);
  }
  if (e.offset !== undefined) assert.ok(e.offset >= 0 && e.offset <= bytes.byteLength, e.message);
  assert.ok(e.hint && e.message.endsWith(e.hint), `the message says what to do: ${e.message}`);
  return e;
}

/** Decoding succeeds in under a second; the model encodes back to the same bytes. */
function decodes(bytes: Uint8Array, roundTrip = true): Model {
  const r = timed(() => decodeModel(bytes, { path: FILE }));
  assert.ok(r.ms < 1000, `decoding took ${r.ms.toFixed(0)} ms; expected under 1 s`);
  if (r.error) throw r.error;
  const m = r.value!;
  if (roundTrip) assert.ok(Buffer.from(encodeModel(m)).equals(Buffer.from(bytes)), 'decode -> encode gives the same bytes');
  return m;
}

function problem(m: Model, code: string, tensor: string) {
  const p = m.problems.find((x) => x.code === code && x.tensor === tensor);
  assert.ok(p, `expected a '${code}' problem for tensor '${tensor}'; found ${JSON.stringify(m.problems)}`);
  assert.ok(p.message.includes(`'${tensor}'`), `the message names the tensor: ${p.message}`);
  return p;
}

/** xorshift32: seeded, so every failure is reproducible. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Not a model at all.

test('an empty file says so', () => {
  const e = decodeFails(new Uint8Array(0), /expected an ONNX ModelProto; found nothing: the file is empty \(0 bytes\)/);
  assert.equal(e.offset, undefined);
});

test('text, JSON and a PNG header are refused with the byte where the wire format breaks', () => {
  decodeFails(Uint8Array.from(utf8('hello, this is not a model\n')), /expected/);
  decodeFails(Uint8Array.from(utf8('{"graph": {"node": []}}')), /expected/);
  decodeFails(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), /expected/);
});

test('a valid protobuf without a graph is not a model', () => {
  decodeFails(Uint8Array.from(cat(fVarint(1, 8), fStr(2, 'exporter'))), /expected an ONNX ModelProto with a graph \(field 7\); found none/);
});

test('random bytes (seeded) decode or fail with a ModelDecodeError, never anything else', () => {
  const next = rng(20240611);
  let failed = 0;
  let opened = 0;
  const t0 = performance.now();
  for (let i = 0; i < 3000; i++) {
    const len = 1 + next(400);
    const b = new Uint8Array(len);
    for (let j = 0; j < len; j++) b[j] = next(256);
    // One in four starts like a model (a graph field) so that the decoder gets deeper before it breaks.
    if (i % 4 === 0 && len > 4) b.set([0x3a, ...varint(Math.min(len - 3, 127))], 0);
    const r = timed(() => decodeModel(b, { path: FILE }));
    if (r.error !== undefined) {
      const e = r.error;
      assert.ok(e instanceof ModelDecodeError, `buffer ${i}: ${e instanceof Error ? e.stack : String(e)}`);
      assert.match(e.message, /^hostile\.onnx: (not a valid protobuf encoding of an ONNX model: )?expected /);
      failed++;
    } else {
      opened++;
      encodeModel(r.value!); // whatever decodes also encodes
    }
    assert.ok(r.ms < 1000);
  }
  assert.equal(failed + opened, 3000);
  assert.ok(failed > 2500, `most random buffers are not models (${failed} refused)`);
  assert.ok(performance.now() - t0 < 10000);
});

// ---------------------------------------------------------------------------------------------------------------
// Truncation.

/** Top-level fields of a ModelProto: [field number, start, end). */
function topLevelFields(b: Uint8Array): { field: number; start: number; end: number }[] {
  const out: { field: number; start: number; end: number }[] = [];
  let pos = 0;
  const read = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const x = b[pos++];
      v += (x & 127) * mul;
      mul *= 128;
      if (x < 128) return v;
    }
  };
  while (pos < b.length) {
    const start = pos;
    const tag = read();
    const wire = tag % 8;
    if (wire === 0) read();
    else if (wire === 2) {
      const n = read();
      pos += n;
    }
    else throw new Error(`unexpected wire type ${wire} at top level`);
    out.push({ field: Math.floor(tag / 8), start, end: pos });
  }
  return out;
}

test('every truncation of real models fails at the end of the file, or opens when it cuts between fields', () => {
  for (const name of ['seed_two_heads', 'seed_dynamic_batch', 'seed_deform_conv']) {
    const full = readFileSync(join(models, name, 'model.onnx'));
    const fields = topLevelFields(full);
    const graph = fields.find((f) => f.field === 7)!;
    const boundaries = new Set(fields.map((f) => f.start));
    for (let cut = 1; cut < full.length; cut++) {
      const b = full.subarray(0, cut);
      if (boundaries.has(cut)) {
        if (cut <= graph.start) decodeFails(b, /graph \(field 7\); found none/);
        else decodes(b, true);
        continue;
      }
      const e = decodeFails(b, /end of the file/);
      assert.ok(e.offset! <= cut, `${name} cut at ${cut}: ${e.message}`);
      if (cut > graph.start + 2 && cut < graph.end) {
        // The graph's own length prefix is the first thing that no longer fits.
        assert.match(e.detail, /expected \d+ bytes of a length-delimited field \(length prefix at byte \d+\); found only \d+ before the end of the file/);
        assert.equal(e.offset, graph.start + 1);
      }
    }
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Varints.

test('an 11-byte varint is refused wherever it is: int64, int32, enum, tag, unknown field, packed list', () => {
  const graph = fStr(G.name, 'g');
  // int64 (ModelProto.ir_version): value starts at byte 1
  decodeFails(Uint8Array.from(cat(key(1, 0), VARINT11, fBytes(7, graph))), /expected a varint of at most 10 bytes; found one of 11 or more/, 1);

  // int32 (TensorProto.data_type), deep inside: protobufjs's uint32 reader reads 10 bytes, then refuses
  let b = model(cat(graph, fBytes(G.initializer, cat(fVarint(1, 2), key(2, 0), VARINT11, fStr(8, 'w')))));
  decodeFails(b, /expected a varint of at most 10 bytes; found one of 11 or more/, indexOf(b, VARINT11));

  // enum (AttributeProto.type, field 20)
  const attr = cat(fStr(1, 'alpha'), key(20, 0), VARINT11);
  b = model(cat(graph, fBytes(G.node, cat(fStr(4, 'Elu'), fBytes(5, attr)))));
  decodeFails(b, /expected a varint of at most 10 bytes/, indexOf(b, VARINT11));

  // a field tag longer than 5 bytes
  decodeFails(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00]), /expected a field tag .*found a longer one/, 0);

  // an unknown varint field (protobufjs would skip any number of continuation bytes)
  b = Uint8Array.from(cat(key(100, 0), VARINT11, fBytes(7, graph)));
  decodeFails(b, /expected a varint of at most 10 bytes; found one of 11 or more/, 2);

  // one element of a packed int64 list (TensorProto.dims packed)
  const packed = cat(varint(2), VARINT11, varint(3));
  b = model(cat(graph, fBytes(G.initializer, cat(fBytes(1, packed), fVarint(2, 1), fStr(8, 'w')))));
  decodeFails(b, /expected a varint of at most 10 bytes/, indexOf(b, VARINT11));

  // A 10-byte varint is legal: int32 -1 is written that way.
  const ok = model(cat(fBytes(G.node, cat(fStr(4, 'Flatten'), fBytes(5, cat(fStr(1, 'axis'), fVarint(3, -1), fVarint(20, 2))))), graph));
  const m = decodes(ok);
  assert.equal(m.graph.nodes[0].attributes[0].proto.i, -1);
});

test('a varint cut off by the end of its message says which end it hit', () => {
  // A node whose body ends in the middle of a varint (field 100 with a continuation byte and nothing after).
  const node = cat(fStr(4, 'Relu'), key(100, 0), [0x80]);
  const b = model(cat(fStr(G.name, 'g'), fBytes(G.node, node)));
  decodeFails(b, /expected a complete varint; found one that runs past the end of the enclosing message/);
  decodeFails(Uint8Array.from(cat(fBytes(7, fStr(G.name, 'g')), key(1, 0), [0xff, 0xff])), /expected a complete varint; found one that runs past the end of the file/, 6);
});

// ---------------------------------------------------------------------------------------------------------------
// Length prefixes.

test('a length prefix past the end of the file names both lengths', () => {
  decodeFails(
    Uint8Array.from(cat(key(7, 2), varint(1000), [1, 2, 3])),
    /expected 1000 bytes of a length-delimited field \(length prefix at byte 1\); found only 3 before the end of the file at byte 6/,
    1,
  );
  // just under 2 GiB, in a 9-byte file: refused before anything is allocated
  decodeFails(Uint8Array.from(cat(key(7, 2), varint(0x7fffffff), [1, 2, 3])), /expected 2147483647 bytes .*found only 3/, 1);
  // 2 GiB and more cannot even be a length
  decodeFails(Uint8Array.from(cat(key(7, 2), [0xff, 0xff, 0xff, 0xff, 0x0f], [1, 2, 3])), /expected a length prefix below 2 GiB; found a larger one/, 1);
});

test('a length prefix past the end of its enclosing message is caught there, not at the end of the file', () => {
  // NodeProto of 8 bytes whose name claims 50 bytes; the file goes on (opset_import) after the graph.
  const node = cat(fStr(4, 'Relu'), key(3, 2), varint(50), [0x41]);
  const b = model(cat(fStr(G.name, 'g'), fBytes(G.node, node)));
  const at = indexOf(b, [...key(3, 2), 50]) + 1;
  decodeFails(b, /expected 50 bytes of a length-delimited field .*found only 1 before the end of the enclosing message/, at);
  // a packed float list (TensorProto.float_data) longer than its tensor
  const t = cat(fVarint(1, 4), fVarint(2, 1), key(4, 2), varint(16), [0, 0, 0x80, 0x3f], fStr(8, 'w'));
  decodeFails(model(cat(fStr(G.name, 'g'), fBytes(G.initializer, t))), /expected 16 bytes of a length-delimited field/);
  // a fixed 32-bit value (AttributeProto.f) cut by the end of its attribute
  const attr = cat(fStr(1, 'alpha'), key(2, 5), [0, 0]);
  decodeFails(model(cat(fStr(G.name, 'g'), fBytes(G.node, cat(fStr(4, 'Elu'), fBytes(5, attr))))), /expected 4 more bytes at byte \d+; found only 2 before the end of the enclosing message/);
});

// ---------------------------------------------------------------------------------------------------------------
// Nesting.

/** Builds deeply nested length-delimited messages in linear time: heads outside-in, tails inside-out. */
class Nest {
  private heads: Bytes[] = [];
  private tails: Bytes[] = [];
  private len: number;
  constructor(private core: Bytes) {
    this.len = core.length;
  }
  /** Wraps the current content as field `field` of a message whose other fields are `before` and `after`. */
  wrap(field: number, before: Bytes = [], after: Bytes = []): this {
    const head = cat(before, key(field, 2), varint(this.len));
    this.heads.push(head);
    this.tails.push(after);
    this.len += head.length + after.length;
    return this;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.len);
    let pos = 0;
    for (let i = this.heads.length - 1; i >= 0; i--) {
      out.set(this.heads[i], pos);
      pos += this.heads[i].length;
    }
    out.set(this.core, pos);
    pos += this.core.length;
    for (const t of this.tails) {
      out.set(t, pos);
      pos += t.length;
    }
    return out;
  }
}

test('10,000 nested groups are refused at the depth limit, quickly and without a stack overflow', () => {
  const n = 10000;
  const b = cat(fBytes(7, fStr(G.name, 'g')));
  for (let i = 0; i < n; i++) b.push(...key(100, 3));
  for (let i = 0; i < n; i++) b.push(...key(100, 4));
  const e = decodeFails(Uint8Array.from(b), new RegExp(`expected messages nested at most ${RECURSION_LIMIT} deep .*found deeper nesting`));
  // the group that crosses the limit starts within the first 256 start-group tags (2 bytes each)
  assert.ok(e.offset! > 5 && e.offset! <= 5 + 2 * (RECURSION_LIMIT + 2), e.message);
  assert.match(e.message, /hostile/);
});

test('a shallow unknown group is kept and written back; broken groups are refused', () => {
  const group = cat(key(100, 3), fVarint(1, 7), key(2, 3), fStr(1, 'x'), key(2, 4), key(100, 4));
  const b = Uint8Array.from(cat(fBytes(7, fStr(G.name, 'g')), group));
  const m = decodes(b);
  assert.equal((m.proto as unknown as { $unknowns: Uint8Array[] }).$unknowns.length, 1);
  // end tag of another field
  decodeFails(Uint8Array.from(cat(fBytes(7, fStr(G.name, 'g')), key(100, 3), key(101, 4))), /expected the end-group tag/);
  // an end-group tag with no group open
  decodeFails(Uint8Array.from(cat(fBytes(7, fStr(G.name, 'g')), key(100, 4))), /expected a field; found an end-group tag for field 100 with no group open/, 5);
});

/** Graph > Node(If) > Attribute(then_branch) > Graph ... `levels` times, as raw bytes (no encoder limit). */
function nestedIfBytes(levels: number): Uint8Array {
  const nest = new Nest(fStr(G.name, 'innermost'));
  for (let i = 0; i < levels; i++) {
    nest.wrap(6, fStr(1, 'then_branch'), fVarint(20, 5)); // AttributeProto.g (type, field 20, after it)
    nest.wrap(5, fStr(4, 'If')); // NodeProto.attribute
    nest.wrap(G.node, [], fStr(G.name, `g${i}`)); // GraphProto.node
  }
  nest.wrap(7, fVarint(1, 8)); // ModelProto.graph
  return nest.bytes();
}

test('5,000 nested subgraphs are refused at the depth limit; 80 levels still open', () => {
  const e = decodeFails(nestedIfBytes(5000), /expected messages nested at most \d+ deep \(about \d+ levels of subgraphs\); found deeper nesting/);
  assert.ok(e.offset! > 0);
  decodeFails(nestedIfBytes(100), /found deeper nesting/);
  const m = decodes(nestedIfBytes(80));
  let depth = 0;
  for (let g = m.graph; g.nodes.length; g = g.nodes[0].subgraphs[0]) depth++;
  assert.equal(depth, 80);
});

test('5,000 nested sequence types are refused at the depth limit', () => {
  const nest = new Nest(fBytes(1, fVarint(1, DataType.FLOAT))); // TypeProto.tensor_type
  for (let i = 0; i < 5000; i++) nest.wrap(1).wrap(4); // Sequence.elem_type, TypeProto.sequence_type
  nest.wrap(2, fStr(1, 'x')); // ValueInfoProto.type
  nest.wrap(G.input, fStr(G.name, 'g')); // GraphProto.input
  nest.wrap(7, fVarint(1, 8));
  decodeFails(nest.bytes(), /found deeper nesting/);
});

/**
 * 30 nested If levels, built as objects and encoded by protobufjs: each level reads the main graph's input x
 * and its parent's value, and returns its own.
 *
 *   main:  x ─► If(if_0) ─► y0 ─► (output)
 *           then_branch of level k: Add(x, y{k}) -> t{k+1}, If(if_{k+1}) -> y{k+1} ... innermost: Identity(x)
 */
function nestedIfModel(levels: number): onnx.ModelProto.$Properties {
  const f32 = (name: string) => ({ name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'n' }] } } } });
  let body: onnx.GraphProto.$Properties = {
    name: `level${levels}`,
    node: [{ opType: 'Identity', name: `id_${levels}`, input: ['x'], output: [`r${levels}`] }],
    output: [f32(`r${levels}`)],
  };
  for (let k = levels - 1; k >= 0; k--) {
    const nodes: onnx.NodeProto.$Properties[] = [];
    if (k > 0) nodes.push({ opType: 'Add', name: `add_${k}`, input: ['x', `t${k}`], output: [`a${k}`] });
    nodes.push({
      opType: 'If',
      name: `if_${k}`,
      input: ['cond'],
      output: [`r${k}`],
      attribute: [
        { name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: { name: `else${k}`, node: [{ opType: 'Identity', input: ['x'], output: [`e${k}`] }], output: [f32(`e${k}`)] } },
        { name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: body },
      ],
    });
    if (k > 0) nodes.push({ opType: 'Identity', name: `tid_${k}`, input: [`r${k}`], output: [`t${k + 1}`] });
    body = { name: `level${k}`, node: nodes, output: [f32(k > 0 ? `t${k + 1}` : `r${k}`)], valueInfo: k > 0 ? [f32(`a${k}`)] : [] };
  }
  // t1 is what level 1's Add reads from the main graph.
  body.node!.unshift({ opType: 'Identity', name: 'tid_0', input: ['x'], output: ['t1'] });
  body.input = [f32('x'), { name: 'cond', type: { tensorType: { elemType: DataType.BOOL, shape: { dim: [] } } } }];
  return { irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: body };
}

test('30 legitimate nested If levels decode, link every outer-scope reference, and round-trip', () => {
  const bytes = onnx.ModelProto.encode(nestedIfModel(30)).finish();
  const m = decodes(bytes);
  const x = m.graph.values.get('x')!;
  let g = m.graph;
  for (let k = 0; k < 30; k++) {
    const ifNode = g.nodes.find((n) => n.opType === 'If')!;
    const then = ifNode.attr('then_branch')!.graph!;
    assert.equal(then.parent, g);
    assert.equal(then.path.split('/').length, k + 2);
    if (k + 1 < 30) {
      const add = then.nodes.find((n) => n.opType === 'Add')!;
      assert.equal(add.inputs[0], x, `level ${k + 1}: x resolves to the main graph's input`);
      // t{k+1} was produced one level up
      assert.equal(add.inputs[1]!.graph, g);
      assert.ok(add.inputs[1]!.producer && add.inputs[1]!.producer.graph === g);
    }
    g = then;
  }
  assert.equal(g.nodes[0].inputs[0], x, 'the innermost Identity reads the main graph input');
  assert.ok(x.uses.length >= 30);
});

// ---------------------------------------------------------------------------------------------------------------
// Wire types.

test('a known field with the wrong wire type is refused, naming the field, its message and the byte', () => {
  // ModelProto.graph as a varint
  decodeFails(
    Uint8Array.from(cat(fVarint(1, 8), fVarint(7, 5))),
    /expected field 7 \(graph\) of onnx\.ModelProto with wire type 2 \(length-delimited\); found wire type 0 \(varint\)/,
    2,
  );
  // NodeProto.op_type as a 32-bit value, deep inside the graph
  const marker = [...key(4, 5), 0x41, 0x42, 0x43, 0x44];
  let b = model(cat(fStr(G.name, 'g'), fBytes(G.node, cat(fStr(1, 'x'), fStr(2, 'y'), marker))));
  decodeFails(b, /expected field 4 \(op_type\) of onnx\.NodeProto with wire type 2 \(length-delimited\); found wire type 5 \(32-bit\)/, indexOf(b, marker));
  // TensorProto.dims as a 64-bit value: dims may be packed or not, never fixed64
  b = model(cat(fStr(G.name, 'g'), fBytes(G.initializer, cat(key(1, 1), [1, 0, 0, 0, 0, 0, 0, 0], fVarint(2, 1), fStr(8, 'w')))));
  decodeFails(b, /expected field 1 \(dims\) of onnx\.TensorProto with wire type 0 \(varint\) or 2 \(length-delimited\); found wire type 1 \(64-bit\)/);
  // AttributeProto.f as a varint, TensorShapeProto.Dimension.dim_value as a string
  const attr = cat(fStr(1, 'alpha'), fVarint(2, 1));
  decodeFails(model(cat(fStr(G.name, 'g'), fBytes(G.node, cat(fStr(4, 'Elu'), fBytes(5, attr))))), /field 2 \(f\) of onnx\.AttributeProto with wire type 5 \(32-bit\); found wire type 0/);
  const dim = fBytes(1, fStr(1, 'oops'));
  const vi = cat(fStr(1, 'x'), fBytes(2, fBytes(1, cat(fVarint(1, 1), fBytes(2, dim)))));
  decodeFails(model(cat(fStr(G.name, 'g'), fBytes(G.input, vi))), /field 1 \(dim_value\) of onnx\.TensorShapeProto\.Dimension with wire type 0 \(varint\); found wire type 2/);
  // the graph as a group
  decodeFails(Uint8Array.from(cat(key(7, 3), fStr(2, 'g'), key(7, 4))), /field 7 \(graph\) of onnx\.ModelProto with wire type 2 \(length-delimited\); found wire type 3 \(start group\)/, 0);
});

test('wire types 6 and 7 and field number 0 do not exist', () => {
  decodeFails(Uint8Array.from(cat(fBytes(7, []), key(9, 6), [1])), /expected a wire type 0-5 for field 9; found wire type 6, which does not exist/, 2);
  decodeFails(Uint8Array.from(cat(fBytes(7, []), key(300, 7), [1])), /found wire type 7/, 2);
  decodeFails(Uint8Array.from(cat(fBytes(7, []), [0x00, 0x01])), /expected a field tag with a field number of 1 or more; found field number 0/, 2);
});

test('unknown field numbers with every valid wire type are kept and written back at every level', () => {
  const unknown = cat(fVarint(1000, 12345), key(1001, 1), [1, 2, 3, 4, 5, 6, 7, 8], fStr(1002, 'future'), key(1003, 5), [9, 9, 9, 9]);
  const node = cat(fStr(1, 'x'), fStr(2, 'y'), fStr(4, 'Relu'), unknown);
  const vi = (name: string) => cat(fStr(1, name), fBytes(2, cat(fBytes(1, cat(fVarint(1, 1), unknown)), unknown)), unknown);
  const graph = cat(fBytes(G.node, node), fStr(G.name, 'g'), fBytes(G.input, vi('x')), fBytes(G.output, vi('y')), unknown);
  const m = decodes(model(graph, unknown));
  const unknowns = (o: object) => (o as { $unknowns?: Uint8Array[] }).$unknowns?.length ?? 0;
  assert.equal(unknowns(m.proto), 4);
  assert.equal(unknowns(m.graph.proto), 4);
  assert.equal(unknowns(m.graph.nodes[0].proto), 4);
  assert.equal(unknowns(m.graph.inputs[0].proto!), 4);
  assert.equal(m.graph.nodes[0].inputs[0], m.graph.values.get('x'));
});

// ---------------------------------------------------------------------------------------------------------------
// Packed and unpacked repeated int64.

test('repeated int64 decodes packed and unpacked alike, exactly, and re-encodes canonically', () => {
  const big = [-1n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, 7n];
  const expected = [-1, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, 7];
  const unpackedData = cat(...big.map((v) => fVarint(7, v)));
  const packedData = fBytes(7, cat(...big.map((v) => varint(v))));
  const dimsUnpacked = cat(fVarint(1, 5));
  const dimsPacked = fBytes(1, varint(5));
  const ints = (packed: boolean) => (packed ? fBytes(8, cat(varint(3), varint(-2), varint(2n ** 60n))) : cat(fVarint(8, 3), fVarint(8, -2), fVarint(8, 2n ** 60n)));
  const build = (packed: boolean) =>
    model(
      cat(
        fBytes(G.node, cat(fStr(2, 'y'), fStr(4, 'Constant'), fBytes(5, cat(fStr(1, 'value_ints'), ints(packed), fVarint(20, 7))))),
        fStr(G.name, 'g'),
        fBytes(G.initializer, cat(packed ? dimsPacked : dimsUnpacked, fVarint(2, DataType.INT64), packed ? unpackedData : packedData, fStr(8, 'w'))),
        fBytes(G.initializer, cat(packed ? dimsPacked : dimsUnpacked, fVarint(2, DataType.UINT64), fStr(8, 'u'), fBytes(11, cat(...[0n, 1n, 2n ** 64n - 1n, 2n ** 53n, 9n].map((v) => varint(v)))))),
      ),
    );
  const a = decodeModel(build(false), { path: FILE });
  const b = decodeModel(build(true), { path: FILE });
  for (const m of [a, b]) {
    const [w, u] = m.graph.initializers;
    assert.deepEqual(w.dims, [5]);
    assert.deepEqual(w.proto.int64Data, expected);
    assert.deepEqual(u.proto.uint64Data, [0, 1, 2n ** 64n - 1n, 2n ** 53n, 9]);
    assert.deepEqual(m.graph.nodes[0].attributes[0].proto.ints, [3, -2, 2n ** 60n]);
    assert.deepEqual(m.problems, []);
  }
  // protobufjs writes dims and ints unpacked and int64_data/uint64_data packed, as onnx.proto declares them
  const canonical = build(false);
  assert.equal(Buffer.from(encodeModel(a)).toString('hex'), Buffer.from(canonical).toString('hex'));
  assert.equal(Buffer.from(encodeModel(b)).toString('hex'), Buffer.from(canonical).toString('hex'));
});

// ---------------------------------------------------------------------------------------------------------------
// Tensor-level problems: the model opens, the problem names the tensor.

test('bad dims and data sizes become problems naming the tensor; the rest of the model opens', () => {
  const f4 = (v: number) => [...new Uint8Array(new Float32Array([v]).buffer)];
  const raw = (n: number) => fBytes(9, Array(n).fill(0));
  const inits = [
    tensorBody('overflow', DataType.FLOAT, [2 ** 40, 2 ** 40, 2 ** 40], raw(4)),
    tensorBody('negative', DataType.FLOAT, [-1, 3], raw(12)),
    tensorBody('huge_dim', DataType.FLOAT, [2n ** 62n], raw(4)),
    tensorBody('short_raw', DataType.FLOAT, [2, 3], raw(5)),
    tensorBody('long_raw', DataType.INT64, [2], raw(17)),
    tensorBody('int4_raw', DataType.INT4, [3], raw(1)),
    tensorBody('short_typed', DataType.FLOAT, [2, 3], fBytes(4, cat(f4(1), f4(2), f4(3), f4(4)))),
    tensorBody('wrong_field', DataType.INT64, [2], fBytes(4, cat(f4(1), f4(2)))),
    tensorBody('no_data', DataType.INT32, [3]),
    tensorBody('string_raw', DataType.STRING, [1], raw(3)),
    tensorBody('bad_dtype', 99, [1], raw(4)),
    tensorBody('fine', DataType.FLOAT, [1], raw(4)),
    tensorBody('fine_int4_typed', DataType.INT4, [3], fBytes(5, cat(varint(0x21), varint(3)))),
    tensorBody('fine_complex', DataType.COMPLEX64, [1], fBytes(4, cat(f4(1), f4(2)))),
    tensorBody('fine_empty', DataType.FLOAT, [0, 5]),
  ];
  // a Constant whose value tensor is short, and an If whose branch holds a bad initializer
  const constant = cat(fStr(2, 'c'), fStr(3, 'const'), fStr(4, 'Constant'), fBytes(5, cat(fStr(1, 'value'), fBytes(5, tensorBody('', DataType.FLOAT, [4], raw(8))), fVarint(20, 4))));
  const branch = cat(fStr(G.name, 'then'), fBytes(G.initializer, tensorBody('inner', DataType.FLOAT, [-5])), fBytes(G.output, fStr(1, 'inner')));
  const ifNode = cat(fStr(1, 'cond'), fStr(2, 'r'), fStr(3, 'branchy'), fStr(4, 'If'), fBytes(5, cat(fStr(1, 'then_branch'), fBytes(6, branch), fVarint(20, 5))));
  // a sparse initializer whose values have negative dims
  const sparse = cat(fBytes(1, tensorBody('sp', DataType.FLOAT, [-2], raw(8))), fBytes(2, tensorBody('', DataType.INT64, [2], raw(16))), fVarint(3, 10));
  const bytes = model(cat(fBytes(G.node, constant), fBytes(G.node, ifNode), fStr(G.name, 'g'), ...inits.map((t) => fBytes(G.initializer, t)), fBytes(G.sparse, sparse)));

  const m = decodes(bytes);
  assert.match(problem(m, 'invalid-dims', 'overflow').message, /the product of dims \[1099511627776, 1099511627776, 1099511627776\] overflows/);
  assert.match(problem(m, 'invalid-dims', 'negative').message, /dim 0 is negative \(-1\)/);
  assert.match(problem(m, 'invalid-dims', 'huge_dim').message, /dim 0 is 4611686018427387904, beyond any tensor size/);
  assert.match(problem(m, 'raw-data-size', 'short_raw').message, /float\[2,3\] needs 24 bytes of raw_data; found 5/);
  assert.match(problem(m, 'raw-data-size', 'long_raw').message, /int64\[2\] needs 16 bytes of raw_data; found 17/);
  assert.match(problem(m, 'raw-data-size', 'int4_raw').message, /int4\[3\] needs 2 bytes of raw_data; found 1/);
  assert.match(problem(m, 'data-size', 'short_typed').message, /float\[2,3\] needs 6 values in float_data \(or raw_data\); found 4/);
  assert.match(problem(m, 'data-size', 'wrong_field').message, /needs 2 values in int64_data .*found 0 \(its data is in float_data/);
  assert.match(problem(m, 'data-size', 'no_data').message, /int32\[3\] needs 3 values in int32_data \(or raw_data\); found 0/);
  assert.match(problem(m, 'data-size', 'string_raw').message, /stores raw_data; expected its strings in string_data/);
  assert.match(problem(m, 'unknown-dtype', 'bad_dtype').message, /unknown data type 99/);
  assert.match(problem(m, 'raw-data-size', 'const.value').message, /float\[4\] needs 16 bytes of raw_data; found 8/);
  const inner = problem(m, 'invalid-dims', 'inner');
  assert.equal(inner.graph, 'main/branchy.then_branch');
  problem(m, 'invalid-dims', 'sp (values)');
  assert.equal(m.problems.length, 14, JSON.stringify(m.problems.map((p) => p.message), null, 1));
  for (const name of ['fine', 'fine_int4_typed', 'fine_complex', 'fine_empty']) {
    assert.ok(!m.problems.some((p) => p.tensor === name), `${name} is valid`);
  }
  // the model still opened: nodes, values and the subgraph are all there
  assert.equal(m.graph.nodes.length, 2);
  assert.ok(m.graph.values.get('overflow')!.initializer);
});

test('a tensor that declares terabytes allocates nothing and decodes at once', () => {
  // float[2^20, 2^20] = 4 TiB declared, 4 bytes present; plus a packed float list claiming 1 GiB in a small file
  const before = process.memoryUsage().arrayBuffers;
  const bytes = model(cat(fStr(G.name, 'g'), fBytes(G.initializer, tensorBody('tb', DataType.FLOAT, [2 ** 20, 2 ** 20], fBytes(9, [0, 0, 0, 0])))));
  const m = decodes(bytes);
  assert.match(problem(m, 'raw-data-size', 'tb').message, /needs 4398046511104 bytes of raw_data; found 4/);
  const after = process.memoryUsage().arrayBuffers;
  assert.ok(after - before < 1 << 20, `array buffers grew by ${after - before} bytes`);
  decodeFails(model(cat(fStr(G.name, 'g'), fBytes(G.initializer, cat(fVarint(1, 2 ** 28), fVarint(2, 1), key(4, 2), varint(2 ** 30), [0, 0, 0, 0])))), /expected 1073741824 bytes/);
});

// ---------------------------------------------------------------------------------------------------------------
// Names that are special in JavaScript.

test('value names like __proto__ and constructor are plain names', () => {
  const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', ''];
  const node = (i: number, input: string, output: string) => fBytes(G.node, cat(fStr(1, input), fStr(2, output), fStr(3, `n${i}`), fStr(4, 'Relu')));
  const graph = cat(
    node(0, 'x', '__proto__'),
    node(1, '__proto__', 'constructor'),
    node(2, 'constructor', 'toString'),
    node(3, 'toString', 'hasOwnProperty'),
    fStr(G.name, 'g'),
    fBytes(G.input, fStr(1, 'x')),
    fBytes(G.output, fStr(1, 'hasOwnProperty')),
  );
  const m = decodes(model(graph));
  for (let i = 0; i < 4; i++) {
    const v = m.graph.values.get(names[i])!;
    assert.equal(v.name, names[i]);
    assert.equal(v.producer, m.graph.nodes[i]);
    if (i < 3) assert.equal(v.uses[0].node, m.graph.nodes[i + 1]);
  }
  assert.equal(Object.getPrototypeOf({}), Object.prototype, 'nothing was polluted');
});
