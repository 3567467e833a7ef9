/** The weight panel's facts for one initializer: loaded on request, external data included. */
import type { Graph } from '../core/ir/model';
import { weightReport } from '../core/weights';
import type { WeightDetails } from '../protocol/view';

export function weightDetails(graph: Graph, name: string): WeightDetails {
  const t = graph.lookup(name)?.initializer;
  if (!t) throw new Error(`'${name}' is not an initializer of ${graph.path}`);
  const r = weightReport(graph.model, t, { histogram: true, first: 32 });
  const d: WeightDetails = { name: r.name, dtype: r.dtype, shape: r.shape };
  if (r.external) d.external = { file: r.external.file, offset: r.external.offset, length: r.external.length ?? -1 };
  if (r.stats) d.stats = r.stats;
  if (r.histogram) d.histogram = r.histogram;
  if (r.first) d.first = r.first;
  if (r.error) d.error = r.error;
  return d;
}
