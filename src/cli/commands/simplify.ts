import { encodeModel } from '../../core/codec/encode';
import { SaveError, saveModel } from '../../core/codec/save';
import { simplifyModel, DEFAULT_SIZE_LIMIT, PassError } from '../../core/passes/index';
import { CliError, number, parseArgs, positional } from '../args';
import type { Command } from '../command';
import { RUNTIME_FLAGS, RUNTIME_HELP, asCliError, readModel, startRuntime } from '../runtime';

const fmt = (n: number) => n.toLocaleString('en-US');

export const simplify: Command = {
  name: 'simplify',
  summary: 'constant folding, shape glue, no-ops, Conv+BN fusion, dead code: fewer nodes, same outputs',
  usage:
    'onnx-lens simplify MODEL OUT [--no-runtime] [--json] [--size-limit BYTES] [--no-fuse]\n' +
    '  --no-runtime: fold only what the TypeScript evaluator covers (no onnxruntime process)\n' +
    `  --size-limit: largest folded Expand/Tile/ConstantOfShape result in bytes (default ${DEFAULT_SIZE_LIMIT})\n` +
    '  --no-fuse: keep BatchNormalization and per-channel Add/Mul separate from Conv\n' +
    RUNTIME_HELP,
  async run(argv, io) {
    const args = parseArgs(argv, { values: ['size-limit', 'timeout', 'memory-limit'], flags: ['no-runtime', 'json', 'no-fuse', ...RUNTIME_FLAGS] }, 'simplify');
    const file = positional(args, 0, 'MODEL', 'simplify');
    const out = positional(args, 1, 'OUT', 'simplify');
    if (args.positionals.length > 2) throw new CliError(`simplify: unexpected argument '${args.positionals[2]}' (usage: onnx-lens help simplify)`);
    const sizeLimit = number(args, 'size-limit', 'simplify');
    if (sizeLimit !== undefined && (!Number.isSafeInteger(sizeLimit) || sizeLimit < 0)) throw new CliError(`simplify: --size-limit expects bytes >= 0; found ${sizeLimit}`);
    const model = readModel(file);
    const rt = args.flags.has('no-runtime') ? undefined : startRuntime(io, args, 'simplify');
    const t0 = performance.now();
    let report;
    try {
      report = await simplifyModel(
        model,
        { ...(sizeLimit !== undefined ? { sizeLimit } : {}), fuse: !args.flags.has('no-fuse') },
        { ...(rt ? { runtime: rt } : {}), ...(args.flags.has('verbose') ? { log: (l: string) => io.err(l) } : {}) },
      );
    } catch (e) {
      if (e instanceof PassError) throw new CliError(`simplify: ${e.message}`);
      throw asCliError(e, 'simplify');
    } finally {
      await rt?.dispose();
    }
    const ms = performance.now() - t0;
    let bytes = 0;
    let copied: string[] = [];
    if (report.modified) {
      const encoded = encodeModel(model);
      bytes = encoded.byteLength;
      // Temp file + fsync + rename; when OUT is in another folder, the external data files the simplified model
      // still references are copied beside it (nothing is written outside OUT's folder).
      try {
        copied = saveModel({ bytes: encoded, model, sourcePath: file, targetPath: out }).copied;
      } catch (e) {
        throw e instanceof SaveError ? new CliError(`simplify: ${e.message}`) : e;
      }
    }
    const s = report.stats;
    if (args.flags.has('json')) {
      const changes: Record<string, number> = {};
      for (const [k, v] of Object.entries(s)) if (!['nodesBefore', 'nodesAfter', 'initializersBefore', 'initializersAfter', 'rounds'].includes(k)) changes[k] = v;
      io.out(
        JSON.stringify(
          {
            model: file,
            out,
            written: report.modified,
            bytes,
            nodesBefore: s.nodesBefore,
            nodesAfter: s.nodesAfter,
            initializersBefore: s.initializersBefore,
            initializersAfter: s.initializersAfter,
            rounds: s.rounds,
            runtime: !!rt,
            ms: Math.round(ms),
            changes,
            ...(copied.length ? { copied } : {}),
            notes: (report.details ?? []).filter((d) => !/^[\d,]+ /.test(d)),
          },
          null,
          2,
        ),
      );
    } else {
      const lines = [`${file}: ${fmt(s.nodesBefore)} -> ${fmt(s.nodesAfter)} nodes, ${fmt(s.initializersBefore)} -> ${fmt(s.initializersAfter)} initializers (${s.rounds} rounds, ${Math.round(ms)} ms${rt ? '' : ', without onnxruntime'})`];
      for (const d of report.details ?? []) lines.push(`  ${d}`);
      lines.push(report.modified ? `wrote ${out} (${fmt(bytes)} bytes)` : `nothing to simplify: ${out} not written`);
      for (const c of copied) lines.push(`copied ${c}`);
      io.out(lines.join('\n'));
    }
    return 0;
  },
};
