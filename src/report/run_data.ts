/**
 * A run folder read back for the report: its manifest, each measured case with its results.csv
 * row and raw samples (compare's reader), and the min-cut study's `verdict.json` when the
 * `mincut-study` plugin wrote one.
 *
 * @example
 * ```ts
 * import { readReportRun } from "./run_data.ts";
 * const run = await readReportRun("results/mincut"); // its latest run
 * run.measured.length; // 57
 * ```
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import { readRunSide, type SideCase } from "../compare/run_side.ts";
import { SpecError } from "../errors.ts";
import type { Manifest } from "../output/manifest.ts";
import { findRunFolder } from "../output/run_folder.ts";
import { STUDY_VERDICT_FORMAT, type StudyVerdict } from "../study_verdict.ts";

/** A run as the report sees it. */
export interface ReportRun {
  dir: string;
  /** Its run id (the folder's name). */
  label: string;
  manifest: Manifest;
  /** Its `ok` cases, in plan order, with their rows and raw samples. */
  measured: SideCase[];
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
  const verdictFile = path.join(runDir, "verdict.json");
  return {
    dir: runDir,
    label: side.label,
    manifest: side.manifest,
    measured: side.cases,
    verdict: side.manifest.files.includes("verdict.json") ? readVerdict(verdictFile) : undefined,
  };
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
