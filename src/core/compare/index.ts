/** Comparisons against references, layer by layer, and the latency benchmark (runtime-agnostic: see runner.ts). */
export * from './metrics';
export * from './runner';
export * from './compare';
export * from './layerwise';
export * from './bench';
export { tensorStats, type TensorStats, type StatsOptions } from './stats';
export * from './edit-check';
