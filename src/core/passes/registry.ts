/**
 * The passes, by id: listPasses() for pickers and `onnx-lens pass --list`, getPass(id), and runPass(id, model,
 * args, ctx), which checks and converts the arguments (typed values from a UI, or strings from the command
 * line) against the pass's declared args before running it.
 */
import type { Model } from '../ir/model';
import { addOutputPass } from './add-output';
import { externalDataPass } from './external-data';
import { extractPass } from './extract';
import { foldBatchnormPass } from './fold-batchnorm';
import { foldConstantsPass } from './fold-constants';
import { inlineIfPass } from './inline-if';
import { makeDimSymbolicPass } from './make-dim-symbolic';
import { raiseOpsetPass } from './raise-opset';
import { removeAttributePass } from './remove-attribute';
import { removeNodePass } from './remove-node';
import { removeOutputPass } from './remove-output';
import { removeUnusedPass } from './remove-unused';
import { renameDimPass } from './rename-dim';
import { renameNodePass } from './rename-node';
import { renameTensorPass } from './rename-tensor';
import { reshapePreluSlopePass } from './reshape-prelu-slope';
import { rewritePreluPass } from './rewrite-prelu';
import { setAttributePass } from './set-attribute';
import { setBatchPass } from './set-batch';
import { setDimPass } from './set-dim';
import { simplifyPass } from './simplify';
import { PassError, type Pass, type PassArgs, type PassArgSpec, type PassArgValue, type PassContext, type PassResult } from './types';

const PASSES: readonly Pass[] = [
  simplifyPass,
  foldConstantsPass,
  removeUnusedPass,
  inlineIfPass,
  foldBatchnormPass,
  rewritePreluPass,
  reshapePreluSlopePass,
  setDimPass,
  makeDimSymbolicPass,
  renameDimPass,
  setBatchPass,
  setAttributePass,
  removeAttributePass,
  renameNodePass,
  renameTensorPass,
  removeNodePass,
  removeOutputPass,
  addOutputPass,
  extractPass,
  externalDataPass,
  raiseOpsetPass,
];

export function listPasses(): readonly Pass[] {
  return PASSES;
}

export function getPass(id: string): Pass | undefined {
  return PASSES.find((p) => p.id === id);
}

function coerceOne(pass: Pass, spec: PassArgSpec, raw: unknown): PassArgValue {
  const bad = (what: string): never => {
    throw new PassError(`${pass.id}: argument '${spec.name}' expects ${what}; found ${JSON.stringify(raw)}`);
  };
  switch (spec.type) {
    case 'integer': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n)) bad('an integer');
      return n;
    }
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) bad('a number');
      return n;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).trim().toLowerCase();
      if (['true', '1', 'yes', 'on', ''].includes(s)) return true;
      if (['false', '0', 'no', 'off'].includes(s)) return false;
      return bad('true or false');
    }
    case 'enum': {
      const s = String(raw);
      if (!spec.choices?.includes(s)) bad(`one of ${(spec.choices ?? []).join(', ')}`);
      return s;
    }
    case 'tensors': {
      if (Array.isArray(raw)) return raw.map(String);
      if (typeof raw === 'string') return raw.split(',').map((s) => s.trim()).filter(Boolean);
      return bad('tensor names (comma-separated)');
    }
    default:
      if (typeof raw !== 'string' && typeof raw !== 'number') bad('text');
      return String(raw);
  }
}

/**
 * Checks arguments against a pass's declared args and converts them to their declared types (strings such as
 * the CLI's `--arg axis=0` included), with defaults filled in. Throws PassError naming what is wrong.
 */
export function coerceArgs(pass: Pass, raw: Record<string, unknown>): PassArgs {
  const out: PassArgs = {};
  const known = new Set(pass.args.map((a) => a.name));
  for (const k of Object.keys(raw)) {
    if (!known.has(k)) {
      const list = pass.args.map((a) => a.name).join(', ');
      throw new PassError(`${pass.id} has no argument '${k}'; its arguments are ${list || '(none)'}`);
    }
  }
  for (const spec of pass.args) {
    const v = raw[spec.name];
    if (v === undefined || v === null) {
      if (spec.required) throw new PassError(`${pass.id} needs the argument '${spec.name}' (${spec.description})`);
      if (spec.default !== undefined) out[spec.name] = spec.default;
      continue;
    }
    out[spec.name] = coerceOne(pass, spec, v);
  }
  return out;
}

/** Runs a pass by id on `model` (mutated in place; see types.ts for the contract). */
export async function runPass(id: string, model: Model, args: Record<string, unknown> = {}, ctx: PassContext = {}): Promise<PassResult> {
  const pass = getPass(id);
  if (!pass) throw new PassError(`there is no pass '${id}'; the passes are ${PASSES.map((p) => p.id).join(', ')}`);
  return pass.run(model, coerceArgs(pass, args), ctx);
}
