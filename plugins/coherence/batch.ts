/**
 * Batched evaluation from ruvector-coherence `batch.rs` (reference ruvector.md §2.4): mean,
 * sample standard deviation and a normal-approximation 95 % interval (z = 1.96, not Student's t;
 * §6 item 11) of {@link deltaBehavior}'s `coherence_delta`, and the share of pairs passing
 * {@link qualityCheck}.
 *
 * {@link BatchAccumulator} takes the pairs one at a time and gives exactly the numbers of
 * {@link evaluateBatch}, which is built on it.
 *
 * @example
 * ```ts
 * import { evaluateBatch } from "./batch.ts";
 * evaluateBatch([[1, 0], [1, 0]], [[1, 0], [0, 1]], 0.5).pass_rate; // 0.5
 * ```
 * @module
 */
import { deltaBehavior } from "./metrics.ts";
import { qualityCheck } from "./quality.ts";

/**
 * Summary of a batch of baseline/gated pairs (the reference `BatchResult`); all zeros when empty.
 *
 * @example
 * ```ts
 * import type { BatchResult } from "./batch.ts";
 * const empty: BatchResult = {
 *   mean_coherence_delta: 0, std_coherence_delta: 0, ci_95_lower: 0, ci_95_upper: 0, n_samples: 0, pass_rate: 0,
 * };
 * ```
 */
export interface BatchResult {
  /** Mean coherence delta. */
  mean_coherence_delta: number;
  /** Sample standard deviation (n − 1) of the coherence delta; 0 for one pair. */
  std_coherence_delta: number;
  /** mean − 1.96 · std / √n. */
  ci_95_lower: number;
  /** mean + 1.96 · std / √n. */
  ci_95_upper: number;
  /** Number of pairs. */
  n_samples: number;
  /** Share of pairs whose cosine similarity is at least the threshold. */
  pass_rate: number;
}

/**
 * Collects baseline/gated pairs one at a time. It keeps one coherence delta per pair (not the
 * outputs), because the reference's two-pass sample variance needs the final mean to come out
 * bit for bit.
 *
 * @example
 * ```ts
 * import { BatchAccumulator } from "./batch.ts";
 * const batch = new BatchAccumulator(0.5);
 * batch.add(new Float32Array([1, 0]), new Float32Array([0, 1]));
 * batch.result(); // { mean_coherence_delta: -1, std_coherence_delta: 0, ci_95_lower: -1, ci_95_upper: -1, n_samples: 1, pass_rate: 0 }
 * ```
 */
export class BatchAccumulator {
  readonly #threshold: number;
  readonly #deltas: number[] = [];
  #passes = 0;

  /**
   * An empty batch; a pair passes when its cosine similarity is at least `threshold`.
   *
   * @example
   * ```ts
   * import { BatchAccumulator } from "./batch.ts";
   * new BatchAccumulator(0.99).result().n_samples; // 0
   * ```
   */
  constructor(threshold: number) {
    this.#threshold = threshold;
  }

  /**
   * Adds one pair of outputs.
   *
   * @example
   * ```ts
   * import { BatchAccumulator } from "./batch.ts";
   * const batch = new BatchAccumulator(0.9);
   * batch.add([1, 2, 3], [1, 2, 3]);
   * batch.result().pass_rate; // 1
   * ```
   */
  add(baseline: ArrayLike<number>, gated: ArrayLike<number>): void {
    this.addMeasured(
      deltaBehavior(baseline, gated).coherence_delta,
      qualityCheck(baseline, gated, this.#threshold).passes_threshold,
    );
  }

  /**
   * Adds one pair already measured: its coherence delta and whether it passed (e.g. rows read back
   * from a per-sample CSV, to aggregate several cases into one batch).
   *
   * @example
   * ```ts
   * import { BatchAccumulator } from "./batch.ts";
   * const batch = new BatchAccumulator(0.99);
   * batch.addMeasured(-0.25, false);
   * batch.result().pass_rate; // 0
   * ```
   */
  addMeasured(coherenceDelta: number, passes: boolean): void {
    this.#deltas.push(coherenceDelta);
    if (passes) this.#passes++;
  }

  /**
   * The summary of the pairs added so far.
   *
   * @example
   * ```ts
   * import { BatchAccumulator } from "./batch.ts";
   * const batch = new BatchAccumulator(0.5);
   * batch.add([1, 0], [1, 0]);
   * batch.add([1, 0], [0, 1]);
   * batch.result().mean_coherence_delta; // -0.5
   * ```
   */
  result(): BatchResult {
    const deltas = this.#deltas;
    const n = deltas.length;
    if (n === 0) {
      return {
        mean_coherence_delta: 0,
        std_coherence_delta: 0,
        ci_95_lower: 0,
        ci_95_upper: 0,
        n_samples: 0,
        pass_rate: 0,
      };
    }
    let sum = -0;
    for (const d of deltas) sum += d;
    const mean = sum / n;
    let squares = -0;
    for (const d of deltas) squares += (d - mean) * (d - mean);
    const std = Math.sqrt(n > 1 ? squares / (n - 1) : 0);
    const margin = 1.96 * std / Math.sqrt(n);
    return {
      mean_coherence_delta: mean,
      std_coherence_delta: std,
      ci_95_lower: mean - margin,
      ci_95_upper: mean + margin,
      n_samples: n,
      pass_rate: this.#passes / n,
    };
  }
}

/**
 * Evaluates the first min(|baselines|, |gated|) pairs.
 *
 * @example
 * ```ts
 * import { evaluateBatch } from "./batch.ts";
 * evaluateBatch([[1, 0]], [[0, 1]], 0.5); // { mean_coherence_delta: -1, std_coherence_delta: 0, ci_95_lower: -1, ci_95_upper: -1, n_samples: 1, pass_rate: 0 }
 * ```
 */
export function evaluateBatch(
  baselines: ArrayLike<ArrayLike<number>>,
  gated: ArrayLike<ArrayLike<number>>,
  threshold: number,
): BatchResult {
  const batch = new BatchAccumulator(threshold);
  const n = Math.min(baselines.length, gated.length);
  for (let i = 0; i < n; i++) batch.add(baselines[i], gated[i]);
  return batch.result();
}
