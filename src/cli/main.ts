/**
 * onnx-lens: the command-line twin of the extension. Results go to stdout, progress and errors to stderr.
 * Exit codes: 0 fine, 1 the model fails a check (compare out of tolerance, check found errors), 2 bad input
 * (one line on stderr naming the file, what was expected and what was found; never a stack trace).
 */
import { CliError, type Io } from './args';
import type { Command } from './command';
import { inspect } from './commands/inspect';
import { resave } from './commands/resave';
import { check } from './commands/check';
import { run } from './commands/run';
import { compare } from './commands/compare';
import { bench } from './commands/bench';
import { ModelDecodeError } from '../core/codec/decode';
import { simplify } from './commands/simplify';
import { pass } from './commands/pass';

export const commands: Command[] = [inspect, resave, run, compare, bench, check, simplify, pass];

function help(io: Io, name?: string): number {
  const c = commands.find((x) => x.name === name);
  if (c) {
    io.out(`${c.usage}\n  ${c.summary}`);
    return 0;
  }
  io.out(['usage: onnx-lens COMMAND [ARGS]', '', ...commands.map((x) => `  ${x.usage}\n      ${x.summary}`)].join('\n'));
  return name ? 2 : 0;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') return help(io, rest[0]);
  if (name === '--version') {
    io.out(VERSION);
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.err(`onnx-lens: unknown command '${name}'; expected one of ${commands.map((c) => c.name).join(', ')}`);
    return 2;
  }
  if (rest.includes('--help')) return help(io, name);
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    io.err(errorLine(e));
    if (process.env.ONNX_LENS_DEBUG && e instanceof Error) io.err(e.stack ?? '');
    return e instanceof CliError ? e.exitCode : 2;
  }
}

/** One line for any error: ours carry file/expected/found already; others are labelled. */
export function errorLine(e: unknown): string {
  if (e instanceof CliError || e instanceof ModelDecodeError) return `onnx-lens: ${e.message}`;
  if (e instanceof RangeError && /call stack/i.test(e.message)) return 'onnx-lens: the model is nested too deeply to process';
  const msg = e instanceof Error ? e.message : String(e);
  return `onnx-lens: ${msg.split('\n')[0]}`;
}

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : 'dev';

if (require.main === module) {
  const io: Io = {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      io.err(errorLine(e));
      process.exitCode = 2;
    },
  );
}
