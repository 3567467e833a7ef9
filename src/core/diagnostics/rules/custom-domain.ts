/**
 * Nodes in domains that are not standard ONNX operator sets (`custom::deform_conv2d`, `com.microsoft::Gelu`):
 *
 *   custom-op-function  a model-local function defines the operator: info (runtimes inline the function)
 *   custom-op           no function, and no runtime known to implement it: error, the model cannot run
 *                       (onnxruntime: "custom:deform_conv2d(-1) is not a registered function/op")
 *   runtime-domain-op   a domain the runtime registers itself (onnxruntime's com.microsoft contrib ops):
 *                       info when runtimeFacts says the kernel exists, warning when nobody knows, error
 *                       when runtimeFacts.kernelMissing says it is missing
 *
 * runtimeFacts.kernelMissing(domain, op, version, types) decides when given; `version` is the domain's
 * opset import. onnxruntime's own domains are used when runtimeFacts.domains is not given.
 */
import { domainDisplayName, normalizeDomain } from '../../schema/index';
import type { Node } from '../../ir/model';
import { ALL_PROFILES, type Rule, type RuleContext } from '../types';

/** Domains onnxruntime registers kernels in besides the ONNX ones (contrib and internal operator sets). */
export const ONNXRUNTIME_DOMAINS: readonly string[] = [
  'com.microsoft', 'com.microsoft.nchwc', 'com.microsoft.experimental', 'com.ms.internal.nhwc',
];

export function inputTypes(ctx: RuleContext, n: Node): number[] {
  return n.inputs.map((v) => {
    if (!v) return 0;
    const t = ctx.shapes.typeOf(v);
    return t && !t.wrap ? t.elemType : 0;
  });
}

export const customDomainRule: Rule = {
  id: 'custom-domain',
  description: 'Operators in custom or vendor domains: defined by a local function, by the runtime, or by nothing',
  profiles: ALL_PROFILES,
  codes: ['custom-op-function', 'custom-op', 'runtime-domain-op'],
  run(ctx) {
    const runtimeDomains = new Set(ctx.runtime.domains ?? ONNXRUNTIME_DOMAINS);
    const rt = ctx.runtime.name ?? 'onnxruntime';
    for (const g of ctx.graphs) {
      for (const n of g.nodes) {
        const r = ctx.resolve(n);
        if (r.kind !== 'unknown-domain') continue;
        const domain = normalizeDomain(n.domain);
        const what = `${n.opType} (domain ${domainDisplayName(domain)})`;
        const fn = ctx.model.findFunction(n.domain, n.opType, n.proto.overload ?? '');
        if (fn) {
          ctx.report({
            code: 'custom-op-function', severity: 'info', node: n, graph: g,
            message: `${what} is defined by the model-local function ${domain}::${n.opType} (${fn.nodes.length} nodes): ` +
              'runtimes expand the function into its nodes, so the model runs where those nodes do',
          });
          continue;
        }
        const version = ctx.opsetVersion(g, domain) ?? 0;
        const missing = ctx.runtime.kernelMissing?.(domain, n.opType, version, inputTypes(ctx, n));
        const notImported = ctx.opsetVersion(g, domain) === undefined
          ? ` The model also imports no opset for domain ${domain}: add one (version 1) so runtimes can resolve it.`
          : '';
        if (missing === false) {
          ctx.report({
            code: 'runtime-domain-op', severity: 'info', node: n, graph: g,
            message: `${what} is not a standard ONNX operator; ${rt} implements it, other runtimes may not.${notImported}`,
          });
        } else if (runtimeDomains.has(domain) && missing === undefined) {
          ctx.report({
            code: 'runtime-domain-op', severity: 'warning', node: n, graph: g,
            message: `${what} is an onnxruntime contrib operator, not a standard ONNX one: it runs only in onnxruntime ` +
              '(if this build has the kernel) and has no schema here, so its inputs and attributes are not checked. ' +
              'For other runtimes, export with standard ONNX operators.' + notImported,
          });
        } else {
          ctx.report({
            code: 'custom-op', severity: 'error', node: n, graph: g,
            message: `${what}: domain ${domain} has no schema and no ${rt} kernel; the model cannot run. ` +
              `Export it with standard ONNX operators (or a model-local function that defines ${n.opType}), ` +
              `or load a custom-operator library that registers domain ${domain} in the runtime.${notImported}`,
          });
        }
      }
    }
  },
};
