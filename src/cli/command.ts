import type { Io } from './args';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Returns the exit code; throws CliError (exit 2) for bad input. */
  run(argv: string[], io: Io): Promise<number>;
}
