import type { ProfilerDefinition } from "attnbench";

/**
 * Options of the throughput plugin.
 *
 * @example
 * ```ts
 * const options: ThroughputOptions = { percentile: 95 };
 * ```
 */
export interface ThroughputOptions {
  /** Latency percentile the rates are computed at, in (0, 100]; default 50. */
  percentile?: number;
}

/**
 * Metrics it adds to results.csv, prefixed `throughput_`.
 *
 * @example
 * ```ts
 * const row: ThroughputMetrics = { percentile: 50, tokens_per_s: 1.2e6, bytes_per_s: 2.4e9 };
 * ```
 */
export interface ThroughputMetrics {
  [key: string]: number;
  percentile: number;
  tokens_per_s: number;
  bytes_per_s: number;
}

/**
 * The plugin's type.
 *
 * @example
 * ```ts
 * import throughput from "attnbench-plugin-throughput";
 * const plugin: ThroughputPlugin = throughput;
 * ```
 */
export type ThroughputPlugin = ProfilerDefinition<ThroughputOptions, ThroughputMetrics>;

/**
 * The throughput profiler.
 *
 * @example
 * ```yaml
 * plugins:
 *   - attnbench-plugin-throughput: { percentile: 95 }
 * ```
 */
declare const throughput: ThroughputPlugin;
export default throughput;
