/**
 * results.csv as a function of manifest.json: one row per case that has an outcome, rebuilt from
 * its case record alone (parameters, timing, each plugin's metrics, error). A resumed run and an
 * uninterrupted one therefore write the same rows for the same records.
 *
 * @example
 * ```ts
 * import { resultTable } from "./result_rows.ts";
 * const { columns, rows } = resultTable(manifest.cases);
 * ```
 * @module
 */
import type { MetricValue } from "../contracts.ts";
import type { CaseRecord, EnvironmentRecord } from "./manifest.ts";

/** A results.csv row: column → value. */
export type ResultRow = Record<string, MetricValue>;

const LEADING = ["config_hash", "runtime", "runtime_version", "role", "kernel", "kernel_version", "status"];

/**
 * The results.csv column of a plugin's metric: `<plugin>_<metric>`, the plugin's name in
 * snake_case (`mincut-study` → `mincut_study_mean_kept_fraction`), so every column is a plain
 * identifier in pandas, DuckDB and SQL.
 *
 * @example
 * ```ts
 * metricColumn("cpu-time", "cpu_us"); // "cpu_time_cpu_us"
 * ```
 */
export function metricColumn(plugin: string, metric: string): string {
  return `${pluginPrefix(plugin)}${metric}`;
}

/**
 * The prefix of a plugin's columns: its name in snake_case, then `_`.
 *
 * @example
 * ```ts
 * pluginPrefix("mincut-study"); // "mincut_study_"
 * ```
 */
export function pluginPrefix(plugin: string): string {
  return `${plugin.replace(/[^A-Za-z0-9_]/g, "_")}_`;
}

/** Which runtime measured the rows: the config hash deliberately does not say. */
export type RowRuntime = Pick<EnvironmentRecord, "runtime" | "version">;
const TIMING = ["samples", "calls", "gflops"];
const TRAILING = ["error"];

/**
 * Columns the core writes in every results.csv; no parameter or plugin metric may take them.
 *
 * @example
 * ```ts
 * CORE_COLUMNS.includes("config_hash"); // true
 * ```
 */
export const CORE_COLUMNS: readonly string[] = [...LEADING, ...TIMING, ...TRAILING];

/**
 * The row of one case record: `config_hash, runtime, runtime_version, role, kernel,
 * kernel_version, status`, its parameters, `samples, calls, gflops`, every plugin metric as
 * `<plugin>_<metric>` ({@link metricColumn}), and `error`. The runtime columns tell Deno, Bun and Node rows of the same
 * case apart once tables are merged (their config hashes are equal by design).
 *
 * @example
 * ```ts
 * resultRow(manifest.cases[0], manifest.environment).latency_p50_us; // 52.1
 * ```
 */
export function resultRow(record: CaseRecord, runtime: RowRuntime): ResultRow {
  const row: ResultRow = {
    config_hash: record.config_hash,
    runtime: runtime.runtime ?? null,
    runtime_version: runtime.version ?? null,
    role: record.role,
    kernel: record.kernel.name,
    kernel_version: record.kernel.version,
    status: record.status,
  };
  for (const [name, value] of Object.entries(record.params)) row[name] = value as MetricValue;
  if (record.status === "ok") {
    row.samples = record.samples ?? null;
    row.calls = record.calls ?? null;
    row.gflops = record.gflops ?? null;
  }
  for (const [plugin, values] of Object.entries(record.metrics ?? {})) {
    for (const [key, value] of Object.entries(values)) row[metricColumn(plugin, key)] = value;
  }
  if (record.error !== undefined && record.status === "failed") row.error = record.error;
  return row;
}

/**
 * Columns and rows of results.csv for the records that have an outcome (`ok` or `failed`), in
 * plan order; columns appear in the order rows first use them, `error` last.
 *
 * @example
 * ```ts
 * resultTable(manifest.cases, manifest.environment).columns.slice(0, 3); // ["config_hash", "runtime", "runtime_version"]
 * ```
 */
export function resultTable(
  records: CaseRecord[],
  runtime: RowRuntime,
): { columns: string[]; rows: MetricValue[][] } {
  const rows = records.filter((r) => r.status !== "pending").map((r) => resultRow(r, runtime));
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
  columns.push(...TRAILING);
  return { columns, rows: rows.map((row) => columns.map((c) => row[c] ?? null)) };
}
