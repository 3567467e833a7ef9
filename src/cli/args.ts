/** A small argument parser: positionals, `--flag`, `--key value`, `--key=value`, repeatable keys. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'CliError';
  }
}

export interface ParsedArgs {
  positionals: string[];
  flags: Set<string>;
  values: Map<string, string[]>;
}

export interface ArgSpec {
  /** Options that take a value. */
  values?: string[];
  /** Options that are plain switches. */
  flags?: string[];
}

export function parseArgs(argv: string[], spec: ArgSpec, command: string): ParsedArgs {
  const out: ParsedArgs = { positionals: [], flags: new Set(), values: new Map() };
  const takesValue = new Set(spec.values ?? []);
  const isFlag = new Set(spec.flags ?? []);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '-') {
      out.positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (isFlag.has(key)) {
      if (eq > 0) throw new CliError(`${command}: --${key} takes no value`);
      out.flags.add(key);
    } else if (takesValue.has(key)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new CliError(`${command}: --${key} needs a value`);
      const list = out.values.get(key) ?? [];
      list.push(value);
      out.values.set(key, list);
    } else {
      throw new CliError(`${command}: unknown option --${key} (see 'onnx-lens help ${command}')`);
    }
  }
  return out;
}

export function one(args: ParsedArgs, key: string): string | undefined {
  const v = args.values.get(key);
  return v ? v[v.length - 1] : undefined;
}

export function number(args: ParsedArgs, key: string, command: string): number | undefined {
  const v = one(args, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new CliError(`${command}: --${key} expects a number; found '${v}'`);
  return n;
}

export function positional(args: ParsedArgs, index: number, what: string, command: string): string {
  const v = args.positionals[index];
  if (v === undefined) throw new CliError(`${command}: missing ${what} (usage: onnx-lens help ${command})`);
  return v;
}

/** Where results go: stdout, while progress and errors go to stderr. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}
