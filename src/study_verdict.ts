/**
 * `verdict.json`, the min-cut study's outcome as data: written by the `mincut-study` plugin, read
 * by `attnbench report` to draw the λ × τ grid and the verdict table. One type for both sides.
 *
 * @example
 * ```ts
 * import { STUDY_VERDICT_FORMAT, type StudyVerdict } from "./study_verdict.ts";
 * const verdict: StudyVerdict = JSON.parse(text);
 * verdict.format === STUDY_VERDICT_FORMAT; // true
 * ```
 * @module
 */

/** The `format` field of verdict.json. */
export const STUDY_VERDICT_FORMAT = "attnbench-mincut-verdict/1";

/** One success criterion judged on one setting. */
export interface CriterionCheck {
  criterion: string;
  /** The measured figure the criterion judges (a fraction), or null where it was not measured. */
  value: number | null;
  /** The figure as printed (`50.4%`, `+110.6%`). */
  shown: string;
  result: "PASS" | "FAIL" | "n/a";
}

/** One row of the study's csv/results.csv (the reference's columns, then config_hash). */
export interface SettingRow {
  setting: string;
  coherence_delta: number | null;
  kv_cache_reduction: number | null;
  peak_mem_reduction: number | null;
  energy_reduction: number | null;
  p95_latency_us: number | null;
  accuracy: number | null;
  config_hash: string;
}

/** One setting in verdict.json: its row, what it is, its latency ratio and its checks. */
export interface StudySetting extends SettingRow {
  variant: string;
  lambda: number;
  tau: number;
  eps: number;
  /** p95 latency ÷ the baseline's at equal seq_len (geometric mean over lengths). */
  latency_ratio: number | null;
  checks: CriterionCheck[];
}

/** verdict.json. */
export interface StudyVerdict {
  format: typeof STUDY_VERDICT_FORMAT;
  /** The cosine a sample needs to count as accurate. */
  threshold: number;
  criteria: Record<string, number>;
  baseline: { p95_latency_us: number | null };
  settings: StudySetting[];
}
