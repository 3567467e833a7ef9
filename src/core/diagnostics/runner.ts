/**
 * runDiagnostics: every rule of the chosen profile over a model, results ordered by graph (main graph,
 * then subgraphs and functions as Model.allGraphs lists them) and, within a graph, by the topological
 * position of the node (findings without a node first), then by rule order.
 *
 * Nothing here recurses over the graph: rules walk node lists and use the iterative topological order.
 */
import type { Graph, Model, Node } from '../ir/model';
import { Context } from './context';
import { RULES } from './rules/index';
import { declaredShapeFacts, inferredShapeFacts } from './shapes';
import type { Diagnostic, DiagnosticOptions, Rule, ShapeFacts } from './types';

export interface DiagnosticsRun {
  diagnostics: Diagnostic[];
  /** Milliseconds: shape inference (0 when facts were given or inference was off), then the rules. */
  timings: { shapesMs: number; rulesMs: number; byRule: Record<string, number> };
  /** Set when shape inference threw and the declared facts were used instead. */
  inferenceError?: string;
}

/** Rules in the order they run, optionally filtered by profile. */
export function listRules(profile?: DiagnosticOptions['profile']): readonly Rule[] {
  return profile ? RULES.filter((r) => r.profiles.includes(profile)) : RULES;
}

/** The diagnostics of a model; see `runDiagnosticsDetailed` for timings. */
export function runDiagnostics(model: Model, options: DiagnosticOptions = {}): Diagnostic[] {
  return runDiagnosticsDetailed(model, options).diagnostics;
}

export function runDiagnosticsDetailed(model: Model, options: DiagnosticOptions = {}): DiagnosticsRun {
  const profile = options.profile ?? 'default';
  const t0 = performance.now();
  let shapes: ShapeFacts;
  let inferenceError: string | undefined;
  if (options.shapes) shapes = options.shapes;
  else if (options.inference === false) shapes = declaredShapeFacts(model);
  else {
    const r = inferredShapeFacts(model);
    shapes = r.facts;
    inferenceError = r.error;
  }
  const t1 = performance.now();
  const ctx = new Context(model, profile, options.runtimeFacts ?? {}, shapes, options);
  const only = options.rules ? new Set(options.rules) : undefined;
  if (only) {
    for (const id of only) {
      if (!RULES.some((r) => r.id === id)) {
        throw new Error(`unknown diagnostics rule '${id}'; expected one of ${RULES.map((r) => r.id).join(', ')}`);
      }
    }
  }
  const byRule: Record<string, number> = {};
  const ruleIndex = new Map<string, number>();
  RULES.forEach((r, i) => ruleIndex.set(r.id, i));
  for (const rule of RULES) {
    if (!rule.profiles.includes(profile)) continue;
    if (only && !only.has(rule.id)) continue;
    const s = performance.now();
    ctx.currentRule = rule.id;
    rule.run(ctx);
    byRule[rule.id] = performance.now() - s;
  }
  const diagnostics = sortDiagnostics(ctx, ctx.diagnostics, ruleIndex);
  const t2 = performance.now();
  const run: DiagnosticsRun = { diagnostics, timings: { shapesMs: t1 - t0, rulesMs: t2 - t1, byRule } };
  if (inferenceError !== undefined) run.inferenceError = inferenceError;
  return run;
}

function sortDiagnostics(ctx: Context, list: Diagnostic[], ruleIndex: Map<string, number>): Diagnostic[] {
  const graphIndex = new Map<Graph, number>();
  ctx.graphs.forEach((g, i) => graphIndex.set(g, i));
  const nodePos = new Map<Node, number>();
  const posOf = (n: Node | undefined): number => {
    if (!n) return -1;
    let p = nodePos.get(n);
    if (p === undefined) {
      ctx.order(n.graph).forEach((m, i) => nodePos.set(m, i));
      p = nodePos.get(n) ?? -1;
    }
    return p;
  };
  const keyed = list.map((d, i) => ({
    d,
    g: graphIndex.get(d.node?.graph ?? d.graph) ?? graphIndex.size,
    n: posOf(d.node),
    r: ruleIndex.get(d.rule) ?? 0,
    i,
  }));
  keyed.sort((a, b) => a.g - b.g || a.n - b.n || a.r - b.r || a.i - b.i);
  return keyed.map((k) => k.d);
}

/** Whether any diagnostic is an error (the CLI's exit code 1). */
export function hasErrors(list: readonly Diagnostic[]): boolean {
  return list.some((d) => d.severity === 'error');
}

/** Where a diagnostic points, as people read it: the node's name (or stand-in), the tensor, or the graph. */
export function diagnosticLocation(d: Diagnostic): string {
  if (d.node) return d.node.label;
  if (d.tensor !== undefined) return d.tensor;
  return d.graph.path;
}

/** One line: "error op-not-in-opset /Asinh: Asinh is not in opset 7 ...". */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.severity} ${d.code} ${diagnosticLocation(d)}: ${d.message}`;
}

/** JSON-plain form (no IR objects): what `onnx-lens check --json` prints per diagnostic. */
export interface DiagnosticJson {
  code: string;
  severity: string;
  message: string;
  node: string | null;
  tensor: string | null;
  graph: string;
  rule: string;
  fixes: { id: string; label: string; args: Record<string, unknown> }[];
  related: string[];
}

export function diagnosticToJson(d: Diagnostic): DiagnosticJson {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    node: d.node ? d.node.label : null,
    tensor: d.tensor ?? null,
    graph: d.graph.path,
    rule: d.rule,
    fixes: (d.fixes ?? []).map((f) => ({ id: f.id, label: f.label, args: f.args })),
    related: (d.related ?? []).map((n) => n.label),
  };
}
