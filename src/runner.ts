/**
 * Runs a plan: picks the results folder (a new run folder, `--out`, or the run being resumed),
 * takes its lock, writes the first manifest, and hands the cases to the {@link Supervisor},
 * which measures each in a worker process and commits it before the next. A case that fails,
 * hangs or crashes is recorded as failed and the run goes on; an aborted `signal` stops the run
 * between cases (manifest `interrupted`, {@link RunInterrupted} thrown), `stopNow` at once.
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
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { describe, RunInterrupted, SpecError } from "./errors.ts";
import { configHash, sha256Hex } from "./hash.ts";
import { caseLimits } from "./limits.ts";
import { outputFault } from "./output/fs_errors.ts";
import { acquireLock, type HeldLock } from "./output/lock.ts";
import {
  type CaseRecord,
  type EnvironmentRecord,
  type Manifest,
  type ShardRecord,
  summarize,
} from "./output/manifest.ts";
import { ResultsDir } from "./output/results_dir.ts";
import {
  chooseRunFolder,
  type ChosenFolder,
  clearRun,
  pointLatest,
  removeReport,
} from "./output/run_folder.ts";
import { runState } from "./output/run_state.ts";
import type { CasePlan, RunPlan } from "./plan.ts";
import { selectRunCases } from "./shard/assign.ts";
import { machineInfo } from "./machine_load.ts";
import { registeredKernels } from "./registry.ts";
import { parameterColumns } from "./output/result_rows.ts";
import { Progress, type ProgressSink } from "./progress.ts";
import { resumeSelection, specIdentitySha256 } from "./resume.ts";
import { gitCommit, runtimeInfo } from "./runtime.ts";
import { finishSealing, removeSeal, type Seal, writeSeal } from "./integrity/seal.ts";
import type { SigningKey } from "./integrity/signing.ts";
import { Supervisor } from "./supervise/supervisor.ts";
import { MANIFEST_SCHEMA_VERSION, VERSION } from "./version.ts";

/** How to run a plan. */
export interface RunOptions {
  /**
   * `--out`: this exact folder, used when missing or empty. Without it each run writes a new
   * folder `<output.dir or results/<spec name>>/<run id>/` and points `latest` at it.
   */
  outputDir?: string;
  /** Continue the run in `outputDir` (or the spec's `latest`): keep its ok cases, run the rest. */
  resume?: boolean;
  /** Replace the earlier run in `outputDir`. */
  force?: boolean;
  /** `--filter` expressions (a case runs if any matches). */
  filter?: string[];
  /** `--shard i/N` (or the engine's environment): run only this shard's cases (src/shard/). */
  shard?: ShardRecord;
  /**
   * Resume without measuring: keep failed cases as they are, and only replay, report and seal
   * (what `merge` does with the folder it assembled from shards).
   */
  finishOnly?: boolean;
  /** Fail instead of skipping an unavailable plugin. */
  strict?: boolean;
  /** Where progress lines go (nothing when absent). */
  progress?: ProgressSink;
  /**
   * Stops the run after the current case once aborted (the CLI aborts on the first Ctrl-C or
   * SIGTERM, with the signal's name as `reason`); the run then throws {@link RunInterrupted}
   * with the finished cases written and the manifest `interrupted`.
   */
  signal?: AbortSignal;
  /** Kills the current case's worker and stops at once (the CLI's second Ctrl-C). */
  stopNow?: AbortSignal;
  /**
   * `process` (default): every case runs in a supervised worker process with `bench.timeout_ms`
   * and `bench.memory_limit_mb`; `in-process`: in this process, uncapped (for debugging a kernel).
   */
  isolation?: "process" | "in-process";
  /** Where the workers' own stdout and stderr go (default: this process's stderr). */
  workerOutput?: { write(text: string): unknown };
  /** Signs seal.json when the run ends (`--sign KEY`); unsigned without it. */
  signingKey?: SigningKey;
}

/** What a run produced. */
export interface RunResult {
  outputDir: string;
  manifest: Manifest;
  /** Texts the plugins' `report` hooks returned (study verdicts, summaries). */
  reports: string[];
  /** The seal written when the run ended (absent when nothing ran). */
  seal?: Seal;
}

/**
 * The spec's results folder, under which each run gets a folder of its own: `output.dir`, else
 * `results/<spec name>`, relative to the working directory.
 *
 * @example
 * ```ts
 * resultsBaseOf(plan); // "/cwd/results/softmax-sweep"
 * ```
 */
export function resultsBaseOf(plan: RunPlan): string {
  return path.resolve(plan.loaded.spec.output.dir ?? path.join("results", plan.loaded.spec.name));
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
  // A malformed or empty --filter is refused before any folder is made.
  const selected = options.resume ? undefined : selectRunCases(plan, options.filter ?? [], options.shard);
  if (selected?.length === 0) {
    throw new SpecError(
      "SHARD_EMPTY",
      `shard ${
        options.shard?.indices.join(",")
      }/${options.shard?.count} of ${plan.loaded.spec.name} holds no case: the spec's cases form fewer units of work than shards`,
    );
  }
  const specSha256 = await sha256Hex(plan.loaded.text);
  const folder = chooseRunFolder({
    out: options.outputDir,
    base: resultsBaseOf(plan),
    specSha256,
    resume: options.resume,
    force: options.force,
  });
  const notes = new Progress(0, options.progress);
  const note = (text: string) => notes.note(text);
  const previous = folder.previous;
  if (previous?.status === "complete" && previous.cases.every((c) => c.status === "ok")) {
    resumeSelection(previous, plan, options.filter ?? [], options.shard);
    note(`attnbench: nothing to resume in ${folder.dir}: all ${previous.cases.length} cases are ok`);
    if (await finishSealing(folder.dir, previous, options.signingKey)) {
      note(`attnbench: sealed ${folder.dir}: its run ended before seal.json was written`);
    }
    return { outputDir: folder.dir, manifest: previous, reports: [] };
  }
  let committed = false;
  let lock: HeldLock | undefined;
  try {
    lock = acquireLock(folder.dir);
    if (lock.tookOver) {
      note(
        `warning: took over the lock of ${folder.dir} left by pid ${lock.tookOver.pid} (started ${lock.tookOver.started_at}), which is no longer running`,
      );
    }
    if (folder.replace) {
      try {
        clearRun(folder.dir, folder.replace);
      } catch (error) {
        throw outputFault(error, folder.dir, { during: "prepare" });
      }
    }
    const started = await startManifest(plan, folder, specSha256, options, selected);
    const manifest = started.manifest;
    for (const warning of manifest.warnings) note(`warning: ${warning}`);
    const todo = manifest.cases.filter((c) => c.status === "pending").length;
    note(
      folder.previous
        ? `attnbench: resuming ${folder.dir} (${
          runState(folder.dir, folder.previous).description
        }): ${todo} of ${manifest.cases.length} cases to run`
        : `attnbench: ${todo} case${todo === 1 ? "" : "s"} of ${plan.loaded.spec.name} → ${folder.dir}`,
    );
    const dir = new ResultsDir(folder.dir);
    try {
      // A resumed run changes the folder: its old seal and report no longer hold.
      await removeSeal(folder.dir);
      removeReport(folder.dir);
      await dir.commit(manifest);
    } catch (error) {
      throw outputFault(error, folder.dir, { during: "prepare" });
    }
    committed = true;
    if (folder.base) pointLatest(folder.base, path.basename(folder.dir));
    return await supervise(plan, manifest, dir, started.selected, options, todo);
  } finally {
    await lock?.release();
    // A new run folder whose first manifest could not be written holds nothing: leave no trace.
    if (folder.base && !committed) fs.rmSync(folder.dir, { recursive: true, force: true });
  }
}

async function supervise(
  plan: RunPlan,
  manifest: Manifest,
  dir: ResultsDir,
  selected: CasePlan[],
  options: RunOptions,
  todo: number,
): Promise<RunResult> {
  const supervisor = new Supervisor(plan, manifest, dir, selected, {
    strict: options.strict ?? false,
    isolation: options.isolation ?? "process",
    signal: options.signal,
    stopNow: options.stopNow,
    progress: options.progress,
    workerOutput: options.workerOutput ?? process.stderr,
  });
  const session = manifest.sessions[manifest.sessions.length - 1];
  let interrupted: "SIGINT" | "SIGTERM" | undefined;
  let reports: string[] = [];
  let seal: Seal | undefined;
  let unsealed: Error | undefined;
  try {
    const outcome = await supervisor.run();
    interrupted = outcome.interrupted;
    reports = outcome.reports;
    manifest.status = interrupted ? "interrupted" : "complete";
    if (interrupted) manifest.error = `interrupted by ${interrupted} after ${session.ran} of ${todo} cases`;
  } catch (error) {
    manifest.status = "aborted";
    manifest.error = describe(error);
    throw error;
  } finally {
    manifest.finished_at = session.finished_at = new Date().toISOString();
    try {
      await dir.commit(manifest);
      seal = await writeSeal(dir.root, manifest, options.signingKey);
    } catch (error) {
      unsealed = outputFault(error, dir.root, { during: "run" });
    }
  }
  if (unsealed) throw unsealed;
  if (interrupted) {
    throw new RunInterrupted(
      `interrupted after ${session.ran} of ${todo} cases; the finished ones are in ${dir.root} (manifest status "interrupted"); finish the run with --resume`,
      interrupted,
    );
  }
  return { outputDir: dir.root, manifest, reports, seal };
}

/** The manifest a run starts from: a new one, or the resumed run's with its unfinished cases reset. */
async function startManifest(
  plan: RunPlan,
  folder: ChosenFolder,
  specSha256: string,
  options: RunOptions,
  fresh: CasePlan[] | undefined,
): Promise<{ manifest: Manifest; selected: CasePlan[] }> {
  const filter = options.filter ?? [];
  const env = runtimeInfo();
  const spec = {
    file: plan.loaded.file,
    dir: plan.loaded.dir,
    sha256: specSha256,
    identity_sha256: await specIdentitySha256(plan.loaded.spec),
    resolved: plan.loaded.spec,
  };
  const me = { pid: process.pid, host: os.hostname() };
  const session = { started_at: new Date().toISOString(), ...me, ran: 0 };
  const plugins = plan.plugins.map((p) => ({
    name: p.definition.name,
    ref: p.ref,
    origin: p.origin,
    options: p.options,
    status: "active" as const,
    ...(p.package ? { package: p.package } : {}),
    ...(p.definition.metrics ? { metrics: p.definition.metrics } : {}),
  }));
  const limits = caseLimits(plan.loaded.spec.bench);
  if (folder.previous) {
    const previous = folder.previous;
    const { selected, warnings } = resumeSelection(previous, plan, filter, options.shard);
    const cases = previous.cases.map((record): CaseRecord =>
      record.status === "ok" || (options.finishOnly && record.status !== "pending") ? record : {
        index: record.index,
        config_hash: record.config_hash,
        role: record.role,
        kernel: record.kernel,
        params: record.params,
        shape: record.shape,
        status: "pending",
        files: [],
      }
    );
    const manifest: Manifest = {
      ...previous,
      status: "running",
      process: me,
      sessions: [...(previous.sessions ?? []), session],
      spec,
      limits,
      plugins,
      cases,
      summary: summarize(cases),
      warnings: [...previous.warnings, ...warnings],
      errors: [],
    };
    delete manifest.finished_at;
    delete manifest.error;
    return { manifest, selected };
  }
  const selected = fresh ?? selectRunCases(plan, filter, options.shard);
  const git_commit = gitCommit(process.cwd());
  const machine = machineInfo();
  const environment: EnvironmentRecord = {
    ...env,
    git_commit,
    machine,
    fingerprint: await configHash({ ...env, git_commit, machine }),
  };
  const records: CaseRecord[] = selected.map((c) => ({
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
  const manifest: Manifest = {
    schema_version: MANIFEST_SCHEMA_VERSION,
    attnbench: { version: VERSION },
    status: "running",
    started_at: session.started_at,
    process: me,
    sessions: [session],
    spec,
    environment,
    limits,
    filter,
    ...(options.shard ? { shard: options.shard } : {}),
    plugins,
    parameters: parameterColumns([
      ...Object.values(registeredKernels()),
      ...[...plan.kernels, ...(plan.baseline ? [plan.baseline] : [])].map((k) => k.definition),
    ]),
    cases: records,
    files: [],
    summary: summarize(records),
    warnings: [...plan.warnings],
    errors: [],
  };
  return { manifest, selected };
}
