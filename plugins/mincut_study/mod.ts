/**
 * `mincut-study`: turns a run of the min-cut kernel against its softmax baseline into the study
 * the original `run_mincut_bench.sh` promised (reference ruvector.md §4): per setting
 * (`mincut_l0.3_t0`, `bestsink_l0.5_t2`, `epsonly_t0`, ...) the figures of §4.4 in
 * `csv/results.csv`, per-sample CSVs `csv/baseline.csv` and `csv/<setting>.csv`, a witness chain
 * `witness/<setting>.jsonl` per setting bound by `witness/bundle.json`, and a verdict against
 * the script's success criteria. Coherence comes from the `coherence` plugin, peak memory from
 * `memory`, energy from `power`; a figure whose plugin is absent is reported as n/a.
 *
 * @example
 * ```yaml
 * kernel: mincut
 * baseline: softmax
 * inputs: { samples: 4 }
 * plugins: [latency, coherence, mincut-study]
 * ```
 * @module
 */
import fs from "node:fs/promises";
import path from "node:path";
import * as v from "valibot";
import { type CaseOutcome, defineProfiler, type Metrics, type ProfilerDefinition } from "../../plugin_kit.ts";
import { configHash } from "../../plugin_kit.ts";
import { thresholdOption } from "../coherence/mod.ts";
import { type SettingRow, STUDY_VERDICT_FORMAT, type StudyVerdict, toCsv } from "../../plugin_kit.ts";
import { type Manifest, manifestRecordSha256 } from "../../plugin_kit.ts";
import { buildChain, type ChainItem, sealBundle } from "../../plugin_kit.ts";
import {
  figuresOf,
  groupSettings,
  latencyChange,
  matchingBaseline,
  metric,
  reduction,
  type Setting,
} from "./aggregate.ts";
import { recordSample, type SampleRecord } from "./records.ts";
import { settingChecks, verdictText } from "./verdict.ts";

const fraction = (what: string) => v.pipe(v.number(what), v.minValue(0, what));

const options = v.strictObject({
  /** Cosine a sample needs to count as accurate (the coherence plugin's threshold). */
  threshold: thresholdOption,
  /** keep_mask in witness lines: the reference's JSON booleans, or a base64 bitset (n² / 8 bytes). */
  mask_encoding: v.optional(v.picklist(["bools", "bitset"], "bools or bitset"), "bitset"),
  criteria: v.optional(
    v.strictObject({
      kv_cache_reduction: v.optional(fraction("a fraction such as 0.15"), 0.15),
      energy_reduction: v.optional(fraction("a fraction such as 0.1"), 0.1),
      latency_tolerance: v.optional(fraction("a fraction such as 0.1"), 0.1),
      accuracy_loss: v.optional(fraction("a fraction such as 0.01"), 0.01),
    }),
    {},
  ),
});

type Options = v.InferOutput<typeof options>;

/** The min-cut study reporter. */
const mincutStudy: ProfilerDefinition<Options> = defineProfiler({
  name: "mincut-study",
  apiVersion: 1,
  description:
    "the min-cut study: per-setting results.csv (reference columns), per-sample CSVs, witness chains, verdict",
  options,
  metrics: {
    mean_kept_fraction: {
      type: "double",
      unit: "ratio",
      description: "mean share of edges the min-cut gate kept over the evaluation samples",
    },
  },
  create(opts) {
    const records = new Map<string, SampleRecord[]>();
    return {
      async sample(ctx, sample) {
        const list = records.get(ctx.case.config_hash) ?? [];
        if (sample.index === 0) list.length = 0;
        list.push(await recordSample(ctx, sample, opts.mask_encoding));
        records.set(ctx.case.config_hash, list);
      },
      stop: (ctx): Metrics => {
        const gated = (records.get(ctx.case.config_hash) ?? []).filter((r) => r.gate);
        if (gated.length === 0) return {};
        return {
          mean_kept_fraction: gated.reduce((sum, r) => sum + r.gate!.kept / r.gate!.total, 0) / gated.length,
        };
      },
      async report(ctx, cases) {
        const ok = cases.filter((c) => c.status === "ok");
        const { baseline, settings } = groupSettings(ok);
        if (baseline.length === 0 || settings.length === 0) {
          return "mincut-study: nothing to report (the run needs a baseline and at least one kernel case that finished)";
        }
        const baseFigures = figuresOf(baseline, records, opts.threshold);
        const rows: SettingRow[] = [];
        const latencyChanges: (number | null)[] = [];
        for (const setting of settings) {
          const f = figuresOf(setting.cases, records, opts.threshold);
          const base = figuresOf(matchingBaseline(baseline, setting.cases), records, opts.threshold);
          latencyChanges.push(latencyChange(setting.cases, baseline, records, opts.threshold));
          rows.push({
            setting: setting.name,
            coherence_delta: f.coherence_delta,
            kv_cache_reduction: f.kv_cache_reduction,
            peak_mem_reduction: reduction(f.peak_mem_bytes, base.peak_mem_bytes),
            energy_reduction: reduction(f.joules_per_sample, base.joules_per_sample),
            p95_latency_us: f.p95_latency_us,
            accuracy: f.accuracy,
            config_hash: await configHash(setting.cases.map((c) => c.info.config_hash)),
          });
        }
        const columns = [
          "setting",
          "coherence_delta",
          "kv_cache_reduction",
          "peak_mem_reduction",
          "energy_reduction",
          "p95_latency_us",
          "accuracy",
          "config_hash",
        ];
        await ctx.writeFile(
          "csv/results.csv",
          toCsv(columns, rows.map((r) => columns.map((c) => r[c as keyof SettingRow]))),
        );
        await ctx.writeFile("csv/baseline.csv", sampleCsv(baseline, records));
        for (const setting of settings) {
          await ctx.writeFile(`csv/${setting.name}.csv`, sampleCsv(setting.cases, records));
        }
        await ctx.writeFile("verdict.json", verdictJson(settings, rows, latencyChanges, baseFigures, opts));
        const lines = await writeWitness(ctx, settings, records, opts.mask_encoding);
        return `${
          verdictText(rows, baseFigures, latencyChanges, opts.criteria)
        }\n  witness: ${lines} lines in ${settings.length} chains, bound by witness/bundle.json` +
          `\n  study files: csv/results.csv (one row per setting: the reference's columns + config_hash), ` +
          `csv/baseline.csv and csv/<setting>.csv (per sample), verdict.json (the verdict as data), witness/<setting>.jsonl`;
      },
    };
  },
});

export default mincutStudy;

/** The study's outcome as data (`verdict.json`, what `attnbench report` draws): docs/mincut-study.md. */
function verdictJson(
  settings: Setting[],
  rows: SettingRow[],
  latencyChanges: (number | null)[],
  baseline: { p95_latency_us: number | null },
  opts: Options,
): string {
  const verdict: StudyVerdict = {
    format: STUDY_VERDICT_FORMAT,
    threshold: opts.threshold,
    criteria: opts.criteria,
    baseline: { p95_latency_us: baseline.p95_latency_us },
    settings: settings.map((setting, i) => ({
      ...rows[i],
      variant: setting.variant,
      lambda: setting.lambda,
      tau: setting.tau,
      eps: setting.eps,
      latency_ratio: latencyChanges[i] === null ? null : 1 + latencyChanges[i]!,
      checks: settingChecks(rows[i], latencyChanges[i], opts.criteria),
    })),
  };
  return JSON.stringify(verdict, null, 2) + "\n";
}

const SAMPLE_COLUMNS = ["sample_id", "seq_len", "wall_time_us", "peak_mem_bytes", "energy_j", "config_hash"];

function sampleCsv(cases: CaseOutcome[], records: Map<string, SampleRecord[]>): string {
  let id = 0;
  const rows = cases.flatMap((c) =>
    (records.get(c.info.config_hash) ?? []).map((r) => [
      id++,
      r.seq_len,
      r.wall_time_us,
      metric(c, "memory", "measured_peak_rss_bytes"),
      metric(c, "power", "joules_per_call"),
      c.info.config_hash,
    ])
  );
  return toCsv(SAMPLE_COLUMNS, rows);
}

async function writeWitness(
  ctx: { outputDir: string; writeFile(relative: string, data: string): Promise<void> },
  settings: Setting[],
  records: Map<string, SampleRecord[]>,
  encoding: Options["mask_encoding"],
): Promise<number> {
  const chains: Record<string, { file: string; lines: number; head: string }> = {};
  const covered: string[] = [];
  let total = 0;
  for (const setting of settings) {
    const items: ChainItem[] = [];
    for (const c of setting.cases) {
      covered.push(c.info.config_hash);
      for (const r of records.get(c.info.config_hash) ?? []) {
        if (!r.gate) continue;
        items.push({
          entry: {
            q_hash: r.q_hash,
            k_hash: r.k_hash,
            keep_mask: r.gate.keep_mask,
            cut_cost: r.gate.cut_cost,
            lambda: setting.lambda,
            tau: setting.tau,
            eps: setting.eps,
            timestamp: r.timestamp,
          },
          fields: {
            output_hash: r.output_hash,
            config_hash: r.config_hash,
            seed: r.seed,
            sample_id: r.sample_id,
            seq_len: r.seq_len,
          },
        });
      }
    }
    const chain = await buildChain(items, encoding);
    const file = `witness/${setting.name}.jsonl`;
    await ctx.writeFile(file, chain.lines.map((line) => line + "\n").join(""));
    chains[setting.name] = { file, lines: chain.lines.length, head: chain.head };
    total += chain.lines.length;
  }
  // manifest.json as rewritten after the last case: its spec, environment and case records are final.
  const manifest = JSON.parse(
    await fs.readFile(path.join(ctx.outputDir, "manifest.json"), "utf8"),
  ) as Manifest;
  const bundle = await sealBundle({
    spec_sha256: manifest.spec.sha256,
    manifest_sha256: await manifestRecordSha256(manifest),
    cases: covered,
    mask_encoding: encoding,
    chains,
  });
  await ctx.writeFile("witness/bundle.json", JSON.stringify(bundle, null, 2) + "\n");
  return total;
}
