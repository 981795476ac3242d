/**
 * How good a case's numbers are: the `quality` column. `ok`, or `;`-joined flags:
 *
 * - `few_samples` — fewer samples than `min_samples` (the case's deadline stopped the loop), so
 *   its high percentiles are little more than its maximum;
 * - `over_budget` — `min_samples` kept the timed loop going more than one sample past
 *   `max_time_ms`;
 * - `noisy` — the interquartile range of the samples is more than {@link NOISY_REL_IQR} (10 %)
 *   of their median (judged from 4 samples up);
 * - `loaded` — other processes used more than 20 % of the machine's CPU, or steal exceeded 5 %,
 *   while the case was timed (src/machine_load.ts; not judged on windows under 0.1 CPU-second).
 *
 * @example
 * ```ts
 * import { caseQuality, qualityText } from "./quality.ts";
 * qualityText(caseQuality(measurement, budget, load)); // "ok" or e.g. "noisy;loaded"
 * ```
 * @module
 */
import type { Measurement } from "./contracts.ts";
import { type CaseLoad, isLoaded } from "./machine_load.ts";
import { nearestRank } from "./stats.ts";

/** One reason not to trust a case's numbers as they stand. */
export type QualityFlag = "few_samples" | "over_budget" | "noisy" | "loaded";

/** Relative interquartile range above which a case is `noisy`. */
export const NOISY_REL_IQR = 0.1;

/** Fewest samples whose quartiles say anything about dispersion. */
const MIN_SAMPLES_FOR_SPREAD = 4;

/**
 * The interquartile range of ascending samples divided by their median (nearest-rank
 * quartiles), or `null` below 4 samples.
 *
 * @example
 * ```ts
 * relativeIqr([90, 95, 100, 105, 110, 400]); // 0.15
 * ```
 */
export function relativeIqr(sorted: readonly number[]): number | null {
  return spreadRatio(
    sorted.length,
    nearestRank(sorted, 25),
    nearestRank(sorted, 50),
    nearestRank(sorted, 75),
  );
}

/**
 * (Q3 − Q1) / median from quartiles already taken, rounded to 4 decimals; `null` below 4 samples
 * or for a median that is not positive.
 *
 * @example
 * ```ts
 * spreadRatio(12, 95, 100, 110); // 0.15
 * ```
 */
export function spreadRatio(samples: number, q1: number, median: number, q3: number): number | null {
  if (samples < MIN_SAMPLES_FOR_SPREAD || !(median > 0)) return null;
  return Math.round(((q3 - q1) / median) * 1e4) / 1e4;
}

/**
 * The flags of a measured case, in a fixed order.
 *
 * @example
 * ```ts
 * caseQuality({ ...m, samples_ns: [5] }, { min_samples: 12 }, load); // ["few_samples"]
 * ```
 */
export function caseQuality(
  measurement: Pick<Measurement, "samples_ns" | "over_budget">,
  budget: { min_samples: number },
  load: CaseLoad | undefined,
): QualityFlag[] {
  const flags: QualityFlag[] = [];
  if (measurement.samples_ns.length < budget.min_samples) flags.push("few_samples");
  if (measurement.over_budget) flags.push("over_budget");
  const spread = relativeIqr(measurement.samples_ns);
  if (spread !== null && spread > NOISY_REL_IQR) flags.push("noisy");
  if (load && isLoaded(load)) flags.push("loaded");
  return flags;
}

/**
 * The `quality` cell: `ok`, or the flags joined with `;`.
 *
 * @example
 * ```ts
 * qualityText([]); // "ok"
 * qualityText(["noisy", "loaded"]); // "noisy;loaded"
 * ```
 */
export function qualityText(flags: readonly QualityFlag[]): string {
  return flags.length === 0 ? "ok" : flags.join(";");
}

/** What {@link explainQuality} reads from a case record. */
export interface QualityEvidence {
  quality?: string;
  samples?: number;
  loop_ms?: number;
  median_us?: number;
  p25_us?: number;
  p75_us?: number;
  load?: CaseLoad;
}

/**
 * Why a case is flagged, in words and figures, one clause per flag; `""` for an `ok` case.
 *
 * @example
 * ```ts
 * explainQuality({ quality: "noisy", median_us: 100, p25_us: 90, p75_us: 110 }, budget);
 * // "noisy: IQR 20.0 % of the median (over 10 %)"
 * ```
 */
export function explainQuality(
  record: QualityEvidence,
  budget: { min_samples: number; max_time_ms: number },
): string {
  const flags = (record.quality ?? "ok").split(";").filter((f) => f !== "ok");
  const percent = (x: number | null | undefined) => `${((x ?? 0) * 100).toFixed(1)} %`;
  const clauses = flags.map((flag) => {
    switch (flag) {
      case "few_samples":
        return `few_samples: ${record.samples} of min_samples ${budget.min_samples} (the case's deadline, 80 % of timeout_ms, came first)`;
      case "over_budget":
        return `over_budget: min_samples ${budget.min_samples} kept the timed loop going ${
          Math.round(record.loop_ms ?? 0)
        } ms against max_time_ms ${budget.max_time_ms}`;
      case "noisy": {
        const spread = ((record.p75_us ?? 0) - (record.p25_us ?? 0)) / (record.median_us || 1);
        return `noisy: IQR ${percent(spread)} of the median (over ${NOISY_REL_IQR * 100} %)`;
      }
      case "loaded":
        return `loaded: other processes used ${percent(record.load?.other_cpu_share)} of the CPU, steal ${
          percent(record.load?.steal_share)
        }, 1-min load ${record.load?.load_avg_1m ?? "?"}`;
      default:
        return flag;
    }
  });
  return clauses.join("; ");
}
