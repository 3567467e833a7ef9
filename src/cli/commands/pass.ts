import { basename, dirname, join } from 'node:path';
import { encodeModel } from '../../core/codec/encode';
import { decodeModel } from '../../core/codec/decode';
import { SaveError, saveModel, type SaveReport } from '../../core/codec/save';
import { PassError, getPass, listPasses, runPass, type Pass } from '../../core/passes/index';
import { CliError, parseArgs, positional } from '../args';
import type { Command } from '../command';
import { RUNTIME_FLAGS, asCliError, readModel, startRuntime } from '../runtime';

function describeArgs(p: Pass): string {
  return p.args
    .map((a) => {
      const type = a.type === 'enum' ? (a.choices ?? []).join('|') : a.type;
      const def = a.default !== undefined ? ` = ${Array.isArray(a.default) ? a.default.join(',') : String(a.default)}` : '';
      return `      ${a.name}${a.required ? '' : '?'}: ${type}${def}  ${a.description}`;
    })
    .join('\n');
}

function list(json: boolean): string {
  const passes = listPasses();
  if (json) {
    return JSON.stringify(passes.map((p) => ({ id: p.id, title: p.title, description: p.description, kind: p.kind, usesRuntime: !!p.usesRuntime, args: p.args })), null, 2);
  }
  return passes.map((p) => `${p.id}  ${p.title}\n    ${p.description}${p.args.length ? `\n${describeArgs(p)}` : ''}`).join('\n');
}

/** `--arg k=v` (repeatable; `--arg force` is force=true). */
function passArgs(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of values) {
    const eq = kv.indexOf('=');
    const k = (eq < 0 ? kv : kv.slice(0, eq)).trim();
    if (!k) throw new CliError(`pass: --arg expects KEY=VALUE; found '${kv}'`);
    if (k in out) throw new CliError(`pass: --arg ${k} is given twice`);
    out[k] = eq < 0 ? 'true' : kv.slice(eq + 1);
  }
  return out;
}

export const pass: Command = {
  name: 'pass',
  summary: 'run one graph surgery pass (set-dim, fold-batchnorm, extract, external-data, ...); --list shows them',
  usage: 'onnx-lens pass PASS_ID MODEL OUT [--arg KEY=VALUE ...] [--no-runtime] [--json]\n       onnx-lens pass --list [--json]',
  async run(argv, io) {
    const args = parseArgs(argv, { values: ['arg', 'timeout', 'memory-limit'], flags: ['list', 'json', 'no-runtime', ...RUNTIME_FLAGS] }, 'pass');
    if (args.flags.has('list')) {
      io.out(list(args.flags.has('json')));
      return 0;
    }
    const id = positional(args, 0, 'PASS_ID (see onnx-lens pass --list)', 'pass');
    const p = getPass(id);
    if (!p) throw new CliError(`pass: there is no pass '${id}'; the passes are ${listPasses().map((x) => x.id).join(', ')}`);
    const file = positional(args, 1, 'MODEL', 'pass');
    const out = positional(args, 2, 'OUT', 'pass');
    if (args.positionals.length > 3) throw new CliError(`pass: unexpected argument '${args.positionals[3]}' (usage: onnx-lens help pass)`);
    const raw = passArgs(args.values.get('arg') ?? []);
    if (p.id === 'external-data' && raw.direction !== 'in' && raw.location === undefined) raw.location = `${basename(out)}.data`;
    const model = readModel(file);
    const rt = p.usesRuntime && !args.flags.has('no-runtime') ? startRuntime(io, args, 'pass') : undefined;
    let result;
    try {
      result = await runPass(id, model, raw, { ...(rt ? { runtime: rt } : {}), ...(args.flags.has('verbose') ? { log: (l: string) => io.err(l) } : {}) });
    } catch (e) {
      if (e instanceof PassError) throw new CliError(`pass ${id}: ${e.message}`);
      throw asCliError(e, `pass ${id}`);
    } finally {
      await rt?.dispose();
    }
    const written: string[] = [];
    // saveModel: temp file + fsync + rename for every file, data files before the model, nothing outside OUT's
    // folder, and the weights the model references copied along when OUT is in another folder.
    const save = (bytes: Uint8Array, saved: typeof model, files = result.files ?? []): SaveReport => {
      try {
        return saveModel({ bytes, model: saved, sourcePath: file, targetPath: out, files });
      } catch (e) {
        if (e instanceof SaveError) throw new CliError(`pass ${id}: ${e.message}`);
        throw e;
      }
    };
    if (result.newModel) {
      const r = save(result.newModel, decodeModel(result.newModel, { path: file }), []);
      written.push(`${out} (${result.newModel.byteLength} bytes)`, ...r.copied.map((c) => `${c} (copied)`));
    } else if (result.modified) {
      const bytes = encodeModel(model);
      const r = save(bytes, model);
      written.push(`${out} (${bytes.byteLength} bytes)`);
      for (const f of result.files ?? []) written.push(`${join(dirname(out), f.location)} (${f.byteLength} bytes)`);
      written.push(...r.copied.map((c) => `${c} (copied)`));
    }
    if (args.flags.has('json')) {
      io.out(JSON.stringify({ pass: id, model: file, out, modified: result.modified, summary: result.summary, details: result.details ?? [], stats: result.stats ?? {}, written }, null, 2));
    } else {
      const lines = [`${id}: ${result.summary}`, ...(result.details ?? []).map((d) => `  ${d}`)];
      lines.push(written.length ? `wrote ${written.join(', ')}` : `nothing changed: ${out} not written`);
      io.out(lines.join('\n'));
    }
    return 0;
  },
};
