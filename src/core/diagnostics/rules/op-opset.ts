/**
 * Operators against the opset the model imports for their domain (ai.onnx, ai.onnx.ml, ai.onnx.preview*):
 *
 *   op-not-in-opset      Asinh at opset 7 (exists since 9): error, fix raise-opset {domain, version: 9}
 *   op-deprecated        Upsample from opset 10, Scatter from 11: error (the ONNX checker and onnxruntime
 *                        reject the node: "Op registered for Upsample is deprecated in domain_version of 10");
 *                        fix raise-opset when the same operator comes back later (GroupNormalization 18 -> 21)
 *   unknown-op           no operator of that name in a standard domain (a typo, wrong letter case): error
 *   missing-opset-import a standard-domain node whose domain the model does not import: error, fix raise-opset
 *
 * Nodes in custom domains are the custom-domain rule's; nodes calling a model-local function are fine here.
 */
import { domainDisplayName, normalizeDomain, resolutionMessage } from '../../schema/index';
import { ALL_PROFILES, type Rule } from '../types';

export const opOpsetRule: Rule = {
  id: 'op-opset',
  description: 'Operators that do not exist, are not yet defined, or are deprecated at the opset the model imports',
  profiles: ALL_PROFILES,
  codes: ['op-not-in-opset', 'op-deprecated', 'unknown-op', 'missing-opset-import'],
  run(ctx) {
    for (const g of ctx.graphs) {
      for (const n of g.nodes) {
        const r = ctx.resolve(n);
        if (r.kind === 'ok' || r.kind === 'unknown-domain') continue;
        const domain = normalizeDomain(n.domain);
        const dn = domainDisplayName(domain);
        const message = resolutionMessage(domain, n.opType, r)!;
        switch (r.kind) {
          case 'not-yet':
            ctx.report({
              code: 'op-not-in-opset', severity: 'error', node: n, graph: g,
              message: `${message}. Raising an opset import can change other operators' versions: check them after the change`,
              fixes: [{ id: 'raise-opset', label: `raise the ${dn} opset import to ${r.firstSince}`, args: { domain: dn, version: r.firstSince } }],
            });
            break;
          case 'deprecated': {
            const rep = r.replacement;
            const sameOp = rep && rep.name === n.opType && normalizeDomain(rep.domain) === domain;
            ctx.report({
              code: 'op-deprecated', severity: 'error', node: n, graph: g, message,
              ...(sameOp
                ? { fixes: [{ id: 'raise-opset' as const, label: `raise the ${dn} opset import to ${rep.sinceVersion}`, args: { domain: dn, version: rep.sinceVersion } }] }
                : {}),
            });
            break;
          }
          case 'unknown-op':
            if (ctx.model.findFunction(n.domain, n.opType, n.proto.overload ?? '')) break;
            ctx.report({ code: 'unknown-op', severity: 'error', node: n, graph: g, message });
            break;
          case 'no-opset-import':
            ctx.report({
              code: 'missing-opset-import', severity: 'error', node: n, graph: g, message,
              fixes: [{ id: 'raise-opset', label: `import ${dn} opset ${r.firstSince}`, args: { domain: dn, version: r.firstSince } }],
            });
            break;
        }
      }
    }
  },
};
