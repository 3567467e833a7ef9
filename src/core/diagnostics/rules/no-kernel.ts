/**
 * Standard operators the runtime has no kernel for (onnxruntime: "Could not find an implementation for
 * Min(13) node", e.g. Min on int16, the ai.onnx.preview.training optimizers). Asks
 * runtimeFacts.kernelMissing(domain, op, since_version, input types); silent without it.
 *
 *   no-kernel  error: the runtime cannot run the model
 */
import { dtypeName } from '../../ir/dtype';
import { domainDisplayName, normalizeDomain } from '../../schema/index';
import { ALL_PROFILES, type Rule } from '../types';
import { inputTypes } from './custom-domain';

export const noKernelRule: Rule = {
  id: 'no-kernel',
  description: 'Standard operators the runtime has no kernel for (from runtimeFacts.kernelMissing)',
  profiles: ALL_PROFILES,
  codes: ['no-kernel'],
  run(ctx) {
    const probe = ctx.runtime.kernelMissing;
    if (!probe) return;
    const rt = ctx.runtime.name ?? 'onnxruntime';
    for (const g of ctx.graphs) {
      for (const n of g.nodes) {
        const r = ctx.resolve(n);
        if (r.kind !== 'ok' && r.kind !== 'deprecated') continue;
        const domain = normalizeDomain(n.domain);
        const types = inputTypes(ctx, n);
        if (probe(domain, n.opType, r.sinceVersion, types) !== true) continue;
        const known = types.filter((t) => t !== 0).map(dtypeName);
        const typeText = known.length ? ` for input types (${types.map((t) => (t ? dtypeName(t) : '?')).join(', ')})` : '';
        ctx.report({
          code: 'no-kernel', severity: 'error', node: n, graph: g,
          message: `${rt} has no kernel for ${domainDisplayName(domain) === 'ai.onnx' ? '' : `${domainDisplayName(domain)}::`}` +
            `${n.opType}-${r.sinceVersion}${typeText}: the model cannot run there. ` +
            (known.length ? 'Cast the inputs to a type the runtime implements around the node, or run the model with another runtime.'
              : 'Replace the node with operators the runtime implements, or run the model with another runtime.'),
        });
      }
    }
  },
};
