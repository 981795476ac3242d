/**
 * One case's timed loop: untimed warm-up calls, then mitata's `measure()` with the case's budget.
 * mitata has no wall-clock cap, so the warm-up calls estimate the cost of a call and cap
 * `max_samples` to fit `max_time_ms`. All raw samples are kept (mitata's 2 + 2 trimming is off).
 *
 * @example
 * ```ts
 * import { measureCall } from "./measure.ts";
 * const m = await measureCall(() => kernel.run(), { min_samples: 12, max_samples: 1000, min_time_ms: 100, max_time_ms: 2000, warmup: 3 });
 * m.samples_ns.length; // ≥ 1
 * ```
 * @module
 */
import { measure } from "mitata";
import type { Measurement } from "./contracts.ts";
import { collectGarbage } from "./runtime.ts";
import type { Budget } from "./spec/schema.ts";

/** mitata runs calls faster than this (ns) in batches of {@link MITATA_BATCH} per sample. */
const MITATA_BATCH_THRESHOLD_NS = 65_536;
const MITATA_BATCH = 4096;

/**
 * Measures `call` within `budget`.
 *
 * @example
 * ```ts
 * const m = await measureCall(() => {}, budget);
 * m.calls_per_sample; // 4096 for a call this fast
 * ```
 */
export async function measureCall(call: () => void, budget: Budget): Promise<Measurement> {
  const perCallNs = warmUp(call, budget.warmup);
  const callsPerSample = perCallNs <= MITATA_BATCH_THRESHOLD_NS ? MITATA_BATCH : 1;
  const fitting = Math.floor((budget.max_time_ms * 1e6) / Math.max(perCallNs * callsPerSample, 1));
  const maxSamples = Math.max(1, Math.min(budget.max_samples, fitting));
  const started = performance.now();
  const stats = await measure(call, {
    gc: collectGarbage() ?? false,
    min_samples: Math.min(budget.min_samples, maxSamples),
    max_samples: maxSamples,
    min_cpu_time: budget.min_time_ms * 1e6,
    samples_threshold: Number.POSITIVE_INFINITY,
  });
  const duration_ms = performance.now() - started;
  const samples = stats.samples as number[];
  return {
    samples_ns: samples,
    calls_per_sample: Math.round(stats.ticks / samples.length),
    total_calls: stats.ticks,
    duration_ms,
  };
}

function warmUp(call: () => void, calls: number): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < Math.max(calls, 1); i++) {
    const t0 = performance.now();
    call();
    fastest = Math.min(fastest, (performance.now() - t0) * 1e6);
  }
  return fastest;
}
