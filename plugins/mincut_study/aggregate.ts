/**
 * Settings of the min-cut study and their figures, as reference ruvector.md §4.4 defines them
 * (written out in docs/outputs.md). A setting is one (variant, λ, τ, eps) across every sequence
 * length of the grid; its samples are the evaluation samples of all its cases.
 *
 * @example
 * ```ts
 * import { groupSettings, settingFigures } from "./aggregate.ts";
 * const { baseline, settings } = groupSettings(cases);
 * ```
 * @module
 */
import type { CaseOutcome, MetricValue } from "../../plugin_kit.ts";
import { nearestRank } from "../../plugin_kit.ts";
import { BatchAccumulator } from "../coherence/batch.ts";
import type { SampleRecord } from "./records.ts";

/** One study setting. */
export interface Setting {
  name: string;
  variant: string;
  lambda: number;
  tau: number;
  eps: number;
  cases: CaseOutcome[];
}

/** The figures of one setting (or of the baseline, where they apply). */
export interface Figures {
  coherence_delta: number | null;
  ci_95: [number, number] | null;
  kv_cache_reduction: number | null;
  peak_mem_bytes: number | null;
  joules_per_sample: number | null;
  p95_latency_us: number | null;
  accuracy: number | null;
  samples: number;
}

/**
 * `mincut_l0.3_t0` for the reference variant, `bestsink_l0.3_t0`, `epsonly_t0`; other kernels by
 * their name.
 *
 * @example
 * ```ts
 * settingName("mincut", { variant: "reference", lambda: 0.3, tau: 0 }); // "mincut_l0.3_t0"
 * ```
 */
export function settingName(kernel: string, params: Record<string, unknown>): string {
  if (kernel !== "mincut") return kernel;
  const { variant, lambda, tau } = params;
  if (variant === "eps-only") return `epsonly_t${tau}`;
  return `${variant === "best-sink" ? "bestsink" : "mincut"}_l${lambda}_t${tau}`;
}

/**
 * Baseline cases, and the kernel cases grouped into settings in run order.
 *
 * @example
 * ```ts
 * groupSettings(cases).settings.map((s) => s.name);
 * ```
 */
export function groupSettings(cases: CaseOutcome[]): { baseline: CaseOutcome[]; settings: Setting[] } {
  const settings = new Map<string, Setting>();
  const kernelCases = cases.filter((c) => c.info.role === "kernel");
  const extra = otherAxes(kernelCases);
  for (const c of kernelCases) {
    const name = settingName(c.info.kernel.name, c.info.params) +
      extra.map((axis) => `_${axis}-${String(c.info.params[axis]).replace(/[^A-Za-z0-9.-]/g, "_")}`).join("");
    const existing = settings.get(name);
    if (existing) existing.cases.push(c);
    else {
      const p = c.info.params;
      settings.set(name, {
        name,
        variant: String(p.variant ?? c.info.kernel.name),
        lambda: Number(p.lambda),
        tau: Number(p.tau),
        eps: Number(p.eps),
        cases: [c],
      });
    }
  }
  return { baseline: cases.filter((c) => c.info.role === "baseline"), settings: [...settings.values()] };
}

/** Parameters a setting's name does not already hold (every one but seq_len) that vary between cases. */
const NAMED = new Set(["seq_len", "variant", "lambda", "tau"]);

/**
 * The parameters, other than seq_len and those in the setting's name, whose value differs between
 * the kernel cases: each splits the settings (`mincut_l0.5_t0_backend-wasm`), so cases that
 * differ in `eps`, `backend` or `d` are never merged into one setting or one witness chain.
 *
 * @example
 * ```ts
 * otherAxes(cases); // [] for specs/mincut.yaml; ["backend"] with a backend axis
 * ```
 */
export function otherAxes(cases: CaseOutcome[]): string[] {
  const values = new Map<string, Set<string>>();
  for (const c of cases) {
    for (const [name, value] of Object.entries(c.info.params)) {
      if (NAMED.has(name)) continue;
      const seen = values.get(name) ?? new Set<string>();
      seen.add(JSON.stringify(value));
      values.set(name, seen);
    }
  }
  return [...values].filter(([, seen]) => seen.size > 1).map(([name]) => name);
}

/**
 * Figures over the samples of `cases`: coherence (evaluate_batch over the coherence plugin's
 * per-sample rows), KV-cache reduction (mean of 1 − kept/total), peak RSS (largest case peak from
 * the memory plugin), energy per sample (mean over samples of the case's joules per call from the
 * power plugin), p95 over the samples of each sample's latency (nearest rank) and accuracy (pass
 * rate). A sample's latency is its case's median time per call from the latency plugin (the timed loop,
 * many calls), or its own single timed call where the latency plugin is absent: single calls on a
 * shared machine are too noisy for a ±10 % criterion.
 *
 * @example
 * ```ts
 * const figures = figuresOf(setting.cases, records, 0.99);
 * ```
 */
export function figuresOf(
  cases: CaseOutcome[],
  records: Map<string, SampleRecord[]>,
  threshold: number,
): Figures {
  const samples = cases.flatMap((c) => records.get(c.info.config_hash) ?? []);
  const batch = new BatchAccumulator(threshold);
  let coherenceRows = 0;
  for (const c of cases) {
    const table = c.tables.find((t) => t.name === "coherence");
    if (!table) continue;
    const delta = table.columns.indexOf("coherence_delta");
    const passes = table.columns.indexOf("passes");
    for (const row of table.rows) {
      batch.addMeasured(row[delta] as number, row[passes] === true);
      coherenceRows++;
    }
  }
  const coherence = coherenceRows > 0 ? batch.result() : null;
  const gated = samples.filter((s) => s.gate);
  const peaks = cases.map((c) => metric(c, "memory", "measured_peak_rss_bytes")).filter((x): x is number =>
    x !== null
  );
  const energies = samples.map((s) =>
    metric(cases.find((c) => c.info.config_hash === s.config_hash)!, "power", "joules_per_call")
  );
  const knownEnergies = energies.filter((x): x is number => x !== null);
  const times = samples.map((s) => sampleLatency(cases, s)).sort((a, b) => a - b);
  return {
    coherence_delta: coherence?.mean_coherence_delta ?? null,
    ci_95: coherence ? [coherence.ci_95_lower, coherence.ci_95_upper] : null,
    kv_cache_reduction: gated.length
      ? gated.reduce((sum, s) => sum + (1 - s.gate!.kept / s.gate!.total), 0) / gated.length
      : null,
    peak_mem_bytes: peaks.length ? Math.max(...peaks) : null,
    joules_per_sample: knownEnergies.length === samples.length && samples.length
      ? knownEnergies.reduce((a, b) => a + b, 0) / knownEnergies.length
      : null,
    p95_latency_us: times.length ? nearestRank(times, 95) : null,
    accuracy: coherence?.pass_rate ?? null,
    samples: samples.length,
  };
}

/**
 * 1 − gated / baseline, or null when either is unknown or the baseline is 0.
 *
 * @example
 * ```ts
 * reduction(75, 100); // 0.25
 * ```
 */
export function reduction(gated: number | null, baseline: number | null): number | null {
  if (gated === null || baseline === null || baseline === 0) return null;
  return 1 - gated / baseline;
}

/**
 * A numeric metric of a plugin for a case, or null.
 *
 * @example
 * ```ts
 * metric(outcome, "power", "joules_per_call"); // 0.0123 or null
 * ```
 */
export function metric(c: CaseOutcome, plugin: string, key: string): number | null {
  const value: MetricValue | undefined = c.metrics[plugin]?.[key];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/**
 * The baseline cases `cases` are paired with (each kernel case's `baseline_hash`: same grid point,
 * so same inputs and the same backend, causal, d, ...), so a setting that covers only some
 * sequence lengths is compared with the baseline at those lengths and nothing else.
 *
 * @example
 * ```ts
 * matchingBaseline(baseline, setting.cases).length; // ≤ baseline.length
 * ```
 */
export function matchingBaseline(baseline: CaseOutcome[], cases: CaseOutcome[]): CaseOutcome[] {
  const paired = new Set(cases.map((c) => c.info.baseline_hash));
  return baseline.filter((b) => paired.has(b.info.config_hash));
}

/**
 * A setting's p95 latency against its baseline's, compared only at equal seq_len: for each
 * sequence length, p95 of the setting's samples there over p95 of its paired baseline cases'
 * samples there; the geometric mean of those ratios, minus 1 (null when no length has both).
 *
 * @example
 * ```ts
 * latencyChange(setting.cases, baseline, records); // 0.04: 4 % slower than the baseline
 * ```
 */
export function latencyChange(
  cases: CaseOutcome[],
  baseline: CaseOutcome[],
  records: Map<string, SampleRecord[]>,
  threshold: number,
): number | null {
  const lengths = [...new Set(cases.map((c) => c.info.shape.seq_len))];
  const logs: number[] = [];
  for (const length of lengths) {
    const here = cases.filter((c) => c.info.shape.seq_len === length);
    const mine = figuresOf(here, records, threshold).p95_latency_us;
    const theirs = figuresOf(matchingBaseline(baseline, here), records, threshold).p95_latency_us;
    if (mine !== null && theirs !== null && mine > 0 && theirs > 0) logs.push(Math.log(mine / theirs));
  }
  return logs.length === 0 ? null : Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length) - 1;
}

function sampleLatency(cases: CaseOutcome[], sample: SampleRecord): number {
  const owner = cases.find((c) => c.info.config_hash === sample.config_hash);
  return (owner && metric(owner, "latency", "p50_us")) ?? sample.wall_time_us;
}
