/**
 * The model's opset imports against the runtime and the operator facts:
 *
 *   opset-beyond-runtime   ai.onnx 27 when the runtime supports up to 26 (runtimeFacts.maxOpset, or
 *                          maxOpsets[domain]): error, onnxruntime refuses to load ("Opset 27 is under development")
 *   opset-beyond-known     newer than the operator facts here know (ai.onnx 28) when no runtime facts are
 *                          given: warning, schema checks use the newest version known and may be stale
 *   invalid-opset-import   a version below 1 for a standard domain: error
 *   duplicate-opset-import a domain imported twice: warning (the first entry wins)
 */
import { domainDisplayName, maxOpsetVersion, normalizeDomain } from '../../schema/index';
import { ALL_PROFILES, type Rule } from '../types';

export const opsetImportsRule: Rule = {
  id: 'opset-imports',
  description: "Opset imports newer than the runtime or the operator facts support, invalid or duplicated",
  profiles: ALL_PROFILES,
  codes: ['opset-beyond-runtime', 'opset-beyond-known', 'invalid-opset-import', 'duplicate-opset-import'],
  run(ctx) {
    const g = ctx.model.graph;
    const seen = new Set<string>();
    const rt = ctx.runtime.name ?? 'the installed onnxruntime';
    for (const o of ctx.model.opsetImports) {
      const d = normalizeDomain(o.domain);
      const dn = domainDisplayName(d);
      if (seen.has(d)) {
        ctx.report({
          code: 'duplicate-opset-import', severity: 'warning', graph: g,
          message: `${dn} is imported more than once (version ${o.version} here); runtimes use the first entry (${ctx.opsetVersion(g, d)}): remove the duplicate`,
        });
        continue;
      }
      seen.add(d);
      const known = maxOpsetVersion(d);
      if (known === undefined) continue; // custom domain: its version means what its library says
      if (!(o.version >= 1)) {
        ctx.report({
          code: 'invalid-opset-import', severity: 'error', graph: g,
          message: `the model imports ${dn} opset ${o.version}; opset versions start at 1: set the version the model was exported for`,
        });
        continue;
      }
      const runtimeMax = d === '' ? ctx.runtime.maxOpset : ctx.runtime.maxOpsets?.[dn] ?? ctx.runtime.maxOpsets?.[d];
      if (runtimeMax !== undefined) {
        if (o.version > runtimeMax) {
          ctx.report({
            code: 'opset-beyond-runtime', severity: 'error', graph: g,
            message: `the model imports ${dn} opset ${o.version}, but ${rt} supports ${dn} up to opset ${runtimeMax}: ` +
              `it will refuse to load the model. Export at opset ${runtimeMax} or lower (or convert the model down), or upgrade the runtime`,
          });
        }
      } else if (o.version > known) {
        ctx.report({
          code: 'opset-beyond-known', severity: 'warning', graph: g,
          message: `the model imports ${dn} opset ${o.version}, newer than the operator facts of ONNX Lens (${dn} up to ${known}): ` +
            `nodes are checked against their newest version known here, which may be stale; runtimes older than that opset will refuse the model`,
        });
      }
    }
  },
};
