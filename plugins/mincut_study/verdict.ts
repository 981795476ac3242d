/**
 * The study's verdict: a terminal table of settings × metrics like the original script's summary,
 * and its success criteria checked against the measured numbers, each PASS or FAIL with its figure.
 *
 * @example
 * ```ts
 * import { verdictText } from "./verdict.ts";
 * console.log(verdictText(rows, baseline, criteria));
 * ```
 * @module
 */
import { type CriterionCheck, formatTable, type SettingRow } from "../../plugin_kit.ts";
import type { Figures } from "./aggregate.ts";

/** Thresholds of the original script's success criteria. */
export interface Criteria {
  kv_cache_reduction: number;
  energy_reduction: number;
  latency_tolerance: number;
  accuracy_loss: number;
}

/**
 * The summary table and the criteria, one line each per setting. `latencyChanges[i]` is setting
 * i's p95 latency against its baseline's, compared only at equal seq_len: the geometric mean over
 * its sequence lengths of p95(setting) / p95(paired baseline), minus 1 (see {@link latencyChange}).
 *
 * @example
 * ```ts
 * verdictText([row], baselineFigures, [0.04], { kv_cache_reduction: 0.15, energy_reduction: 0.1, latency_tolerance: 0.1, accuracy_loss: 0.01 });
 * ```
 */
export function verdictText(
  rows: SettingRow[],
  baseline: Figures,
  latencyChanges: (number | null)[],
  criteria: Criteria,
): string {
  const pct = (x: number | null) => (x === null ? "n/a" : `${(x * 100).toFixed(1)}%`);
  const num = (x: number | null, digits: number) => (x === null ? "n/a" : x.toFixed(digits));
  const table = formatTable(
    [
      "setting",
      "coherence_delta",
      "kv_cache_red",
      "peak_mem_red",
      "energy_red",
      "p95_latency_us",
      "accuracy",
    ],
    [
      ["baseline (softmax)", "0", "0.0%", "0.0%", "0.0%", num(baseline.p95_latency_us, 1), "1"],
      ...rows.map((
        r,
      ) => [
        r.setting,
        num(r.coherence_delta, 4),
        pct(r.kv_cache_reduction),
        pct(r.peak_mem_reduction),
        pct(r.energy_reduction),
        num(r.p95_latency_us, 1),
        num(r.accuracy, 3),
      ]),
    ],
  );
  const verdicts = rows.map((r, i) =>
    `  ${r.setting}: ${
      settingChecks(r, latencyChanges[i], criteria).map((c) =>
        `${c.criterion}: ${c.result === "n/a" ? "n/a (not measured)" : `${c.result} (${c.shown})`}`
      ).join("; ")
    }`
  );
  return [
    "min-cut study: settings × metrics (reductions are 1 − setting / baseline at the same sequence lengths)",
    table,
    "",
    "success criteria (from run_mincut_bench.sh), per setting:",
    ...verdicts,
    "  witness reproducible: checked by `verify` below",
  ].join("\n");
}

/**
 * The script's four criteria judged on one setting, in the order the verdict prints them.
 *
 * @example
 * ```ts
 * settingChecks(row, 0.04, criteria)[2]; // { criterion: "p95 latency within ±10.0% …", value: 0.04, shown: "+4.0%", result: "PASS" }
 * ```
 */
export function settingChecks(
  r: SettingRow,
  latencyChange: number | null,
  criteria: Criteria,
): CriterionCheck[] {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const signed = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;
  const check = (criterion: string, value: number | null, ok: (x: number) => boolean, show = pct) => ({
    criterion,
    value,
    shown: value === null ? "n/a" : show(value),
    result: value === null ? "n/a" as const : ok(value) ? "PASS" as const : "FAIL" as const,
  });
  return [
    check(
      `KV-cache reduction ≥ ${pct(criteria.kv_cache_reduction)}`,
      r.kv_cache_reduction,
      (x) => x >= criteria.kv_cache_reduction,
    ),
    check(
      `energy/sample drop ≥ ${pct(criteria.energy_reduction)}`,
      r.energy_reduction,
      (x) => x >= criteria.energy_reduction,
    ),
    check(
      `p95 latency within ±${pct(criteria.latency_tolerance)} of baseline (per seq_len, geometric mean)`,
      latencyChange,
      (x) => Math.abs(x) <= criteria.latency_tolerance,
      signed,
    ),
    check(
      `accuracy loss ≤ ${pct(criteria.accuracy_loss)}`,
      r.accuracy === null ? null : 1 - r.accuracy,
      (x) => x <= criteria.accuracy_loss,
    ),
  ];
}
