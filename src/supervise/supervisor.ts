/**
 * The supervisor: drives a worker through a run's cases and is the only writer of the results
 * folder. Per case it (re)starts a worker when needed, replays finished cases into a fresh
 * worker's plugins where they keep state across cases, measures the case, and commits it
 * (tables, results.csv, manifest.json) before the next. A case that hangs, crashes, exits or runs
 * out of memory costs only its own worker; the next case gets a new one. Between cases it honours
 * `signal` (stop after the current case); `stopNow` kills the worker at once.
 *
 * @example
 * ```ts
 * import { Supervisor } from "./supervisor.ts";
 * const supervisor = new Supervisor(plan, manifest, new ResultsDir(dir), selected, settings);
 * const { reports, interrupted } = await supervisor.run();
 * ```
 * @module
 */
import os from "node:os";
import { caseInfo, caseLabel } from "../case_info.ts";
import type { CaseOutcome } from "../contracts.ts";
import { AttnbenchError, describe } from "../errors.ts";
import type { PluginStatus } from "../output/manifest.ts";
import { outputFault } from "../output/fs_errors.ts";
import type { CaseRecord, Manifest } from "../output/manifest.ts";
import type { ResultsDir } from "../output/results_dir.ts";
import type { CasePlan, RunPlan } from "../plan.ts";
import { type CaseCost, type CaseSpent, CostModel } from "../eta.ts";
import { Progress, type ProgressSink } from "../progress.ts";
import { WITNESS_PLUGIN } from "../witness/chain.ts";
import { qualityText } from "../quality.ts";
import { formatSpread } from "../spread_text.ts";
import { ChildWorker } from "./child_worker.ts";
import { InProcessWorker } from "./in_process_worker.ts";
import type { CaseResult, OpenCommand } from "./protocol.ts";
import { type CaseWorker, WorkerLost } from "./worker.ts";

/** How the supervisor runs. */
export interface SupervisorSettings {
  strict: boolean;
  /** `process` (default): each case in a worker process; `in-process`: here, without caps. */
  isolation: "process" | "in-process";
  /** Stop after the current case once aborted; its `reason` (`SIGINT`/`SIGTERM`) is kept. */
  signal?: AbortSignal;
  /** Kill the current case and stop, once aborted. */
  stopNow?: AbortSignal;
  progress?: ProgressSink;
  /** Where workers' own stdout and stderr go. */
  workerOutput: { write(text: string): unknown };
}

/** How a supervised run ended. */
export interface SupervisedRun {
  reports: string[];
  /** The signal that stopped it early, if one did. */
  interrupted?: "SIGINT" | "SIGTERM";
}

/**
 * Runs the pending cases of a manifest.
 *
 * @example
 * ```ts
 * await new Supervisor(plan, manifest, dir, selected, { strict: false, isolation: "process", workerOutput: process.stderr }).run();
 * ```
 */
export class Supervisor {
  readonly #plan: RunPlan;
  readonly #manifest: Manifest;
  readonly #dir: ResultsDir;
  readonly #selected: CasePlan[];
  readonly #settings: SupervisorSettings;
  readonly #disabled = new Map<string, string>();
  #worker: CaseWorker | undefined;
  #wantsSamples = false;
  /** Plan indices of the cases the current worker has run or replayed. */
  #seen = new Set<number>();
  /** Positions before this one have all been seen by the current worker (or were not ok). */
  #caughtUp = 0;
  #progress: Progress | undefined;

  constructor(
    plan: RunPlan,
    manifest: Manifest,
    dir: ResultsDir,
    selected: CasePlan[],
    settings: SupervisorSettings,
  ) {
    this.#plan = plan;
    this.#manifest = manifest;
    this.#dir = dir;
    this.#selected = selected;
    this.#settings = settings;
  }

  /** Measures every pending or failed case, then reports and tears down. */
  async run(): Promise<SupervisedRun> {
    const records = this.#manifest.cases;
    const todo = records.filter((r) => r.status === "pending").length;
    const { model, costs } = this.#costModel();
    let next = 0;
    const pending = () => costs.filter((_, i) => i >= next && records[i].status === "pending");
    const progress = new Progress(todo, this.#settings.progress, () => model.remaining(pending()));
    this.#progress = progress;
    const onStopNow = () => this.#worker?.kill("stopped at once by a second interrupt");
    this.#settings.stopNow?.addEventListener("abort", onStopNow);
    try {
      for (const [position, c] of this.#selected.entries()) {
        const record = records[position];
        // Measured already (kept by --resume), or kept failed by merge: nothing to run.
        if (record.status !== "pending") continue;
        if (this.#stopping()) return { reports: [], interrupted: this.#reason() };
        const ready = await this.#ready(position);
        progress.begin(caseLabel(c));
        const started = performance.now();
        const result = ready instanceof WorkerLost
          ? { status: "failed" as const, error: ready.message, metrics: {}, tables: [] }
          : await ready.run(c.index);
        this.#seen.add(c.index);
        const killed = this.#settings.stopNow?.aborted === true;
        await this.#commit(record, c, result, Math.round(performance.now() - started), killed);
        next = position + 1;
        if (!killed && result.status === "ok") model.observe(costs[position], spentOn(record));
        if (killed) progress.end("STOPPED", record.error ?? "");
        else if (result.status === "ok") progress.end("ok", timingNote(record));
        else if (result.status === "skipped") progress.end("skipped", result.error ?? "");
        else progress.end("FAILED", result.error ?? "");
      }
      if (this.#stopping()) return { reports: [], interrupted: this.#reason() };
      const reports = await this.#report();
      if (this.#settings.stopNow?.aborted) return { reports: [], interrupted: this.#reason() };
      return { reports };
    } finally {
      this.#settings.stopNow?.removeEventListener("abort", onStopNow);
      await this.#close();
    }
  }

  /** The run's cost model (src/eta.ts) and each selected case's cost key, learnt from kept cases too. */
  #costModel(): { model: CostModel; costs: CaseCost[] } {
    const spec = this.#plan.loaded.spec;
    const witness = this.#plan.plugins.some((p) => p.definition.name === WITNESS_PLUGIN);
    // Evaluation samples run only for plugins with a sample hook; counting them always costs
    // one call per case at most in the estimate.
    const model = new CostModel(this.#plan.budget, spec.inputs.samples, witness, os.availableParallelism());
    const costs = this.#selected.map((c) => ({
      kernel: `${c.role} ${c.kernel.definition.name}`,
      flops: caseInfo(c, 0, 1).analytic.flops,
    }));
    this.#manifest.cases.forEach((record, i) => {
      if (record.status === "ok") model.observe(costs[i], spentOn(record));
    });
    return { model, costs };
  }

  /**
   * A worker that has seen every case finished before `position`, or why there is none (the case
   * then fails with it). Starting it and replaying into it are not part of the case's time.
   */
  async #ready(position: number): Promise<CaseWorker | WorkerLost> {
    try {
      const worker = await this.#ensureWorker();
      await this.#replayBefore(worker, position);
      return worker;
    } catch (error) {
      if (!(error instanceof WorkerLost)) throw error;
      return error;
    }
  }

  /** A worker that is open; starts one (again) when there is none or the last was lost. */
  async #ensureWorker(): Promise<CaseWorker> {
    while (!this.#worker || this.#worker.lost) {
      this.#idleEnd(this.#worker);
      const worker = this.#newWorker();
      this.#worker = worker;
      this.#seen = new Set();
      this.#caughtUp = 0;
      try {
        const opened = await worker.open();
        this.#wantsSamples = opened.wantsSamples;
        this.#statuses(opened.statuses);
      } catch (error) {
        if (!(error instanceof WorkerLost) || this.#settings.stopNow?.aborted) throw error;
        const plugin = error.hook?.plugin;
        if (!plugin || this.#disabled.has(plugin)) {
          throw new AttnbenchError("WORKER_START", `cannot start a worker process: ${error.message}`);
        }
        // A plugin that kills or hangs its worker while being set up would do so every time: leave it out.
        const reason = `${error.hook!.hook} failed: ${error.message}`;
        this.#disabled.set(plugin, reason);
        this.#error(`[profiler ${plugin}] ${reason}; the run goes on without it`);
      }
    }
    return this.#worker;
  }

  /**
   * A fresh worker's plugins have not seen the cases finished before `position` (measured by a
   * lost worker, or in an earlier session of a resumed run): replay their samples, in plan order.
   */
  async #replayBefore(worker: CaseWorker, position: number): Promise<void> {
    if (!this.#wantsSamples) return;
    // Only the positions since the last call are looked at, so a long run stays linear.
    const unseen: [number, CasePlan][] = [];
    for (let i = this.#caughtUp; i < position; i++) {
      const c = this.#selected[i];
      if (this.#manifest.cases[i].status === "ok" && !this.#seen.has(c.index)) unseen.push([i, c]);
    }
    if (unseen.length === 0) {
      this.#caughtUp = Math.max(this.#caughtUp, position);
      return;
    }
    this.#progress?.note(
      `replaying the evaluation samples of ${unseen.length} finished case${
        unseen.length === 1 ? "" : "s"
      } into a fresh worker, to rebuild the plugins' state (nothing is re-measured)`,
    );
    for (const [i, c] of unseen) {
      try {
        await worker.replay(c.index);
      } catch (error) {
        if (!(error instanceof WorkerLost)) throw error;
        throw new WorkerLost(
          `could not rebuild the plugins' state: replaying finished case ${i} (${
            caseLabel(c)
          }) ${error.message}`,
          error.phase,
          error.hook,
        );
      }
      this.#seen.add(c.index);
    }
    this.#caughtUp = Math.max(this.#caughtUp, position);
  }

  /** Records a case's result and commits it to disk. */
  async #commit(record: CaseRecord, c: CasePlan, result: CaseResult, duration: number, killed: boolean) {
    for (const key of MEASURED_FIELDS) delete record[key];
    record.files = [];
    record.duration_ms = duration;
    if (killed) {
      record.status = "pending";
      record.error = result.error;
    } else if (result.status === "ok" && result.timing) {
      try {
        for (const table of result.tables) {
          record.files.push(await this.#dir.writeTable(table, c.config_hash));
        }
      } catch (error) {
        throw this.#writeFault(error);
      }
      const timing = result.timing;
      const flops = caseInfo(c, 0, 1).analytic.flops;
      record.status = "ok";
      record.median_us = timing.median_ns / 1000;
      record.p25_us = timing.p25_ns / 1000;
      record.p75_us = timing.p75_ns / 1000;
      record.gflops = flops === undefined || !(timing.median_ns > 0)
        ? null
        : Math.round((flops / timing.median_ns) * 1e4) / 1e4;
      record.samples = timing.samples;
      record.calls = timing.calls;
      record.quality = qualityText(timing.quality);
      record.load = timing.load;
      record.warmup_calls = timing.warmup_calls;
      record.warmup_ms = round3(timing.warmup_ms);
      record.loop_ms = round3(timing.loop_ms);
      record.metrics = result.metrics;
      record.kernel_time = timing.kernel_median_ns === undefined ? "wall" : "device";
      if (timing.kernel_median_ns !== undefined) record.kernel_median_us = timing.kernel_median_ns / 1000;
      if (result.device) record.device = result.device;
    } else if (result.status === "skipped") {
      record.status = "skipped";
      record.error = result.error ?? "skipped";
    } else {
      record.status = "failed";
      record.error = result.error ?? "failed";
    }
    if (!killed) this.#manifest.sessions[this.#manifest.sessions.length - 1].ran++;
    try {
      await this.#dir.commitCase(this.#manifest, record);
    } catch (error) {
      throw this.#writeFault(error);
    }
  }

  /** Reports over every case with an outcome, in a worker that has seen all the finished ones. */
  async #report(): Promise<string[]> {
    this.#progress?.note("attnbench: all cases done; running the plugins' report hooks");
    // Report hooks may read manifest.json (the witness bundle binds it): make it whole first.
    try {
      await this.#dir.commit(this.#manifest);
    } catch (error) {
      throw this.#writeFault(error);
    }
    try {
      const worker = await this.#ensureWorker();
      await this.#replayBefore(worker, this.#selected.length);
      const outcomes = await this.#outcomes();
      const { texts, errors } = await worker.report(outcomes);
      for (const error of errors) this.#error(error);
      return texts;
    } catch (error) {
      if (!(error instanceof WorkerLost)) throw error;
      this.#error(`report failed: ${error.message}`);
      return [];
    }
  }

  /** What the report hooks see: each case's record, with its tables read back from disk. */
  async #outcomes(): Promise<CaseOutcome[]> {
    const outcomes: CaseOutcome[] = [];
    for (const [position, c] of this.#selected.entries()) {
      const record = this.#manifest.cases[position];
      if (record.status === "pending") continue;
      const tables = [];
      for (const file of record.files) tables.push(await this.#dir.readTable(file));
      outcomes.push({
        info: caseInfo(c, position, this.#selected.length),
        status: record.status,
        ...(record.error === undefined ? {} : { error: record.error }),
        metrics: record.metrics ?? {},
        tables,
      });
    }
    return outcomes;
  }

  /** Tears the worker's plugins down (unless it was lost) and ends it. */
  async #close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#idleEnd(worker);
    if (!worker || worker.lost) return;
    if (this.#settings.stopNow?.aborted) {
      worker.kill("stopped at once by a second interrupt");
      return;
    }
    try {
      const { statuses, errors } = await worker.close();
      this.#statuses(statuses);
      for (const error of errors) this.#error(error);
    } catch (error) {
      this.#error(error instanceof WorkerLost ? `teardown failed: ${error.message}` : describe(error));
    }
  }

  #newWorker(): CaseWorker {
    const open: OpenCommand = {
      type: "open",
      spec: { file: this.#plan.loaded.file, text: this.#plan.loaded.text },
      outputDir: this.#dir.root,
      strict: this.#settings.strict,
      selected: this.#selected.map((c) => c.index),
      hashes: this.#plan.cases.map((c) => c.config_hash),
      disabled: [...this.#disabled.keys()],
    };
    const onFile = (relative: string) => {
      if (!this.#manifest.files.includes(relative)) this.#manifest.files.push(relative);
    };
    if (this.#settings.isolation === "in-process") return new InProcessWorker(this.#plan, open, { onFile });
    return new ChildWorker(open, {
      timeoutMs: this.#manifest.limits.timeout_ms,
      memoryLimitMb: this.#manifest.limits.memory_limit_mb,
      output: this.#settings.workerOutput,
      onFile,
    });
  }

  /** Takes the plugins' statuses from a worker, keeping those left out as failed. */
  #statuses(statuses: PluginStatus[]): void {
    const byName = new Map(statuses.map((s) => [s.name, s]));
    this.#manifest.plugins = this.#manifest.plugins.map((planned) => {
      const reason = this.#disabled.get(planned.name);
      if (reason) return { ...planned, status: "failed", reason };
      const status = byName.get(planned.name) ?? planned;
      if (status.status === "failed" && status.reason) this.#error(status.reason);
      return status;
    });
  }

  /** Records a worker that died with nothing to do (nothing else would say so). */
  #idleEnd(worker: CaseWorker | undefined): void {
    if (worker?.endedWhileIdle) {
      this.#error(`a worker process ended between commands: ${worker.endedWhileIdle}`);
    }
  }

  /** A failure outside any case, recorded once. */
  #error(message: string): void {
    if (!this.#manifest.errors.includes(message)) this.#manifest.errors.push(message);
  }

  #stopping(): boolean {
    return this.#settings.signal?.aborted === true || this.#settings.stopNow?.aborted === true;
  }

  #reason(): "SIGINT" | "SIGTERM" {
    const reason = this.#settings.stopNow?.reason ?? this.#settings.signal?.reason;
    return reason === "SIGTERM" ? "SIGTERM" : "SIGINT";
  }

  #writeFault(error: unknown) {
    return outputFault(error, this.#dir.root, { during: "run" });
  }
}

/** What a finished case took, for the cost model. */
function spentOn(record: CaseRecord): CaseSpent {
  return {
    duration_ms: record.duration_ms ?? 0,
    loop_ms: record.loop_ms ?? 0,
    warmup_ms: record.warmup_ms ?? 0,
    median_us: record.median_us ?? 0,
  };
}

/** What a measurement puts in a case record; cleared before a case is (re)committed. */
const MEASURED_FIELDS = [
  "error",
  "median_us",
  "p25_us",
  "p75_us",
  "gflops",
  "samples",
  "calls",
  "quality",
  "load",
  "warmup_calls",
  "warmup_ms",
  "loop_ms",
  "metrics",
  "device",
  "kernel_time",
  "kernel_median_us",
] as const;

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function timingNote(record: CaseRecord): string {
  const gflops = record.gflops === null || record.gflops === undefined ? "" : `, ${record.gflops} GFLOP/s`;
  const device = record.kernel_median_us === undefined
    ? ""
    : `, on the device ${formatSpread({ median_us: record.kernel_median_us }).replace("median ", "")}`;
  const quality = record.quality && record.quality !== "ok" ? ` [${record.quality}]` : "";
  return `${formatSpread(record)}${device}${gflops}${quality}`;
}
