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
import { type WarmUp, warmUp, warmUpAsync } from "./warmup.ts";

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
  call: () => unknown,
  budget: LoopBudget,
  deadline = Number.POSITIVE_INFINITY,
): Promise<Measurement> {
  const loop = new SampleLoop(budget, deadline, warmUp(call, budget, deadline, undefined, refuseUnawaited));
  collectGarbage()?.();
  let returned: unknown;
  for (let batch = loop.start(); batch > 0; batch = loop.next()) {
    const t0 = now();
    for (let i = 0; i < batch; i++) returned = call();
    loop.record(now() - t0);
    refuseUnawaited(returned);
  }
  return Promise.resolve(loop.result());
}

/**
 * Throws when a call measured as synchronous returned a promise: its time would be the time to
 * start the work, not to do it. A kernel whose `run()` returns one declares `asynchronous: true`.
 *
 * @example
 * ```ts
 * refuseUnawaited(undefined); // fine
 * refuseUnawaited(Promise.resolve()); // TypeError: run() returned a promise but …
 * ```
 */
export function refuseUnawaited(returned: unknown): void {
  if (typeof (returned as PromiseLike<unknown> | undefined)?.then !== "function") return;
  // Its settling is nobody's concern now; an unhandled rejection must not outlive the case.
  (returned as Promise<unknown>).catch?.(() => {});
  throw new TypeError(
    "run() returned a promise but the instance lacks asynchronous: true, so the runner did not await it " +
      "and would time only its start; declare asynchronous: true on the instance",
  );
}

/**
 * {@link measureCall} for a kernel whose calls return a promise (a GPU kernel): every call is
 * awaited before the next, so a call's time runs until its promise settles. When `deviceTimeNs`
 * reports the device's own time of the last call, the measurement carries it per sample as
 * `kernel_samples_ns` (the mean over the sample's calls, in the order of `samples_ns`).
 *
 * @example
 * ```ts
 * const m = await measureAsyncCall(() => gpu.run() as Promise<void>, budget, Infinity, () => gpu.deviceTimeNs?.());
 * m.kernel_samples_ns; // device time per call, beside m.samples_ns
 * ```
 */
export async function measureAsyncCall(
  call: () => Promise<void>,
  budget: LoopBudget,
  deadline = Number.POSITIVE_INFINITY,
  deviceTimeNs: () => number | undefined = () => undefined,
): Promise<Measurement> {
  const loop = new SampleLoop(budget, deadline, await warmUpAsync(call, budget, deadline));
  collectGarbage()?.();
  const device: number[] = [];
  let timed = true;
  for (let batch = loop.start(); batch > 0; batch = loop.next()) {
    let deviceNs = 0;
    const t0 = now();
    for (let i = 0; i < batch; i++) {
      await call();
      const ns = deviceTimeNs();
      if (ns === undefined) timed = false;
      else deviceNs += ns;
    }
    loop.record(now() - t0);
    device.push(deviceNs / batch);
  }
  return loop.result(timed && device.length > 0 ? device : undefined);
}

/** The sample loop's rules (above), shared by the synchronous and the awaiting measurement. */
class SampleLoop {
  readonly #budget: LoopBudget;
  readonly #deadline: number;
  readonly #warm: WarmUp;
  readonly #batch: number;
  readonly #samples: number[] = [];
  #started = 0;
  #timedNs = 0;
  #nextNs: number;
  #lastNs = 0;

  constructor(budget: LoopBudget, deadline: number, warm: WarmUp) {
    this.#budget = budget;
    this.#deadline = deadline;
    this.#warm = warm;
    this.#batch = batchSize(warm.per_call_ns);
    this.#nextNs = this.#batch * (Number.isNaN(warm.per_call_ns) ? 0 : warm.per_call_ns);
  }

  /** Starts the loop's clock; the calls of the first sample, or 0 to stop. */
  start(): number {
    this.#started = now();
    return this.next();
  }

  /** The calls of the next sample, or 0 when the stopping rules say the loop ends. */
  next(): number {
    const budget = this.#budget, samples = this.#samples;
    const atNs = now();
    const enough = samples.length >= budget.min_samples;
    if (samples.length >= budget.max_samples) return 0;
    if (samples.length > 0 && deadlinePassed(this.#nextNs, this.#deadline)) return 0;
    if (enough && this.#timedNs >= budget.min_time_ms * 1e6) return 0;
    if (enough && atNs - this.#started + this.#nextNs > budget.max_time_ms * 1e6) return 0;
    return this.#batch;
  }

  /** Records a sample of the batch's calls that took `ns` in all. */
  record(ns: number): void {
    this.#lastNs = ns;
    this.#samples.push(ns / this.#batch);
    this.#timedNs += ns;
    this.#nextNs = ns;
  }

  /** The measurement; `deviceNs` (per sample, in recording order) is sorted along with the samples. */
  result(deviceNs?: number[]): Measurement {
    const loopNs = now() - this.#started;
    const samples = this.#samples;
    const order = samples.map((_, i) => i).sort((a, b) => samples[a] - samples[b]);
    const measurement: Measurement = {
      samples_ns: order.map((i) => samples[i]),
      calls_per_sample: this.#batch,
      total_calls: samples.length * this.#batch,
      duration_ms: loopNs / 1e6,
      warmup_calls: this.#warm.calls,
      warmup_ms: this.#warm.ms,
      over_budget: loopNs > this.#budget.max_time_ms * 1e6 + this.#lastNs,
    };
    if (deviceNs) measurement.kernel_samples_ns = order.map((i) => deviceNs[i]);
    return measurement;
  }
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
