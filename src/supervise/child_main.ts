/**
 * The entry point of a worker process: reads commands from stdin, measures cases with a
 * {@link CaseExecutor} and writes replies to file descriptor 3 (see `protocol.ts`). It ignores
 * SIGINT and SIGTERM (the supervisor decides when a run stops), reports an uncaught error before
 * exiting, and a watchdog thread ends it if the supervisor dies. Started by `child_worker.ts` through worker.ts;
 * `--run DIR` only names the results folder for `ps`.
 *
 * @example
 * ```sh
 * deno run -A worker.ts --run results/softmax-sweep/20261206T230212Z-3f2a1c0d   # worker.ts imports this module
 * ```
 * @module
 */
import process from "node:process";
import { Worker } from "node:worker_threads";
import { AttnbenchError, describe } from "../errors.ts";
import { planRun } from "../plan.ts";
import { parseSpec } from "../spec/load.ts";
import { CaseExecutor } from "./executor.ts";
import {
  type Command,
  LineReader,
  type OpenCommand,
  WORKER_MESSAGE_FD,
  type WorkerMessage,
  writeMessageSync,
} from "./protocol.ts";
import { siblingModule } from "../module_url.ts";

const WATCHDOG_INTERVAL_MS = 250;
/** Exit code after an uncaught error, so the supervisor can tell it from a kernel's own `process.exit`. */
const UNCAUGHT_EXIT_CODE = 70;

const send = (message: WorkerMessage): void => writeMessageSync(WORKER_MESSAGE_FD, message);

new Worker(siblingModule(import.meta.url, "watchdog_worker"), {
  workerData: { parent: process.ppid, interval_ms: WATCHDOG_INTERVAL_MS },
}).unref();

process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});
for (const event of ["uncaughtException", "unhandledRejection"] as const) {
  process.on(event, (error: unknown) => {
    send({ type: "uncaught", message: describe(error) });
    process.exit(UNCAUGHT_EXIT_CODE);
  });
}

let executor: CaseExecutor | undefined;
let queue: Promise<void> = Promise.resolve();

const reader = new LineReader<Command>((command) => {
  queue = queue.then(() => handle(command));
});
process.stdin.on("data", (chunk: Uint8Array) => reader.push(chunk));
process.stdin.on("end", () => process.exit(0));

async function handle(command: Command): Promise<void> {
  try {
    send({ type: "reply", value: await answer(command) });
  } catch (error) {
    send({
      type: "error",
      code: error instanceof AttnbenchError ? error.code : "WORKER",
      message: describe(error),
      exitCode: error instanceof AttnbenchError ? error.exitCode : 1,
    });
  }
  if (command.type === "close") process.exit(0);
}

async function answer(command: Command): Promise<unknown> {
  if (command.type === "open") {
    executor = await openExecutor(command);
    return await executor.open();
  }
  if (!executor) throw new Error(`"${command.type}" before "open"`);
  switch (command.type) {
    case "case":
      return await executor.run(command.index);
    case "replay":
      return await executor.replay(command.index) ?? null;
    case "report":
      return await executor.report(command.outcomes);
    case "close":
      return await executor.close();
  }
}

async function openExecutor(command: OpenCommand): Promise<CaseExecutor> {
  // The supervisor already held the spec to its bounds; the worker plans exactly what it planned.
  const plan = await planRun(parseSpec(command.spec.file, command.spec.text), {
    maxCases: Infinity,
    force: true,
  });
  const differs = plan.cases.findIndex((c, i) => c.config_hash !== command.hashes[i]);
  if (differs >= 0 || plan.cases.length !== command.hashes.length) {
    throw new Error(
      `the worker planned the spec differently from the supervisor (case ${differs}); a kernel or plugin module is not deterministic`,
    );
  }
  const settings = { outputDir: command.outputDir, strict: command.strict, disabled: command.disabled };
  return new CaseExecutor(plan, command.selected, settings, {
    phase: (phase, hook) => send({ type: "phase", phase, hook }),
    file: (relative) => send({ type: "file", relative }),
  });
}
