/**
 * `attnbench compare`, `attnbench history` and `attnbench baseline save`: runs side by side with
 * their changes classified (src/compare/), a spec's runs over time, and named baselines.
 *
 * @example
 * ```ts
 * import { compareCommand } from "./compare_command.ts";
 * await compareCommand(["results/softmax-sweep"], { format: "markdown" }, console.log); // 0
 * ```
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import {
  type CompareOptions,
  type CompareReport,
  compareRuns,
  DEFAULT_COMPARE_OPTIONS,
} from "../compare/compare.ts";
import { type CompareFormat, formatReport } from "../compare/format.ts";
import { formatHistory, specHistory } from "../compare/history.ts";
import { baselineDir, resolveSides } from "../compare/resolve_runs.ts";
import { compareReportSchema } from "../compare/report_schema.ts";
import { readRunSide } from "../compare/run_side.ts";
import { toJsonSchema } from "@valibot/to-json-schema";
import { SpecError } from "../errors.ts";
import { findRunFolder } from "../output/run_folder.ts";

/** The command-line options these commands read. */
export interface CompareFlags {
  format?: string;
  noise?: string;
  alpha?: string;
  seed?: string;
  "fail-on"?: string;
  in?: string;
  force?: boolean;
}

const FORMATS: CompareFormat[] = ["table", "markdown", "json", "csv"];

/**
 * `compare A B`: prints the report; 1 when `--fail-on` classes were found, else 0.
 *
 * @example
 * ```ts
 * await compareCommand(["main", "latest"], { in: "results/softmax-sweep", "fail-on": "regression" }, print);
 * ```
 */
export async function compareCommand(
  args: string[],
  flags: CompareFlags & { "json-schema"?: boolean },
  print: (text: string) => void,
): Promise<number> {
  if (flags["json-schema"]) {
    print(JSON.stringify(toJsonSchema(compareReportSchema, { errorMode: "ignore" }), null, 2));
    return 0;
  }
  const format = (flags.format ?? "table") as CompareFormat;
  if (!FORMATS.includes(format)) {
    throw new SpecError("CLI_USAGE", `--format ${flags.format}: expected one of ${FORMATS.join(", ")}`);
  }
  const failOn = parseFailOn(flags["fail-on"]);
  const options = compareOptions(flags);
  const [a, b] = resolveSides(args, flags.in);
  const report = compareRuns(await readRunSide(a.dir, a.label), await readRunSide(b.dir, b.label), options);
  print(formatReport(report, format));
  return gateFails(report, failOn) ? 1 : 0;
}

/**
 * `history DIR`: every run of a spec with each case's median and where it stepped.
 *
 * @example
 * ```ts
 * await historyCommand(["results/softmax-sweep"], {}, print); // 0
 * ```
 */
export async function historyCommand(
  args: string[],
  flags: CompareFlags,
  print: (text: string) => void,
): Promise<number> {
  if (args.length !== 1) {
    throw new SpecError("CLI_USAGE", `history takes one spec results folder, got ${args.length}; see --help`);
  }
  print(formatHistory(await specHistory(args[0], compareOptions(flags).noise)));
  return 0;
}

/**
 * `baseline save RUN NAME`: copies a run to `<spec results>/baselines/NAME` (refused when the
 * name is taken, unless `--force`).
 *
 * @example
 * ```ts
 * await baselineCommand(["save", "results/softmax-sweep/latest", "main"], {}, print); // 0
 * ```
 */
export function baselineCommand(args: string[], flags: CompareFlags, print: (text: string) => void): number {
  if (args[0] !== "save" || args.length !== 3) {
    throw new SpecError("CLI_USAGE", "expected: attnbench baseline save RUN NAME; see --help");
  }
  const run = findRunFolder(args[1]);
  print(saveBaseline(run, args[2], flags.force ?? false));
  return 0;
}

/**
 * Copies the run in `run` to its spec's `baselines/NAME`; returns a line saying where.
 *
 * @example
 * ```ts
 * saveBaseline("results/softmax-sweep/20261207T023811Z-5dd9640d", "main", false);
 * ```
 */
export function saveBaseline(run: string, name: string, force: boolean): string {
  const target = baselineDir(path.dirname(run), name);
  if (fs.existsSync(target)) {
    if (!force) {
      throw new SpecError(
        "COMPARE_INPUT",
        `baseline "${name}" exists (${target}); pass --force to replace it`,
      );
    }
    fs.rmSync(target, { recursive: true, force: true });
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.cpSync(run, target, { recursive: true });
  return `baseline "${name}" saved: ${target} (a copy of ${path.basename(run)})`;
}

function compareOptions(flags: CompareFlags): CompareOptions {
  const number = (flag: keyof CompareFlags, min: number, max: number, fallback: number) => {
    const text = flags[flag];
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!(value >= min && value <= max)) {
      throw new SpecError("CLI_USAGE", `--${flag} ${text}: expected a number from ${min} to ${max}`);
    }
    return value;
  };
  const seed = number("seed", 0, Number.MAX_SAFE_INTEGER, DEFAULT_COMPARE_OPTIONS.seed);
  if (!Number.isInteger(seed)) {
    throw new SpecError("CLI_USAGE", `--seed ${flags.seed}: expected a whole number`);
  }
  return {
    ...DEFAULT_COMPARE_OPTIONS,
    noise: number("noise", 0, 1, DEFAULT_COMPARE_OPTIONS.noise),
    alpha: number("alpha", 0, 1, DEFAULT_COMPARE_OPTIONS.alpha),
    seed,
  };
}

function parseFailOn(text: string | undefined): Set<string> {
  const classes = new Set((text ?? "").split(",").map((s) => s.trim()).filter(Boolean));
  for (const c of classes) {
    if (c !== "regression" && c !== "improvement") {
      throw new SpecError(
        "CLI_USAGE",
        `--fail-on ${text}: expected regression, improvement or both, comma-separated`,
      );
    }
  }
  return classes;
}

function gateFails(report: CompareReport, failOn: Set<string>): boolean {
  return (failOn.has("regression") && report.summary.gate.regressed > 0) ||
    (failOn.has("improvement") && report.summary.gate.improved > 0);
}
