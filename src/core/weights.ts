/**
 * Reading initializer values on demand: inline raw_data as views, external data through the model's
 * ExternalDataStore (lazy, windowed, confined to the model's folder). Nothing here runs at open time.
 */
import type { Model, Tensor } from './ir/model';
import type { HostTensor } from './ir/hosttensor';
import { tensorProtoToHost } from './codec/tensordata';
import { ExternalDataStore, parseExternalInfo } from './codec/external';
import { tensorStats, type TensorStats } from './compare/stats';
import { dtypeName } from './ir/dtype';

const stores = new WeakMap<Model, ExternalDataStore>();

/** The model's external data store (created on first use; needs the model's path on disk). */
export function externalStore(model: Model): ExternalDataStore {
  let s = stores.get(model);
  if (!s) {
    if (!model.path) throw new Error('the model was not read from a file, so its external data files cannot be located');
    s = new ExternalDataStore(model.path);
    stores.set(model, s);
  }
  return s;
}

export function closeExternal(model: Model): void {
  stores.get(model)?.close();
  stores.delete(model);
}

export function readTensor(model: Model, t: Tensor): HostTensor {
  return tensorProtoToHost(t.proto, (p) => externalStore(model).readTensor(p));
}

export interface WeightReport {
  name: string;
  dtype: string;
  shape: number[];
  external?: { file: string; offset: number; length?: number };
  stats?: Omit<TensorStats, 'histogram' | 'first'>;
  histogram?: TensorStats['histogram'];
  first?: TensorStats['first'];
  /** Why the values could not be read (refused or missing external data, corrupt raw_data). */
  error?: string;
}

export function weightReport(model: Model, t: Tensor, opts: { histogram?: boolean; first?: number } = {}): WeightReport {
  const r: WeightReport = { name: t.value?.name ?? t.name, dtype: dtypeName(t.dataType), shape: t.dims.map(Number) };
  try {
    if (t.isExternal) {
      const info = parseExternalInfo(t.proto);
      r.external = { file: info.location, offset: info.offset, ...(info.length !== undefined ? { length: info.length } : {}) };
    }
    const h = readTensor(model, t);
    const { histogram, first, ...stats } = tensorStats(h, { bins: 32, first: opts.first ?? 16 });
    r.stats = stats;
    if (opts.histogram) r.histogram = histogram;
    if (opts.first) r.first = first;
  } catch (e) {
    r.error = e instanceof Error ? e.message : String(e);
  }
  return r;
}

/** Every initializer of every graph, read and summarized (what `inspect --weights` prints). */
export function allWeightReports(model: Model): WeightReport[] {
  const out: WeightReport[] = [];
  for (const g of model.allGraphs()) for (const t of g.initializers) out.push(weightReport(model, t));
  return out;
}

