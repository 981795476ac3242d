/**
 * `attnbench report RUN…`: reads the runs, draws every plot their data allows, and writes
 * `report.html` into the first run's folder (and with `figures`, each plot as
 * `figures/<name>.svg` and `.png` for a paper). Each file is written whole or not at all.
 *
 * @example
 * ```ts
 * import { writeReport } from "./write_report.ts";
 * const written = await writeReport(["results/mincut"], { figures: true });
 * written.html; // "results/mincut/20261207T…/report.html"
 * ```
 * @module
 */
import path from "node:path";
import { writeFileAtomic } from "../output/atomic.ts";
import { FIGURES_DIR, REPORT_FILE } from "../output/run_folder.ts";
import { reportHtml } from "./html.ts";
import type { Plot } from "./plot.ts";
import { changesPlot } from "./plots/changes.ts";
import { distributionPlot } from "./plots/distribution.ts";
import { energyPlot } from "./plots/energy.ts";
import { latencyPlot } from "./plots/latency.ts";
import { memoryPlot } from "./plots/memory.ts";
import { studyPlot } from "./plots/study.ts";
import { paperFigure } from "./rasterise.ts";
import { renderPlot } from "./render.ts";
import { readReportRun, type ReportRun } from "./run_data.ts";

/** Every plot the report knows, in page order; each returns undefined when a run lacks its data. */
const PLOTS: ((runs: readonly ReportRun[]) => Plot | undefined)[] = [
  latencyPlot,
  distributionPlot,
  memoryPlot,
  energyPlot,
  studyPlot,
  changesPlot,
];

/** What `writeReport` may do besides report.html. */
export interface ReportOptions {
  /** Also write figures/<name>.svg and .png. */
  figures?: boolean;
  /** Where report.html goes (default: the first run's folder). */
  out?: string;
  /** The time the report states it was made (tests fix it). */
  now?: Date;
}

/** The files written. */
export interface WrittenReport {
  html: string;
  figures: string[];
  /** The plots drawn, by name. */
  plots: string[];
}

/**
 * Writes the report of the runs in `dirs` (run folders, or spec results folders: their latest).
 *
 * @example
 * ```ts
 * (await writeReport(["results/softmax-sweep"])).plots; // ["latency", "distributions"]
 * ```
 */
export async function writeReport(
  dirs: readonly string[],
  options: ReportOptions = {},
): Promise<WrittenReport> {
  const runs = await Promise.all(dirs.map((dir) => readReportRun(dir)));
  const plots = PLOTS.map((plot) => plot(runs)).filter((p): p is Plot => p !== undefined);
  const figures = [];
  for (const plot of plots) figures.push({ plot, svg: await renderPlot(plot, "screen") });
  const html = options.out ?? path.join(runs[0].dir, REPORT_FILE);
  const written: string[] = [];
  if (options.figures) {
    const folder = path.join(path.dirname(html), FIGURES_DIR);
    for (const plot of plots) {
      const figure = await paperFigure(await renderPlot(plot, "paper"));
      for (const [ext, data] of [["svg", figure.svg], ["png", figure.png]] as const) {
        const file = path.join(folder, `${plot.name}.${ext}`);
        await writeFileAtomic(file, data);
        written.push(file);
      }
    }
  }
  await writeFileAtomic(
    html,
    reportHtml({ runs, figures, generated: (options.now ?? new Date()).toISOString() }),
  );
  return { html, figures: written, plots: plots.map((p) => p.name) };
}
