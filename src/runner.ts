/**
 * Runs a plan: per case, inputs → `kernel.prepare` → plugins start → mitata `measure()` →
 * plugins stop → rows written. A case that throws is recorded as failed with its message and the
 * run goes on; results are rewritten after every case. An aborted `signal` (Ctrl-C in the CLI)
 * stops the run between cases, leaving what finished written and the manifest `interrupted`.
 *
 * @example
 * ```ts
 * import { loadSpec } from "./spec/load.ts";
 * import { planRun } from "./plan.ts";
 * import { runPlan } from "./runner.ts";
 * const result = await runPlan(await planRun(await loadSpec("specs/softmax-sweep.yaml")), { outputDir: "out" });
 * result.manifest.summary; // { total, ok, failed, pending }
 * ```
 * @module
 */
import path from "node:path";
import process from "node:process";
import type {
  AttentionInputs,
  CaseContext,
  CaseOutcome,
  KernelInstance,
  MetricValue,
  RunContext,
} from "./contracts.ts";
import { describe, KernelError, RunInterrupted } from "./errors.ts";
import { configHash, sha256Hex } from "./hash.ts";
import { PluginHost } from "./host.ts";
import { measureCall } from "./measure.ts";
import { type CasePlan, type RunPlan, selectPlannedCases } from "./plan.ts";
import { Progress, type ProgressSink } from "./progress.ts";
import { gitCommit, runtimeInfo } from "./runtime.ts";
import { nearestRank } from "./stats.ts";
import type { CaseRecord, EnvironmentRecord, Manifest } from "./output/manifest.ts";
import { type ResultRow, ResultsDir } from "./output/results_dir.ts";
import { MANIFEST_SCHEMA_VERSION, VERSION } from "./version.ts";

/** How to run a plan. */
export interface RunOptions {
  /** Results folder; default the spec's `output.dir`, else `results/<spec name>`. */
  outputDir?: string;
  /** `--filter` expressions (a case runs if any matches). */
  filter?: string[];
  /** Fail instead of skipping an unavailable plugin. */
  strict?: boolean;
  /** Where progress lines go (nothing when absent). */
  progress?: ProgressSink;
  /**
   * Stops the run before its next case once aborted (the CLI aborts on Ctrl-C); the run then
   * throws {@link RunInterrupted} with the finished cases written and the manifest `interrupted`.
   */
  signal?: AbortSignal;
}

/** What a run produced. */
export interface RunResult {
  outputDir: string;
  manifest: Manifest;
  /** Texts the plugins' `report` hooks returned (study verdicts, summaries). */
  reports: string[];
}

/**
 * The results folder a run writes to.
 *
 * @example
 * ```ts
 * outputDirOf(plan, {}); // "/cwd/results/softmax-sweep"
 * ```
 */
export function outputDirOf(plan: RunPlan, options: Pick<RunOptions, "outputDir">): string {
  return path.resolve(
    options.outputDir ?? plan.loaded.spec.output.dir ?? path.join("results", plan.loaded.spec.name),
  );
}

/**
 * Measures every selected case of `plan` and writes the results folder.
 *
 * @example
 * ```ts
 * const { manifest } = await runPlan(plan, { filter: ["seq_len=128"] });
 * ```
 */
export async function runPlan(plan: RunPlan, options: RunOptions = {}): Promise<RunResult> {
  const cases = selectPlannedCases(plan.cases, options.filter ?? []);
  const outputDir = outputDirOf(plan, options);
  const dir = new ResultsDir(outputDir);
  const env = runtimeInfo();
  const manifest = await initialManifest(plan, cases, env, options.filter ?? []);
  const specDir = plan.loaded.dir;
  const host = new PluginHost(plan.plugins, { env, outputDir, specDir }, { strict: options.strict ?? false });
  const runContext: RunContext = {
    env,
    outputDir,
    specDir,
    cases: cases.length,
    writeFile: async (relative, data) => {
      await dir.writeFile(relative, data);
      if (!manifest.files.includes(relative)) manifest.files.push(relative);
    },
  };
  const rows: ResultRow[] = [];
  const outcomes: CaseOutcome[] = [];
  let reports: string[] = [];
  const progress = new Progress(cases.length, options.progress);
  for (const warning of plan.warnings) progress.note(`warning: ${warning}`);
  progress.note(
    `attnbench: ${cases.length} case${
      cases.length === 1 ? "" : "s"
    } of ${plan.loaded.spec.name} → ${outputDir}`,
  );

  await dir.writeManifest(manifest);
  try {
    await host.open(runContext);
    manifest.plugins = host.statuses;
    for (const status of host.statuses.filter((s) => s.status !== "active")) {
      progress.note(`plugin ${status.name} ${status.status}: ${status.reason}`);
    }
    const inputsCache = new Map<string, AttentionInputs>();
    for (const [i, plan_] of cases.entries()) {
      if (options.signal?.aborted) {
        throw new RunInterrupted(
          `interrupted after ${i} of ${cases.length} cases; the finished ones are in ${outputDir} (manifest status "interrupted")`,
        );
      }
      const record = manifest.cases[i];
      progress.begin(caseLabel(plan_));
      const started = performance.now();
      const row = baseRow(plan_);
      const outcome: CaseOutcome = {
        info: caseInfo(plan_, i, cases.length),
        status: "failed",
        metrics: {},
        tables: [],
      };
      try {
        const inputs = inputsFor(plan, plan_, 0, inputsCache);
        const instance = prepare(plan_, inputs);
        const ctx: CaseContext = { ...runContext, case: outcome.info, instance, inputs };
        if (host.wantsSamples) await evaluateSamples(plan, plan_, ctx, host, inputsCache);
        await host.start(ctx);
        const measurement = await measureCall(() => instance.run(), plan.budget);
        const metrics = await host.stop(ctx, measurement);
        outcome.metrics = metrics;
        outcome.tables = await host.tables(ctx);
        for (const table of outcome.tables) record.files.push(await dir.writeTable(table, plan_.config_hash));
        const median = nearestRank(measurement.samples_ns, 50);
        row.samples = measurement.samples_ns.length;
        row.calls = measurement.total_calls;
        row.gflops = ctx.case.analytic.flops === undefined
          ? null
          : round(ctx.case.analytic.flops / median, 4);
        for (const [plugin, values] of Object.entries(metrics)) {
          for (const [key, value] of Object.entries(values)) row[`${plugin}_${key}`] = value;
        }
        record.median_us = median / 1000;
        record.gflops = row.gflops;
        record.status = "ok";
        outcome.status = "ok";
        progress.end(
          "ok",
          `median ${formatNs(median)}${row.gflops === null ? "" : `, ${row.gflops} GFLOP/s`}`,
        );
      } catch (error) {
        record.status = "failed";
        record.error = describe(error);
        outcome.error = record.error;
        row.error = record.error;
        progress.end("FAILED", record.error);
      }
      row.status = record.status;
      record.duration_ms = Math.round(performance.now() - started);
      rows.push(row);
      outcomes.push(outcome);
      manifest.summary = summarize(manifest.cases);
      await dir.writeResults(resultColumns(rows), rows);
      await dir.writeManifest(manifest);
    }
    reports = await host.report(runContext, outcomes);
    manifest.status = "complete";
  } catch (error) {
    manifest.status = error instanceof RunInterrupted ? "interrupted" : "aborted";
    manifest.error = describe(error);
    throw error;
  } finally {
    await host.close(runContext);
    manifest.plugins = host.statuses;
    manifest.warnings.push(...host.teardownErrors.map((e) => e.message));
    manifest.finished_at = new Date().toISOString();
    manifest.summary = summarize(manifest.cases);
    await dir.writeManifest(manifest);
  }
  return { outputDir, manifest, reports };
}

function inputsFor(
  plan: RunPlan,
  c: CasePlan,
  sample: number,
  cache: Map<string, AttentionInputs>,
): AttentionInputs {
  const key = `${c.inputs_key}#${sample}`;
  let inputs = cache.get(key);
  if (!inputs) {
    inputs = plan.generator.generate(c.shape, plan.loaded.spec.seed + sample, plan.generatorOptions);
    cache.set(key, inputs);
  }
  return inputs;
}

/**
 * Runs the case's evaluation samples on one fresh instance, in order, outside the timed window,
 * and hands each to the plugins' `sample` hooks.
 */
async function evaluateSamples(
  plan: RunPlan,
  c: CasePlan,
  ctx: CaseContext,
  host: PluginHost,
  cache: Map<string, AttentionInputs>,
): Promise<void> {
  let instance = prepare(c, ctx.inputs);
  for (let index = 0; index < plan.loaded.spec.inputs.samples; index++) {
    const inputs = inputsFor(plan, c, index, cache);
    if (index > 0) {
      if (instance.load) instance.load(inputs);
      else instance = prepare(c, inputs);
    }
    const t0 = performance.now();
    instance.run();
    const wall_time_us = (performance.now() - t0) * 1000;
    await host.sample({ ...ctx, instance, inputs }, {
      index,
      seed: plan.loaded.spec.seed + index,
      inputs,
      instance,
      wall_time_us,
    });
  }
}

function prepare(c: CasePlan, inputs: AttentionInputs): KernelInstance {
  try {
    return c.kernel.definition.prepare(c.params, inputs);
  } catch (cause) {
    throw new KernelError("KERNEL_PREPARE", c.kernel.definition.name, cause);
  }
}

function caseInfo(c: CasePlan, index: number, total: number): CaseContext["case"] {
  const definition = c.kernel.definition;
  return {
    index,
    total,
    config_hash: c.config_hash,
    role: c.role,
    kernel: { name: definition.name, version: definition.version },
    params: c.params,
    shape: c.shape,
    analytic: { flops: definition.flops?.(c.params), memory: definition.memory?.(c.params) },
    inputs_key: c.inputs_key,
  };
}

function baseRow(c: CasePlan): ResultRow {
  const row: ResultRow = {
    config_hash: c.config_hash,
    role: c.role,
    kernel: c.kernel.definition.name,
    kernel_version: c.kernel.definition.version,
    status: "pending",
  };
  for (const [name, value] of Object.entries(c.params)) row[name] = value as MetricValue;
  return row;
}

const LEADING = ["config_hash", "role", "kernel", "kernel_version", "status"];
const TRAILING = ["error"];

function resultColumns(rows: ResultRow[]): string[] {
  const seen = new Set<string>(LEADING);
  const columns = [...LEADING];
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!seen.has(key) && !TRAILING.includes(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  return [...columns, ...TRAILING];
}

async function initialManifest(
  plan: RunPlan,
  cases: CasePlan[],
  env: ReturnType<typeof runtimeInfo>,
  filter: string[],
): Promise<Manifest> {
  const git_commit = gitCommit(process.cwd());
  const environment: EnvironmentRecord = {
    ...env,
    git_commit,
    fingerprint: await configHash({ ...env, git_commit }),
  };
  const records: CaseRecord[] = cases.map((c) => ({
    index: c.index,
    config_hash: c.config_hash,
    role: c.role,
    kernel: {
      name: c.kernel.definition.name,
      version: c.kernel.definition.version,
      ref: c.kernel.ref,
      origin: c.kernel.origin,
    },
    params: c.params,
    shape: c.shape,
    status: "pending",
    files: [],
  }));
  return {
    schema_version: MANIFEST_SCHEMA_VERSION,
    attnbench: { version: VERSION },
    status: "running",
    started_at: new Date().toISOString(),
    spec: {
      file: plan.loaded.file,
      dir: plan.loaded.dir,
      sha256: await sha256Hex(plan.loaded.text),
      resolved: plan.loaded.spec,
    },
    environment,
    filter,
    plugins: plan.plugins.map((p) => ({
      name: p.definition.name,
      ref: p.ref,
      origin: p.origin,
      options: p.options,
      status: "active",
    })),
    cases: records,
    files: [],
    summary: summarize(records),
    warnings: [...plan.warnings],
  };
}

function summarize(records: CaseRecord[]): Manifest["summary"] {
  const count = (status: CaseRecord["status"]) => records.filter((r) => r.status === status).length;
  return { total: records.length, ok: count("ok"), failed: count("failed"), pending: count("pending") };
}

function caseLabel(c: CasePlan): string {
  const params = Object.entries(c.point).map(([k, v]) => `${k}=${v}`).join(" ");
  return `${c.role === "baseline" ? "baseline " : ""}${c.kernel.definition.name} ${params} [${
    c.config_hash.slice(0, 8)
  }]`;
}

function formatNs(ns: number): string {
  if (ns < 1e3) return `${ns.toFixed(1)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${(ns / 1e6).toFixed(2)} ms`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
