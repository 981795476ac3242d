/**
 * `attnbench report RUN… [--figures] [--out FILE]`, and the report a run writes when it ends.
 *
 * @example
 * ```ts
 * import { reportCommand } from "./report_command.ts";
 * await reportCommand(["results/mincut"], { figures: true }, console.log); // 0
 * ```
 * @module
 */
import path from "node:path";
import { describe, SpecError } from "../errors.ts";
import { writeReport } from "../report/write_report.ts";

/** The options `report` reads. */
export interface ReportFlags {
  figures?: boolean;
  out?: string;
}

/**
 * Writes the report of the runs named; prints where it went.
 *
 * @example
 * ```ts
 * await reportCommand(["results/softmax-sweep/latest", "results/softmax-sweep/2026…"], {}, print); // 0
 * ```
 */
export async function reportCommand(
  args: string[],
  flags: ReportFlags,
  print: (text: string) => void,
): Promise<number> {
  if (args.length === 0) {
    throw new SpecError(
      "CLI_USAGE",
      "report takes one or more run folders (or spec results folders), got none; see --help",
    );
  }
  if (flags.out !== undefined && !flags.out.endsWith(".html")) {
    throw new SpecError("CLI_USAGE", `report --out ${flags.out}: expected a file name ending in .html`);
  }
  const written = await writeReport(args, { figures: flags.figures ?? false, out: flags.out });
  print(reportLines(written.html, written.plots, written.figures));
  return 0;
}

/**
 * After a run: writes its report (unless `--no-report`), and says where; a report that cannot be
 * made is a warning, never a failed run (the run's own files are already sealed).
 *
 * @example
 * ```ts
 * await reportAfterRun("results/mincut/2026…", { figures: false }, print, warn);
 * ```
 */
export async function reportAfterRun(
  dir: string,
  flags: ReportFlags,
  print: (text: string) => void,
  warn: (text: string) => void,
): Promise<void> {
  try {
    const written = await writeReport([dir], { figures: flags.figures ?? false });
    print(reportLines(written.html, written.plots, written.figures));
  } catch (error) {
    warn(`warning: report.html not written: ${describe(error)}; make it with: attnbench report ${dir}\n`);
  }
}

function reportLines(html: string, plots: string[], figures: string[]): string {
  const lines = [
    `report: ${html} (${plots.length} plot${plots.length === 1 ? "" : "s"}: ${plots.join(", ") || "none"})`,
  ];
  if (figures.length > 0) lines.push(`figures: ${figures.length} files in ${path.dirname(figures[0])}`);
  return lines.join("\n");
}
