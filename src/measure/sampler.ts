/**
 * One case's timed loop, with budget rules that hold (docs/spec.md, "Budget"):
 *
 * 1. **Warm-up** as {@link warmUp} says; `warmup: 0` makes no call.
 * 2. **Samples.** A sample times one call, or — for calls of at most 65.5 µs, mitata's batching
 *    threshold — a batch of calls lasting about 1 ms (at most 4096), and records the mean time
 *    per call. With `warmup: 0` there is no estimate to size a batch, so every sample is one call.
 * 3. **Stopping**, checked before each sample, first rule that applies:
 *    - `max_samples` reached → stop;
 *    - the next sample would end past the case's deadline (80 % of `timeout_ms`, counted from the
 *      case's start) → stop, even below `min_samples` (the row is then flagged `few_samples`),
 *      but never before the first sample;
 *    - fewer than `min_samples` → take it (even past `max_time_ms`: flagged `over_budget` when
 *      the loop ends more than one sample past the cap);
 *    - `min_time_ms` of timed calls accumulated → stop;
 *    - the next sample would end past `max_time_ms` → stop. The loop therefore ends within one
 *      sample (one call, or ≈ 1 ms of batched calls) of `max_time_ms`.
 *
 * mitata's `measure()` cannot keep these rules: it always makes an untimed first call, has no
 * wall-clock cap and sorts and trims its samples. The loop here uses mitata's clock
 * (`Bun.nanoseconds` on Bun, `performance.now` on V8) and keeps every sample.
 *
 * @example
 * ```ts
 * import { measureCall } from "./sampler.ts";
 * const m = await measureCall(() => kernel.run(), { min_samples: 12, max_samples: 1000, min_time_ms: 100, max_time_ms: 2000, warmup: 3 });
 * m.samples_ns.length; // 12 or more, unless the deadline came first
 * ```
 * @module
 */
import { now } from "mitata/src/lib.mjs";
import type { Measurement } from "../contracts.ts";
import { collectGarbage } from "../runtime.ts";
import type { Budget } from "../spec/schema.ts";
import { warmUp } from "./warmup.ts";

/** Calls at most this long (ns) are timed in batches (mitata's threshold). */
const BATCH_THRESHOLD_NS = 65_536;
/** A batch lasts about this long, ns. */
const BATCH_TARGET_NS = 1e6;
/** Largest batch (mitata's batch size). */
const MAX_BATCH = 4096;

/** The budget fields the timed loop obeys. */
export type LoopBudget = Pick<
  Budget,
  "min_samples" | "max_samples" | "min_time_ms" | "max_time_ms" | "warmup"
>;

/**
 * Measures `call` within `budget`; `deadline` is a `performance.now()` time no sample may end
 * after (the executor passes 80 % of the case's `timeout_ms`).
 *
 * @example
 * ```ts
 * const m = await measureCall(() => {}, budget);
 * m.calls_per_sample; // ≈ 1 ms worth of calls for a call this fast
 * ```
 */
export function measureCall(
  call: () => void,
  budget: LoopBudget,
  deadline = Number.POSITIVE_INFINITY,
): Promise<Measurement> {
  const warm = warmUp(call, budget, deadline);
  const batch = batchSize(warm.per_call_ns);
  collectGarbage()?.();
  const samples: number[] = [];
  const started = now();
  let timedNs = 0;
  let nextNs = batch * (Number.isNaN(warm.per_call_ns) ? 0 : warm.per_call_ns);
  let lastNs = 0;
  for (;;) {
    const atNs = now();
    const enough = samples.length >= budget.min_samples;
    if (samples.length >= budget.max_samples) break;
    if (samples.length > 0 && deadlinePassed(nextNs, deadline)) break;
    if (enough && timedNs >= budget.min_time_ms * 1e6) break;
    if (enough && atNs - started + nextNs > budget.max_time_ms * 1e6) break;
    const t0 = now();
    for (let i = 0; i < batch; i++) call();
    lastNs = now() - t0;
    samples.push(lastNs / batch);
    timedNs += lastNs;
    nextNs = lastNs;
  }
  const loopNs = now() - started;
  samples.sort((a, b) => a - b);
  return Promise.resolve({
    samples_ns: samples,
    calls_per_sample: batch,
    total_calls: samples.length * batch,
    duration_ms: loopNs / 1e6,
    warmup_calls: warm.calls,
    warmup_ms: warm.ms,
    over_budget: loopNs > budget.max_time_ms * 1e6 + lastNs,
  });
}

/** Whether a sample of `nextNs` started now would end past `deadline` (performance.now ms). */
function deadlinePassed(nextNs: number, deadline: number): boolean {
  return performance.now() + nextNs / 1e6 > deadline;
}

/** Calls per sample for a call of `perCallNs` (NaN: unknown → 1). */
function batchSize(perCallNs: number): number {
  if (!(perCallNs <= BATCH_THRESHOLD_NS)) return 1;
  return Math.min(MAX_BATCH, Math.max(1, Math.ceil(BATCH_TARGET_NS / Math.max(perCallNs, 1))));
}
