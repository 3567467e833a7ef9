/**
 * onnx-lens check MODEL [--json] [--profile default|tensorrt] [--max-opset N] [--max-ir N] [--tensorrt-version N]
 *
 * Prints every diagnostic, one per line ("severity code node: message"), in graph and topological order; a
 * count goes to stderr. Exit code 1 when any diagnostic is an error, 0 otherwise (2 for bad input, as
 * every command). --json prints { "profile", "diagnostics": [ { code, severity, message, node, tensor,
 * graph, rule, fixes, related } ] } on stdout instead.
 */
import { readModelFile } from '../../core/codec/file';
import { diagnosticToJson, formatDiagnostic, hasErrors, runDiagnostics } from '../../core/diagnostics/index';
import type { Profile, RuntimeFacts } from '../../core/diagnostics/types';
import { CliError, number, one, parseArgs, positional } from '../args';
import type { Command } from '../command';

const PROFILES: readonly Profile[] = ['default', 'tensorrt'];

export const check: Command = {
  name: 'check',
  summary: 'diagnostics: opset and schema errors, custom ops, glue chains, dead nodes, deployment (TensorRT) checks; exit 1 on errors',
  usage: 'onnx-lens check MODEL [--json] [--profile default|tensorrt] [--max-opset N] [--max-ir N] [--tensorrt-version N]',
  async run(argv, io) {
    const args = parseArgs(argv, { flags: ['json'], values: ['profile', 'max-opset', 'max-ir', 'tensorrt-version'] }, 'check');
    const file = positional(args, 0, 'MODEL', 'check');
    if (args.positionals.length > 1) {
      throw new CliError(`check: expected one MODEL; found ${args.positionals.length} arguments (${args.positionals.join(' ')})`);
    }
    const profile = (one(args, 'profile') ?? 'default') as Profile;
    if (!PROFILES.includes(profile)) {
      throw new CliError(`check: --profile expects one of ${PROFILES.join(', ')}; found '${profile}'`);
    }
    const runtimeFacts: RuntimeFacts = {};
    const maxOpset = positiveInt(args, 'max-opset');
    if (maxOpset !== undefined) runtimeFacts.maxOpset = maxOpset;
    const maxIr = positiveInt(args, 'max-ir');
    if (maxIr !== undefined) runtimeFacts.maxIrVersion = maxIr;
    const trt = positiveInt(args, 'tensorrt-version');
    const model = readModelFile(file);
    const diagnostics = runDiagnostics(model, { profile, runtimeFacts, ...(trt !== undefined ? { tensorrtVersion: trt } : {}) });
    if (args.flags.has('json')) {
      io.out(JSON.stringify({ profile, diagnostics: diagnostics.map(diagnosticToJson) }, null, 2));
    } else {
      for (const d of diagnostics) io.out(formatDiagnostic(d));
      io.err(summaryLine(file, diagnostics.map((d) => d.severity)));
    }
    return hasErrors(diagnostics) ? 1 : 0;
  },
};

function positiveInt(args: ReturnType<typeof parseArgs>, key: string): number | undefined {
  const n = number(args, key, 'check');
  if (n === undefined) return undefined;
  if (!Number.isInteger(n) || n < 1) throw new CliError(`check: --${key} expects a positive integer; found '${one(args, key)}'`);
  return n;
}

function summaryLine(file: string, severities: readonly string[]): string {
  if (!severities.length) return `${file}: no problems found`;
  const parts: string[] = [];
  for (const s of ['error', 'warning', 'info', 'hint']) {
    const k = severities.filter((x) => x === s).length;
    if (k) parts.push(`${k} ${s}${k === 1 ? '' : s === 'info' ? '' : 's'}`);
  }
  return `${file}: ${parts.join(', ')}`;
}
