/**
 * What the webview is sent: a view model without weights. A graph travels as typed arrays (posted as
 * transferable ArrayBuffers) plus one string table, not as JSON objects per node, so 200k nodes cost a few
 * megabytes and no parse time.
 */

/** Layout node kinds. */
export enum ViewNodeKind {
  Op = 0,
  /** A graph input (not an initializer). */
  Input = 1,
  Output = 2,
  /** A Constant op or a lone initializer shown as a node. */
  Constant = 3,
  /** A value a subgraph reads from the enclosing graph. */
  OuterValue = 4,
  /** A group standing for many nodes (summarized huge graphs). */
  Group = 5,
}

/** Colour categories (the webview maps them to theme colours). */
export enum ViewCategory {
  Other = 0,
  Layer = 1, // Conv, Gemm, MatMul, ConvTranspose, LSTM, ...
  Activation = 2,
  Normalization = 3,
  Pool = 4,
  Shape = 5, // Shape, Reshape, Gather, Unsqueeze, Concat, Slice, ... (glue)
  Math = 6, // elementwise arithmetic
  Control = 7, // If, Loop, Scan
  Constant = 8,
  Quantize = 9,
  Custom = 10, // unknown or custom domain
  Reduce = 11,
  Data = 12, // graph inputs/outputs
}

export enum ViewNodeFlags {
  HasSubgraph = 1,
  HasWeights = 2,
  /** Some of the node's tensors are drawn as stubs (broadcast values such as masks). */
  Function = 4,
}

export interface GraphView {
  graphId: number;
  /** "main", "main/If_3.then_branch", "function custom::f". */
  path: string;
  kind: 'main' | 'subgraph' | 'function';
  /** From the main graph down to this one. */
  breadcrumb: { graphId: number; label: string }[];
  /** String table: every other field refers to strings by index; index 0 is ''. */
  strings: string[];

  nodeCount: number;
  nodeKind: Uint8Array;
  /** IR id of the node (ops) or of the value (inputs, outputs, constants that are initializers). */
  nodeId: Int32Array;
  /** Op type, or the value name for inputs/outputs. */
  nodeOp: Uint32Array;
  nodeName: Uint32Array;
  nodeDomain: Uint32Array;
  nodeCategory: Uint8Array;
  nodeFlags: Uint8Array;
  /** Lines under the title: key attributes and weight shapes ("kernel 3×3 stride 2", "W float[64,3,3,3]"). */
  nodeDetail: Uint32Array;

  edgeCount: number;
  edgeSrc: Uint32Array;
  edgeDst: Uint32Array;
  /** Tensor index per edge. */
  edgeTensor: Uint32Array;

  tensorCount: number;
  tensorName: Uint32Array;
  /** "float[batch,3,224,224]" (empty when unknown). */
  tensorLabel: Uint32Array;

  /** Nodes that hold subgraphs: which node, which graph, the attribute name. */
  subgraphs: { node: number; graphId: number; label: string }[];
  /** Set when the graph was summarized because it is too large to draw node by node. */
  note?: string;
}

export interface GraphListEntry {
  graphId: number;
  path: string;
  kind: 'main' | 'subgraph' | 'function';
  nodeCount: number;
}

export interface ModelView {
  fileName: string;
  irVersion?: number;
  opsetImports: { domain: string; version: number }[];
  producer: string;
  docString: string;
  metadata: [string, string][];
  nodeCount: number;
  graphs: GraphListEntry[];
  problems: string[];
}

export interface AttributeView {
  name: string;
  /** ONNX attribute type name: INT, FLOATS, TENSOR, GRAPH, ... */
  type: string;
  /** The value as text (lists abbreviated, tensors as dtype[shape] with first values). */
  value: string;
  /** For GRAPH / GRAPHS attributes: the graph(s) to open. */
  graphIds?: number[];
  refAttrName?: string;
}

export interface TensorRef {
  name: string;
  /** "float[1,3,224,224]" or '' */
  type: string;
  initializer: boolean;
  /** Who produces it (inputs) or how many read it (outputs). */
  producer?: string;
  consumers?: number;
}

export interface NodeDetails {
  graphId: number;
  nodeId: number;
  name: string;
  opType: string;
  domain: string;
  /** The schema in effect, or why there is none. */
  schema: { sinceVersion: number; deprecated: boolean; docUrl: string } | { missing: string };
  attributes: AttributeView[];
  inputs: TensorRef[];
  outputs: TensorRef[];
  docString: string;
  /** For a call of a local function: the function's graph, to open as its own view. */
  functionGraphId?: number;
}

export interface WeightDetails {
  name: string;
  dtype: string;
  shape: number[];
  external?: { file: string; offset: number; length: number };
  stats?: {
    count: number;
    min: number;
    max: number;
    mean: number;
    std: number;
    zeros: number;
    nan: number;
    inf: number;
  };
  histogram?: { edges: number[]; counts: number[] };
  first?: (number | string)[];
  error?: string;
}
