import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  allOperators, allowedElemTypes, allowedTypes, attributeSchema, docUrl, domainDisplayName, elemTypeOfTypeString,
  findSchema, formalInput, formalOutput, importedOpsetVersion, knownDomains, maxOpsetVersion, normalizeDomain,
  opsChangedBetween, replacementFor, resolutionMessage, resolveSchema, schemaAtOpset, schemaSource, schemaVersions,
  typeStringOf, type OpSchema, type SchemaResolution,
} from '../../../src/core/schema';
import { DataType } from '../../../src/core/ir/dtype';

const onnxAt = (v: number) => [{ domain: '', version: v }];

function expectKind<K extends SchemaResolution['kind']>(r: SchemaResolution, kind: K): Extract<SchemaResolution, { kind: K }> {
  assert.equal(r.kind, kind, `expected ${kind}, got ${JSON.stringify(r)}`);
  return r as Extract<SchemaResolution, { kind: K }>;
}

function schema(domain: string, name: string, since: number): OpSchema {
  const s = findSchema(domain, name, since);
  assert.ok(s, `${domain || 'ai.onnx'} ${name}-${since} should exist`);
  return s;
}

test('operator counts equal the source: 642 versions, per domain as in the Changelog', () => {
  const all = allOperators();
  assert.equal(all.length, 642);
  assert.equal(schemaSource().operatorVersions, 642);
  assert.match(schemaSource().sha256, /^[0-9a-f]{64}$/);
  const perDomain = new Map<string, number>();
  for (const s of all) perDomain.set(s.domain, (perDomain.get(s.domain) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(perDomain), { '': 612, 'ai.onnx.ml': 25, 'ai.onnx.preview': 1, 'ai.onnx.preview.training': 4 });
  const keys = new Set(all.map((s) => `${s.domain}/${s.name}/${s.sinceVersion}`));
  assert.equal(keys.size, 642, 'no operator version is listed twice');
});

test('domains: "" and ai.onnx are one domain; known domains and their newest opsets', () => {
  assert.equal(normalizeDomain('ai.onnx'), '');
  assert.equal(normalizeDomain(''), '');
  assert.equal(normalizeDomain(undefined), '');
  assert.equal(normalizeDomain('ai.onnx.ml'), 'ai.onnx.ml');
  assert.equal(domainDisplayName(''), 'ai.onnx');
  assert.deepEqual(knownDomains(), ['', 'ai.onnx.ml', 'ai.onnx.preview', 'ai.onnx.preview.training']);
  assert.equal(maxOpsetVersion(''), 28);
  assert.equal(maxOpsetVersion('ai.onnx'), 28);
  assert.equal(maxOpsetVersion('ai.onnx.ml'), 5);
  assert.equal(maxOpsetVersion('custom'), undefined);
});

test('Asinh at opset 7 is not there yet (since 9); at 12 it resolves to version 9', () => {
  const r = expectKind(resolveSchema('', 'Asinh', onnxAt(7)), 'not-yet');
  assert.equal(r.firstSince, 9);
  assert.equal(r.opsetVersion, 7);
  assert.equal(
    resolutionMessage('', 'Asinh', r),
    'Asinh is not in opset 7 of ai.onnx (it exists since opset 9): raise the ai.onnx opset import to 9',
  );
  const ok = expectKind(resolveSchema('', 'Asinh', onnxAt(12)), 'ok');
  assert.equal(ok.sinceVersion, 9);
  assert.equal(ok.schema.sinceVersion, 9);
  assert.equal(ok.opsetVersion, 12);
  assert.equal(ok.deprecated, false);
  assert.equal(resolutionMessage('', 'Asinh', ok), undefined);
  assert.equal(expectKind(resolveSchema('', 'Asinh', onnxAt(22)), 'ok').sinceVersion, 22);
});

test('Conv at 11 -> since 11, at 21 still 11, at 22 -> 22; Reshape at 5 -> 5, at 4 -> 1', () => {
  assert.equal(expectKind(resolveSchema('', 'Conv', onnxAt(11)), 'ok').sinceVersion, 11);
  assert.equal(expectKind(resolveSchema('', 'Conv', onnxAt(21)), 'ok').sinceVersion, 11);
  assert.equal(expectKind(resolveSchema('', 'Conv', onnxAt(22)), 'ok').sinceVersion, 22);
  assert.equal(expectKind(resolveSchema('', 'Conv', onnxAt(10)), 'ok').sinceVersion, 1);
  assert.equal(expectKind(resolveSchema('', 'Reshape', onnxAt(5)), 'ok').sinceVersion, 5);
  assert.equal(expectKind(resolveSchema('', 'Reshape', onnxAt(4)), 'ok').sinceVersion, 1);
  assert.deepEqual(schemaVersions('', 'Reshape'), [1, 5, 13, 14, 19, 21, 23, 24, 25]);
  assert.deepEqual(schemaVersions('', 'NoSuchOp'), []);
  // A model importing an opset newer than the facts resolves to the newest known version.
  assert.equal(expectKind(resolveSchema('', 'Conv', onnxAt(40)), 'ok').sinceVersion, 22);
});

test('Upsample at 10 is deprecated in favour of Resize; at 9 it is fine; at 13 the deprecated version is still in effect', () => {
  const r = expectKind(resolveSchema('', 'Upsample', onnxAt(10)), 'deprecated');
  assert.equal(r.since, 10);
  assert.equal(r.sinceVersion, 10);
  assert.equal(r.deprecated, true);
  assert.equal(r.replacement?.name, 'Resize');
  assert.equal(r.replacement?.sinceVersion, 10);
  // The Changelog gives deprecated versions no signature; the data carries Upsample-9's.
  assert.equal(r.schema.signatureFrom, 'Upsample-9');
  assert.deepEqual(r.schema.inputs.map((p) => p.name), ['X', 'scales']);
  assert.equal(r.schema.minInputs, 2);
  assert.match(resolutionMessage('', 'Upsample', r) ?? '', /deprecated.*replace it with Resize/);
  assert.equal(expectKind(resolveSchema('', 'Upsample', onnxAt(9)), 'ok').sinceVersion, 9);
  assert.equal(expectKind(resolveSchema('', 'Upsample', onnxAt(13)), 'deprecated').since, 10);
});

test('Scatter at 11 is deprecated in favour of ScatterElements; at 10 it is Scatter-9', () => {
  const r = expectKind(resolveSchema('', 'Scatter', onnxAt(11)), 'deprecated');
  assert.equal(r.since, 11);
  assert.equal(r.replacement?.name, 'ScatterElements');
  assert.equal(r.replacement?.domain, '');
  assert.deepEqual(r.schema.inputs.map((p) => p.name), ['data', 'indices', 'updates']);
  assert.match(resolutionMessage('', 'Scatter', r) ?? '', /ScatterElements/);
  assert.equal(expectKind(resolveSchema('', 'Scatter', onnxAt(10)), 'ok').sinceVersion, 9);
});

test('GroupNormalization-18 is deprecated (opsets 18-20) and replaced by its own version 21', () => {
  for (const v of [18, 19, 20]) {
    const r = expectKind(resolveSchema('', 'GroupNormalization', onnxAt(v)), 'deprecated');
    assert.equal(r.since, 18);
    assert.deepEqual(
      { domain: r.replacement?.domain, name: r.replacement?.name, since: r.replacement?.sinceVersion },
      { domain: '', name: 'GroupNormalization', since: 21 },
    );
    assert.match(resolutionMessage('', 'GroupNormalization', r) ?? '', /raise the ai\.onnx opset import to 21.*per channel/);
  }
  const g18 = schema('', 'GroupNormalization', 18);
  assert.deepEqual(g18.attributes.map((a) => a.name), ['epsilon', 'num_groups'], 'version 18 has no stash_type');
  assert.equal(attributeSchema(g18, 'num_groups')?.required, true);
  assert.deepEqual(g18.inputs.map((p) => p.name), ['X', 'scale', 'bias']);
  assert.equal(expectKind(resolveSchema('', 'GroupNormalization', onnxAt(21)), 'ok').sinceVersion, 21);
  assert.equal(expectKind(resolveSchema('', 'GroupNormalization', onnxAt(17)), 'not-yet').firstSince, 18);
});

test('every deprecated version has a known replacement that exists and is not deprecated', () => {
  const deprecated = allOperators().filter((s) => s.deprecated);
  assert.deepEqual(deprecated.map((s) => `${s.domain}/${s.name}-${s.sinceVersion}`).sort(), [
    '/GroupNormalization-18', '/Scatter-11', '/Upsample-10',
    'ai.onnx.ml/TreeEnsembleClassifier-5', 'ai.onnx.ml/TreeEnsembleRegressor-5',
  ]);
  for (const s of deprecated) {
    const rep = replacementFor(s);
    assert.ok(rep, `${s.name}-${s.sinceVersion} has a replacement`);
    const target = findSchema(rep.domain, rep.name, rep.sinceVersion);
    assert.ok(target, `${rep.name}-${rep.sinceVersion} exists`);
    assert.equal(target.deprecated, false);
    assert.ok(s.inputs.length > 0 && s.outputs.length > 0, `${s.name}-${s.sinceVersion} carries a signature`);
    assert.ok(s.signatureFrom, `${s.name}-${s.sinceVersion} says where its signature came from`);
  }
  assert.equal(replacementFor(schema('', 'Conv', 11)), undefined);
});

test('ai.onnx.ml operators resolve with an ai.onnx.ml import, and need one', () => {
  const both = [{ domain: '', version: 17 }, { domain: 'ai.onnx.ml', version: 3 }];
  const r = expectKind(resolveSchema('ai.onnx.ml', 'LabelEncoder', both), 'ok');
  assert.equal(r.sinceVersion, 2);
  assert.equal(r.schema.domain, 'ai.onnx.ml');
  assert.equal(expectKind(resolveSchema('ai.onnx.ml', 'LabelEncoder', [{ domain: 'ai.onnx.ml', version: 4 }]), 'ok').sinceVersion, 4);
  const te = expectKind(resolveSchema('ai.onnx.ml', 'TreeEnsembleClassifier', [{ domain: 'ai.onnx.ml', version: 5 }]), 'deprecated');
  assert.equal(te.replacement?.name, 'TreeEnsemble');
  assert.equal(te.schema.signatureFrom, 'TreeEnsembleClassifier-3');
  const missing = expectKind(resolveSchema('ai.onnx.ml', 'LabelEncoder', onnxAt(17)), 'no-opset-import');
  assert.equal(missing.domain, 'ai.onnx.ml');
  assert.equal(missing.firstSince, 1);
  assert.match(resolutionMessage('ai.onnx.ml', 'LabelEncoder', missing) ?? '', /add an opset import for ai\.onnx\.ml/);
  // An ai.onnx op in a model that only imports ai.onnx.ml.
  expectKind(resolveSchema('', 'Relu', [{ domain: 'ai.onnx.ml', version: 3 }]), 'no-opset-import');
});

test('custom domains are unknown-domain even when imported; unknown ops in a known domain are unknown-op with hints', () => {
  const r = expectKind(resolveSchema('custom', 'Foo', [{ domain: 'custom', version: 1 }]), 'unknown-domain');
  assert.equal(r.domain, 'custom');
  assert.match(resolutionMessage('custom', 'Foo', r) ?? '', /custom.*not a standard ONNX operator set/);
  expectKind(resolveSchema('com.microsoft', 'FusedConv', onnxAt(13)), 'unknown-domain');

  const none = expectKind(resolveSchema('', 'FooBar', onnxAt(13)), 'unknown-op');
  assert.deepEqual(none.similar, []);
  assert.match(resolutionMessage('', 'FooBar', none) ?? '', /ai\.onnx has no operator named FooBar/);
  const lower = expectKind(resolveSchema('', 'conv', onnxAt(13)), 'unknown-op');
  assert.deepEqual(lower.similar, [{ domain: '', name: 'Conv' }]);
  const wrongDomain = expectKind(resolveSchema('', 'LabelEncoder', onnxAt(13)), 'unknown-op');
  assert.deepEqual(wrongDomain.similar, [{ domain: 'ai.onnx.ml', name: 'LabelEncoder' }]);
  assert.match(resolutionMessage('', 'LabelEncoder', wrongDomain) ?? '', /LabelEncoder in domain ai\.onnx\.ml/);
});

test('opset imports: ai.onnx spelled out, a Map, bigint and Long-like versions, first entry wins', () => {
  assert.equal(expectKind(resolveSchema('', 'Relu', [{ domain: 'ai.onnx', version: 13 }]), 'ok').sinceVersion, 13);
  assert.equal(expectKind(resolveSchema('ai.onnx', 'Relu', [{ domain: '', version: 13 }]), 'ok').sinceVersion, 13);
  assert.equal(expectKind(resolveSchema('', 'Relu', new Map([['ai.onnx', 6]])), 'ok').sinceVersion, 6);
  assert.equal(expectKind(resolveSchema('', 'Relu', [{ domain: '', version: 14n }]), 'ok').sinceVersion, 14);
  assert.equal(expectKind(resolveSchema('', 'Relu', [{ domain: null, version: { toNumber: () => 13 } }]), 'ok').sinceVersion, 13);
  assert.equal(importedOpsetVersion([{ domain: '', version: 11 }, { domain: 'ai.onnx', version: 17 }], 'ai.onnx'), 11);
  assert.equal(importedOpsetVersion([{ domain: 'ai.onnx.ml', version: 2 }], ''), undefined);
  assert.equal(importedOpsetVersion(new Map([['ai.onnx.ml', 3]]), 'ai.onnx.ml'), 3);
});

test('opsChangedBetween ai.onnx 12 and 13 lists Softmax (11 -> 13), not Conv; lowering lists the reverse', () => {
  const up = opsChangedBetween('', 12, 13);
  const names = up.map((c) => c.name);
  assert.ok(names.includes('Softmax'));
  assert.ok(!names.includes('Conv'));
  assert.deepEqual(up.find((c) => c.name === 'Softmax'), { name: 'Softmax', fromSince: 11, toSince: 13, toDeprecated: false });
  assert.deepEqual(names, [...names].sort(), 'sorted by name');
  for (const c of up) {
    assert.equal(schemaAtOpset('', c.name, 12)?.sinceVersion, c.fromSince);
    assert.equal(schemaAtOpset('', c.name, 13)?.sinceVersion, c.toSince);
  }
  // Nothing changes between an opset and itself; ops new at the target (GroupNormalization at 18) are not listed.
  assert.deepEqual(opsChangedBetween('', 13, 13), []);
  assert.ok(!opsChangedBetween('', 17, 18).some((c) => c.name === 'GroupNormalization'));
  assert.deepEqual(opsChangedBetween('', 17, 18).find((c) => c.name === 'Resize'), { name: 'Resize', fromSince: 13, toSince: 18, toDeprecated: false });
  // Raising into a deprecated version says so; lowering below an op's first version gives toSince undefined.
  assert.deepEqual(opsChangedBetween('', 9, 10).find((c) => c.name === 'Upsample'), { name: 'Upsample', fromSince: 9, toSince: 10, toDeprecated: true });
  assert.deepEqual(opsChangedBetween('', 13, 12).find((c) => c.name === 'Softmax'), { name: 'Softmax', fromSince: 13, toSince: 11, toDeprecated: false });
  assert.deepEqual(opsChangedBetween('', 9, 8).find((c) => c.name === 'Asinh'), { name: 'Asinh', fromSince: 9, toSince: undefined, toDeprecated: false });
  assert.deepEqual(opsChangedBetween('ai.onnx', 12, 13), up);
  assert.deepEqual(opsChangedBetween('custom', 1, 2), []);
});

test('attribute defaults are typed values, with the Changelog\'s rounded floats corrected', () => {
  const def = (d: string, n: string, v: number, a: string) => attributeSchema(schema(d, n, v), a)?.default;
  assert.deepEqual(def('', 'MeanVarianceNormalization', 13, 'axes'), [0, 2, 3]);
  assert.deepEqual(def('', 'RNN', 14, 'activations'), ['Tanh', 'Tanh']);
  assert.equal(def('', 'RNN', 14, 'direction'), 'forward');
  assert.equal(def('', 'LayerNormalization', 17, 'axis'), -1);
  assert.equal(def('', 'LayerNormalization', 17, 'epsilon'), 1e-5);
  assert.equal(def('', 'Resize', 19, 'cubic_coeff_a'), -0.75);
  assert.equal(def('', 'Conv', 22, 'auto_pad'), 'NOTSET');
  // Selu-6 and later: the definition's float constants, not the printed 1.67326 / 1.0507.
  assert.equal(Math.fround(def('', 'Selu', 6, 'alpha') as number), Math.fround(1.67326319217681884765625));
  assert.equal(Math.fround(def('', 'Selu', 22, 'gamma') as number), Math.fround(1.05070102214813232421875));
  assert.equal(def('', 'Selu', 1, 'alpha'), 1.6732, 'Selu-1 really had 1.6732');
  // Clip-6: +-FLT_MAX; Adam-1 epsilon 1e-6 (printed as 0.0).
  assert.equal(def('', 'Clip', 6, 'max'), 3.4028234663852886e38);
  assert.equal(Math.fround(def('', 'Clip', 6, 'min') as number), -3.4028234663852886e38);
  assert.equal(def('ai.onnx.preview.training', 'Adam', 1, 'epsilon'), 1e-6);
  // Required attributes have no default.
  const cast = attributeSchema(schema('', 'Cast', 13), 'to');
  assert.equal(cast?.required, true);
  assert.equal(cast?.type, 'INT');
  assert.equal(cast && 'default' in cast, false);
  assert.equal(attributeSchema(schema('', 'Cast', 13), 'nope'), undefined);
});

test('every schema is self-consistent: typed defaults, known type variables, counts, readable type strings', () => {
  const intTypes = new Set(['INT']);
  for (const s of allOperators()) {
    const at = `${s.domain || 'ai.onnx'} ${s.name}-${s.sinceVersion}`;
    for (const a of s.attributes) {
      if (a.default === undefined) continue;
      const d = a.default;
      if (intTypes.has(a.type)) assert.ok(Number.isSafeInteger(d), `${at}.${a.name}`);
      else if (a.type === 'FLOAT') assert.ok(typeof d === 'number' && Number.isFinite(d), `${at}.${a.name}`);
      else if (a.type === 'STRING') assert.equal(typeof d, 'string', `${at}.${a.name}`);
      else if (a.type === 'INTS') assert.ok(Array.isArray(d) && d.every((x) => Number.isSafeInteger(x)), `${at}.${a.name}`);
      else if (a.type === 'FLOATS') assert.ok(Array.isArray(d) && d.every((x) => typeof x === 'number'), `${at}.${a.name}`);
      else if (a.type === 'STRINGS') assert.ok(Array.isArray(d) && d.every((x) => typeof x === 'string'), `${at}.${a.name}`);
      else assert.fail(`${at}.${a.name}: unexpected default for a ${a.type} attribute`);
    }
    for (const p of [...s.inputs, ...s.outputs]) {
      const types = allowedTypes(s, p.typeStr);
      assert.ok(types && types.length > 0, `${at}: ${p.name} has type ${p.typeStr}, which the schema defines`);
    }
    for (const c of s.typeConstraints) {
      for (const t of c.allowedTypes) {
        let depth = 0;
        for (const ch of t) depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
        assert.equal(depth, 0, `${at}: balanced type string ${t}`);
        const inner = /tensor\(([a-z0-9]+)\)/.exec(t);
        if (inner) assert.notEqual(elemTypeOfTypeString(`tensor(${inner[1]})`), undefined, `${at}: element type ${inner[1]} is known`);
      }
    }
    assert.ok(s.minInputs <= s.maxInputs && s.minOutputs <= s.maxOutputs, at);
    const variadicIn = s.inputs.some((p) => p.option === 'variadic');
    assert.equal(s.maxInputs === Infinity, variadicIn, `${at}: unbounded inputs iff a variadic input`);
    if (!variadicIn) assert.equal(s.maxInputs, s.inputs.length, at);
    const variadicOut = s.outputs.some((p) => p.option === 'variadic');
    if (!variadicOut) assert.equal(s.maxOutputs, s.outputs.length, at);
  }
  const zipMap = schema('ai.onnx.ml', 'ZipMap', 1);
  assert.deepEqual(allowedTypes(zipMap, 'T'), ['seq(map(string, float))', 'seq(map(int64, float))']);
});

test('schemas are frozen: shared data cannot be changed by a caller', () => {
  const s = schema('', 'Conv', 11);
  assert.ok(Object.isFrozen(s));
  assert.ok(Object.isFrozen(s.attributes));
  assert.ok(Object.isFrozen(s.attributes[0]));
  assert.ok(Object.isFrozen(s.typeConstraints[0].allowedTypes));
  assert.throws(() => (s.attributes as unknown as unknown[]).push({}));
});

test('formal parameters: trailing variadic binds every later position; optional and missing positions', () => {
  const concat = schema('', 'Concat', 13);
  assert.equal(concat.maxInputs, Infinity);
  assert.equal(formalInput(concat, 0)?.name, 'inputs');
  assert.equal(formalInput(concat, 7)?.option, 'variadic');
  const conv = schema('', 'Conv', 11);
  assert.equal(formalInput(conv, 2)?.name, 'B');
  assert.equal(formalInput(conv, 2)?.option, 'optional');
  assert.equal(formalInput(conv, 3), undefined);
  assert.equal(formalInput(conv, -1), undefined);
  const loop = schema('', 'Loop', 19);
  assert.equal(loop.minInputs, 2, 'Loop v_initial may be empty');
  assert.equal(formalOutput(loop, 4)?.name, 'v_final_and_scan_outputs');
  assert.equal(formalOutput(loop, 4)?.heterogeneous, true);
});

test('type strings: DataType <-> tensor(...) and the element types a type variable allows', () => {
  assert.equal(typeStringOf(DataType.FLOAT), 'tensor(float)');
  assert.equal(typeStringOf(DataType.BFLOAT16), 'tensor(bfloat16)');
  assert.equal(typeStringOf(DataType.FLOAT8E4M3FN), 'tensor(float8e4m3fn)');
  assert.equal(typeStringOf(DataType.UNDEFINED), undefined);
  assert.equal(typeStringOf(999), undefined);
  for (let t = 1; t <= 26; t++) assert.equal(elemTypeOfTypeString(typeStringOf(t)!), t);
  assert.equal(elemTypeOfTypeString('seq(tensor(float))'), undefined);
  assert.equal(elemTypeOfTypeString('tensor(float32)'), undefined);

  const abs13 = schema('', 'Abs', 13);
  const absT = allowedElemTypes(abs13, 'T')!;
  assert.ok(absT.includes(DataType.FLOAT) && absT.includes(DataType.BFLOAT16) && absT.includes(DataType.UINT64));
  assert.ok(!absT.includes(DataType.BOOL) && !absT.includes(DataType.STRING));
  assert.deepEqual(allowedElemTypes(schema('', 'Abs', 1), 'T'), [DataType.FLOAT, DataType.FLOAT16, DataType.DOUBLE]);
  assert.deepEqual(allowedElemTypes(schema('', 'Shape', 15), 'tensor(int64)'), [DataType.INT64]);
  assert.equal(allowedElemTypes(abs13, 'Q'), undefined);
  // SequenceAt's S allows only sequences: no plain tensor element types.
  assert.deepEqual(allowedElemTypes(schema('', 'SequenceAt', 11), 'S'), []);
});

test('docUrl points at the operator page, anchored at a known version', () => {
  assert.equal(docUrl('', 'Conv'), 'https://onnx.ai/onnx/operators/onnx__Conv.html');
  assert.equal(docUrl('ai.onnx', 'Conv', 11), 'https://onnx.ai/onnx/operators/onnx__Conv.html#l-onnx-op-conv-11');
  assert.equal(docUrl('', 'Conv', 12), 'https://onnx.ai/onnx/operators/onnx__Conv.html', 'no anchor for a version that is not a schema version');
  assert.equal(
    docUrl('ai.onnx.ml', 'TreeEnsemble', 5),
    'https://onnx.ai/onnx/operators/onnx_aionnxml_TreeEnsemble.html#l-onnx-opai-onnx-ml-treeensemble-5',
  );
  assert.equal(docUrl('ai.onnx.preview.training', 'Adam'), 'https://onnx.ai/onnx/operators/onnx_aionnxpreviewtraining_Adam.html');
  assert.equal(docUrl('', 'NoSuchOp'), undefined);
  assert.equal(docUrl('custom', 'Foo'), undefined);
});

test('every non-ok resolution has a message that names the operator', () => {
  const cases: [string, string, Parameters<typeof resolveSchema>[2]][] = [
    ['', 'Asinh', onnxAt(7)], ['', 'Upsample', onnxAt(11)], ['', 'FooBar', onnxAt(11)],
    ['custom', 'Foo', []], ['ai.onnx.ml', 'Imputer', onnxAt(11)],
  ];
  const kinds = new Set<string>();
  for (const [d, op, imports] of cases) {
    const r = resolveSchema(d, op, imports);
    kinds.add(r.kind);
    const m = resolutionMessage(d, op, r);
    assert.ok(m && m.includes(op), `${r.kind}: ${m}`);
  }
  assert.deepEqual([...kinds].sort(), ['deprecated', 'no-opset-import', 'not-yet', 'unknown-domain', 'unknown-op']);
});

test('lookups are fast enough to run for every node of a large graph', () => {
  const imports = [{ domain: '', version: 17 }, { domain: 'ai.onnx.ml', version: 3 }];
  const ops = ['Conv', 'Relu', 'Add', 'MatMul', 'Softmax', 'Reshape', 'Transpose', 'Gather'];
  const t0 = performance.now();
  for (let i = 0; i < 50_000; i++) resolveSchema('', ops[i % ops.length], imports);
  const ms = performance.now() - t0;
  assert.ok(ms < 1000, `50k resolutions took ${ms.toFixed(0)} ms`);
});
