/**
 * ONNX operator facts, looked up by domain, op_type and opset import: which schema version a node
 * gets, its attributes, formal inputs/outputs, input/output counts and type constraints.
 *
 * The data is operators.generated.json, made by scripts/gen-schema.mjs from ONNX's Changelog
 * (642 operator versions: ai.onnx up to opset 28, ai.onnx.ml, ai.onnx.preview, ai.onnx.preview.training).
 * Never edit that file; re-run the script. It is decoded once, on first use, into Maps.
 *
 * Conventions:
 *  - Domains are normalized: '' and 'ai.onnx' are the same domain and come back as ''.
 *  - The schema in effect for opset N is the version with the largest since_version <= N (ONNX's rule).
 *  - Schema objects are frozen and shared: never mutate them.
 *  - `maxInputs`/`maxOutputs` are `Infinity` when a variadic parameter makes them unbounded.
 *  - Facts stop at the newest opset in the data (maxOpsetVersion): a model importing a newer opset
 *    resolves to the newest version known here, which may be stale.
 */
import raw from './operators.generated.json';
import { DTYPE_NAMES } from '../ir/dtype';

/** AttributeProto.AttributeType names. */
export type AttributeTypeName =
  | 'FLOAT' | 'INT' | 'STRING' | 'TENSOR' | 'GRAPH' | 'SPARSE_TENSOR' | 'TYPE_PROTO'
  | 'FLOATS' | 'INTS' | 'STRINGS' | 'TENSORS' | 'GRAPHS' | 'SPARSE_TENSORS' | 'TYPE_PROTOS';

/** Defaults exist only for INT/FLOAT/STRING and their lists. INT values are plain numbers (all are small). */
export type AttributeDefault = number | string | readonly number[] | readonly string[];

export interface AttributeSchema {
  readonly name: string;
  readonly type: AttributeTypeName;
  readonly required: boolean;
  /** Absent when the operator defines no default (the attribute is required, or its absence means something). */
  readonly default?: AttributeDefault;
}

export type ParamOption = 'single' | 'optional' | 'variadic';

export interface FormalParameter {
  readonly name: string;
  /** A type variable of the schema ('T', 'T1', 'Tind', ...) or a literal type string ('tensor(int64)'). */
  readonly typeStr: string;
  readonly option: ParamOption;
  /** For variadic parameters: the values may have different types. */
  readonly heterogeneous: boolean;
}

export interface TypeConstraint {
  readonly name: string;
  /** ONNX type strings: 'tensor(float)', 'seq(tensor(int64))', 'optional(tensor(bool))', 'map(int64, float)'. */
  readonly allowedTypes: readonly string[];
  /** The Changelog data carries no descriptions; kept for schema sources that do. */
  readonly description?: string;
}

export interface OpSchema {
  /** Normalized: '' for ai.onnx. */
  readonly domain: string;
  readonly name: string;
  readonly sinceVersion: number;
  /** This version is marked deprecated (the ONNX checker rejects nodes that resolve to it). */
  readonly deprecated: boolean;
  readonly attributes: readonly AttributeSchema[];
  readonly inputs: readonly FormalParameter[];
  readonly outputs: readonly FormalParameter[];
  readonly minInputs: number;
  readonly maxInputs: number;
  readonly minOutputs: number;
  readonly maxOutputs: number;
  readonly typeConstraints: readonly TypeConstraint[];
  /**
   * Set on deprecated versions whose signature the Changelog omits: where the generator took it from
   * (e.g. 'Upsample-9'). Their attributes/inputs/outputs are real but come from that version.
   */
  readonly signatureFrom?: string;
}

/** What replaces a deprecated operator version. */
export interface Replacement {
  readonly domain: string;
  readonly name: string;
  /** The opset of `domain` from which the replacement exists. */
  readonly sinceVersion: number;
  /** What changes for a node moved to the replacement. */
  readonly note: string;
}

export type SchemaResolution =
  | { readonly kind: 'ok'; readonly schema: OpSchema; readonly sinceVersion: number; readonly opsetVersion: number; readonly deprecated: false }
  | {
      /** The version in effect is marked deprecated (Upsample at opset >= 10, Scatter at >= 11, GroupNormalization at 18-20). */
      readonly kind: 'deprecated';
      readonly schema: OpSchema;
      readonly sinceVersion: number;
      readonly opsetVersion: number;
      readonly deprecated: true;
      /** The opset from which the operator is deprecated (the deprecated version's since_version). */
      readonly since: number;
      readonly replacement?: Replacement;
    }
  | {
      /** The operator exists, but only from a later opset than the one imported (Asinh at opset 7: since 9). */
      readonly kind: 'not-yet';
      readonly firstSince: number;
      readonly opsetVersion: number;
    }
  | {
      /** Known domain, no operator of that name. `similar` lists same-named ops in other domains or other letter case. */
      readonly kind: 'unknown-op';
      readonly domain: string;
      readonly similar: readonly { readonly domain: string; readonly name: string }[];
    }
  | { /** Not a domain these facts cover (a custom or vendor domain such as com.microsoft). */ readonly kind: 'unknown-domain'; readonly domain: string }
  | {
      /** Known domain and operator, but the model imports no opset of that domain. */
      readonly kind: 'no-opset-import';
      readonly domain: string;
      readonly firstSince: number;
    };

/** An opset version as the IR (number), protobufjs (number | bigint) or a Long-like object gives it. */
export type OpsetVersionLike = number | bigint | { toNumber(): number };

/** A model's opset imports: ModelProto.opset_import entries, Model.opsetImports, or a Map domain -> version. */
export type OpsetImports =
  | ReadonlyMap<string, number>
  | Iterable<{ readonly domain?: string | null; readonly version?: OpsetVersionLike | null }>;

/** An operator whose schema version in effect differs between two opsets of its domain. */
export interface OpVersionChange {
  readonly name: string;
  /** Version in effect at `fromVersion`. */
  readonly fromSince: number;
  /** Version in effect at `toVersion`; undefined when the operator does not exist there (lowering an opset). */
  readonly toSince: number | undefined;
  /** The version in effect at `toVersion` is deprecated. */
  readonly toDeprecated: boolean;
}

// ---------------------------------------------------------------------------------------------
// Loading

type RawParam = [string, string, ('s' | 'o' | 'v')?, 1?];
type RawAttr = [string, string, number, AttributeDefault?];
interface RawOp {
  d: string;
  n: string;
  v: number;
  x?: number;
  a: RawAttr[];
  i: RawParam[];
  o: RawParam[];
  c: [string, number][];
  io: (number | null)[];
  s?: string;
}
interface RawFile {
  formatVersion: number;
  source: { file: string; sha256: string; origin?: string; operatorVersions: number };
  typeSets: string[][];
  operators: RawOp[];
}

const OPTION_NAMES: Record<string, ParamOption> = { s: 'single', o: 'optional', v: 'variadic' };

interface Db {
  all: readonly OpSchema[];
  /** domain -> op name -> versions ascending by sinceVersion. */
  byDomain: Map<string, Map<string, OpSchema[]>>;
  maxVersion: Map<string, number>;
  /** lower-cased name -> [domain, name] pairs, for suggestions. */
  byLowerName: Map<string, { domain: string; name: string }[]>;
}

let loaded: Db | undefined;

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

function decode(file: RawFile): Db {
  if (file.formatVersion !== 1) {
    throw new Error(`operators.generated.json has format ${file.formatVersion}, this code reads format 1: re-run node scripts/gen-schema.mjs`);
  }
  const typeSets = file.typeSets.map((s) => Object.freeze([...s]));
  const param = (p: RawParam): FormalParameter => ({
    name: p[0],
    typeStr: p[1],
    option: OPTION_NAMES[p[2] ?? 's'],
    heterogeneous: p[3] === 1,
  });
  const all: OpSchema[] = [];
  const byDomain = new Map<string, Map<string, OpSchema[]>>();
  const maxVersion = new Map<string, number>();
  const byLowerName = new Map<string, { domain: string; name: string }[]>();
  for (const r of file.operators) {
    const domain = normalizeDomain(r.d);
    const schema: OpSchema = deepFreeze({
      domain,
      name: r.n,
      sinceVersion: r.v,
      deprecated: r.x === 1,
      attributes: r.a.map((a) => {
        const attr: { name: string; type: AttributeTypeName; required: boolean; default?: AttributeDefault } = {
          name: a[0],
          type: a[1] as AttributeTypeName,
          required: a[2] === 1,
        };
        if (a.length > 3) attr.default = a[3];
        return attr;
      }),
      inputs: r.i.map(param),
      outputs: r.o.map(param),
      minInputs: r.io[0] ?? 0,
      maxInputs: r.io[1] ?? Infinity,
      minOutputs: r.io[2] ?? 0,
      maxOutputs: r.io[3] ?? Infinity,
      typeConstraints: r.c.map(([name, set]) => ({ name, allowedTypes: typeSets[set] })),
      ...(r.s ? { signatureFrom: r.s } : {}),
    });
    all.push(schema);
    let ops = byDomain.get(domain);
    if (!ops) byDomain.set(domain, (ops = new Map()));
    let versions = ops.get(schema.name);
    if (!versions) {
      ops.set(schema.name, (versions = []));
      const lower = schema.name.toLowerCase();
      const list = byLowerName.get(lower) ?? [];
      list.push({ domain, name: schema.name });
      byLowerName.set(lower, list);
    }
    versions.push(schema);
    maxVersion.set(domain, Math.max(maxVersion.get(domain) ?? 0, schema.sinceVersion));
  }
  for (const ops of byDomain.values()) for (const v of ops.values()) v.sort((a, b) => a.sinceVersion - b.sinceVersion);
  return { all: Object.freeze(all), byDomain, maxVersion, byLowerName };
}

function db(): Db {
  return (loaded ??= decode(raw as unknown as RawFile));
}

/** Where the operator facts came from: source file name, its sha256 and how many operator versions it had. */
export function schemaSource(): { readonly file: string; readonly sha256: string; readonly origin?: string; readonly operatorVersions: number } {
  return (raw as unknown as RawFile).source;
}

// ---------------------------------------------------------------------------------------------
// Domains and opset imports

/** '' and 'ai.onnx' are the same domain; both (and null/undefined) come back as ''. */
export function normalizeDomain(domain: string | null | undefined): string {
  return !domain || domain === 'ai.onnx' ? '' : domain;
}

/** The domain as people write it in messages: 'ai.onnx' for ''. */
export function domainDisplayName(domain: string | null | undefined): string {
  const d = normalizeDomain(domain);
  return d === '' ? 'ai.onnx' : d;
}

/** Domains the facts cover, normalized, '' first. */
export function knownDomains(): string[] {
  return [...db().byDomain.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

/** The newest opset version of a domain that the facts know (28 for ai.onnx), or undefined for an unknown domain. */
export function maxOpsetVersion(domain: string): number | undefined {
  return db().maxVersion.get(normalizeDomain(domain));
}

function versionNumber(v: OpsetVersionLike | null | undefined): number {
  if (v === null || v === undefined) return 0; // proto3 default
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return v.toNumber();
}

/**
 * The version a model imports for `domain`, or undefined when it imports none. '' and 'ai.onnx' match
 * each other; when a domain is listed twice the first entry wins (as Model.opsetVersion does).
 */
export function importedOpsetVersion(imports: OpsetImports, domain: string): number | undefined {
  const want = normalizeDomain(domain);
  if (imports instanceof Map) {
    for (const [d, v] of imports as ReadonlyMap<string, number>) if (normalizeDomain(d) === want) return versionNumber(v);
    return undefined;
  }
  for (const o of imports as Iterable<{ domain?: string | null; version?: OpsetVersionLike | null }>) {
    if (normalizeDomain(o.domain) === want) return versionNumber(o.version);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Lookups

function versionsOf(domain: string, opType: string): OpSchema[] | undefined {
  return db().byDomain.get(normalizeDomain(domain))?.get(opType);
}

/** Every operator version, in domain/name/version order. */
export function allOperators(): readonly OpSchema[] {
  return db().all;
}

/** All since_versions of an operator, ascending; [] when unknown. */
export function schemaVersions(domain: string, opType: string): number[] {
  return (versionsOf(domain, opType) ?? []).map((s) => s.sinceVersion);
}

/** The schema version with exactly this since_version, or undefined. */
export function findSchema(domain: string, opType: string, sinceVersion: number): OpSchema | undefined {
  return versionsOf(domain, opType)?.find((s) => s.sinceVersion === sinceVersion);
}

/** The schema in effect at an opset version of its domain (largest since_version <= opsetVersion), or undefined. */
export function schemaAtOpset(domain: string, opType: string, opsetVersion: number): OpSchema | undefined {
  const versions = versionsOf(domain, opType);
  if (!versions) return undefined;
  let found: OpSchema | undefined;
  for (const s of versions) {
    if (s.sinceVersion <= opsetVersion) found = s;
    else break;
  }
  return found;
}

/**
 * What replaces deprecated operators whose successor has another name (ONNX docs for each operator).
 * A deprecated version with a later, non-deprecated version of the same name (GroupNormalization-18 ->
 * 21) is replaced by that version instead.
 */
const RENAMED_REPLACEMENTS: Record<string, Replacement> = {
  '\u0000Upsample': {
    domain: '', name: 'Resize', sinceVersion: 10,
    note: 'Resize-10 takes the same inputs (X, scales) and the same mode attribute; later Resize versions add roi and sizes',
  },
  '\u0000Scatter': {
    domain: '', name: 'ScatterElements', sinceVersion: 11,
    note: 'ScatterElements takes the same inputs (data, indices, updates) and the same axis attribute',
  },
  'ai.onnx.ml\u0000TreeEnsembleClassifier': {
    domain: 'ai.onnx.ml', name: 'TreeEnsemble', sinceVersion: 5,
    note: 'TreeEnsemble encodes nodes and leaves differently; add ArgMax after it for the top class and a LabelEncoder for class labels',
  },
  'ai.onnx.ml\u0000TreeEnsembleRegressor': {
    domain: 'ai.onnx.ml', name: 'TreeEnsemble', sinceVersion: 5,
    note: 'TreeEnsemble computes the same values but encodes nodes and leaves differently',
  },
};

const SAME_NAME_NOTES: Record<string, string> = {
  '\u0000GroupNormalization':
    'GroupNormalization-21 takes scale and bias per channel (shape C) where version 18 took them per group ' +
    '(shape num_groups): repeat each value C/num_groups times when moving a node to 21',
};

/** The replacement for a deprecated schema version, if one is known. */
export function replacementFor(schema: OpSchema): Replacement | undefined {
  if (!schema.deprecated) return undefined;
  const k = `${schema.domain}\u0000${schema.name}`;
  const later = (versionsOf(schema.domain, schema.name) ?? []).find((s) => s.sinceVersion > schema.sinceVersion && !s.deprecated);
  if (later) {
    return {
      domain: schema.domain, name: schema.name, sinceVersion: later.sinceVersion,
      note: SAME_NAME_NOTES[k] ?? `${schema.name}-${later.sinceVersion} is the next version of the same operator`,
    };
  }
  return RENAMED_REPLACEMENTS[k];
}

/**
 * Which schema a node (domain, op_type) gets under a model's opset imports, or why it gets none.
 * Checks in this order: unknown domain, unknown operator, domain not imported, operator not yet in the
 * imported opset, version in effect deprecated.
 */
export function resolveSchema(domain: string, opType: string, opsetImports: OpsetImports): SchemaResolution {
  const d = normalizeDomain(domain);
  const ops = db().byDomain.get(d);
  if (!ops) return { kind: 'unknown-domain', domain: d };
  const versions = ops.get(opType);
  if (!versions) return { kind: 'unknown-op', domain: d, similar: similarOps(d, opType) };
  const opsetVersion = importedOpsetVersion(opsetImports, d);
  if (opsetVersion === undefined) return { kind: 'no-opset-import', domain: d, firstSince: versions[0].sinceVersion };
  const schema = schemaAtOpset(d, opType, opsetVersion);
  if (!schema) return { kind: 'not-yet', firstSince: versions[0].sinceVersion, opsetVersion };
  if (schema.deprecated) {
    const replacement = replacementFor(schema);
    return {
      kind: 'deprecated', schema, sinceVersion: schema.sinceVersion, opsetVersion, deprecated: true,
      since: schema.sinceVersion, ...(replacement ? { replacement } : {}),
    };
  }
  return { kind: 'ok', schema, sinceVersion: schema.sinceVersion, opsetVersion, deprecated: false };
}

function similarOps(domain: string, opType: string): { domain: string; name: string }[] {
  return (db().byLowerName.get(opType.toLowerCase()) ?? []).filter((c) => !(c.domain === domain && c.name === opType));
}

/**
 * A sentence for every resolution except 'ok': what was expected, what was found, what to do.
 * E.g. "Asinh is not in opset 7 of ai.onnx (it exists since opset 9): raise the ai.onnx opset import to 9".
 */
export function resolutionMessage(domain: string, opType: string, r: SchemaResolution): string | undefined {
  const dn = domainDisplayName(domain);
  switch (r.kind) {
    case 'ok':
      return undefined;
    case 'not-yet':
      return `${opType} is not in opset ${r.opsetVersion} of ${dn} (it exists since opset ${r.firstSince}): ` +
        `raise the ${dn} opset import to ${r.firstSince}`;
    case 'deprecated': {
      const head = `${opType}-${r.sinceVersion} is deprecated (from ${dn} opset ${r.since}; the model imports ${r.opsetVersion}) ` +
        'and the ONNX checker rejects it';
      const rep = r.replacement;
      if (!rep) return `${head}: replace the node with the operators that superseded it`;
      if (rep.name === opType && rep.domain === r.schema.domain) {
        return `${head}: raise the ${dn} opset import to ${rep.sinceVersion} to use ${rep.name}-${rep.sinceVersion}; ${rep.note}`;
      }
      return `${head}: replace it with ${domainDisplayName(rep.domain) === dn ? '' : domainDisplayName(rep.domain) + ' '}${rep.name} ` +
        `(${domainDisplayName(rep.domain)} opset ${rep.sinceVersion} or later); ${rep.note}`;
    }
    case 'unknown-op': {
      const base = `${dn} has no operator named ${opType}`;
      if (r.similar.length > 0) {
        const hints = r.similar.map((s) =>
          s.domain === r.domain ? `${s.name} (same domain, different letter case)` : `${s.name} in domain ${domainDisplayName(s.domain)}`);
        return `${base}; did you mean ${hints.join(' or ')}? Fix the node's op_type or domain`;
      }
      return `${base} (ONNX Lens knows ${dn} up to opset ${maxOpsetVersion(r.domain)}): check the spelling, or put the node in the domain of the custom operator set that defines it`;
    }
    case 'unknown-domain':
      return `${opType} is in domain ${r.domain}, which is not a standard ONNX operator set (known: ${knownDomains().map(domainDisplayName).join(', ')}): ` +
        'its schema cannot be checked here, and a runtime needs the library that registers that domain';
    case 'no-opset-import':
      return `${opType} is in domain ${dn}, but the model imports no ${dn} opset: add an opset import for ${dn} ` +
        `(version ${r.firstSince} or later; ${opType} exists since ${r.firstSince})`;
  }
}

/**
 * Operators whose schema version in effect differs between two opsets of a domain, by name.
 * Lists every operator that exists at `fromVersion` (a model at that opset may use it) and resolves to
 * another version, or to none, at `toVersion`. Operators new at `toVersion` are not listed.
 */
export function opsChangedBetween(domain: string, fromVersion: number, toVersion: number): OpVersionChange[] {
  const ops = db().byDomain.get(normalizeDomain(domain));
  if (!ops) return [];
  const out: OpVersionChange[] = [];
  for (const name of [...ops.keys()].sort()) {
    const from = schemaAtOpset(domain, name, fromVersion);
    if (!from) continue;
    const to = schemaAtOpset(domain, name, toVersion);
    if (to?.sinceVersion === from.sinceVersion) continue;
    out.push({ name, fromSince: from.sinceVersion, toSince: to?.sinceVersion, toDeprecated: to?.deprecated ?? false });
  }
  return out;
}

/** The attribute of that name in a schema, or undefined. */
export function attributeSchema(schema: OpSchema, name: string): AttributeSchema | undefined {
  return schema.attributes.find((a) => a.name === name);
}

/**
 * The formal parameter that the node's input (or output) at `index` binds to: the parameter at that
 * position, or the trailing variadic parameter for positions past the end; undefined beyond that.
 */
export function formalInput(schema: OpSchema, index: number): FormalParameter | undefined {
  return formalAt(schema.inputs, index);
}

export function formalOutput(schema: OpSchema, index: number): FormalParameter | undefined {
  return formalAt(schema.outputs, index);
}

function formalAt(list: readonly FormalParameter[], index: number): FormalParameter | undefined {
  if (!Number.isInteger(index) || index < 0) return undefined;
  if (index < list.length) return list[index];
  const last = list[list.length - 1];
  return last?.option === 'variadic' ? last : undefined;
}

// ---------------------------------------------------------------------------------------------
// Documentation links

/**
 * Link to the operator's page in the ONNX documentation, anchored at a version when given and known:
 * https://onnx.ai/onnx/operators/onnx__Conv.html#l-onnx-op-conv-11 ; ai.onnx.ml pages are
 * onnx_aionnxml_<Op>.html. Undefined for domains or operators these facts do not know.
 */
export function docUrl(domain: string, opType: string, sinceVersion?: number): string | undefined {
  const d = normalizeDomain(domain);
  const versions = versionsOf(d, opType);
  if (!versions) return undefined;
  const page = `https://onnx.ai/onnx/operators/onnx_${d.replace(/\./g, '')}_${opType}.html`;
  if (sinceVersion === undefined || !versions.some((s) => s.sinceVersion === sinceVersion)) return page;
  return `${page}#l-onnx-op${d.replace(/\./g, '-')}-${opType.toLowerCase()}-${sinceVersion}`;
}

// ---------------------------------------------------------------------------------------------
// Type strings

const ELEM_TYPE_BY_NAME = new Map<string, number>(
  Object.entries(DTYPE_NAMES).filter(([k]) => Number(k) !== 0).map(([k, v]) => [v, Number(k)]),
);

/** 'tensor(float)' for DataType.FLOAT; undefined for UNDEFINED or unknown numbers. */
export function typeStringOf(elemType: number): string | undefined {
  if (elemType === 0 || !Number.isInteger(elemType)) return undefined;
  const n = DTYPE_NAMES[elemType];
  return n === undefined ? undefined : `tensor(${n})`;
}

/** DataType for 'tensor(float)' etc.; undefined for anything that is not a plain tensor type string. */
export function elemTypeOfTypeString(typeStr: string): number | undefined {
  const m = /^tensor\(([a-z0-9]+)\)$/.exec(typeStr.trim());
  return m ? ELEM_TYPE_BY_NAME.get(m[1]) : undefined;
}

/**
 * The type strings a formal parameter type allows: the constraint's list for a type variable ('T'),
 * the string itself for a literal ('tensor(int64)'), undefined when the schema has no such variable.
 */
export function allowedTypes(schema: OpSchema, typeStrOrVar: string): readonly string[] | undefined {
  const c = schema.typeConstraints.find((t) => t.name === typeStrOrVar);
  if (c) return c.allowedTypes;
  return typeStrOrVar.includes('(') ? [typeStrOrVar] : undefined;
}

/**
 * Element types (DataType numbers) a type variable (or literal type string) allows as a plain tensor,
 * ascending. Sequence, optional and map types are not tensor element types and are left out, so a
 * variable that allows only sequences gives []. Undefined when the schema has no such variable.
 */
export function allowedElemTypes(schema: OpSchema, typeVarName: string): number[] | undefined {
  const types = allowedTypes(schema, typeVarName);
  if (!types) return undefined;
  const out = new Set<number>();
  for (const t of types) {
    const e = elemTypeOfTypeString(t);
    if (e !== undefined) out.add(e);
  }
  return [...out].sort((a, b) => a - b);
}
