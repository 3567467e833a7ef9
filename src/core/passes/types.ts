/**
 * The pass contract (DESIGN rule 3). A pass takes the model (a fresh copy the caller owns: it keeps the bytes
 * from before for undo), typed arguments and a context, mutates the model in place through the IR edit helpers
 * (src/core/ir/edit.ts), and says what it did. A pass that changes nothing returns `modified: false` (the
 * caller then makes no edit and writes nothing). A pass that cannot do what was asked throws a PassError whose
 * message says why and what to do, and leaves the model unchanged.
 */
import type { Model } from '../ir/model';
import type { HostTensor } from '../ir/hosttensor';

export class PassError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PassError';
  }
}

/**
 * How an argument is asked for. The UI builds a quick pick or an input box from it:
 *  - 'node': a node reference (its name, or `#index`; see nodeRef) — pick from the graph's nodes
 *  - 'tensor' / 'tensors': value names (comma-separated for 'tensors') — pick from the graph's tensors
 *  - 'input': the name of a graph input — pick from the inputs
 *  - 'enum': one of `choices`
 *  - 'string', 'integer', 'number', 'boolean': typed values ('true'/'false' for booleans)
 */
export type PassArgType = 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'node' | 'tensor' | 'tensors' | 'input';

export type PassArgValue = string | number | boolean | string[];

export interface PassArgSpec {
  name: string;
  type: PassArgType;
  description: string;
  required: boolean;
  default?: PassArgValue;
  /** For 'enum'. */
  choices?: readonly string[];
}

/** Arguments after coercion: each declared argument has its declared JS type (or is absent when optional). */
export type PassArgs = Record<string, PassArgValue | undefined>;

/**
 * What constant folding needs from onnxruntime, structurally: the RuntimeClient of src/runtime (a child
 * process) satisfies it; src/core never imports it.
 */
export interface PassRuntime {
  load(
    args: { modelBytes: Uint8Array; options?: { graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'layout' | 'all' } },
  ): Promise<{ sessionId: string; outputNames: string[] }>;
  run(sessionId: string, feeds: HostTensor[], options?: { fetches?: string[] }): Promise<{ outputs: HostTensor[] }>;
  release(sessionId: string): Promise<boolean>;
}

export interface PassContext {
  /** onnxruntime for folding constant subgraphs the TypeScript evaluator does not cover (simplify). */
  runtime?: PassRuntime;
  /** Progress lines (the CLI prints them on stderr). */
  log?: (line: string) => void;
  /** Checked between steps of long passes. */
  signal?: AbortSignal;
}

/** A file the caller writes beside the saved model (external data). */
export interface PassFile {
  /** Relative to the folder of the model file, already checked with isSafeRelativeLocation. */
  location: string;
  /** The file's contents in order (pieces, so that no single buffer has to hold gigabytes). */
  chunks: Uint8Array[];
  /** Total bytes of `chunks`. */
  byteLength: number;
}

export interface PassResult {
  modified: boolean;
  /** One line: what changed ("folded 1,349 constants, removed 190 Identity nodes"), or why nothing did. */
  summary: string;
  /** Further lines: each change or each case left alone, and why. */
  details?: string[];
  /** Counters for tools and tests (node counts before/after, ...). */
  stats?: Record<string, number>;
  /** Files to write beside the model (external-data). */
  files?: PassFile[];
  /** A new model (extract): ModelProto bytes. The input model is left unchanged. */
  newModel?: Uint8Array;
}

export interface Pass {
  id: string;
  title: string;
  /** What it does, what it handles and what it leaves alone, in a sentence or two (shown in pickers and --list). */
  description: string;
  args: readonly PassArgSpec[];
  /** 'edit' passes change the model; 'new-model' passes return PassResult.newModel and leave the model as it was. */
  kind: 'edit' | 'new-model';
  /** The pass can use ctx.runtime when one is given. */
  usesRuntime?: boolean;
  run(model: Model, args: PassArgs, ctx: PassContext): PassResult | Promise<PassResult>;
}
