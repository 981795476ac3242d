/**
 * The command line, as a function: arguments in, text out, exit code back. `cli.ts` only calls
 * this and exits; nothing here exits the process.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * const code = await main(["validate", "specs/softmax-sweep.yaml"], { stdout: console.log, stderr: process.stderr });
 * ```
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { toJsonSchema } from "@valibot/to-json-schema";
import { AttnbenchError, describe, SpecError } from "../errors.ts";
import { planRun } from "../plan.ts";
import type { ProgressSink } from "../progress.ts";
import { runPlan } from "../runner.ts";
import { loadSpec } from "../spec/load.ts";
import { specSchema } from "../spec/schema.ts";
import { VERSION } from "../version.ts";
import { verifyResults } from "../witness/verify.ts";
import { HELP } from "./help.ts";
import { formatPlugins } from "./plugins_command.ts";
import { formatCaseList, formatSummary } from "./report.ts";

/** Where the CLI writes: `stdout` gets results, `stderr` progress and errors. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: ProgressSink;
  /** Aborted on Ctrl-C: a run stops before its next case (see `RunOptions.signal`). */
  signal?: AbortSignal;
}

const OPTIONS = {
  out: { type: "string" },
  filter: { type: "string", multiple: true },
  "dry-run": { type: "boolean" },
  strict: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

const COMMANDS = ["run", "validate", "schema", "verify", "plugins"];

/**
 * Runs the CLI; returns the exit code (0 ok, 1 failure, 2 user mistake).
 *
 * @example
 * ```ts
 * await main(["--help"], io); // 0
 * ```
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof AttnbenchError) {
      io.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr.write(
      `internal error (a bug in attnbench, please report it): ${
        error instanceof Error ? error.stack : describe(error)
      }\n`,
    );
    return 1;
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new SpecError("CLI_USAGE", `${describe(error)}; see --help`);
  }
  const { values, positionals } = parsed;
  if (values.help) return io.stdout(HELP), 0;
  if (values.version) return io.stdout(`attnbench ${VERSION}`), 0;
  const [first, ...rest] = positionals;
  const command = COMMANDS.includes(first) ? first : "run";
  const args = COMMANDS.includes(first) ? rest : positionals;
  if (first === undefined) {
    throw new SpecError("CLI_USAGE", "no spec given; expected: attnbench <spec.yaml> (see --help)");
  }

  if (command === "schema") {
    io.stdout(JSON.stringify(toJsonSchema(specSchema, { errorMode: "ignore" }), null, 2));
    return 0;
  }
  if (command === "plugins") {
    io.stdout(await formatPlugins());
    return 0;
  }
  if (args.length !== 1) {
    const what = command === "verify" ? "results folder" : "spec file";
    throw new SpecError(
      "CLI_USAGE",
      `${command} takes one ${what}, got ${args.length === 0 ? "none" : args.join(" ")}; see --help`,
    );
  }
  if (command === "verify") return await verify(args[0], io);
  const plan = await planRun(await loadSpec(args[0]));
  if (command === "validate") {
    for (const warning of plan.warnings) io.stderr.write(`warning: ${warning}\n`);
    io.stdout(`${args[0]}: valid, ${plan.cases.length} case${plan.cases.length === 1 ? "" : "s"}`);
    return 0;
  }
  if (values["dry-run"]) {
    io.stdout(formatCaseList(plan, values.filter ?? []));
    return 0;
  }
  const result = await runPlan(plan, {
    outputDir: values.out,
    filter: values.filter ?? [],
    strict: values.strict ?? false,
    progress: values.quiet ? undefined : io.stderr,
    signal: io.signal,
  });
  io.stdout(formatSummary(result));
  for (const report of result.reports) io.stdout(report);
  const witnessed = fs.existsSync(path.join(result.outputDir, "witness", "bundle.json"));
  const verified = witnessed ? await verify(result.outputDir, io) : 0;
  const failed = result.manifest.summary.failed;
  if (failed > 0) {
    io.stderr.write(
      `error: ${failed} of ${result.manifest.summary.total} cases failed; their errors are in ${result.outputDir}/manifest.json\n`,
    );
    return 1;
  }
  return verified;
}

async function verify(dir: string, io: CliIo): Promise<number> {
  const result = await verifyResults(dir);
  io.stdout(`witness reproducible: ${result.ok ? "PASS" : "FAIL"} (${result.message})`);
  return result.ok ? 0 : 1;
}
