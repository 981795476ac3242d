/**
 * results.csv as a function of manifest.json: one row per case that has an outcome, rebuilt from
 * its case record alone, under a header fixed by the spec's kernels and plugins — not by which
 * values a run happened to produce:
 *
 * `config_hash, runtime, runtime_version, kernel, kernel_version, role`, every parameter of every
 * built-in kernel and of the spec's own kernels (blank where a case's kernel lacks it), `status,
 * quality, samples, calls, gflops, rel_iqr`, the machine's load while the case was timed, each
 * plugin's metrics in spec order (`<plugin>_<metric>`, snake_case), `error`. Two runs of specs
 * with the same plugins therefore share one header on every runtime, and a glob over their tables
 * loads in DuckDB or pandas without options. Each column keeps one type ({@link formatCell}).
 *
 * @example
 * ```ts
 * import { resultTable } from "./result_rows.ts";
 * const { columns, rows } = resultTable(manifest);
 * ```
 * @module
 */
import type { KernelDefinition, MetricValue } from "../contracts.ts";
import { spreadRatio } from "../quality.ts";
import {
  type ColumnDescription,
  type ColumnType,
  formatCell,
  inferColumnType,
  schemaColumnType,
} from "./column_types.ts";
import type { CaseRecord, EnvironmentRecord, Manifest, PluginStatus } from "./manifest.ts";

/** A results.csv row: column → value. */
export type ResultRow = Record<string, MetricValue>;

const core = (name: string, type: ColumnType, description: string, unit?: string): ColumnDescription => ({
  name,
  type,
  ...(unit ? { unit } : {}),
  description,
  source: "core",
});

const LEADING: ColumnDescription[] = [
  core(
    "config_hash",
    "string",
    "SHA-256 of the case's configuration (kernel and version, parameters, inputs, budget); equal on every runtime and machine",
  ),
  core("runtime", "string", "JavaScript runtime that measured the row: deno, bun or node"),
  core("runtime_version", "string", "version of that runtime"),
  core("kernel", "string", "kernel name"),
  core("kernel_version", "string", "kernel version (bumped whenever its results could change)"),
  core("role", "string", "kernel, or baseline for a study's reference kernel"),
];

const MEASURED: ColumnDescription[] = [
  core("status", "string", "ok, failed (see error), or skipped (error says why it could not run here)"),
  core(
    "quality",
    "string",
    "ok, or ;-joined flags: few_samples, over_budget, noisy, loaded (docs/outputs.md)",
  ),
  core("samples", "integer", "samples of the timed loop"),
  core("calls", "integer", "kernel calls in the timed loop"),
  core("gflops", "double", "kernel flops divided by the median time per call", "GFLOP/s"),
  core("rel_iqr", "double", "interquartile range of the time per call divided by its median", "ratio"),
  core("load_avg_1m", "double", "1-minute load average at the end of the timed loop (/proc/loadavg)"),
  core(
    "other_cpu_share",
    "double",
    "share of the machine's CPU other processes used while the case ran (/proc/stat)",
    "ratio",
  ),
  core("steal_share", "double", "share of CPU time stolen by the hypervisor meanwhile", "ratio"),
  core("iowait_share", "double", "share of CPU time waiting for I/O meanwhile", "ratio"),
];

const TRAILING: ColumnDescription[] = [core("error", "string", "why a failed case failed")];

/**
 * Columns the core writes in every results.csv; no parameter or plugin metric may take them.
 *
 * @example
 * ```ts
 * CORE_COLUMNS.includes("quality"); // true
 * ```
 */
export const CORE_COLUMNS: readonly string[] = [...LEADING, ...MEASURED, ...TRAILING].map((c) => c.name);

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

/** What fixes the header: the declared parameters and the plugins with their declared metrics. */
export interface ResultLayout {
  /** Parameter columns of every kernel the header covers (absent in manifests before 0.2). */
  parameters?: ColumnDescription[];
  plugins: Pick<PluginStatus, "name" | "metrics">[];
}

/**
 * Columns nobody declared (parameters outside a kernel's schema, metrics of plugins without a
 * `metrics` declaration), learnt from the records, each with the type that holds every value.
 *
 * @example
 * ```ts
 * const seen = new UndeclaredColumns();
 * seen.add(record, layout); // true: a new column or a widened type
 * ```
 */
export class UndeclaredColumns {
  /** Column name → its group (`parameter` or the plugin's name) and type. */
  readonly #columns = new Map<string, { group: string; type: ColumnType }>();

  /** Learns a record's undeclared columns; whether the header or a type changed. */
  add(record: CaseRecord, layout: ResultLayout): boolean {
    let changed = false;
    const learn = (name: string, group: string, value: unknown) => {
      const known = this.#columns.get(name);
      const type = known ? widen(known.type, value) : inferColumnType([value]);
      if (known?.type === type) return;
      this.#columns.set(name, { group, type });
      changed = true;
    };
    const declaredParams = new Set((layout.parameters ?? []).map((c) => c.name));
    for (const [name, value] of Object.entries(record.params)) {
      if (!declaredParams.has(name)) learn(name, "parameter", value);
    }
    for (const [plugin, values] of Object.entries(record.metrics ?? {})) {
      const declared = layout.plugins.find((p) => p.name === plugin)?.metrics;
      for (const [metric, value] of Object.entries(values)) {
        if (!declared?.[metric]) learn(metricColumn(plugin, metric), plugin, value);
      }
    }
    return changed;
  }

  /** The undeclared columns of a group, sorted by name. */
  of(group: string): ColumnDescription[] {
    return [...this.#columns].filter(([, c]) => c.group === group).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0
    )
      .map(([name, c]) => ({
        name,
        type: c.type,
        description: group === "parameter"
          ? "kernel parameter (not in a kernel's schema)"
          : "undeclared metric",
        source: group === "parameter" ? "parameter" : `plugin ${group}`,
      }));
  }

  /** Groups of plugins seen that the layout does not list. */
  groupsOutside(layout: ResultLayout): string[] {
    const listed = new Set(["parameter", ...layout.plugins.map((p) => p.name)]);
    return [...new Set([...this.#columns.values()].map((c) => c.group))].filter((g) => !listed.has(g)).sort();
  }
}

/**
 * The parameter columns for a set of kernels: each kernel's parameters in its schema's order,
 * kernels in the order given (the built-ins first, so every spec shares their columns), a name
 * seen twice kept once; typed from the schema ({@link schemaColumnType}).
 *
 * @example
 * ```ts
 * parameterColumns(Object.values(registeredKernels())).map((c) => c.name); // ["seq_len", "d", "causal", ...]
 * ```
 */
export function parameterColumns(
  kernels: readonly Pick<KernelDefinition, "name" | "params">[],
): ColumnDescription[] {
  const columns = new Map<string, ColumnDescription>();
  for (const kernel of kernels) {
    for (const [name, schema] of Object.entries(kernel.params.entries)) {
      const known = columns.get(name);
      if (known) {
        known.description = `${known.description}, ${kernel.name}`;
        if (known.type !== schemaColumnType(schema)) known.type = "string";
        continue;
      }
      columns.set(name, {
        name,
        type: schemaColumnType(schema),
        description: `kernel parameter of ${kernel.name}`,
        source: "parameter",
      });
    }
  }
  return [...columns.values()];
}

/**
 * The header for a layout and the undeclared columns seen.
 *
 * @example
 * ```ts
 * resultColumns(manifest, seen).slice(0, 3).map((c) => c.name); // ["config_hash", "runtime", "runtime_version"]
 * ```
 */
export function resultColumns(layout: ResultLayout, undeclared: UndeclaredColumns): ColumnDescription[] {
  const plugins = layout.plugins.flatMap((plugin) => [
    ...Object.entries(plugin.metrics ?? {}).map(([metric, d]): ColumnDescription => ({
      name: metricColumn(plugin.name, metric),
      type: d.type,
      ...(d.unit ? { unit: d.unit } : {}),
      description: d.description,
      source: `plugin ${plugin.name}`,
    })),
    ...undeclared.of(plugin.name),
  ]);
  return [
    ...LEADING,
    ...(layout.parameters ?? []),
    ...undeclared.of("parameter"),
    ...MEASURED,
    ...plugins,
    ...undeclared.groupsOutside(layout).flatMap((group) => undeclared.of(group)),
    ...TRAILING,
  ];
}

/**
 * The row of one case record, by column name ({@link resultColumns} orders and types it).
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
    kernel: record.kernel.name,
    kernel_version: record.kernel.version,
    role: record.role,
    status: record.status,
  };
  for (const [name, value] of Object.entries(record.params)) row[name] = value as MetricValue;
  if (record.status === "ok") {
    row.quality = record.quality ?? null;
    row.samples = record.samples ?? null;
    row.calls = record.calls ?? null;
    row.gflops = record.gflops ?? null;
    row.rel_iqr = spread(record);
    row.load_avg_1m = record.load?.load_avg_1m ?? null;
    row.other_cpu_share = record.load?.other_cpu_share ?? null;
    row.steal_share = record.load?.steal_share ?? null;
    row.iowait_share = record.load?.iowait_share ?? null;
  }
  for (const [plugin, values] of Object.entries(record.metrics ?? {})) {
    for (const [key, value] of Object.entries(values)) row[metricColumn(plugin, key)] = value;
  }
  if (record.error !== undefined && (record.status === "failed" || record.status === "skipped")) {
    row.error = record.error;
  }
  return row;
}

/**
 * A row's cells in the header's order, each written as its column's type.
 *
 * @example
 * ```ts
 * rowCells(resultRow(record, env), columns); // ["3f2a…", "deno", "2.9.5", ...]
 * ```
 */
export function rowCells(row: ResultRow, columns: readonly ColumnDescription[]): MetricValue[] {
  return columns.map((c) => formatCell(row[c.name], c.type));
}

/**
 * Columns and rows of results.csv for the records that have an outcome (`ok` or `failed`), in
 * plan order, and the undeclared columns learnt from them.
 *
 * @example
 * ```ts
 * resultTable(manifest).columns[0].name; // "config_hash"
 * ```
 */
export function resultTable(
  manifest: Pick<Manifest, "cases" | "environment" | "parameters" | "plugins">,
): { columns: ColumnDescription[]; rows: MetricValue[][]; undeclared: UndeclaredColumns } {
  const records = manifest.cases.filter((r) => r.status !== "pending");
  const undeclared = new UndeclaredColumns();
  for (const record of records) undeclared.add(record, manifest);
  const columns = resultColumns(manifest, undeclared);
  const rows = records.map((r) => rowCells(resultRow(r, manifest.environment), columns));
  return { columns, rows, undeclared };
}

function spread(record: CaseRecord): number | null {
  const { p25_us, median_us, p75_us, samples = 0 } = record;
  if (p25_us === undefined || median_us === undefined || p75_us === undefined) return null;
  return spreadRatio(samples, p25_us, median_us, p75_us);
}

function widen(type: ColumnType, value: unknown): ColumnType {
  if (value === null || value === undefined) return type;
  return inferColumnType([value]) === type ? type : "string";
}
