/**
 * Model diagnostics: one rule per file under ./rules, run by ./runner.ts.
 *
 *   const list = runDiagnostics(model, { profile: 'tensorrt', runtimeFacts: { maxOpset: 26 } });
 *   for (const d of list) console.log(formatDiagnostic(d));
 */
export {
  runDiagnostics, runDiagnosticsDetailed, listRules, hasErrors, formatDiagnostic, diagnosticLocation, diagnosticToJson,
  type DiagnosticsRun, type DiagnosticJson,
} from './runner';
export { declaredShapeFacts, inferredShapeFacts, constantFact } from './shapes';
export { RULES } from './rules/index';
export type {
  Diagnostic, DiagnosticOptions, Fix, FixArgs, FixId, KnownValueFact, Profile, Rule, RuleContext, RuntimeFacts, Severity,
  ShapeFacts, SymDim, TypeFact, ConstantFact,
} from './types';
