/**
 * report.html: one self-contained page — what ran, what failed, then every plot as inline SVG
 * with its caption, its extra tables and its data — with no script, no request to the network or
 * to another file, and a print stylesheet. Everything a run or a spec supplied is escaped.
 *
 * @example
 * ```ts
 * import { reportHtml } from "./html.ts";
 * const html = reportHtml({ runs, figures: [{ plot, svg }], generated: new Date().toISOString() });
 * ```
 * @module
 */
import type { Plot, PlotData } from "./plot.ts";
import type { ReportRun } from "./run_data.ts";
import { VERSION } from "../version.ts";

/** What the page is made of. */
export interface ReportPage {
  runs: readonly ReportRun[];
  figures: readonly { plot: Plot; svg: string }[];
  /** When the report was made (ISO 8601). */
  generated: string;
}

/**
 * The page's HTML.
 *
 * @example
 * ```ts
 * reportHtml(page).startsWith("<!DOCTYPE html>"); // true
 * ```
 */
export function reportHtml(page: ReportPage): string {
  const first = page.runs[0].manifest;
  const name = first.spec.resolved.name;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="attnbench ${escapeHtml(VERSION)}">
<title>attnbench report: ${escapeHtml(name)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>attnbench report: ${escapeHtml(name)}</h1>
${first.spec.resolved.description ? `<p class="lead">${escapeHtml(first.spec.resolved.description)}</p>` : ""}
</header>
<section id="what-ran">
<h2>What ran</h2>
${dataTable(whatRan(page.runs), "facts")}
${problems(page.runs)}
</section>
${page.figures.map((f, i) => figure(f.plot, f.svg, i + 1)).join("\n")}
${
    page.figures.length === 0
      ? `<p>No plot: the run${page.runs.length > 1 ? "s have" : " has"} no measured case to draw.</p>`
      : ""
  }
<footer>Made by attnbench ${escapeHtml(VERSION)} on ${escapeHtml(page.generated)} from ${
    page.runs.map((r) => `<code>${escapeHtml(r.dir)}</code>`).join(", ")
  }. Every value above is read from the run folder${
    page.runs.length > 1 ? "s" : ""
  }: manifest.json, results.csv and the per-case tables.</footer>
</body>
</html>
`;
}

/**
 * Text made safe for HTML: `&`, `<`, `>`, `"` and `'` as entities.
 *
 * @example
 * ```ts
 * escapeHtml('<b title="x">'); // "&lt;b title=&quot;x&quot;&gt;"
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * A Vega SVG made fit to sit inline with others: no namespace declarations (HTML needs none),
 * and its ids (clip paths, gradients) prefixed so two figures cannot collide.
 *
 * @example
 * ```ts
 * inlineSvg('<svg xmlns="http://www.w3.org/2000/svg"><clipPath id="clip1"/><g clip-path="url(#clip1)"/></svg>', "f1");
 * // '<svg><clipPath id="f1-clip1"/><g clip-path="url(#f1-clip1)"/></svg>'
 * ```
 */
export function inlineSvg(svg: string, prefix: string): string {
  return svg
    .replace(/\s+xmlns(:\w+)?="[^"]*"/g, "")
    .replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`);
}

function figure(plot: Plot, svg: string, n: number): string {
  const tables = (plot.tables ?? []).map((t) => `<h3>${escapeHtml(t.title)}</h3>\n${dataTable(t.data)}`).join(
    "\n",
  );
  return `<section class="plot" id="${plot.name}" data-plot="${plot.name}" data-rows="${plot.data.rows.length}">
<h2>Figure ${n}. ${escapeHtml(plot.title)}</h2>
<figure class="${plot.wide ? "wide" : "column"}">
${inlineSvg(svg, `f${n}`).replace("<svg", `<svg role="img" aria-label="${escapeHtml(plot.title)}"`)}
<figcaption><b>Figure ${n}.</b> ${escapeHtml(plot.caption)}</figcaption>
</figure>
${tables}
<details><summary>Data (${plot.data.rows.length} rows)</summary>
${dataTable(plot.data, "data")}
</details>
</section>`;
}

function dataTable(data: PlotData, className = ""): string {
  const cell = (v: string | number | null) => {
    const text = v === null ? "" : typeof v === "number" ? formatNumber(v) : v;
    const verdict = /^(PASS|FAIL)\b/.exec(text)?.[1];
    return `<td${verdict ? ` class="${verdict.toLowerCase()}"` : ""}>${escapeHtml(text)}</td>`;
  };
  return `<table${className ? ` class="${className}"` : ""}><thead><tr>${
    data.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")
  }</tr></thead><tbody>
${data.rows.map((r) => `<tr>${r.map(cell).join("")}</tr>`).join("\n")}
</tbody></table>`;
}

function formatNumber(x: number): string {
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(1) : Number(x.toPrecision(4)).toString();
}

/** Rows of the "what ran" table: one column per run. */
function whatRan(runs: readonly ReportRun[]): PlotData {
  const field = (label: string, value: (r: ReportRun) => string) => [label, ...runs.map(value)];
  const flags = (r: ReportRun) => {
    const counts = new Map<string, number>();
    for (const c of r.manifest.cases) {
      for (const flag of (c.quality ?? "ok").split(";")) {
        if (c.status === "ok" && flag !== "ok") counts.set(flag, (counts.get(flag) ?? 0) + 1);
      }
    }
    return counts.size === 0 ? "none" : [...counts].map(([flag, n]) => `${flag}: ${n}`).join(", ");
  };
  return {
    columns: ["", ...runs.map((r) => r.label)],
    rows: [
      field(
        "spec",
        (r) =>
          `${r.manifest.spec.resolved.name} (${r.manifest.spec.file}, sha256 ${
            r.manifest.spec.sha256.slice(0, 12)
          })`,
      ),
      field("runtime", (r) => `${r.manifest.environment.runtime} ${r.manifest.environment.version}`),
      field("machine", (r) => {
        const m = r.manifest.environment.machine;
        const os = r.manifest.environment.os;
        return `${m.cpu_model ?? "CPU model unknown"} × ${m.cores}, governor ${m.governor ?? "unknown"}; ` +
          `${os.platform} ${os.release} ${os.arch}; host ${r.manifest.process.host}`;
      }),
      field("date", (r) => `${r.manifest.started_at} → ${r.manifest.finished_at ?? "not finished"}`),
      field("git commit", (r) => r.manifest.environment.git_commit ?? "not in a git checkout"),
      field("attnbench", (r) => r.manifest.attnbench.version),
      field("status", (r) => r.manifest.status),
      field("cases", (r) => {
        const s = r.manifest.summary;
        return `${s.total}: ${s.ok} ok, ${s.failed} failed, ${s.pending} pending`;
      }),
      field("quality flags", flags),
      field(
        "plugins",
        (r) =>
          r.manifest.plugins.map((p) => `${p.name} ${p.status}${p.reason ? ` (${p.reason})` : ""}`).join(
            "; ",
          ),
      ),
    ],
  };
}

/** Failed cases, run errors, and warnings (skipped cases among them), or nothing. */
function problems(runs: readonly ReportRun[]): string {
  const items = runs.flatMap((r) =>
    [
      ...r.manifest.cases.filter((c) => c.status === "failed")
        .map((c) =>
          `case ${c.index} ${c.kernel.name} [${c.config_hash.slice(0, 8)}] failed: ${
            c.error ?? "no error recorded"
          }`
        ),
      ...r.manifest.errors.map((e) => `error: ${e}`),
    ].map((text) => (runs.length > 1 ? `${r.label}: ${text}` : text))
  );
  const skipped = runs.flatMap((r) =>
    r.manifest.cases.filter((c) => c.status === "skipped").map((c) =>
      `${runs.length > 1 ? `${r.label}: ` : ""}case ${c.index} ${c.kernel.name} [${
        c.config_hash.slice(0, 8)
      }] skipped: ${c.error ?? "no reason recorded"}`
    )
  );
  const warnings = [...skipped, ...runs.flatMap((r) => r.manifest.warnings)];
  return [
    items.length > 0
      ? `<h3 class="fail">Failures (${items.length})</h3>\n<ul>${
        items.map((t) => `<li>${escapeHtml(t)}</li>`).join("")
      }</ul>`
      : "",
    warnings.length > 0
      ? `<details><summary>Warnings (${warnings.length})</summary><ul>${
        warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("")
      }</ul></details>`
      : "",
  ].join("\n");
}

const STYLE = `
body { font: 15px/1.45 "DejaVu Sans", system-ui, sans-serif; color: #1a1a1a; margin: 2rem auto; max-width: 1180px; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; } h3 { font-size: 1rem; }
.lead { color: #444; margin-top: 0; }
figure { margin: 0; } figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #333; font-size: .9rem; margin-top: .4rem; max-width: 900px; }
table { border-collapse: collapse; font-size: .85rem; margin: .5rem 0; }
th, td { border: 1px solid #ddd; padding: .2rem .45rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } table.facts td:first-child { font-weight: bold; white-space: nowrap; }
td.pass { background: #e3f4e3; color: #11611a; } td.fail { background: #fbe4e4; color: #9b1c1c; }
h3.fail { color: #9b1c1c; } details { margin: .5rem 0; } summary { cursor: pointer; color: #444; }
code { font-size: .85rem; } footer { margin-top: 3rem; color: #666; font-size: .8rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  section.plot { break-inside: avoid; page-break-inside: avoid; }
  details { display: none; }
  @page { margin: 15mm; }
}
`;
