/**
 * Every run of a spec, case by case: each case's median time per call in each run, its change from
 * the run before, and the run where it stepped.
 *
 * **Step rule** (one change point per case, the idea of asv's step detection without its
 * penalty search): split the series of medians at every run k into before-k and from-k; keep the
 * split with the smallest total absolute deviation from each part's median; report a step at k
 * when the two parts' medians differ by more than the noise band. One outlying run is therefore
 * not a step unless it is the last one; a level that moved and stayed is.
 *
 * @example
 * ```ts
 * import { specHistory } from "./history.ts";
 * const history = await specHistory("results/softmax-sweep", 0.05);
 * history.cases.filter((c) => c.step).length;
 * ```
 * @module
 */
import path from "node:path";
import { formatParams } from "../case_info.ts";
import { formatTable } from "../text_table.ts";
import { pct } from "./compare.ts";
import { readRunSide, type RunSide } from "./run_side.ts";
import { specRuns } from "./resolve_runs.ts";
import { median } from "./stats.ts";

/** One case across the runs. */
export interface CaseHistory {
  kernel: string;
  params: Record<string, unknown>;
  /** Median time per call in each run, µs; `null` where the run lacks the case. */
  medians: (number | null)[];
  /** Where the level moved: the first run of the new level and the change of the medians. */
  step: { run: number; change: number } | null;
}

/** A spec's history. */
export interface SpecHistory {
  runs: { label: string; runtime: string; started_at: string }[];
  cases: CaseHistory[];
}

/**
 * Reads every run of a spec's results folder, oldest first.
 *
 * @example
 * ```ts
 * (await specHistory("results/softmax-sweep", 0.05)).runs.length; // 5
 * ```
 */
export async function specHistory(base: string, noise: number): Promise<SpecHistory> {
  const sides: RunSide[] = [];
  for (const dir of specRuns(base)) {
    sides.push(await readRunSide(dir, path.basename(dir), { samples: false }));
  }
  const cases = new Map<string, CaseHistory>();
  sides.forEach((side, run) => {
    for (const c of side.cases) {
      const entry = cases.get(c.identity) ??
        { kernel: c.record.kernel.name, params: c.record.params, medians: sides.map(() => null), step: null };
      entry.medians[run] = c.record.median_us ?? null;
      cases.set(c.identity, entry);
    }
  });
  for (const entry of cases.values()) entry.step = findStep(entry.medians, noise);
  return {
    runs: sides.map((s) => ({
      label: path.basename(s.dir),
      runtime: `${s.manifest.environment.runtime} ${s.manifest.environment.version}`,
      started_at: s.manifest.started_at,
    })),
    cases: [...cases.values()],
  };
}

/**
 * The step of a series under the rule above, or `null`.
 *
 * @example
 * ```ts
 * findStep([10, 10.2, 9.9, 13, 13.1], 0.05); // { run: 3, change: ≈ 0.3 }
 * ```
 */
export function findStep(series: readonly (number | null)[], noise: number): CaseHistory["step"] {
  const points = series.flatMap((x, run) => x === null ? [] : [{ x, run }]);
  let best: { k: number; cost: number } | undefined;
  for (let k = 1; k < points.length; k++) {
    const cost = deviation(points.slice(0, k).map((p) => p.x)) + deviation(points.slice(k).map((p) => p.x));
    if (!best || cost < best.cost) best = { k, cost };
  }
  if (!best) return null;
  const before = median(Float64Array.from(points.slice(0, best.k).map((p) => p.x)));
  const after = median(Float64Array.from(points.slice(best.k).map((p) => p.x)));
  const change = after / before - 1;
  return Math.abs(change) > noise ? { run: points[best.k].run, change } : null;
}

/**
 * The history as a table: one row per case, one column per run (median, then its change from the
 * run before), and the step.
 *
 * @example
 * ```ts
 * console.log(formatHistory(history));
 * ```
 */
export function formatHistory(history: SpecHistory): string {
  const header = ["kernel", "params", ...history.runs.map((_, i) => `run ${i + 1}`), "step"];
  const rows = history.cases.map((c) => [
    c.kernel,
    formatParams(c.params),
    ...c.medians.map((m, i) => {
      if (m === null) return "";
      const before = c.medians.slice(0, i).filter((x): x is number => x !== null).at(-1);
      return before === undefined ? m.toPrecision(4) : `${m.toPrecision(4)} (${pct(m / before - 1)})`;
    }),
    c.step ? `at run ${c.step.run + 1}: ${pct(c.step.change)}` : "",
  ]);
  const legend = history.runs.map((r, i) => `run ${i + 1}: ${r.label} (${r.runtime}, ${r.started_at})`);
  return [formatTable(header, rows), "", "median time per call, µs (change from the run before)", ...legend]
    .join("\n");
}

function deviation(values: number[]): number {
  const m = median(Float64Array.from(values));
  return values.reduce((sum, x) => sum + Math.abs(x - m), 0);
}
