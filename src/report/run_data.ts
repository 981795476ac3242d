/**
 * A run folder read back for the report: its manifest, each measured case with its results.csv
 * row and raw samples (compare's reader), and the min-cut study's `verdict.json` when the
 * `mincut-study` plugin wrote one.
 *
 * @example
 * ```ts
 * import { readReportRun } from "./run_data.ts";
 * const run = await readReportRun("results/mincut"); // its latest run
 * run.cases.length; // 57
 * ```
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import { readRunSide, type RunSide } from "../compare/run_side.ts";
import { SpecError } from "../errors.ts";
import { findRunFolder } from "../output/run_folder.ts";
import { STUDY_VERDICT_FORMAT, type StudyVerdict } from "../study_verdict.ts";

/** A run as the report sees it: compare's reading of it (its `ok` cases with rows and raw samples), and a study's verdict. */
export interface ReportRun extends RunSide {
  verdict?: StudyVerdict;
}

/**
 * Reads a run folder, or a spec's results folder (its latest run).
 *
 * @example
 * ```ts
 * (await readReportRun("results/softmax-sweep")).manifest.spec.resolved.name; // "softmax-sweep"
 * ```
 */
export async function readReportRun(dir: string): Promise<ReportRun> {
  const runDir = findRunFolder(dir);
  const side = await readRunSide(runDir);
  const verdict = side.manifest.files.includes("verdict.json")
    ? readVerdict(path.join(runDir, "verdict.json"))
    : undefined;
  return { ...side, verdict };
}

function readVerdict(file: string): StudyVerdict {
  try {
    const verdict = JSON.parse(fs.readFileSync(file, "utf8")) as StudyVerdict;
    if (verdict.format !== STUDY_VERDICT_FORMAT || !Array.isArray(verdict.settings)) {
      throw new Error(`format ${JSON.stringify(verdict.format)}, expected ${STUDY_VERDICT_FORMAT}`);
    }
    return verdict;
  } catch (cause) {
    throw new SpecError("REPORT_INPUT", `cannot read ${file}: ${(cause as Error).message}`, undefined, {
      cause,
    });
  }
}
