/**
 * Two runs side by side: cases paired by configuration, each metric's change classified.
 *
 * **Pairing.** By config hash; where the hashes differ only by the kernel's version (the code
 * changed: the usual case), by kernel name + parameters + inputs + budget, saying the version
 * changed. The runtime is not part of either, so a Deno run against a Bun run answers "which
 * runtime is faster". Cases found on one side only are listed, never dropped silently.
 *
 * **Classes** (lower is better for every metric compared: time, memory, energy):
 * - `regressed` / `improved`: the Mann–Whitney p-value is below `alpha` and the whole bootstrap
 *   95 % interval of the median's change lies above / below the noise band;
 * - `unchanged`: the whole interval lies inside the band;
 * - `inconclusive`: anything else — the interval straddles a band edge, p ≥ alpha, or fewer than
 *   {@link MIN_SAMPLES} samples on a side — with the reason.
 * A case whose `quality` is not `ok` on either side keeps its class with `confidence: "low"` and
 * the flags as the reason; metrics with one value per case (memory, energy) are plain ratios,
 * `kind: "ratio"`, `confidence: "low"`. Only full-confidence classes trip `--fail-on`.
 *
 * @example
 * ```ts
 * import { compareRuns } from "./compare.ts";
 * const report = await compareRuns(await readRunSide(a), await readRunSide(b), DEFAULT_COMPARE_OPTIONS);
 * report.summary.counts.regressed; // 0
 * ```
 * @module
 */
import type { RunSide, SideCase } from "./run_side.ts";
import { compareSamples } from "./stats.ts";

/** Version of the report's JSON layout (docs/compare.md). */
export const COMPARE_FORMAT = "attnbench-compare/1";

/** Fewest samples a side needs for a classified sample comparison. */
export const MIN_SAMPLES = 8;

/** How changes are judged. */
export interface CompareOptions {
  /** Half-width of the noise band, as a fraction (0.05: ±5 %). */
  noise: number;
  /** Significance level of the Mann–Whitney test. */
  alpha: number;
  /** Seed of the bootstrap. */
  seed: number;
  /** Bootstrap resamples. */
  resamples: number;
}

/**
 * Defaults: a ±10 % noise band, because on this 2-core VM a case's median moves between two runs
 * of the same spec by more than the within-run samples say (host load comes and goes): with ±5 %,
 * A/A comparisons called 7 % of cases regressed or improved with full confidence in one session
 * and 0 % in another; docs/compare.md has the measurements. α = 0.05 as criterion uses; seed 1;
 * 2000 resamples. On a quiet, pinned machine `--noise 0.02` is reasonable.
 *
 * @example
 * ```ts
 * DEFAULT_COMPARE_OPTIONS.noise; // 0.1
 * ```
 */
export const DEFAULT_COMPARE_OPTIONS: CompareOptions = { noise: 0.1, alpha: 0.05, seed: 1, resamples: 2000 };

/** A class of change. */
export type ChangeClass = "improved" | "regressed" | "unchanged" | "inconclusive";

/** One metric of one pair of cases. */
export interface MetricChange {
  metric: string;
  /** `samples`: from raw samples, with an interval and a p-value; `ratio`: one value per case. */
  kind: "samples" | "ratio";
  a: number;
  b: number;
  /** b / a − 1. */
  change: number;
  low: number | null;
  high: number | null;
  p: number | null;
  n_a: number | null;
  n_b: number | null;
  class: ChangeClass;
  confidence: "full" | "low";
  /** Why the class or the confidence is what it is, in words; empty when plain. */
  reason: string;
}

/** A pair of cases. */
export interface PairChange {
  kernel: string;
  params: Record<string, unknown>;
  config_hash_a: string;
  config_hash_b: string;
  /** `hash`, or `identity` when only the kernel's version differs (then both versions). */
  paired_by: "hash" | "identity";
  version_a: string;
  version_b: string;
  quality_a: string;
  quality_b: string;
  metrics: MetricChange[];
}

/** A case found on one side only. */
export interface Unpaired {
  side: "a" | "b";
  kernel: string;
  params: Record<string, unknown>;
  config_hash: string;
}

/** The whole comparison (the `--format json` document). */
export interface CompareReport {
  format: typeof COMPARE_FORMAT;
  options: CompareOptions;
  a: { dir: string; label: string; runtime: string; runtime_version: string };
  b: { dir: string; label: string; runtime: string; runtime_version: string };
  pairs: PairChange[];
  unpaired: Unpaired[];
  summary: {
    /** Classes of the time metric over all pairs. */
    counts: Record<ChangeClass, number>;
    /** Full-confidence regressions and improvements of any metric: what `--fail-on` counts. */
    gate: { regressed: number; improved: number };
    /** Geometric mean of the median time ratio (b / a) per kernel. */
    geomean_ratio: Record<string, number>;
  };
}

/** Scalar metrics compared as ratios when present on both sides (lower is better). */
const RATIO_METRICS = ["memory_measured_peak_over_start_bytes", "power_joules_per_call"];

/**
 * Compares run B against run A.
 *
 * @example
 * ```ts
 * (await compareRuns(a, b, DEFAULT_COMPARE_OPTIONS)).pairs.length; // 8
 * ```
 */
export function compareRuns(a: RunSide, b: RunSide, options: CompareOptions): CompareReport {
  const byHash = new Map(b.cases.map((c) => [c.record.config_hash, c]));
  const byIdentity = new Map(b.cases.map((c) => [c.identity, c]));
  const used = new Set<SideCase>();
  const pairs: PairChange[] = [];
  const unpaired: Unpaired[] = [];
  for (const caseA of a.cases) {
    const direct = byHash.get(caseA.record.config_hash);
    const caseB = direct ?? byIdentity.get(caseA.identity);
    if (!caseB || used.has(caseB)) {
      unpaired.push(unpairedOf("a", caseA));
      continue;
    }
    used.add(caseB);
    pairs.push(pairChange(caseA, caseB, direct ? "hash" : "identity", options));
  }
  for (const caseB of b.cases) if (!used.has(caseB)) unpaired.push(unpairedOf("b", caseB));
  pairs.sort((x, y) => y.metrics[0].change - x.metrics[0].change);
  return {
    format: COMPARE_FORMAT,
    options,
    a: sideInfo(a),
    b: sideInfo(b),
    pairs,
    unpaired,
    summary: summarize(pairs),
  };
}

function pairChange(a: SideCase, b: SideCase, by: "hash" | "identity", options: CompareOptions): PairChange {
  const quality = [a.record.quality ?? "ok", b.record.quality ?? "ok"];
  const metrics = [timeChange(a, b, options)];
  for (const column of RATIO_METRICS) {
    const [x, y] = [Number(a.row[column]), Number(b.row[column])];
    if (a.row[column] && b.row[column] && x > 0 && Number.isFinite(y)) {
      metrics.push(ratioChange(column, x, y, options));
    }
  }
  const flagged = quality.map((q, i) => q !== "ok" ? `${i === 0 ? "A" : "B"} ${q}` : "").filter(Boolean);
  for (const metric of metrics) {
    if (flagged.length > 0 && (metric.class === "regressed" || metric.class === "improved")) {
      metric.confidence = "low";
      metric.reason = [metric.reason, `quality: ${flagged.join(", ")}`].filter(Boolean).join("; ");
    }
  }
  return {
    kernel: a.record.kernel.name,
    params: a.record.params,
    config_hash_a: a.record.config_hash,
    config_hash_b: b.record.config_hash,
    paired_by: by,
    version_a: a.record.kernel.version,
    version_b: b.record.kernel.version,
    quality_a: quality[0],
    quality_b: quality[1],
    metrics,
  };
}

/** Time per call: from the raw samples where both sides have them, else the medians' ratio. */
function timeChange(a: SideCase, b: SideCase, options: CompareOptions): MetricChange {
  const [sa, sb] = [a.samples_us, b.samples_us];
  if (!sa || !sb) {
    return ratioChange("time_us", a.record.median_us ?? NaN, b.record.median_us ?? NaN, options);
  }
  return { ...sampleChange(sa, sb, options), a: a.record.median_us ?? NaN, b: b.record.median_us ?? NaN };
}

/**
 * The classified change of one metric between two raw sample sets (the rule in the module doc).
 *
 * @example
 * ```ts
 * sampleChange(before, after, DEFAULT_COMPARE_OPTIONS).class; // "regressed" for a 10 % slowdown
 * ```
 */
export function sampleChange(
  sa: readonly number[],
  sb: readonly number[],
  options: CompareOptions,
  metric = "time_us",
): MetricChange {
  const { median_a, median_b, ...stats } = compareSamples(sa, sb, options);
  const base = {
    metric,
    kind: "samples" as const,
    a: median_a,
    b: median_b,
    ...stats,
    confidence: "full" as const,
  };
  if (Math.min(sa.length, sb.length) < MIN_SAMPLES) {
    return {
      ...base,
      class: "inconclusive",
      reason: `too few samples (${sa.length} and ${sb.length}; at least ${MIN_SAMPLES} each)`,
    };
  }
  const band = options.noise;
  if (stats.low >= -band && stats.high <= band) return { ...base, class: "unchanged", reason: "" };
  const beyond = stats.low > band ? "regressed" : stats.high < -band ? "improved" : undefined;
  if (beyond && stats.p < options.alpha) return { ...base, class: beyond, reason: "" };
  const reason = beyond
    ? `p = ${stats.p.toPrecision(2)} is not below ${options.alpha}`
    : `the interval [${pct(stats.low)}, ${pct(stats.high)}] straddles the ±${(band * 100).toFixed(1)}% band`;
  return { ...base, class: "inconclusive", reason };
}

function ratioChange(metric: string, a: number, b: number, options: CompareOptions): MetricChange {
  const change = b / a - 1;
  const cls: ChangeClass = !Number.isFinite(change)
    ? "inconclusive"
    : Math.abs(change) <= options.noise
    ? "unchanged"
    : change > 0
    ? "regressed"
    : "improved";
  return {
    metric,
    kind: "ratio",
    a,
    b,
    change,
    low: null,
    high: null,
    p: null,
    n_a: null,
    n_b: null,
    class: cls,
    confidence: "low",
    reason: "one value per case: a plain ratio, no interval",
  };
}

function summarize(pairs: PairChange[]): CompareReport["summary"] {
  const counts: Record<ChangeClass, number> = { improved: 0, regressed: 0, unchanged: 0, inconclusive: 0 };
  const gate = { regressed: 0, improved: 0 };
  const logs = new Map<string, number[]>();
  for (const pair of pairs) {
    const time = pair.metrics[0];
    counts[time.class]++;
    for (const m of pair.metrics) {
      if (m.confidence === "full" && (m.class === "regressed" || m.class === "improved")) gate[m.class]++;
    }
    if (time.a > 0 && time.b > 0) {
      logs.set(pair.kernel, [...(logs.get(pair.kernel) ?? []), Math.log(time.b / time.a)]);
    }
  }
  const geomean_ratio = Object.fromEntries(
    [...logs].map((
      [kernel, values],
    ) => [kernel, Math.exp(values.reduce((s, x) => s + x, 0) / values.length)]),
  );
  return { counts, gate, geomean_ratio };
}

function sideInfo(side: RunSide): CompareReport["a"] {
  return {
    dir: side.dir,
    label: side.label,
    runtime: side.manifest.environment.runtime,
    runtime_version: side.manifest.environment.version,
  };
}

function unpairedOf(side: "a" | "b", c: SideCase): Unpaired {
  return { side, kernel: c.record.kernel.name, params: c.record.params, config_hash: c.record.config_hash };
}

/**
 * A fraction as a signed percentage with one decimal.
 *
 * @example
 * ```ts
 * pct(0.123); // "+12.3%"
 * ```
 */
export function pct(x: number): string {
  return `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;
}
