/**
 * The vocabulary of model diagnostics: what a diagnostic is, what a rule is, what rules may ask about
 * shapes and about the installed runtime.
 *
 * A Diagnostic points at a node, a tensor or a graph, says what was found, why it matters and what to do,
 * and may carry fixes: ids of surgery passes (src/core/passes) with JSON-plain arguments. The passes are
 * written separately; a fix here is only a declaration of which pass would repair the problem.
 */
import type { Graph, Model, Node, Value } from '../ir/model';
import type { SchemaResolution } from '../schema/index';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

/** Which deployment the checks are for. 'tensorrt' adds the rules for onnx-tensorrt's importer. */
export type Profile = 'default' | 'tensorrt';

/** Surgery passes that diagnostics can propose (implemented in src/core/passes, one per file). */
export type FixId =
  | 'raise-opset'
  | 'fold-glue'
  | 'inline-if'
  | 'remove-node'
  | 'fold-batchnorm'
  | 'rewrite-prelu'
  | 'reshape-prelu-slope'
  | 'remove-unused';

/** Arguments of a fix: JSON-plain, so that they travel to a webview or a CLI unchanged. */
export type FixArgs = Record<string, string | number | boolean | string[] | number[]>;

export interface Fix {
  id: FixId;
  /** What the user sees on the quick-fix ("raise the ai.onnx opset import to 9"). */
  label: string;
  args: FixArgs;
}

export interface Diagnostic {
  /** Stable identifier of the finding ('op-not-in-opset'); what the CLI prints and tests match. */
  code: string;
  severity: Severity;
  /** What was found, why it matters, what to do. */
  message: string;
  /** The node it is about, when it is about one. */
  node?: Node;
  /** The tensor (value, initializer) it is about, by name. */
  tensor?: string;
  /** The graph it is in (for model-level findings: the main graph). */
  graph: Graph;
  fixes?: Fix[];
  /** Other nodes that belong to the finding (a glue chain's nodes, the nodes of a cycle). */
  related?: Node[];
  /** The id of the rule that produced it. */
  rule: string;
}

/** A dim as shape facts know it: a number, a symbol ('batch', 'seq+1'), or null when unknown. */
export type SymDim = number | string | null;

export interface TypeFact {
  /** DataType; 0 when unknown. For a sequence/optional: the element type of the tensor inside. */
  elemType: number;
  /** undefined when the rank is unknown; dims are numbers, symbols ('batch', 'seq+1') or null. */
  shape: SymDim[] | undefined;
  /** Containers around the tensor, outermost first (sequence, optional). */
  wrap?: ('sequence' | 'optional')[];
}

/** A value whose every element is known statically. Integers beyond 2^53 are rounded. */
export interface KnownValueFact {
  dtype: number;
  dims: number[];
  data: number[];
}

/**
 * What rules may ask about shapes and values. src/core/infer's InferenceResult satisfies it (types from
 * shape inference, values from partial constant propagation); `declaredShapeFacts` is the fallback that
 * knows only what the file states: declared types, initializers and Constant nodes.
 */
export interface ShapeFacts {
  typeOf(v: Value): TypeFact | undefined;
  /** The value's data when every element is known statically. */
  knownValue(v: Value): KnownValueFact | undefined;
  /** A scalar or 1-D integer value as far as known: numbers, symbolic dims, null for unknown elements. */
  symbolicValue(v: Value): SymDim[] | undefined;
}

/**
 * Facts about the runtime the model is meant for. The extension fills them from a probe in the runtime
 * child; every field is optional, and rules that need a missing one stay silent or fall back to the
 * operator facts of src/core/schema.
 */
export interface RuntimeFacts {
  /** Name and version for messages ('onnxruntime 1.30.0'). */
  name?: string;
  /** The newest ai.onnx opset the runtime supports. */
  maxOpset?: number;
  /** The newest opset per other domain ('ai.onnx.ml' -> 5). */
  maxOpsets?: Record<string, number>;
  /** The newest IR version the runtime loads. */
  maxIrVersion?: number;
  /**
   * Whether the runtime lacks a kernel for an operator: true (missing), false (present), undefined (not
   * known). `version` is the operator's since_version in effect (or the domain's opset import for
   * operators without a schema); `types` are the DataTypes of the node's inputs (0 where unknown).
   */
  kernelMissing?(domain: string, op: string, version: number, types: number[]): boolean | undefined;
  /** Domains the runtime registers itself (onnxruntime: com.microsoft, com.microsoft.nchwc, ...). */
  domains?: readonly string[];
}

export interface DiagnosticOptions {
  profile?: Profile;
  runtimeFacts?: RuntimeFacts;
  /** Shape facts already computed (the extension's inference result); default: run shape inference. */
  shapes?: ShapeFacts;
  /** When `shapes` is not given: false uses only declared types and constants (no inference). Default true. */
  inference?: boolean;
  /** Run only these rules (by id). */
  rules?: readonly string[];
  /**
   * TensorRT major version the 'tensorrt' profile assumes. Undefined: any version still in use, so the
   * checks for TensorRT 8.x (INT64 cast down to INT32) run too.
   */
  tensorrtVersion?: number;
}

/** What a rule sees. */
export interface RuleContext {
  readonly model: Model;
  readonly profile: Profile;
  readonly runtime: RuntimeFacts;
  readonly shapes: ShapeFacts;
  readonly options: DiagnosticOptions;
  /** Every graph: main, subgraphs at any depth, functions. */
  readonly graphs: readonly Graph[];
  /** A graph's nodes in topological order (cyclic nodes last, in file order). */
  order(g: Graph): readonly Node[];
  /** Nodes of a graph on or behind a cycle. */
  cyclic(g: Graph): readonly Node[];
  /** The opset version a node's graph imports for a domain ('' = ai.onnx): a function's own imports first. */
  opsetVersion(g: Graph, domain: string): number | undefined;
  /** The schema resolution of a node (cached). */
  resolve(n: Node): SchemaResolution;
  /** The constant tensor behind a value: an initializer that is not a graph input, or a Constant node's value. */
  constantOf(v: Value | null | undefined): ConstantFact | undefined;
  /** Someone reads the value: a node (in any graph) or a graph output (of any graph). */
  isUsed(v: Value): boolean;
  report(d: Omit<Diagnostic, 'rule'>): void;
}

/** A constant known from the file: its dtype and dims, and its numbers when small enough to read. */
export interface ConstantFact {
  dtype: number;
  dims: number[];
  /** Element values (numbers) for numeric tensors up to 4096 elements stored in the file; undefined otherwise. */
  values: number[] | undefined;
  /** Where it comes from. */
  source: 'initializer' | 'Constant';
}

export interface Rule {
  /** Stable id ('op-opset'). */
  id: string;
  /** One sentence: what the rule looks for. */
  description: string;
  /** Profiles the rule runs in. */
  profiles: readonly Profile[];
  /** Diagnostic codes it can report. */
  codes: readonly string[];
  run(ctx: RuleContext): void;
}

export const ALL_PROFILES: readonly Profile[] = ['default', 'tensorrt'];
export const TENSORRT_ONLY: readonly Profile[] = ['tensorrt'];
