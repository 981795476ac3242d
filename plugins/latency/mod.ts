/**
 * `latency`: per-sample latency records and their statistics, written with the same public
 * contract a third-party plugin uses.
 *
 * Per case it adds `latency_p50_us`, `latency_p95_us`, `latency_p99_us`, `latency_mean_us`,
 * `latency_std_us`, `latency_min_us` and `latency_max_us` to results.csv (the sample count and
 * calls are the core's `samples` and `calls` columns), and writes `latency/<config_hash>.csv` with
 * the original profiler's columns `sample_id,wall_time_us,kernel_time_us,seq_len` (+ `config_hash`).
 * A sample is the mean time per call over `calls_per_sample` calls (calls of at most 65.5 µs are
 * timed in ≈ 1 ms batches). Samples come in ascending order.
 * `kernel_time_us` is the device's own time per call where the kernel reports one (a WebGPU
 * kernel on an adapter with `timestamp-query`: its compute passes, by the GPU's clock), and equals
 * `wall_time_us` elsewhere (CPU kernels have no separate device clock); the case's manifest record
 * says which (`kernel_time`: `device` or `wall`). `latency_kernel_p50_us` is its median.
 *
 * @example
 * ```yaml
 * plugins:
 *   - latency
 * ```
 * @module
 */
import * as v from "valibot";
import { defineProfiler, type Measurement, type ProfilerDefinition, type Table } from "../../plugin_kit.ts";
import { latencyStats } from "../../plugin_kit.ts";

const options = v.strictObject({
  /** Write the per-sample CSV (the statistics are always reported). */
  samples: v.optional(v.boolean("true or false"), true),
});

/** The latency profiler. */
const latency: ProfilerDefinition<v.InferOutput<typeof options>> = defineProfiler({
  name: "latency",
  apiVersion: 1,
  description: "per-sample latency (µs) and p50/p95/p99, mean, population std (nearest-rank percentiles)",
  options,
  metrics: {
    p50_us: { type: "double", unit: "us", description: "median time per call (nearest rank)" },
    p95_us: {
      type: "double",
      unit: "us",
      description: "95th percentile of the time per call (nearest rank)",
    },
    p99_us: {
      type: "double",
      unit: "us",
      description: "99th percentile of the time per call (nearest rank)",
    },
    mean_us: { type: "double", unit: "us", description: "mean time per call" },
    std_us: { type: "double", unit: "us", description: "population standard deviation of the time per call" },
    min_us: { type: "double", unit: "us", description: "fastest sample" },
    max_us: { type: "double", unit: "us", description: "slowest sample" },
    kernel_p50_us: {
      type: "double",
      unit: "us",
      description:
        "median device time per call (GPU timestamps); the wall-time median where the kernel has no device clock",
    },
  },
  create(opts) {
    let last: Measurement | undefined;
    return {
      stop(_ctx, measurement) {
        last = measurement;
        const stats = latencyStats(measurement.samples_ns.map(toMicros));
        return {
          p50_us: stats.p50,
          p95_us: stats.p95,
          p99_us: stats.p99,
          mean_us: stats.mean,
          std_us: stats.std,
          min_us: stats.min,
          max_us: stats.max,
          kernel_p50_us: measurement.kernel_samples_ns
            ? latencyStats(measurement.kernel_samples_ns.map(toMicros)).p50
            : stats.p50,
        };
      },
      tables(ctx): Table[] {
        if (!opts.samples || !last) return [];
        const seqLen = ctx.case.shape.seq_len;
        const device = last.kernel_samples_ns;
        const rows = last.samples_ns.map((ns, i) => {
          const us = toMicros(ns);
          return [i, us, device ? toMicros(device[i]) : us, seqLen];
        });
        return [{
          name: "latency",
          columns: ["sample_id", "wall_time_us", "kernel_time_us", "seq_len"],
          rows,
        }];
      },
    };
  },
});

export default latency;

function toMicros(ns: number): number {
  return Math.round(ns) / 1000;
}
