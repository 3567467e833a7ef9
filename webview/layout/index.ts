/** Layered layout for huge ONNX graphs: the public surface of webview/layout. */
export * from './types';
export { GraphBuilder, validateGraph } from './graph';
export { layoutGraph, resolveOptions } from './layout';
export { summarize, extractSubgraph, GroupKind, NO_GROUP_KEY, type Summary, type SummaryOptions, type Subgraph } from './summarize';
export { buildGrid, SpatialGrid, type GridOptions } from './grid';
export {
  LayoutClient,
  createInlineWorker,
  startLayoutWorker,
  handleLayoutRequest,
  installLayoutWorker,
  parseLayoutRequest,
  transferablesOf,
  type LayoutReply,
  type LayoutRequest,
  type WorkerLike,
  type WorkerScopeLike,
} from './worker';
