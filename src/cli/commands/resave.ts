import { readModelFile } from '../../core/codec/file';
import { encodeModel } from '../../core/codec/encode';
import { SaveError, saveModel } from '../../core/codec/save';
import { CliError, parseArgs, positional } from '../args';
import type { Command } from '../command';

export const resave: Command = {
  name: 'resave',
  summary: 'decode and encode again (byte-identical for a canonically written model)',
  usage: 'onnx-lens resave MODEL OUT',
  async run(argv, io) {
    const args = parseArgs(argv, {}, 'resave');
    const file = positional(args, 0, 'MODEL', 'resave');
    const out = positional(args, 1, 'OUT', 'resave');
    const model = readModelFile(file);
    const bytes = encodeModel(model);
    let report;
    try {
      report = saveModel({ bytes, model, sourcePath: file, targetPath: out });
    } catch (e) {
      throw e instanceof SaveError ? new CliError(`resave: ${e.message}`) : e;
    }
    io.err(`wrote ${out} (${bytes.byteLength} bytes)`);
    for (const c of report.copied) io.err(`copied ${c}`);
    return 0;
  },
};
