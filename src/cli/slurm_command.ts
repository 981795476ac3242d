/**
 * `attnbench slurm SPEC --shards N [--submit [--wait]]`: writes (and submits) a Slurm job array of
 * the spec's shards and the merge that follows it (src/shard/slurm.ts).
 *
 * @example
 * ```ts
 * import { slurmCommand } from "./slurm_command.ts";
 * await slurmCommand(["specs/mincut.yaml"], { shards: "3", submit: true, wait: true }, print, note); // 0
 * ```
 * @module
 */
import path from "node:path";
import { SpecError } from "../errors.ts";
import { planRun } from "../plan.ts";
import { resultsBaseOf } from "../runner.ts";
import { loadSpec } from "../spec/load.ts";
import { slurmJob, submitJob, waitForJob } from "../shard/slurm.ts";

/** The options `slurm` reads. */
export interface SlurmFlags {
  shards?: string;
  out?: string;
  partition?: string;
  time?: string;
  "cpus-per-task"?: string;
  exclusive?: boolean;
  pin?: boolean;
  submit?: boolean;
  wait?: boolean;
  filter?: string[];
}

/**
 * Writes the scripts; with `--submit` submits them; with `--wait` waits for the merge. Returns the
 * exit code: 0, or with `--wait` the merge's (1 when cases failed or a job did not finish).
 *
 * @example
 * ```ts
 * await slurmCommand(["specs/softmax-sweep.yaml"], { shards: "3" }, print, note); // writes, submits nothing
 * ```
 */
export async function slurmCommand(
  args: string[],
  flags: SlurmFlags,
  print: (text: string) => void,
  note: (text: string) => void,
): Promise<number> {
  if (args.length !== 1) {
    throw new SpecError(
      "CLI_USAGE",
      `slurm takes one spec file, got ${args.length === 0 ? "none" : args.join(" ")}; see --help`,
    );
  }
  if (flags.shards === undefined) {
    throw new SpecError("CLI_USAGE", "slurm needs --shards N, the number of array tasks");
  }
  if (flags.wait && !flags.submit) {
    throw new SpecError("CLI_USAGE", "--wait waits for a submitted job: add --submit");
  }
  const plan = await planRun(await loadSpec(args[0]), { filter: flags.filter });
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const job = slurmJob({
    spec: args[0],
    name: plan.loaded.spec.name,
    shards: wholeNumber(flags.shards, "--shards"),
    dir: flags.out ?? path.join(resultsBaseOf(plan), `slurm-${stamp}`),
    partition: flags.partition,
    time: flags.time,
    cpusPerTask: flags["cpus-per-task"] === undefined
      ? undefined
      : wholeNumber(flags["cpus-per-task"], "--cpus-per-task"),
    exclusive: flags.exclusive,
    pin: flags.pin,
    runArgs: (flags.filter ?? []).flatMap((f) => ["--filter", f]),
  });
  const dir = job.request.dir;
  print(
    `slurm: wrote ${job.arrayScript} (${job.request.shards} array tasks), ${job.mergeScript} and ${job.submitScript}`,
  );
  if (!flags.submit) {
    print(`submit with: ${job.submitScript}   (or attnbench slurm … --submit)`);
    return 0;
  }
  const ids = submitJob(job);
  print(
    `slurm: array job ${ids.array} (${job.request.shards} shards → ${dir}/shard-<i>), merge job ${ids.merge} (→ ${dir}/merged)`,
  );
  print(`follow: squeue -j ${ids.array},${ids.merge}   logs: ${dir}/logs/   status: ${dir}/status/`);
  if (!flags.wait) return 0;
  const outcome = await waitForJob(job, ids, note);
  const shards = Object.entries(outcome.shards).map(([i, code]) => `${i}: ${code ?? "no status"}`).join(", ");
  print(
    `slurm: shards exited ${shards}; merge ${
      outcome.merge ?? "did not run (a shard failed to run: see the logs)"
    }`,
  );
  if (outcome.merge === undefined) return 1;
  if (outcome.merge <= 1) print(`merged run: ${dir}/merged`);
  return outcome.merge;
}

function wholeNumber(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) {
    throw new SpecError("CLI_USAGE", `${flag} ${text}: expected a whole number, 1 or more`);
  }
  return Number(text);
}
