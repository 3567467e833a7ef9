// Property-based tests of the codec (fast-check, fixed seeds and run counts, a few seconds in all):
//  1. byte mutations of real models (flip, truncate, insert, delete, overwrite, overlong varints) never make the
//     decoder throw anything but a ModelDecodeError, never hang, and whatever still decodes encodes to bytes
//     that decode and encode to themselves;
//  2. small random ModelProtos (graphs with subgraphs, every attribute and tensor kind, functions, unknown
//     fields) encoded by protobufjs round-trip through the IR byte for byte, with every input linked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { decodeModel, decodeModelProto, ModelDecodeError } from '../../../src/core/codec/decode';
import { encodeModel } from '../../../src/core/codec/encode';
import { onnx } from '../../../src/core/codec/pb';
import { DataType, rawByteLength } from '../../../src/core/ir/dtype';
import type { Model } from '../../../src/core/ir/model';

const FILE = 'fuzzed.onnx';
const modelsDir = join(__dirname, '../../fixtures/models');
const seeds = readdirSync(modelsDir)
  .filter((d) => d.startsWith('seed_') || d === 'const_if')
  .sort()
  .map((d) => ({ name: d, bytes: new Uint8Array(readFileSync(join(modelsDir, d, 'model.onnx'))) }));

// ---------------------------------------------------------------------------------------------------------------
// 1. Mutations of real models.

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number };

/** Bytes that mean something in the wire format: tags of common fields, continuation bits, group and bad wire types. */
const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x12, 0x1a, 0x22, 0x2a, 0x3a, 0x0b, 0x0c, 0x0e, 0x0f, 0x3b];
const OVERLONG = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.oneof(fc.constantFrom(...INTERESTING), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 12 }), fc.constant(OVERLONG), fc.constant(Uint8Array.from([0xa3, 0x06]))),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
);

function mutate(src: Uint8Array, mutations: Mutation[]): Uint8Array {
  let b = src.slice();
  for (const m of mutations) {
    const at = b.length ? m.at % (b.length + 1) : 0;
    switch (m.kind) {
      case 'flip':
        if (at < b.length) b[at] ^= 1 << m.bit;
        break;
      case 'set':
        if (at < b.length) b[at] = m.byte;
        break;
      case 'truncate':
        b = b.slice(0, at);
        break;
      case 'insert': {
        const out = new Uint8Array(b.length + m.bytes.length);
        out.set(b.subarray(0, at), 0);
        out.set(m.bytes, at);
        out.set(b.subarray(at), at + m.bytes.length);
        b = out;
        break;
      }
      case 'delete':
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + m.length)]);
        break;
    }
  }
  return b;
}

function decodeOrRefuse(bytes: Uint8Array): Model | ModelDecodeError {
  const t0 = performance.now();
  let out: Model | ModelDecodeError;
  try {
    out = decodeModel(bytes, { path: FILE });
  } catch (e) {
    if (!(e instanceof ModelDecodeError)) {
      throw new Error(`expected a decoded model or a ModelDecodeError; got ${e instanceof Error ? e.stack : String(e)}`);
    }
    assert.match(e.message, /^fuzzed\.onnx: (not a valid protobuf encoding of an ONNX model: )?expected /);
    out = e;
  }
  const ms = performance.now() - t0;
  assert.ok(ms < 1000, `decoding took ${ms.toFixed(0)} ms`);
  return out;
}

test('mutated real models decode or fail with a ModelDecodeError, never hang, and what decodes re-encodes stably', () => {
  assert.ok(seeds.length >= 10, `expected the seed models, found ${seeds.length}`);
  let opened = 0;
  let refused = 0;
  const t0 = performance.now();
  fc.assert(
    fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 5 }), (i, mutations) => {
      const bytes = mutate(seeds[i].bytes, mutations);
      const r = decodeOrRefuse(bytes);
      if (r instanceof ModelDecodeError) {
        refused++;
        return;
      }
      opened++;
      // Whatever opens can be saved, and saving is stable: the saved bytes open and save to themselves.
      const once = encodeModel(r);
      const again = decodeModel(once, { path: FILE });
      assert.ok(Buffer.from(encodeModel(again)).equals(Buffer.from(once)), 'encode(decode(encode(m))) = encode(m)');
    }),
    { seed: 0x5eed, numRuns: 3000 },
  );
  assert.ok(refused > 100 && opened > 100, `both outcomes happen (opened ${opened}, refused ${refused})`);
  assert.ok(performance.now() - t0 < 20000);
});

test('a real model with one mutation at every kind of place: always a clear outcome', () => {
  // Exhaustive over one small model: every byte set to each interesting value.
  const src = seeds.find((s) => s.name === 'seed_linear')!.bytes;
  for (let at = 0; at < src.length; at++) {
    for (const byte of INTERESTING) decodeOrRefuse(mutate(src, [{ kind: 'set', at, byte }]));
  }
});

// ---------------------------------------------------------------------------------------------------------------
// 2. Random small ModelProtos round-trip byte for byte.

const A = onnx.AttributeProto.AttributeType;
const NAMES = ['x', 'y', 'z', 'w', 'a', 'b', 'out', '', '__proto__', 'constructor', 'ü'];
const name = fc.constantFrom(...NAMES);
const text = fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 4 }));
const smallDims = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 });
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(exact);
const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(exact);
function exact(v: bigint): number | bigint {
  return v >= -(2n ** 53n) + 1n && v <= 2n ** 53n - 1n ? Number(v) : v;
}
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const float32 = fc.float();
/** Unknown fields ONNX does not use (numbers 5000+), one chunk of each wire type; on some messages only. */
const unknowns = fc.option(
  fc.oneof(
    fc.tuple(fc.integer({ min: 5000, max: 5999 }), fc.nat()).map(([f, v]) => [...varint(f * 8), ...varint(v)]),
    fc.tuple(fc.integer({ min: 5000, max: 5999 }), fc.uint8Array({ maxLength: 6 })).map(([f, b]) => [...varint(f * 8 + 2), b.length, ...b]),
    fc.integer({ min: 5000, max: 5999 }).map((f) => [...varint(f * 8 + 5), 1, 2, 3, 4]),
  ),
  { freq: 3 },
);
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 128) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
/** Adds `$unknowns` (protobufjs writes them at the end of the message, where the decoder found them). */
function withUnknowns<T extends object>(arb: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.tuple(arb, unknowns).map(([m, u]) => (u ? { ...m, $unknowns: [Uint8Array.from(u)] } : m));
}

/** A TensorProto of any data type with the right amount of data, in raw_data or its typed field. */
const tensorArb: fc.Arbitrary<onnx.TensorProto.$Properties> = withUnknowns(
  fc
    .record({
      dtype: fc.integer({ min: 1, max: 26 }),
      dims: smallDims,
      name,
      raw: fc.boolean(),
      doc: fc.option(text, { nil: undefined }),
    })
    .chain(({ dtype, dims, name, raw, doc }): fc.Arbitrary<onnx.TensorProto.$Properties> => {
      const n = dims.reduce((a, b) => a * b, 1);
      const base: onnx.TensorProto.$Properties = { dims, dataType: dtype, name, ...(doc !== undefined ? { docString: doc } : {}) };
      if (raw && dtype !== DataType.STRING) {
        return fc.uint8Array({ minLength: rawByteLength(dtype, n)!, maxLength: rawByteLength(dtype, n)! }).map((rawData) => ({ ...base, rawData }));
      }
      const list = <T>(arb: fc.Arbitrary<T>, count: number) => fc.array(arb, { minLength: count, maxLength: count });
      switch (dtype) {
        case DataType.FLOAT:
          return list(float32, n).map((floatData) => ({ ...base, floatData }));
        case DataType.COMPLEX64:
          return list(float32, 2 * n).map((floatData) => ({ ...base, floatData }));
        case DataType.DOUBLE:
          return list(fc.double(), n).map((doubleData) => ({ ...base, doubleData }));
        case DataType.COMPLEX128:
          return list(fc.double(), 2 * n).map((doubleData) => ({ ...base, doubleData }));
        case DataType.INT64:
          return list(int64, n).map((int64Data) => ({ ...base, int64Data }));
        case DataType.UINT32:
        case DataType.UINT64:
          return list(uint64, n).map((uint64Data) => ({ ...base, uint64Data }));
        case DataType.STRING:
          return list(fc.uint8Array({ maxLength: 5 }), n).map((stringData) => ({ ...base, stringData }));
        default: {
          const perEntry = [DataType.INT4, DataType.UINT4, DataType.FLOAT4E2M1].includes(dtype) ? 2 : [DataType.INT2, DataType.UINT2].includes(dtype) ? 4 : 1;
          return list(int32, Math.ceil(n / perEntry)).map((int32Data) => ({ ...base, int32Data }));
        }
      }
    }),
);

const dimArb = withUnknowns(
  fc.oneof(
    fc.record({ dimValue: fc.integer({ min: 0, max: 64 }) }),
    fc.record({ dimParam: fc.constantFrom('batch', 'n', 'seq') }, { requiredKeys: [] }),
    fc.record({ dimParam: fc.constantFrom('batch'), denotation: fc.constantFrom('DATA_BATCH') }),
  ),
);
const typeArb: fc.Arbitrary<onnx.TypeProto.$Properties> = fc.letrec<{ type: onnx.TypeProto.$Properties }>((tie) => ({
  type: withUnknowns(
    fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.record(
        {
          tensorType: fc.record({ elemType: fc.integer({ min: 0, max: 26 }), shape: fc.record({ dim: fc.array(dimArb, { maxLength: 3 }) }) }, { requiredKeys: ['elemType'] }),
          denotation: fc.constantFrom('TENSOR', 'IMAGE'),
        },
        { requiredKeys: ['tensorType'] },
      ),
      fc.record({ sequenceType: fc.record({ elemType: tie('type') }) }),
      fc.record({ optionalType: fc.record({ elemType: tie('type') }) }),
      fc.record({ mapType: fc.record({ keyType: fc.constantFrom(DataType.INT64, DataType.STRING), valueType: tie('type') }) }),
    ),
  ),
})).type;
const valueInfoArb = withUnknowns(fc.record({ name, type: typeArb, docString: text }, { requiredKeys: ['name'] }));

/** Graphs nest through GRAPH/GRAPHS attributes up to `depth` levels. */
function graphArb(depth: number): fc.Arbitrary<onnx.GraphProto.$Properties> {
  const attribute: fc.Arbitrary<onnx.AttributeProto.$Properties> = withUnknowns(
    fc.tuple(fc.constantFrom('alpha', 'body', 'then_branch', 'axes', 'value'), fc.option(text, { nil: undefined })).chain(([attrName, doc]) => {
      const base = { name: attrName, ...(doc !== undefined ? { docString: doc } : {}) };
      const kinds: fc.Arbitrary<onnx.AttributeProto.$Properties>[] = [
        float32.map((f) => ({ ...base, f, type: A.FLOAT })),
        int64.map((i) => ({ ...base, i, type: A.INT })),
        fc.uint8Array({ maxLength: 6 }).map((s) => ({ ...base, s, type: A.STRING })),
        tensorArb.map((t) => ({ ...base, t, type: A.TENSOR })),
        fc.array(float32, { minLength: 1, maxLength: 4 }).map((floats) => ({ ...base, floats, type: A.FLOATS })),
        fc.array(int64, { minLength: 1, maxLength: 4 }).map((ints) => ({ ...base, ints, type: A.INTS })),
        fc.array(fc.uint8Array({ maxLength: 3 }), { minLength: 1, maxLength: 3 }).map((strings) => ({ ...base, strings, type: A.STRINGS })),
        fc.array(tensorArb, { minLength: 1, maxLength: 2 }).map((tensors) => ({ ...base, tensors, type: A.TENSORS })),
        typeArb.map((tp) => ({ ...base, tp, type: A.TYPE_PROTO })),
        fc.constantFrom('alpha', 'beta').map((refAttrName) => ({ ...base, refAttrName, type: A.FLOAT })),
      ];
      if (depth > 0) {
        kinds.push(graphArb(depth - 1).map((g) => ({ ...base, g, type: A.GRAPH })));
        kinds.push(fc.array(graphArb(depth - 1), { minLength: 1, maxLength: 2 }).map((graphs) => ({ ...base, graphs, type: A.GRAPHS })));
      }
      return fc.oneof(...kinds);
    }),
  );
  const node = withUnknowns(
    fc.record(
      {
        input: fc.array(name, { maxLength: 3 }),
        output: fc.array(name, { maxLength: 2 }),
        name: fc.constantFrom('n0', 'n1', 'n2', ''),
        opType: fc.constantFrom('Add', 'Relu', 'If', 'Loop', 'Custom', 'MyFunc'),
        attribute: fc.array(attribute, { maxLength: depth > 0 ? 2 : 3 }),
        domain: fc.constantFrom('', 'com.example', 'local'),
        docString: text,
      },
      { requiredKeys: ['input', 'output', 'opType'] },
    ),
  );
  return withUnknowns(
    fc.record(
      {
        node: fc.array(node, { maxLength: depth > 0 ? 3 : 4 }),
        name: text,
        initializer: fc.array(tensorArb, { maxLength: 2 }),
        input: fc.array(valueInfoArb, { maxLength: 2 }),
        output: fc.array(valueInfoArb, { maxLength: 2 }),
        valueInfo: fc.array(valueInfoArb, { maxLength: 2 }),
        sparseInitializer: fc.array(withUnknowns(fc.record({ values: tensorArb, indices: tensorArb, dims: fc.array(int64, { maxLength: 2 }) })), { maxLength: 1 }),
        docString: text,
      },
      { requiredKeys: ['node'] },
    ),
  );
}

const functionArb: fc.Arbitrary<onnx.FunctionProto.$Properties> = withUnknowns(
  fc.record(
    {
      name: fc.constantFrom('MyFunc', 'Other'),
      input: fc.array(name, { maxLength: 3 }),
      output: fc.array(name, { maxLength: 2 }),
      attribute: fc.array(fc.constantFrom('alpha', 'beta'), { maxLength: 2 }),
      node: graphArb(1).map((g) => g.node ?? []),
      opsetImport: fc.array(fc.record({ domain: fc.constantFrom('', 'com.example'), version: fc.integer({ min: 1, max: 23 }) }), { maxLength: 2 }),
      domain: fc.constant('local'),
      overload: fc.constantFrom('', 'v2'),
      valueInfo: fc.array(valueInfoArb, { maxLength: 1 }),
    },
    { requiredKeys: ['name', 'node'] },
  ),
);

const modelArb: fc.Arbitrary<onnx.ModelProto.$Properties> = withUnknowns(
  fc.record(
    {
      irVersion: fc.integer({ min: 3, max: 11 }),
      opsetImport: fc.array(withUnknowns(fc.record({ domain: fc.constantFrom('', 'ai.onnx.ml', 'local'), version: int64 })), { maxLength: 3 }),
      producerName: text,
      modelVersion: int64,
      docString: text,
      graph: graphArb(2),
      metadataProps: fc.array(withUnknowns(fc.record({ key: text, value: text })), { maxLength: 2 }),
      functions: fc.array(functionArb, { maxLength: 2 }),
    },
    { requiredKeys: ['graph'] },
  ),
);

/** A message as plain data: own fields (empty lists dropped, as protobuf cannot tell them from absent), bytes as arrays. */
function plain(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return Array.from(v as Uint8Array);
  if (Array.isArray(v)) return v.map(plain);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  const keys = Object.keys(v);
  if (Object.prototype.hasOwnProperty.call(v, '$unknowns') && !keys.includes('$unknowns')) keys.push('$unknowns');
  for (const k of keys.sort()) {
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined || (Array.isArray(x) && x.length === 0)) continue;
    out[k] = plain(x);
  }
  return out;
}

test('random small ModelProtos round-trip through the IR byte for byte, with every input linked', () => {
  const t0 = performance.now();
  let nodes = 0;
  fc.assert(
    fc.property(modelArb, (proto) => {
      const bytes = onnx.ModelProto.encode(proto).finish();
      // decode(encode(x)) is x: every field, int64 values exact, unknown fields kept
      assert.deepEqual(plain(decodeModelProto(bytes, FILE)), plain(proto));
      const model = decodeModel(bytes, { path: FILE });
      const out = encodeModel(model);
      assert.equal(Buffer.from(out).toString('hex'), Buffer.from(bytes).toString('hex'));
      for (const g of model.allGraphs()) {
        for (const n of g.nodes) {
          nodes++;
          const names = n.proto.input ?? [];
          n.inputs.forEach((v, i) => {
            if (names[i] === '') return assert.equal(v, null);
            assert.ok(v && v.name === names[i], `${g.path}/${n.label} input ${i}`);
            assert.ok(v.uses.some((u) => u.node === n && u.index === i));
            // a name resolves to the innermost scope that has it
            assert.equal(v, g.lookup(names[i]));
          });
        }
      }
    }),
    { seed: 20240611, numRuns: 400 },
  );
  assert.ok(nodes > 500, `the generator makes graphs (${nodes} nodes)`);
  assert.ok(performance.now() - t0 < 20000);
});
