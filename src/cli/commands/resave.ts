import { readModelFile } from '../../core/codec/file';
import { encodeModel } from '../../core/codec/encode';
import { writeFileAtomic } from '../../core/codec/atomic';
import { parseArgs, positional } from '../args';
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
    writeFileAtomic(out, bytes);
    io.err(`wrote ${out} (${bytes.byteLength} bytes)`);
    return 0;
  },
};
