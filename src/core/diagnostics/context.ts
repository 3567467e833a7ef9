/** The RuleContext the runner hands to every rule: caches for topological order, opsets, schemas, constants. */
import type { onnx } from '../codec/pb';
import type { Graph, Model, Node, Value } from '../ir/model';
import { topologicalOrder } from '../ir/traverse';
import { normalizeDomain, resolveSchema, type SchemaResolution } from '../schema/index';
import { constantFact } from './shapes';
import type { ConstantFact, Diagnostic, DiagnosticOptions, Profile, RuleContext, RuntimeFacts, ShapeFacts } from './types';

export class Context implements RuleContext {
  readonly graphs: readonly Graph[];
  readonly diagnostics: Diagnostic[] = [];
  /** The rule currently running (stamped on what it reports). */
  currentRule = '';
  private readonly orders = new Map<Graph, { order: Node[]; cyclic: Node[] }>();
  private readonly imports = new Map<Graph, Map<string, number>>();
  private readonly resolutions = new Map<Map<string, number>, Map<string, SchemaResolution>>();
  private readonly constants = new Map<Value, ConstantFact | null>();
  private readonly byNode = new Map<Node, SchemaResolution>();
  private readonly modelImports: Map<string, number>;

  constructor(
    readonly model: Model,
    readonly profile: Profile,
    readonly runtime: RuntimeFacts,
    readonly shapes: ShapeFacts,
    readonly options: DiagnosticOptions,
  ) {
    this.graphs = model.allGraphs();
    this.modelImports = importMap(model.opsetImports);
  }

  order(g: Graph): readonly Node[] {
    return this.topo(g).order;
  }

  cyclic(g: Graph): readonly Node[] {
    return this.topo(g).cyclic;
  }

  private topo(g: Graph): { order: Node[]; cyclic: Node[] } {
    let t = this.orders.get(g);
    if (!t) {
      const r = topologicalOrder(g);
      t = { order: r.cyclic.length ? [...r.order, ...r.cyclic] : r.order, cyclic: r.cyclic };
      this.orders.set(g, t);
    }
    return t;
  }

  /** The opset imports in effect in a graph: a function's own imports (over the model's), else the model's. */
  importsOf(g: Graph): Map<string, number> {
    let m = this.imports.get(g);
    if (m) return m;
    let root = g;
    while (root.parent) root = root.parent;
    if (root.kind === 'function') {
      const own = importMap(((root.proto as onnx.FunctionProto).opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: Number(o.version ?? 0) })));
      m = new Map(this.modelImports);
      for (const [d, v] of own) m.set(d, v);
    } else {
      m = this.modelImports;
    }
    this.imports.set(g, m);
    return m;
  }

  opsetVersion(g: Graph, domain: string): number | undefined {
    return this.importsOf(g).get(normalizeDomain(domain));
  }

  resolve(n: Node): SchemaResolution {
    let byNode = this.byNode.get(n);
    if (!byNode) {
      byNode = this.resolveUncached(n);
      this.byNode.set(n, byNode);
    }
    return byNode;
  }

  private resolveUncached(n: Node): SchemaResolution {
    const imports = this.importsOf(n.graph);
    let cache = this.resolutions.get(imports);
    if (!cache) this.resolutions.set(imports, (cache = new Map()));
    const key = `${normalizeDomain(n.domain)}\u0000${n.opType}`;
    let r = cache.get(key);
    if (!r) {
      r = resolveSchema(n.domain, n.opType, imports);
      cache.set(key, r);
    }
    return r;
  }

  constantOf(v: Value | null | undefined): ConstantFact | undefined {
    if (!v) return undefined;
    let c = this.constants.get(v);
    if (c === undefined) {
      c = constantFact(v) ?? null;
      this.constants.set(v, c);
    }
    return c ?? undefined;
  }

  isUsed(v: Value): boolean {
    if (v.uses.length > 0) return true;
    for (const i of v.infos) if (i.role === 'output') return true;
    return false;
  }

  report(d: Omit<Diagnostic, 'rule'>): void {
    this.diagnostics.push({ ...d, rule: this.currentRule });
  }
}

/** Opset imports as a map of normalized domain -> version; the first entry of a domain wins (as onnxruntime reads them). */
export function importMap(imports: readonly { domain: string; version: number }[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const o of imports) {
    const d = normalizeDomain(o.domain);
    if (!m.has(d)) m.set(d, o.version);
  }
  return m;
}
