/**
 * The shape of `manifest.json`: what was run, where, with which plugins, and what became of each
 * case. It is rewritten (atomically) after every case, so an interrupted run still says which
 * cases finished.
 *
 * @example
 * ```ts
 * import type { Manifest } from "./manifest.ts";
 * const manifest: Manifest = JSON.parse(await Deno.readTextFile("results/x/manifest.json"));
 * manifest.cases.filter((c) => c.status === "failed");
 * ```
 * @module
 */
import type { DeviceInfo, InputShape, MetricDescription, Metrics, Origin } from "../contracts.ts";
import type { ColumnDescription } from "./column_types.ts";
import { configHash } from "../hash.ts";
import type { CaseLimits } from "../limits.ts";
import type { CaseLoad, MachineInfo } from "../machine_load.ts";
import type { RuntimeInfo } from "../runtime.ts";
import type { Spec } from "../spec/schema.ts";

/** What happened to a plugin, for the manifest. */
export interface PluginStatus {
  name: string;
  ref: string;
  origin: Origin;
  options: unknown;
  status: "active" | "skipped" | "failed";
  /** Why it was skipped or failed; for an active plugin, the note its `detect` gave, if any. */
  reason?: string;
  /** The npm package it came from, with its version, for a plugin named by package. */
  package?: { name: string; version: string | null };
  /** The metrics it declares (its results.csv columns, even while skipped), if it declares them. */
  metrics?: Record<string, MetricDescription>;
}

/** One case's record. */
export interface CaseRecord {
  index: number;
  config_hash: string;
  role: "kernel" | "baseline";
  kernel: { name: string; version: string; ref: string; origin: Origin };
  params: Record<string, unknown>;
  shape: InputShape;
  /**
   * `pending` until measured (also when a run stopped during the case: then `error` says where),
   * `ok`, `failed` with `error` in plain words (`timed out after 3000 ms during run()`), or
   * `skipped` when the kernel said it cannot run here, `error` saying why (no WebGPU adapter, ...).
   */
  status: "pending" | "ok" | "failed" | "skipped";
  error?: string;
  /** The device the case ran on (a WebGPU adapter: vendor, architecture, description), if not the CPU. */
  device?: DeviceInfo;
  /**
   * Where `kernel_time_us` (latency plugin) came from: `device` — the device's own clock per call
   * (GPU timestamp queries), its median in `kernel_median_us`; `wall` — the kernel has no device
   * clock, so kernel time is the wall time.
   */
  kernel_time?: "device" | "wall";
  kernel_median_us?: number;
  /** Median time per call, µs (absent until measured). */
  median_us?: number;
  /** First and third quartiles of the time per call, µs: the spread the summary prints. */
  p25_us?: number;
  p75_us?: number;
  /** `ok`, or `;`-joined flags (few_samples, over_budget, noisy, loaded): see src/quality.ts. */
  quality?: string;
  /** What else the machine did while the case was timed (src/machine_load.ts). */
  load?: CaseLoad;
  /** Untimed warm-up calls and their wall time; wall time of the timed loop (ms). */
  warmup_calls?: number;
  warmup_ms?: number;
  loop_ms?: number;
  /** Kernel flops ÷ median time, where the kernel declares flops. */
  gflops?: number | null;
  /** Samples and calls of the timed loop. */
  samples?: number;
  calls?: number;
  /** Each plugin's metrics, by plugin name: results.csv's row is rebuilt from this record alone. */
  metrics?: Record<string, Metrics>;
  /** Wall time of the whole case (inputs, prepare, plugins, measurement), ms. */
  duration_ms?: number;
  /** Files written for this case, relative to the results folder. */
  files: string[];
  /** In a merged run: the machine that measured the case (host, CPU model), its runtime, its shard. */
  host?: string;
  cpu?: string;
  runtime?: string;
  shard?: number;
}

/** A shard of a merged run. */
export interface MergedShard {
  index: number;
  /** The shard's run folder, as given to `merge`. */
  dir: string;
  host: string;
  engine: string;
  job: Record<string, string>;
  /** The shard's own witness bundle, kept in the merged folder, relative to it. */
  bundle?: string;
}

/**
 * Which shards of how many a run holds (src/shard/): one for a shard run (with the engine that
 * started it, its job ids and host), the merged ones for a merged run.
 */
export interface ShardRecord {
  count: number;
  /** 1-based shard numbers. */
  indices: number[];
  engine?: string;
  job?: Record<string, string>;
  host?: string;
  /** A merged run's shards. */
  merged?: MergedShard[];
}

/** The environment of the run, with a fingerprint over all of it. */
export interface EnvironmentRecord extends RuntimeInfo {
  git_commit: string | null;
  /** CPU model, core count and frequency governor where readable. */
  machine: MachineInfo;
  /** SHA-256 of the canonical JSON of the other fields. */
  fingerprint: string;
}

/** One time a run was started or resumed. */
export interface SessionRecord {
  started_at: string;
  finished_at?: string;
  pid: number;
  host: string;
  /** Cases measured in this session (plan indices of the run's records). */
  ran: number;
}

/** manifest.json */
export interface Manifest {
  schema_version: number;
  attnbench: { version: string };
  /**
   * `running` until the last case, then `complete`; `interrupted` when the user stopped it
   * (Ctrl-C, SIGTERM), `aborted` when an error stopped it early. Cases not reached stay
   * `pending`. A run killed outright leaves `running`; readers report it as `crashed` once its
   * process is gone (see run_state.ts).
   */
  status: "running" | "complete" | "interrupted" | "aborted";
  started_at: string;
  finished_at?: string;
  /** The process writing the run (the last session's). */
  process: { pid: number; host: string };
  /** Every session of the run: the first, then one per `--resume`. */
  sessions: SessionRecord[];
  /**
   * `dir`: absolute folder of the spec, against which its relative kernel and plugin paths
   * resolve; `identity_sha256`: hash of the resolved spec without what may change on `--resume`
   * (description, output, and the caps `bench.timeout_ms`, `bench.memory_limit_mb`).
   */
  spec: { file: string; dir: string; sha256: string; identity_sha256: string; resolved: Spec };
  environment: EnvironmentRecord;
  /** The caps every case ran under (see src/limits.ts). */
  limits: CaseLimits;
  filter: string[];
  /** A sharded run's shard, or a merged run's shards (absent for a whole run). */
  shard?: ShardRecord;
  plugins: PluginStatus[];
  /**
   * results.csv's parameter columns: every parameter of every built-in kernel and of the spec's
   * kernels, typed from their schemas (see result_rows.ts); absent before attnbench 0.2.
   */
  parameters?: ColumnDescription[];
  cases: CaseRecord[];
  /** Files written by plugins' `report` hooks, relative to the results folder. */
  files: string[];
  summary: { total: number; ok: number; failed: number; skipped: number; pending: number };
  warnings: string[];
  /**
   * Failures outside any case, each one line: a plugin hook that threw in setup, report or
   * teardown, a worker process lost while setting up or reporting. Any makes the run exit 1.
   */
  errors: string[];
  /** What stopped the run early (interrupted or aborted). */
  error?: string;
}

/**
 * SHA-256 of the canonical JSON of the parts of a manifest that are final once the last case is
 * measured: the resolved spec, the environment and every case's record (parameters, status,
 * medians, files). What changes after that (status, finished_at, plugin statuses, summary,
 * warnings, the files a report writes) is left out, so a report hook can bind it, as the witness
 * bundle does, and `verify` can recompute it from manifest.json.
 *
 * @example
 * ```ts
 * const manifest = JSON.parse(await Deno.readTextFile("results/mincut/manifest.json"));
 * await manifestRecordSha256(manifest); // "9c1f…", 64 hex digits
 * ```
 */
export function manifestRecordSha256(
  manifest: Pick<Manifest, "spec" | "environment" | "cases">,
): Promise<string> {
  // Through JSON, so an in-memory manifest (undefined fields) hashes as its file does.
  const { spec, environment, cases } = manifest;
  return configHash(JSON.parse(JSON.stringify({ spec, environment, cases })));
}

/**
 * Counts of a manifest's case records by status.
 *
 * @example
 * ```ts
 * summarize(manifest.cases); // { total: 8, ok: 6, failed: 1, skipped: 1, pending: 0 }
 * ```
 */
export function summarize(records: CaseRecord[]): Manifest["summary"] {
  const count = (status: CaseRecord["status"]) => records.filter((r) => r.status === status).length;
  return {
    total: records.length,
    ok: count("ok"),
    failed: count("failed"),
    skipped: count("skipped"),
    pending: count("pending"),
  };
}
