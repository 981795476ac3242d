/**
 * How long the rest of a run will take, from a per-case cost model rather than a plain average
 * (a seq_len 1024 case costs tens of times a seq_len 64 one, and a study ends with a witness
 * re-run that no case shows).
 *
 * A case's time is predicted from the budget rules of the timed loop (src/measure/sampler.ts)
 * and the time per call, which is taken to scale with the kernel's flops:
 *
 * - time per call = flops × the kernel's measured ns per flop (median over its finished cases;
 *   before any of them finished, the median over all kernels; a kernel without flops: the median
 *   time per call of its finished cases);
 * - timed loop = max(min_samples × call, min(min_time_ms, max_time_ms));
 * - warm-up = max(warmup × call, the warm-up floor), none with `warmup: 0`;
 * - the rest (inputs, evaluation samples, plugins) = a fixed part learnt from the finished cases
 *   + evaluation samples × call.
 *
 * A study's witness re-run (`verify` after the run) costs about
 * {@link WITNESS_RERUN_FACTOR} × evaluation samples × call, summed over its cases and divided
 * among the threads it runs on.
 *
 * @example
 * ```ts
 * import { CostModel } from "./eta.ts";
 * const model = new CostModel(spec.bench, 8, true);
 * model.observe({ kernel: "mincut", flops: 1e6 }, { duration_ms: 420, loop_ms: 300, warmup_ms: 100, median_us: 400 });
 * model.remaining([{ kernel: "mincut", flops: 4e6 }]); // { cases_ms: ≈ 1000, witness_ms: … }
 * ```
 * @module
 */
import type { LoopBudget } from "./measure/sampler.ts";
import { warmUpMinimumMs } from "./measure/warmup.ts";

/** Measured cost of re-running a witness sample relative to one kernel call (hashing, prepare). */
export const WITNESS_RERUN_FACTOR = 1.2;

/** What the model needs to know about a case before it runs. */
export interface CaseCost {
  kernel: string;
  /** Flops of one call, where the kernel declares them. */
  flops?: number;
}

/** What a finished case took. */
export interface CaseSpent {
  duration_ms: number;
  loop_ms: number;
  warmup_ms: number;
  median_us: number;
}

/** Predicted time left, ms: the cases, and the witness re-run after them (0 without one). */
export interface Remaining {
  cases_ms: number;
  witness_ms: number;
}

/**
 * Learns from finished cases, predicts the ones left.
 *
 * @example
 * ```ts
 * const model = new CostModel(budget, 1, false);
 * model.remaining([{ kernel: "softmax", flops: 1e6 }]); // undefined: nothing learnt yet
 * ```
 */
export class CostModel {
  readonly #budget: LoopBudget;
  readonly #evalSamples: number;
  readonly #witness: boolean;
  readonly #witnessThreads: number;
  /** ns per flop of each kernel's finished cases, and of all of them. */
  readonly #rates = new Map<string, number[]>();
  readonly #allRates: number[] = [];
  /** Time per call of each flop-less kernel's finished cases, ns. */
  readonly #calls = new Map<string, number[]>();
  /** The part of each finished case the budget does not explain, ms. */
  readonly #fixed: number[] = [];
  /** Witness re-run time of the finished cases, ms. */
  #witnessDone = 0;

  /**
   * `evalSamples`: evaluation samples per case (0 when no plugin takes them); `witness`: a re-run
   * follows, on `witnessThreads` threads (it spreads its cases over them, src/witness/replay_schedule.ts).
   */
  constructor(budget: LoopBudget, evalSamples: number, witness: boolean, witnessThreads = 1) {
    this.#budget = budget;
    this.#evalSamples = evalSamples;
    this.#witness = witness;
    this.#witnessThreads = Math.max(1, witnessThreads);
  }

  /** Learns from a finished case. */
  observe(c: CaseCost, spent: CaseSpent): void {
    const callNs = spent.median_us * 1000;
    if (!(callNs > 0)) return;
    if (c.flops !== undefined && c.flops > 0) {
      push(this.#rates, c.kernel, callNs / c.flops);
      this.#allRates.push(callNs / c.flops);
    } else {
      push(this.#calls, c.kernel, callNs);
    }
    const evalMs = (this.#evalSamples * callNs) / 1e6;
    this.#fixed.push(Math.max(0, spent.duration_ms - spent.loop_ms - spent.warmup_ms - evalMs));
    this.#witnessDone += this.#witnessMs(callNs);
  }

  /** Predicted time of the cases left and of the witness re-run; `undefined` before anything is learnt. */
  remaining(pending: readonly CaseCost[]): Remaining | undefined {
    if (this.#fixed.length === 0) return undefined;
    const fixed = median(this.#fixed);
    const rates = new Map<string, number | undefined>();
    let casesMs = 0;
    let witnessMs = this.#witnessDone;
    for (const c of pending) {
      if (!rates.has(c.kernel)) {
        rates.set(c.kernel, this.#rate(c.kernel, c.flops !== undefined && c.flops > 0));
      }
      const rate = rates.get(c.kernel);
      const callNs = rate === undefined
        ? undefined
        : c.flops !== undefined && c.flops > 0
        ? rate * c.flops
        : rate;
      casesMs += this.#caseMs(callNs ?? 0, fixed);
      witnessMs += this.#witnessMs(callNs ?? 0);
    }
    return { cases_ms: casesMs, witness_ms: this.#witness ? witnessMs / this.#witnessThreads : 0 };
  }

  /** Fixed part + warm-up + timed loop + evaluation samples of a call of `callNs`. */
  #caseMs(callNs: number, fixed: number): number {
    const callMs = callNs / 1e6;
    const { warmup, min_time_ms } = this.#budget;
    const warm = warmup === 0 ? 0 : Math.max(warmup * callMs, warmUpMinimumMs({ min_time_ms }));
    return fixed + warm + this.#loopMs(callMs) + this.#evalSamples * callMs;
  }

  #loopMs(callMs: number): number {
    const { min_samples, min_time_ms, max_time_ms } = this.#budget;
    return Math.max(min_samples * callMs, Math.min(min_time_ms, max_time_ms));
  }

  #witnessMs(callNs: number): number {
    return (WITNESS_RERUN_FACTOR * this.#evalSamples * callNs) / 1e6;
  }

  /** ns per flop of a kernel (else of all kernels), or ns per call of a flop-less one. */
  #rate(kernel: string, byFlops: boolean): number | undefined {
    const values = byFlops ? (this.#rates.get(kernel) ?? this.#allRates) : this.#calls.get(kernel);
    return values?.length ? median(values) : undefined;
  }
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
