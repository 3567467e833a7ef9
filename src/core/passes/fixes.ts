/**
 * From a diagnostic's quick fix to the pass that applies it. Diagnostics declare fixes in their own words
 * (src/core/diagnostics/types.ts: FixId and JSON-plain args naming nodes by label); this turns one into a pass
 * id and pass arguments that name nodes by nodeRef, which stays valid in a fresh decode of the same bytes
 * (the copy a pass runs on), unlike Node objects or labels of unnamed nodes.
 */
import type { Diagnostic, Fix } from '../diagnostics/types';
import { normalizeDomain } from '../schema/index';
import { nodeRef } from './lib/graph';
import { PassError } from './types';

export interface PassCall {
  pass: string;
  args: Record<string, string | number | boolean | string[]>;
  /** The edit's label: what the user sees in Undo ("Undo fold BatchNorm_3 into Conv_2"). */
  label: string;
}

export function passCallForFix(d: Pick<Diagnostic, 'node' | 'graph'>, fix: Pick<Fix, 'id' | 'args' | 'label'>): PassCall {
  const node = () => {
    if (!d.node) throw new PassError(`the fix '${fix.label}' is about a node, but its finding names none`);
    return nodeRef(d.node);
  };
  const label = fix.label;
  switch (fix.id) {
    case 'raise-opset': {
      const domain = normalizeDomain(String(fix.args.domain ?? ''));
      if (domain !== '') throw new PassError(`raising the '${domain}' opset import is not supported: only ai.onnx's is (raise-opset)`);
      return { pass: 'raise-opset', args: fix.args.version !== undefined ? { to: Number(fix.args.version) } : {}, label };
    }
    case 'fold-glue':
      return { pass: 'fold-constants', args: {}, label };
    case 'inline-if':
      return { pass: 'inline-if', args: {}, label };
    case 'remove-node':
      return { pass: 'remove-node', args: { node: node() }, label };
    case 'fold-batchnorm':
      return { pass: 'fold-batchnorm', args: { node: node() }, label };
    case 'rewrite-prelu':
      return { pass: 'rewrite-prelu', args: { node: node() }, label };
    case 'reshape-prelu-slope':
      return { pass: 'reshape-prelu-slope', args: d.node ? { node: node() } : {}, label };
    case 'remove-unused':
      return { pass: 'remove-unused', args: {}, label };
    default:
      throw new PassError(`no pass applies the fix '${String((fix as Fix).id)}'`);
  }
}
