/**
 * A comparison as people read it: a terminal table sorted by change (largest slowdown first),
 * GitHub-flavoured Markdown for a pull-request comment, CSV (one row per pair and metric) and JSON
 * (the {@link CompareReport} itself, `format: "attnbench-compare/1"`).
 *
 * @example
 * ```ts
 * import { formatReport } from "./format.ts";
 * console.log(formatReport(report, "markdown"));
 * ```
 * @module
 */
import { formatParams } from "../case_info.ts";
import { toCsv } from "../output/csv.ts";
import { formatTable } from "../text_table.ts";
import { type CompareReport, type MetricChange, type PairChange, pct } from "./compare.ts";

/** The output formats of `compare`. */
export type CompareFormat = "table" | "markdown" | "json" | "csv";

/**
 * The report in `format`.
 *
 * @example
 * ```ts
 * formatReport(report, "json"); // '{ "format": "attnbench-compare/1", ... }'
 * ```
 */
export function formatReport(report: CompareReport, format: CompareFormat): string {
  if (format === "json") return JSON.stringify(report, null, 2);
  if (format === "csv") return csvOf(report).trimEnd();
  const header = ["kernel", "params", "metric", "A", "B", "change", "95% interval", "p", "class", "note"];
  const rows = report.pairs.flatMap((pair) => pair.metrics.map((m) => cells(pair, m)));
  const { counts, geomean_ratio } = report.summary;
  const summary = [
    `${counts.regressed} regressed, ${counts.improved} improved, ${counts.unchanged} unchanged, ${counts.inconclusive} inconclusive (time per call; noise band ±${
      (report.options.noise * 100).toFixed(1)
    }%, alpha ${report.options.alpha})`,
    `geometric mean time ratio B/A: ${
      Object.entries(geomean_ratio).map(([kernel, r]) => `${kernel} ${r.toFixed(3)}`).join(", ") || "none"
    }`,
    ...report.unpaired.map((u) =>
      `unpaired: only in ${u.side.toUpperCase()}: ${u.kernel} ${formatParams(u.params)} [${
        u.config_hash.slice(0, 8)
      }]`
    ),
  ];
  const title =
    `A: ${report.a.label} (${report.a.runtime} ${report.a.runtime_version})  B: ${report.b.label} (${report.b.runtime} ${report.b.runtime_version})`;
  if (format === "markdown") {
    const escape = (cell: string) => cell.replace(/\|/g, "\\|");
    return [
      `**attnbench compare** — ${title}`,
      "",
      `| ${header.join(" | ")} |`,
      `| ${header.map(() => "---").join(" | ")} |`,
      ...rows.map((r) => `| ${r.map(escape).join(" | ")} |`),
      "",
      ...summary.map((line) => `- ${line}`),
    ].join("\n");
  }
  return [title, formatTable(header, rows), ...summary].join("\n");
}

function cells(pair: PairChange, m: MetricChange): string[] {
  const version = pair.paired_by === "identity" ? ` (version ${pair.version_a} → ${pair.version_b})` : "";
  const note = [m.confidence === "low" ? "low confidence" : "", m.reason].filter(Boolean).join(": ");
  return [
    `${pair.kernel}${version}`,
    formatParams(pair.params),
    m.metric,
    figure(m.a),
    figure(m.b),
    Number.isFinite(m.change) ? pct(m.change) : "",
    m.low === null || m.high === null ? "" : `[${pct(m.low)}, ${pct(m.high)}]`,
    m.p === null ? "" : m.p < 0.001 ? "<0.001" : m.p.toFixed(3),
    m.class,
    note,
  ];
}

function figure(x: number): string {
  if (!Number.isFinite(x)) return "";
  return Math.abs(x) >= 1000 ? x.toFixed(0) : x.toPrecision(4);
}

function csvOf(report: CompareReport): string {
  const columns = [
    "kernel",
    "config_hash_a",
    "config_hash_b",
    "paired_by",
    "metric",
    "kind",
    "a",
    "b",
    "change",
    "low",
    "high",
    "p",
    "class",
    "confidence",
    "reason",
  ];
  const rows = report.pairs.flatMap((pair) =>
    pair.metrics.map((m) => [
      pair.kernel,
      pair.config_hash_a,
      pair.config_hash_b,
      pair.paired_by,
      m.metric,
      m.kind,
      m.a,
      m.b,
      m.change,
      m.low,
      m.high,
      m.p,
      m.class,
      m.confidence,
      m.reason,
    ])
  );
  return toCsv(columns, rows);
}
