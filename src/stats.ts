/**
 * Sample statistics as the original profiler computes latency (reference ruvector.md §3.3):
 * nearest-rank percentiles (always an observed sample), arithmetic mean, population standard
 * deviation.
 *
 * @example
 * ```ts
 * import { latencyStats } from "./stats.ts";
 * latencyStats([100, 10, 50, 90, 20]).p50; // 50
 * ```
 * @module
 */

/** Summary of a set of latencies (same unit as the input). */
export interface LatencyStats {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  n: number;
}

/**
 * Nearest-rank percentile of ascending values: index min(ceil(p/100 · n), n) − 1, floored at 0.
 *
 * @example
 * ```ts
 * nearestRank([1, 2, 3, 4], 50); // 2
 * ```
 */
export function nearestRank(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  const index = Math.max(Math.min(Math.ceil((p / 100) * n), n) - 1, 0);
  return sorted[index];
}

/**
 * Statistics of unsorted values; all zeros for an empty input.
 *
 * @example
 * ```ts
 * latencyStats([5, 1]); // { p50: 1, p95: 5, p99: 5, mean: 3, std: 2, min: 1, max: 5, n: 2 }
 * ```
 */
export function latencyStats(values: readonly number[]): LatencyStats {
  const n = values.length;
  if (n === 0) return { p50: 0, p95: 0, p99: 0, mean: 0, std: 0, min: 0, max: 0, n: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, x) => sum + x, 0) / n;
  const variance = sorted.reduce((sum, x) => sum + (x - mean) ** 2, 0) / n;
  return {
    p50: nearestRank(sorted, 50),
    p95: nearestRank(sorted, 95),
    p99: nearestRank(sorted, 99),
    mean,
    std: Math.sqrt(variance),
    min: sorted[0],
    max: sorted[n - 1],
    n,
  };
}
