#!/usr/bin/env node
// Generates src/core/schema/operators.generated.json from ONNX's operator facts
// (../shared/spec/onnx-operators.json, itself extracted from onnx docs/Changelog.md and Changelog-ml.md).
//
//   node scripts/gen-schema.mjs [source.json] [--out file] [--check]
//
// --check regenerates in memory and exits 1 if the committed file differs (nothing is written).
// This is the only script that reads ../shared; the generated file is committed and never edited by hand.
//
// What it does besides copying:
//  - keeps only what the lookup API needs (the source has no descriptions; nothing else is dropped);
//  - types every attribute default (the source has them as printed strings: '1e-05', "['0', '2', '3']");
//  - rejoins map(...) type strings that the source split at their comma ('map(int64' + 'float)');
//  - corrects the few float defaults the Changelog printed with too few digits (CORRECTIONS below);
//  - gives deprecated versions, which the Changelog lists without a signature, the signature they
//    really have (SIGNATURES below), so a deprecated node still shows named inputs;
//  - records the source's sha256 so a reader can tell which source the file was made from.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_SOURCE = resolve(REPO, '../shared/spec/onnx-operators.json');
const DEFAULT_OUT = join(REPO, 'src/core/schema/operators.generated.json');
export const FORMAT_VERSION = 1;

const ATTRIBUTE_TYPES = {
  float: 'FLOAT', int: 'INT', string: 'STRING', tensor: 'TENSOR', graph: 'GRAPH',
  sparse_tensor: 'SPARSE_TENSOR', type_proto: 'TYPE_PROTO',
  'list of floats': 'FLOATS', 'list of ints': 'INTS', 'list of strings': 'STRINGS',
  'list of tensors': 'TENSORS', 'list of graphs': 'GRAPHS', 'list of sparse_tensors': 'SPARSE_TENSORS',
  'list of type_protos': 'TYPE_PROTOS',
};
const OPTIONS = { single: 's', optional: 'o', variadic: 'v' };

/**
 * Float defaults that the Changelog prints rounded (C's %g), replaced by the value the operator
 * definition in onnx/defs holds. Each entry names the printed text it expects: if the source prints
 * something else the generator stops, so a changed source is looked at rather than silently patched.
 * Cross-checked against onnx.defs.get_schema() of python3-onnx 1.12 for the versions it knows.
 */
const CORRECTIONS = [
  // Selu-6 and later: alpha = 1.67326319217681884765625f, gamma = 1.05070102214813232421875f (onnx/defs/math).
  // Selu-1 really had 1.6732 and 1.0507, so versions before 6 are left alone.
  { domain: '', name: 'Selu', minSince: 6, attr: 'alpha', printed: '1.67326', value: 1.67326319217681884765625 },
  { domain: '', name: 'Selu', minSince: 6, attr: 'gamma', printed: '1.0507', value: 1.05070102214813232421875 },
  // Clip-6: min/max default to -/+ std::numeric_limits<float>::max().
  { domain: '', name: 'Clip', minSince: 6, maxSince: 6, attr: 'max', printed: '(3.402823e+38)', value: 3.4028234663852886e38 },
  { domain: '', name: 'Clip', minSince: 6, maxSince: 6, attr: 'min', printed: '(-3.402823e+38)', value: -3.4028234663852886e38 },
  // Adagrad-1 and Adam-1: epsilon defaults to 1e-6f, which the Changelog printed as 0.0.
  { domain: 'ai.onnx.preview.training', name: 'Adagrad', minSince: 1, attr: 'epsilon', printed: '0.0', value: 1e-6 },
  { domain: 'ai.onnx.preview.training', name: 'Adam', minSince: 1, attr: 'epsilon', printed: '0.0', value: 1e-6 },
];

/**
 * The Changelog lists deprecated versions with no inputs, outputs or attributes. Their real
 * signature is that of the version before them (Upsample-10 = Upsample-9, Scatter-11 = Scatter-9,
 * TreeEnsembleClassifier-5 / TreeEnsembleRegressor-5 = version 3), which the generator copies.
 * GroupNormalization-18 has no version before it: it is GroupNormalization-21 without `stash_type`
 * (onnx/defs/nn/old.cc: attributes epsilon, num_groups; inputs X, scale, bias; output Y).
 */
const SIGNATURES = {
  'GroupNormalization-18': { domain: '', fromSince: 21, dropAttributes: ['stash_type'] },
};

function fail(msg) {
  throw new Error(`gen-schema: ${msg}`);
}

/** "['0', '2', '3']" -> ['0', '2', '3']; also accepts unquoted items ("[0, 2, 3]"). */
function parseListText(text, where) {
  const t = text.trim();
  if (!t.startsWith('[') || !t.endsWith(']')) fail(`${where}: expected a list default like "['a', 'b']", found ${JSON.stringify(text)}`);
  const body = t.slice(1, -1).trim();
  if (body === '') return [];
  const items = [];
  const re = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^,'"\s][^,]*?))\s*(?:,|$)/gy;
  let m;
  let pos = 0;
  while (pos < body.length && (m = re.exec(body)) !== null) {
    items.push(m[1] ?? m[2] ?? m[3]);
    pos = re.lastIndex;
  }
  if (pos !== body.length) fail(`${where}: cannot read the list default ${JSON.stringify(text)} (stopped at character ${pos})`);
  return items;
}

function parseNumber(text, integer, where) {
  const t = text.trim().replace(/^\((.*)\)$/, '$1');
  const v = Number(t);
  const expected = integer ? 'an integer' : 'a finite number';
  if (t === '' || !Number.isFinite(v) || (integer && !Number.isSafeInteger(v))) fail(`${where}: expected ${expected}, found ${JSON.stringify(text)}`);
  return v;
}

function typedDefault(type, text, where) {
  switch (type) {
    case 'INT': return parseNumber(text, true, where);
    case 'FLOAT': return parseNumber(text, false, where);
    case 'STRING': return text;
    case 'INTS': return parseListText(text, where).map((s) => parseNumber(s, true, where));
    case 'FLOATS': return parseListText(text, where).map((s) => parseNumber(s, false, where));
    case 'STRINGS': return parseListText(text, where);
    default: return fail(`${where}: a default for a ${type} attribute is not supported (found ${JSON.stringify(text)})`);
  }
}

/** Rejoins type strings the source split at a comma inside parentheses: ['map(int64', 'float)'] -> ['map(int64, float)']. */
export function rejoinTypeStrings(list, where) {
  const out = [];
  let acc = '';
  for (const piece of list) {
    acc = acc === '' ? piece.trim() : `${acc}, ${piece.trim()}`;
    const depth = [...acc].reduce((d, c) => d + (c === '(' ? 1 : c === ')' ? -1 : 0), 0);
    if (depth < 0) fail(`${where}: unbalanced type string ${JSON.stringify(acc)}`);
    if (depth === 0) {
      out.push(acc);
      acc = '';
    }
  }
  if (acc !== '') fail(`${where}: unbalanced type string ${JSON.stringify(acc)}`);
  return out;
}

const key = (o) => `${o.domain}\u0000${o.name}\u0000${String(o.since_version).padStart(6, '0')}`;

/**
 * Pure transformation: source JSON text -> generated JSON text. Throws with a message naming the
 * operator version and field when the source has something it does not understand.
 */
export function generate(sourceText, sourceName = 'onnx-operators.json') {
  const src = JSON.parse(sourceText);
  if (!src || !Array.isArray(src.operators)) fail(`${sourceName}: expected an object with an "operators" array`);
  const ops = [...src.operators].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const byName = new Map();
  const seen = new Set();
  for (const o of ops) {
    const where = `${o.domain || 'ai.onnx'} ${o.name}-${o.since_version}`;
    if (typeof o.name !== 'string' || typeof o.domain !== 'string' || !Number.isSafeInteger(o.since_version) || o.since_version < 1) {
      fail(`${where}: expected string domain and name and a positive integer since_version`);
    }
    const k = key(o);
    if (seen.has(k)) fail(`${where}: listed twice`);
    seen.add(k);
    const nk = `${o.domain}\u0000${o.name}`;
    if (!byName.has(nk)) byName.set(nk, []);
    byName.get(nk).push(o);
  }

  const typeSets = [];
  const typeSetIndex = new Map();
  const typeSet = (list) => {
    const k = JSON.stringify(list);
    let i = typeSetIndex.get(k);
    if (i === undefined) {
      i = typeSets.length;
      typeSets.push(list);
      typeSetIndex.set(k, i);
    }
    return i;
  };

  const notes = [];
  const usedCorrections = new Set();
  const records = [];
  for (const o of ops) {
    const where = `${o.domain || 'ai.onnx'} ${o.name}-${o.since_version}`;
    let body = o;
    let signatureFrom;
    const empty = o.inputs.length === 0 && o.outputs.length === 0 && o.attributes.length === 0;
    if (o.deprecated && empty) {
      const versions = byName.get(`${o.domain}\u0000${o.name}`);
      const patch = SIGNATURES[`${o.name}-${o.since_version}`];
      const earlier = versions.filter((v) => v.since_version < o.since_version && !(v.inputs.length === 0 && v.outputs.length === 0));
      if (patch && patch.domain === o.domain) {
        const from = versions.find((v) => v.since_version === patch.fromSince);
        if (!from) fail(`${where}: its signature is to be taken from version ${patch.fromSince}, which the source does not have`);
        body = { ...from, attributes: from.attributes.filter((a) => !patch.dropAttributes.includes(a.name)) };
        signatureFrom = `${o.name}-${patch.fromSince}` + (patch.dropAttributes.length ? ` without ${patch.dropAttributes.join(', ')}` : '');
      } else if (earlier.length > 0) {
        body = earlier[earlier.length - 1];
        signatureFrom = `${o.name}-${body.since_version}`;
      } else {
        fail(`${where}: deprecated with no signature and no earlier version to take it from; add an entry to SIGNATURES in scripts/gen-schema.mjs`);
      }
      notes.push(`${where}: deprecated; the Changelog gives no signature, so it is taken from ${signatureFrom}`);
    }

    const attrs = body.attributes.map((a) => {
      const type = ATTRIBUTE_TYPES[a.type];
      if (!type) fail(`${where}: attribute ${a.name} has type ${JSON.stringify(a.type)}, expected one of ${Object.keys(ATTRIBUTE_TYPES).join(', ')}`);
      const rec = [a.name, type, a.required ? 1 : 0];
      if (a.default !== null && a.default !== undefined) {
        const aw = `${where} attribute ${a.name}`;
        const corr = CORRECTIONS.find((c) => c.domain === o.domain && c.name === o.name && c.attr === a.name &&
          o.since_version >= c.minSince && (c.maxSince === undefined || o.since_version <= c.maxSince));
        if (corr) {
          if (String(a.default) !== corr.printed) {
            fail(`${aw}: expected the printed default ${JSON.stringify(corr.printed)} that CORRECTIONS replaces, found ${JSON.stringify(a.default)}; check the source and update CORRECTIONS in scripts/gen-schema.mjs`);
          }
          usedCorrections.add(corr);
          rec.push(corr.value);
          notes.push(`${aw}: default printed as ${corr.printed} in the Changelog, stored as ${corr.value}`);
        } else {
          rec.push(typedDefault(type, String(a.default), aw));
        }
      }
      return rec;
    });
    const formal = (list, dir) => list.map((p) => {
      const opt = OPTIONS[p.option];
      if (!opt) fail(`${where}: ${dir} ${p.name} has option ${JSON.stringify(p.option)}, expected single, optional or variadic`);
      const rec = [p.name, p.type];
      if (opt !== 's' || p.heterogeneous) rec.push(opt);
      if (p.heterogeneous) rec.push(1);
      return rec;
    });
    const tcs = body.type_constraints.map((c) => [c.name, typeSet(rejoinTypeStrings(c.allowed, `${where} type constraint ${c.name}`))]);
    for (const p of [...body.inputs, ...body.outputs]) {
      if (!p.type.includes('(') && !body.type_constraints.some((c) => c.name === p.type)) {
        fail(`${where}: parameter ${p.name} has type ${p.type}, which is neither a type string nor one of its type constraints`);
      }
    }
    const rec = {
      d: o.domain, n: o.name, v: o.since_version,
      ...(o.deprecated ? { x: 1 } : {}),
      a: attrs, i: formal(body.inputs, 'input'), o: formal(body.outputs, 'output'),
      c: tcs,
      io: [body.min_inputs, body.max_inputs, body.min_outputs, body.max_outputs],
      ...(signatureFrom ? { s: signatureFrom } : {}),
    };
    for (const [j, n] of rec.io.entries()) {
      if (n !== null && !(Number.isSafeInteger(n) && n >= 0)) fail(`${where}: ${['min_inputs', 'max_inputs', 'min_outputs', 'max_outputs'][j]} is ${JSON.stringify(n)}, expected a non-negative integer or null`);
    }
    records.push(rec);
  }

  const header = {
    generated: 'GENERATED FILE, do not edit. Made by scripts/gen-schema.mjs; run `node scripts/gen-schema.mjs [path/to/onnx-operators.json]` to remake it.',
    formatVersion: FORMAT_VERSION,
    source: {
      file: sourceName,
      sha256: createHash('sha256').update(sourceText).digest('hex'),
      origin: typeof src.source === 'string' ? src.source : undefined,
      operatorVersions: src.operators.length,
    },
    legend: 'operators[]: d domain (\'\' = ai.onnx), n name, v since_version, x deprecated, a attributes [name, TYPE, required, default?], ' +
      'i/o formal inputs/outputs [name, typeStr, option s|o|v (s when absent), heterogeneous?], c type constraints [name, typeSets index], ' +
      'io [min_inputs, max_inputs, min_outputs, max_outputs] (null = unbounded), s signature taken from (deprecated versions)',
    notes,
    typeSets,
  };
  const lines = [];
  lines.push('{');
  for (const [k, v] of Object.entries(header)) {
    if (k === 'typeSets' || k === 'notes') {
      lines.push(`${JSON.stringify(k)}: [`);
      lines.push(v.map((x) => JSON.stringify(x)).join(',\n'));
      lines.push('],');
    } else {
      lines.push(`${JSON.stringify(k)}: ${JSON.stringify(v)},`);
    }
  }
  lines.push('"operators": [');
  lines.push(records.map((r) => JSON.stringify(r)).join(',\n'));
  lines.push(']');
  lines.push('}');
  return { text: lines.join('\n') + '\n', count: records.length, corrections: usedCorrections.size, notes };
}

function main(argv) {
  let sourcePath = DEFAULT_SOURCE;
  let out = DEFAULT_OUT;
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') out = resolve(argv[++i] ?? fail('--out needs a file path'));
    else if (a === '--check') check = true;
    else if (a.startsWith('--')) fail(`unknown option ${a}; usage: node scripts/gen-schema.mjs [source.json] [--out file] [--check]`);
    else sourcePath = resolve(a);
  }
  let text;
  try {
    text = readFileSync(sourcePath, 'utf8');
  } catch (e) {
    fail(`cannot read ${sourcePath} (${e.code ?? e.message}): pass the path to onnx-operators.json as the first argument`);
  }
  const name = sourcePath.split(/[\\/]/).pop();
  const result = generate(text, name);
  if (check) {
    let current = '';
    try { current = readFileSync(out, 'utf8'); } catch { /* missing counts as different */ }
    if (current !== result.text) {
      console.error(`${out} is not what scripts/gen-schema.mjs makes from ${sourcePath}: run node scripts/gen-schema.mjs ${sourcePath}`);
      process.exit(1);
    }
    console.log(`${out} is up to date (${result.count} operator versions)`);
    return;
  }
  writeFileSync(out, result.text);
  console.log(`wrote ${out}: ${result.count} operator versions, ${result.text.length} bytes, ${result.corrections} default corrections`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
