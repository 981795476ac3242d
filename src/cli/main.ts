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
import process from "node:process";
import { parseArgs } from "node:util";
import { toJsonSchema } from "@valibot/to-json-schema";
import { formatParams } from "../case_info.ts";
import { AttnbenchError, describe, SpecError } from "../errors.ts";
import type { Manifest, ShardRecord } from "../output/manifest.ts";
import { selectRunCases } from "../shard/assign.ts";
import { mergeShards } from "../shard/merge.ts";
import { shardFromEnvironment } from "../shard/engine.ts";
import { planRun } from "../plan.ts";
import { DEFAULT_MAX_CASES } from "../plan_bounds.ts";
import type { ProgressSink } from "../progress.ts";
import { runPlan, type RunResult } from "../runner.ts";
import { loadSpec } from "../spec/load.ts";
import { type DenoPermission, missingDenoPermissions } from "../runtime.ts";
import { specSchema } from "../spec/schema.ts";
import { terminalSafe } from "../terminal_text.ts";
import { VERSION } from "../version.ts";
import { baselineCommand, compareCommand, historyCommand, saveBaseline } from "./compare_command.ts";
import { HELP } from "./help.ts";
import { slurmCommand } from "./slurm_command.ts";
import { formatPlugins } from "./plugins_command.ts";
import { keygen, readPublicKey, readSigningKey } from "./keys_command.ts";
import { formatCaseList, formatSeal, formatSummary } from "./run_summary.ts";
import { reportAfterRun, reportCommand } from "./report_command.ts";
import { hasWitness, verifyRun } from "./verify_command.ts";

/** Where the CLI writes: `stdout` gets results, `stderr` progress and errors. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: ProgressSink;
  /** Aborted on the first Ctrl-C or SIGTERM: a run stops after its current case (see `RunOptions.signal`). */
  signal?: AbortSignal;
  /** Aborted on the second: the running case is killed and the run stops at once. */
  stopNow?: AbortSignal;
}

const OPTIONS = {
  out: { type: "string" },
  resume: { type: "boolean" },
  force: { type: "boolean" },
  "max-cases": { type: "string" },
  sign: { type: "string" },
  key: { type: "string" },
  trust: { type: "boolean" },
  filter: { type: "string", multiple: true },
  "dry-run": { type: "boolean" },
  strict: { type: "boolean" },
  "in-process": { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  format: { type: "string" },
  noise: { type: "string" },
  alpha: { type: "string" },
  seed: { type: "string" },
  "fail-on": { type: "string" },
  in: { type: "string" },
  "save-baseline": { type: "string" },
  "json-schema": { type: "boolean" },
  figures: { type: "boolean" },
  shard: { type: "string" },
  "allow-partial": { type: "boolean" },
  spec: { type: "string" },
  shards: { type: "string" },
  partition: { type: "string" },
  time: { type: "string" },
  "cpus-per-task": { type: "string" },
  exclusive: { type: "boolean" },
  pin: { type: "boolean" },
  submit: { type: "boolean" },
  wait: { type: "boolean" },
  "no-report": { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

const COMMANDS = [
  "run",
  "validate",
  "schema",
  "verify",
  "plugins",
  "keygen",
  "compare",
  "history",
  "baseline",
  "report",
  "merge",
  "slurm",
];

/** Deno permissions each command needs (a run also writes and starts worker processes). */
const PERMISSIONS: Record<string, DenoPermission[]> = {
  run: ["read", "write", "env", "sys", "run"],
  validate: ["read", "env", "sys"],
  verify: ["read", "env", "sys"],
  plugins: ["read", "env", "sys"],
  keygen: ["read", "write"],
  compare: ["read"],
  history: ["read"],
  baseline: ["read", "write"],
  report: ["read", "write", "env"],
  merge: ["read", "write", "env", "sys", "run"],
  slurm: ["read", "write", "env", "sys", "run"],
  schema: [],
};

/**
 * Runs the CLI; returns the exit code: 0 every case ok, 1 a case or plugin failed, 2 a mistake in
 * the spec, the command line or the output folder, 130/143 interrupted by SIGINT/SIGTERM.
 *
 * @example
 * ```ts
 * await main(["--help"], io); // 0
 * ```
 */
export async function main(argv: string[], raw: CliIo): Promise<number> {
  // Every text shown has its control characters escaped; progress escapes its own parts, so it
  // may still redraw its line on a terminal.
  const io: CliIo = {
    ...raw,
    stdout: (text) => raw.stdout(terminalSafe(text)),
    stderr: { write: (text) => raw.stderr.write(terminalSafe(text)), isTTY: raw.stderr.isTTY },
  };
  try {
    return await dispatch(argv, io, raw.stderr);
  } catch (error) {
    if (error instanceof AttnbenchError) {
      io.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    const name = (error as { name?: string }).name;
    if (name === "NotCapable" || name === "PermissionDenied") {
      io.stderr.write(
        `error: Deno refused: ${
          describe(error)
        }; run attnbench with its permissions: deno run -A cli.ts ...\n`,
      );
      return 2;
    }
    io.stderr.write(
      `internal error (a bug in attnbench, please report it): ${
        error instanceof Error ? error.stack : describe(error)
      }\n`,
    );
    return 1;
  }
}

async function dispatch(argv: string[], io: CliIo, progress: ProgressSink): Promise<number> {
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
  const missing = missingDenoPermissions(PERMISSIONS[command]);
  if (missing.length > 0) {
    throw new SpecError(
      "CLI_PERMISSION",
      `Deno was not given the permissions attnbench ${command} needs (missing: ${
        missing.map((p) => `--allow-${p}`).join(" ")
      }); run it as deno run -A cli.ts ${argv.join(" ")}`,
    );
  }

  if (command === "schema") {
    io.stdout(JSON.stringify(toJsonSchema(specSchema, { errorMode: "ignore" }), null, 2));
    return 0;
  }
  if (command === "plugins") {
    io.stdout(await formatPlugins());
    return 0;
  }
  if (command === "keygen") return await keygen(args, io);
  if (command === "compare") return await compareCommand(args, values, io.stdout);
  if (command === "history") return await historyCommand(args, values, io.stdout);
  if (command === "baseline") return baselineCommand(args, values, io.stdout);
  if (command === "report") return await reportCommand(args, values, io.stdout);
  if (command === "slurm") {
    return await slurmCommand(args, values, io.stdout, (text) => io.stderr.write(`${text}\n`));
  }
  if (command === "merge") {
    if (values.out === undefined) {
      throw new SpecError("CLI_USAGE", "merge needs --out DIR, the merged run's folder; see --help");
    }
    const { result } = await mergeShards(args, {
      out: values.out,
      allowPartial: values["allow-partial"] ?? false,
      spec: values.spec,
      maxCases: maxCasesOption(values["max-cases"]),
      progress: values.quiet ? undefined : progress,
      signingKey: await readSigningKey(values.sign),
      workerOutput: io.stderr,
    });
    return await afterRun(result, values, io, progress);
  }
  if (args.length !== 1) {
    const what = command === "verify" ? "results folder" : "spec file";
    throw new SpecError(
      "CLI_USAGE",
      `${command} takes one ${what}, got ${args.length === 0 ? "none" : args.join(" ")}; see --help`,
    );
  }
  if (command === "verify") {
    const publicKey = values.key === undefined ? undefined : await readPublicKey(values.key);
    return await verifyRun(args[0], {
      publicKey,
      trust: values.trust ?? false,
      maxCases: values["max-cases"] === undefined ? undefined : maxCasesOption(values["max-cases"]),
      force: values.force ?? false,
      progress: values.quiet ? undefined : progress,
    }, io.stdout);
  }
  const plan = await planRun(await loadSpec(args[0]), {
    maxCases: maxCasesOption(values["max-cases"]),
    force: values.force ?? false,
    filter: values.filter,
  });
  if (command === "validate") {
    for (const warning of plan.warnings) io.stderr.write(`warning: ${warning}\n`);
    io.stdout(`${args[0]}: valid, ${plan.cases.length} case${plan.cases.length === 1 ? "" : "s"}`);
    return 0;
  }
  const shard = shardOf(values.shard);
  if (values["dry-run"]) {
    io.stdout(formatCaseList(plan, values.filter ?? [], shard));
    return 0;
  }
  if (shard && selectRunCases(plan, values.filter ?? [], shard).length === 0) {
    io.stdout(
      `shard ${
        shard.indices[0]
      }/${shard.count} of ${plan.loaded.spec.name}: no case to run (its cases form fewer units of work than shards; merge expects nothing from it)`,
    );
    return 0;
  }
  const signingKey = await readSigningKey(values.sign);
  const result = await runPlan(plan, {
    signingKey,
    outputDir: values.out,
    resume: values.resume ?? false,
    force: values.force ?? false,
    filter: values.filter ?? [],
    shard,
    strict: values.strict ?? false,
    isolation: values["in-process"] ? "in-process" : "process",
    progress: values.quiet ? undefined : progress,
    signal: io.signal,
    stopNow: io.stopNow,
    workerOutput: io.stderr,
  });
  return await afterRun(result, values, io, progress);
}

/** What follows a run (and a merge): the summary, the reports, the witness check, report.html, failures. */
async function afterRun(
  result: RunResult,
  values: {
    quiet?: boolean;
    "no-report"?: boolean;
    figures?: boolean;
    "save-baseline"?: string;
    force?: boolean;
  },
  io: CliIo,
  progress: ProgressSink,
): Promise<number> {
  io.stdout(formatSummary(result));
  for (const report of result.reports) io.stdout(report);
  let verified = 0;
  if (hasWitness(result.manifest)) {
    // The run imported its kernels already: re-running them to check the witness adds no trust.
    const options = { trust: true, progress: values.quiet ? undefined : progress };
    verified = await verifyRun(result.outputDir, options, io.stdout);
  } else if (result.seal) io.stdout(formatSeal(result.seal));
  if (!values["no-report"]) {
    await reportAfterRun(result.outputDir, values, io.stdout, (text) => io.stderr.write(text));
  }
  if (values["save-baseline"] !== undefined) {
    io.stdout(saveBaseline(result.outputDir, values["save-baseline"], values.force ?? false));
  }
  return Math.max(reportFailures(result.manifest, result.outputDir, io), verified);
}

/** The shard this run is (`--shard`, or the engine's environment), as the manifest records it. */
function shardOf(flag: string | undefined): ShardRecord | undefined {
  const info = shardFromEnvironment(flag, process.env);
  if (!info) return undefined;
  return { count: info.count, indices: [info.index], engine: info.engine, job: info.job, host: info.host };
}

function maxCasesOption(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MAX_CASES;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new SpecError(
      "CLI_USAGE",
      `--max-cases ${text}: expected a positive whole number of cases; see --help`,
    );
  }
  return n;
}

/** Prints every failure on stderr (even with `-q`); 1 if there was any, else 0. */
function reportFailures(manifest: Manifest, dir: string, io: CliIo): number {
  const failed = manifest.cases.filter((c) => c.status === "failed");
  for (const c of failed) {
    io.stderr.write(
      `error: case ${c.index} (${c.kernel.name} ${formatParams(c.params)} [${
        c.config_hash.slice(0, 8)
      }]) failed: ${c.error}\n`,
    );
  }
  for (const error of manifest.errors) io.stderr.write(`error: ${error}\n`);
  if (failed.length > 0) {
    io.stderr.write(
      `error: ${failed.length} of ${manifest.summary.total} cases failed; their errors are in ${dir}/manifest.json; rerun them with --resume\n`,
    );
  }
  return failed.length > 0 || manifest.errors.length > 0 ? 1 : 0;
}
