/**
 * The min-cut study's λ × τ grid as heatmaps — coherence delta, KV-cache reduction and p95
 * latency ratio against the softmax baseline, one panel per variant — and its verdict table
 * (each success criterion PASS or FAIL), from the `verdict.json` the `mincut-study` plugin wrote.
 *
 * @example
 * ```ts
 * import { studyPlot } from "./study.ts";
 * studyPlot(runs)?.data.rows.length; // one row per setting
 * ```
 * @module
 */
import { type Plot, records } from "../plot.ts";
import type { ReportRun } from "../run_data.ts";

const METRICS = [
  { field: "coherence_delta", title: "coherence delta", format: ".3f", scheme: "redblue", mid: 0 },
  {
    field: "kv_cache_reduction",
    title: "KV-cache reduction",
    format: ".1%",
    scheme: "greens",
    mid: undefined,
  },
  {
    field: "latency_ratio",
    title: "p95 latency ÷ baseline",
    format: ".2f",
    scheme: "orangered",
    mid: undefined,
  },
] as const;

/**
 * The plot for the first run holding a study verdict, or undefined.
 *
 * @example
 * ```ts
 * studyPlot(runs)?.tables?.[0].title; // "verdict: …"
 * ```
 */
export function studyPlot(runs: readonly ReportRun[]): Plot | undefined {
  const run = runs.find((r) => r.verdict !== undefined);
  if (!run?.verdict || run.verdict.settings.length === 0) return undefined;
  const settings = run.verdict.settings;
  const columns = ["setting", "variant", "lambda", "tau", ...METRICS.map((m) => m.field)];
  const rows = settings.map((
    s,
  ) => [s.setting, s.variant, s.lambda, s.tau, ...METRICS.map((m) => s[m.field])]);
  const values = records({ columns, rows });
  const criteria = settings[0].checks.map((c) => c.criterion);
  const variants = [...new Set(settings.map((s) => s.variant))];
  return {
    name: "study-grid",
    title: "Min-cut study: λ × τ grid and verdict",
    caption: `Per setting (variant, λ, τ) over all its sequence lengths and evaluation samples: coherence ` +
      `delta (mean cosine to the baseline's output minus 1), KV-cache reduction (1 − kept / dense entries), and ` +
      `p95 latency ÷ the softmax baseline's at equal seq_len (geometric mean over lengths); eps-only ignores λ.`,
    wide: true,
    data: { columns, rows },
    tables: [{
      title: "verdict: each setting against the original script's success criteria",
      data: {
        columns: ["setting", ...criteria],
        rows: settings.map((
          s,
        ) => [s.setting, ...s.checks.map((c) => (c.result === "n/a" ? "n/a" : `${c.result} (${c.shown})`))]),
      },
    }],
    spec: (frame) => ({
      data: { values },
      resolve: { scale: { color: "independent" } },
      spacing: frame.rowHeight,
      hconcat: METRICS.map((m) => ({
        title: { text: m.title, fontSize: frame.target === "paper" ? 8 : 12 },
        facet: { row: { field: "variant", type: "nominal", title: null, sort: variants } },
        spec: {
          width: { step: frame.rowHeight * 4 },
          height: { step: frame.rowHeight * 2 },
          encoding: {
            x: { field: "tau", type: "ordinal", title: "τ" },
            y: { field: "lambda", type: "ordinal", title: "λ" },
          },
          layer: [
            {
              mark: { type: "rect" },
              encoding: {
                color: {
                  field: m.field,
                  type: "quantitative",
                  title: m.title,
                  scale: { scheme: m.scheme, ...(m.mid === undefined ? {} : { domainMid: m.mid }) },
                  legend: {
                    format: m.format,
                    orient: "right",
                    title: null,
                    gradientLength: frame.rowHeight * 8,
                    gradientThickness: frame.rowHeight,
                    offset: frame.rowHeight / 2,
                  },
                },
              },
            },
            {
              mark: { type: "text", fontSize: frame.target === "paper" ? 6 : 10 },
              encoding: { text: { field: m.field, type: "quantitative", format: m.format } },
            },
          ],
        },
      })),
    }),
  };
}
