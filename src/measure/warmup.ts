/**
 * Warm-up before a case's timed loop: the rule that keeps the first case of a run from being a
 * JIT artefact.
 *
 * - `warmup: 0` makes no call at all.
 * - Otherwise at least `warmup` calls are made, then calls go on until the warm-up has lasted
 *   {@link warmUpMinimumMs} (100 ms, or `min_time_ms` when that is smaller) **and** the time per
 *   call has settled: over windows of calls (each at least a tenth of that floor: 10 ms; six at
 *   least), the fastest call of the last third of the warm-up is no more than 10 % faster than the
 *   fastest of the middle third (a call still getting faster is still being compiled). Thirds, not
 *   neighbouring windows, so that a slow, steady speed-up is seen too; fastest calls, so that a
 *   call the scheduler interrupted does not pass for a settled one.
 *   With `min_time_ms: 0` the floor is 0 and exactly `warmup` calls are made.
 * - The adaptive part stops at ten times the floor, at most {@link WARMUP_CAP_MS} (1 s), whatever
 *   the windows say (a budget that measures for 5 ms does not warm up for a second), and never
 *   starts a call that would end past the case's deadline.
 *
 * mitata makes 1–3 calls, criterion warms for 3 s, tinybench 250 ms and Deno.bench 10 ms
 * (see ../../../shared/reference/benchmark-anchors.md); a time floor with a stability check keeps
 * short cases cheap while letting V8 and JavaScriptCore finish tiering up.
 *
 * @example
 * ```ts
 * import { warmUp } from "./warmup.ts";
 * const w = warmUp(() => kernel.run(), { warmup: 3, min_time_ms: 500 });
 * w.calls; // ≥ 3
 * ```
 * @module
 */

/** The adaptive part stops at this many times the floor (1 s for the default 100 ms floor). */
const CAP_PER_FLOOR = 10;
/** Longest warm-up the adaptive part may reach, ms (the `warmup` calls asked for are always made). */
export const WARMUP_CAP_MS = 1000;
/** A window of calls lasts at least a tenth of the time floor (10 ms by default). */
const WINDOWS_PER_FLOOR = 10;
/** A last third this much faster than the middle third means the call is still warming up. */
const SETTLED_RATIO = 0.9;
/** Fewest windows a settledness judgement needs (two per third). */
const MIN_WINDOWS = 6;

/** What the warm-up did. */
export interface WarmUp {
  /** Untimed calls made. */
  calls: number;
  /** Wall time they took, ms. */
  ms: number;
  /** Mean time per call in the last window, ns; `NaN` when no call was made. */
  per_call_ns: number;
}

/**
 * The warm-up time floor for a budget: 100 ms, or `min_time_ms` when smaller (a budget that
 * measures for 5 ms does not warm up for longer than that).
 *
 * @example
 * ```ts
 * warmUpMinimumMs({ min_time_ms: 500 }); // 100
 * warmUpMinimumMs({ min_time_ms: 5 }); // 5
 * ```
 */
export function warmUpMinimumMs(budget: { min_time_ms: number }): number {
  return Math.min(100, budget.min_time_ms);
}

/**
 * Warms `call` up under the rule above; `deadline` is a time of `clock` (by default
 * `performance.now()`, ms) not to pass. A test may pass its own clock to play a known series of
 * call times. `check` sees what each call returned, outside its time (the sampler refuses a
 * promise there).
 *
 * @example
 * ```ts
 * warmUp(() => {}, { warmup: 0, min_time_ms: 500 }); // { calls: 0, ms: 0, per_call_ns: NaN }
 * ```
 */
export function warmUp(
  call: () => unknown,
  budget: { warmup: number; min_time_ms: number },
  deadline = Number.POSITIVE_INFINITY,
  clock: () => number = () => performance.now(),
  check: (returned: unknown) => void = () => {},
): WarmUp {
  if (budget.warmup === 0) return NO_WARM_UP;
  const rule = new WarmUpRule(budget, deadline, clock());
  for (;;) {
    const before = clock();
    if (!rule.mayStart(before)) break;
    const returned = call();
    const after = clock();
    check(returned);
    if (!rule.called(before, after)) break;
  }
  return rule.result(clock());
}

/**
 * {@link warmUp} for a call that returns a promise (a GPU kernel): each call is awaited before
 * the next, and its time runs until the promise settles.
 *
 * @example
 * ```ts
 * const w = await warmUpAsync(() => kernel.run() as Promise<void>, { warmup: 3, min_time_ms: 500 });
 * ```
 */
export async function warmUpAsync(
  call: () => Promise<void>,
  budget: { warmup: number; min_time_ms: number },
  deadline = Number.POSITIVE_INFINITY,
  clock: () => number = () => performance.now(),
): Promise<WarmUp> {
  if (budget.warmup === 0) return NO_WARM_UP;
  const rule = new WarmUpRule(budget, deadline, clock());
  for (;;) {
    const before = clock();
    if (!rule.mayStart(before)) break;
    await call();
    if (!rule.called(before, clock())) break;
  }
  return rule.result(clock());
}

/** What `warmup: 0` does: nothing. */
const NO_WARM_UP: WarmUp = { calls: 0, ms: 0, per_call_ns: Number.NaN };

/** The bookkeeping of the rule above, shared by the synchronous and the awaiting warm-up. */
class WarmUpRule {
  readonly #warmup: number;
  readonly #minimumMs: number;
  readonly #windowMs: number;
  readonly #capMs: number;
  readonly #deadline: number;
  readonly #started: number;
  readonly #windows: Window[] = [];
  #open: Window = { calls: 0, ms: 0, fastest: Infinity };
  #calls = 0;
  #lastCallMs = 0;

  constructor(budget: { warmup: number; min_time_ms: number }, deadline: number, started: number) {
    this.#warmup = budget.warmup;
    this.#minimumMs = warmUpMinimumMs(budget);
    this.#windowMs = this.#minimumMs / WINDOWS_PER_FLOOR;
    this.#capMs = Math.min(WARMUP_CAP_MS, CAP_PER_FLOOR * this.#minimumMs);
    this.#deadline = deadline;
    this.#started = started;
  }

  /** Whether a call may start at `before`: the asked-for calls always, later ones within the deadline. */
  mayStart(before: number): boolean {
    return this.#calls < this.#warmup || before + this.#lastCallMs <= this.#deadline;
  }

  /** Records a call from `before` to `after`; whether the warm-up goes on. */
  called(before: number, after: number): boolean {
    const open = this.#open;
    this.#lastCallMs = after - before;
    this.#calls++;
    open.calls++;
    open.ms += this.#lastCallMs;
    open.fastest = Math.min(open.fastest, this.#lastCallMs);
    if (open.ms >= this.#windowMs) {
      this.#windows.push(open);
      this.#open = { calls: 0, ms: 0, fastest: Infinity };
    }
    if (this.#calls < this.#warmup) return true;
    if (this.#minimumMs === 0) return false;
    const elapsed = after - this.#started;
    return !((elapsed >= this.#minimumMs && settled(this.#windows)) || elapsed >= this.#capMs);
  }

  /** What the warm-up did, ending at `end`. */
  result(end: number): WarmUp {
    const last = this.#windows.at(-1) ?? this.#open;
    return {
      calls: this.#calls,
      ms: end - this.#started,
      per_call_ns: (last.ms / Math.max(last.calls, 1)) * 1e6,
    };
  }
}

/** Calls, their summed time and the fastest of them, ms. */
interface Window {
  calls: number;
  ms: number;
  fastest: number;
}

/**
 * Whether the fastest call of the last third of the windows is no more than 10 % faster than the
 * fastest of the middle third: a call the scheduler interrupted is only slower, never faster, so a
 * loaded machine cannot make a call that is still speeding up look settled. Six windows at least,
 * so that each third has two.
 */
function settled(windows: readonly Window[]): boolean {
  const k = windows.length;
  if (k < MIN_WINDOWS) return false;
  const fastest = (part: readonly Window[]) => Math.min(...part.map((w) => w.fastest));
  const middle = fastest(windows.slice(Math.ceil(k / 3), Math.ceil((2 * k) / 3)));
  const last = fastest(windows.slice(Math.ceil((2 * k) / 3)));
  return last >= SETTLED_RATIO * middle;
}
