/**
 * Summary statistics of a tensor's values, for `inspect --weights` and the weight panel.
 *
 * One pass over the values (decoded in bounded chunks, so a large tensor is never copied whole) gives count,
 * min, max, mean, std, zeros, nan and inf; a second pass fills the histogram, whose range is only known after
 * the first. min/max/mean/std and the histogram cover the finite values only (NaN and +-inf are counted in
 * `nan`/`inf` instead); with no finite value they are NaN and the histogram is empty. std is the population
 * standard deviation (numpy's default, ddof=0), computed with Welford's update so large offsets do not cancel.
 * Histogram bins are equal-width over [min, max], the last bin closed, as numpy.histogram does; a constant
 * tensor gets the range [v - 0.5, v + 0.5] like numpy.
 *
 * Complex tensors are summarized by magnitude |z|; int64/uint64 beyond 2^53 by their nearest doubles.
 * STRING tensors have no numeric statistics (TensorDataError).
 */
import type { HostTensor } from '../ir/hosttensor';
import { forEachNumberChunk, numberCount } from '../codec/tensordata';

export interface TensorStats {
  /** Number of elements. */
  count: number;
  /** Over finite values; NaN when there is none. */
  min: number;
  max: number;
  mean: number;
  std: number;
  /** Elements equal to zero (+0 or -0). */
  zeros: number;
  nan: number;
  /** +inf and -inf together. */
  inf: number;
  /** `edges` has bins+1 entries and `counts` bins entries; both empty when there is no finite value. */
  histogram: { edges: number[]; counts: number[] };
  /** The first values in storage (C) order, NaN and inf included. */
  first: number[];
}

export interface StatsOptions {
  /** Histogram bins (default 32; 0 skips the second pass). */
  bins?: number;
  /** How many leading values to return in `first` (default 16). */
  first?: number;
  /** Values decoded per step (default 65536). */
  chunk?: number;
}

export function tensorStats(h: HostTensor, opts: StatsOptions = {}): TensorStats {
  const bins = Math.max(0, Math.floor(opts.bins ?? 32));
  const firstN = Math.max(0, Math.floor(opts.first ?? 16));
  const readOpts = { complex: 'magnitude' as const, chunk: opts.chunk };
  const count = numberCount(h, readOpts);

  let min = Infinity;
  let max = -Infinity;
  let mean = 0;
  let m2 = 0;
  let finite = 0;
  let zeros = 0;
  let nan = 0;
  let inf = 0;
  const first: number[] = [];
  forEachNumberChunk(h, (values, start) => {
    if (start < firstN) for (let i = 0; i < values.length && start + i < firstN; i++) first.push(values[i]);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== v) {
        nan++;
        continue;
      }
      if (v === Infinity || v === -Infinity) {
        inf++;
        continue;
      }
      if (v === 0) zeros++;
      if (v < min) min = v;
      if (v > max) max = v;
      finite++;
      const d = v - mean;
      mean += d / finite;
      m2 += d * (v - mean);
    }
  }, readOpts);

  const stats: TensorStats = {
    count,
    min: finite ? min : NaN,
    max: finite ? max : NaN,
    mean: finite ? mean : NaN,
    std: finite ? Math.sqrt(m2 / finite) : NaN,
    zeros,
    nan,
    inf,
    histogram: { edges: [], counts: [] },
    first,
  };
  if (bins > 0 && finite > 0) {
    let lo = min;
    let hi = max;
    if (lo === hi) {
      lo -= 0.5;
      hi += 0.5;
    }
    const width = (hi - lo) / bins;
    const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width));
    const counts = new Array<number>(bins).fill(0);
    const scale = bins / (hi - lo);
    forEachNumberChunk(h, (values) => {
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v !== v || v === Infinity || v === -Infinity) continue;
        let b = Math.floor((v - lo) * scale);
        if (b >= bins) b = bins - 1;
        else if (b < 0) b = 0;
        // Floating-point rounding can put a value on the wrong side of an edge: nudge it to the bin whose
        // [edge, next edge) holds it.
        if (b > 0 && v < edges[b]) b--;
        else if (b < bins - 1 && v >= edges[b + 1]) b++;
        counts[b]++;
      }
    }, readOpts);
    stats.histogram = { edges, counts };
  }
  return stats;
}
