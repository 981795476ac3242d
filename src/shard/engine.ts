/**
 * Which shard this process runs: `--shard i/N`, else what the engine that started it says —
 * a Slurm job array (`SLURM_ARRAY_TASK_ID` of a dense 0-based array), a Kubernetes Indexed Job
 * (`JOB_COMPLETION_INDEX`, with the completions count in `ATTNBENCH_SHARD_COUNT`), or
 * `ATTNBENCH_SHARD=i/N` (a CI matrix; GitHub Actions is named when its variables are there).
 * Shards are numbered from 1; engines' 0-based indices are shifted.
 *
 * @example
 * ```ts
 * import { shardFromEnvironment } from "./engine.ts";
 * shardFromEnvironment(undefined, { SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_COUNT: "3", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_STEP: "1" });
 * // { index: 3, count: 3, engine: "slurm", job: { SLURM_ARRAY_TASK_ID: "2", … }, host: "node1" }
 * ```
 * @module
 */
import os from "node:os";
import { SpecError } from "../errors.ts";

/** The shard a run is, and who said so. */
export interface ShardInfo {
  /** 1-based. */
  index: number;
  count: number;
  engine: "cli" | "slurm" | "kubernetes" | "github-actions" | "environment";
  /** The engine's job identifiers, as it named them. */
  job: Record<string, string>;
  host: string;
}

const SLURM_JOB = [
  "SLURM_ARRAY_JOB_ID",
  "SLURM_ARRAY_TASK_ID",
  "SLURM_JOB_ID",
  "SLURM_JOB_NAME",
  "SLURMD_NODENAME",
];
const GITHUB_JOB = ["GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "GITHUB_JOB", "GITHUB_REPOSITORY"];

/**
 * The shard from `--shard` (its text, if given) or the environment; undefined when neither says.
 *
 * @example
 * ```ts
 * shardFromEnvironment("2/3", {})?.index; // 2
 * ```
 */
export function shardFromEnvironment(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): ShardInfo | undefined {
  const host = os.hostname();
  const pick = (names: string[]) =>
    Object.fromEntries(names.filter((n) => env[n] !== undefined).map((n) => [n, env[n]!]));
  if (flag !== undefined) return { ...parseShard(flag, "--shard"), engine: "cli", job: {}, host };
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    return { ...slurmShard(env), engine: "slurm", job: pick(SLURM_JOB), host };
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const count = env.ATTNBENCH_SHARD_COUNT;
    if (count === undefined) {
      throw new SpecError(
        "SHARD_ENVIRONMENT",
        `JOB_COMPLETION_INDEX=${env.JOB_COMPLETION_INDEX} (a Kubernetes Indexed Job) but no ATTNBENCH_SHARD_COUNT; expected the Job's completions count in ATTNBENCH_SHARD_COUNT (docs/scale-out.md)`,
      );
    }
    const index = wholeNumber(env.JOB_COMPLETION_INDEX, "JOB_COMPLETION_INDEX");
    return {
      ...checked(index + 1, wholeNumber(count, "ATTNBENCH_SHARD_COUNT"), "JOB_COMPLETION_INDEX"),
      engine: "kubernetes",
      job: pick(["JOB_COMPLETION_INDEX", "HOSTNAME"]),
      host,
    };
  }
  if (env.ATTNBENCH_SHARD !== undefined) {
    const github = env.GITHUB_ACTIONS === "true";
    return {
      ...parseShard(env.ATTNBENCH_SHARD, "ATTNBENCH_SHARD"),
      engine: github ? "github-actions" : "environment",
      job: github ? pick(GITHUB_JOB) : {},
      host,
    };
  }
  return undefined;
}

/**
 * `i/N`, 1 ≤ i ≤ N, as a shard; else a {@link SpecError} naming `where`.
 *
 * @example
 * ```ts
 * parseShard("1/4", "--shard"); // { index: 1, count: 4 }
 * ```
 */
export function parseShard(text: string, where: string): { index: number; count: number } {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) {
    throw new SpecError(
      "CLI_USAGE",
      `${where} ${text}: expected i/N, the shard i of N counted from 1, such as 2/3`,
    );
  }
  return checked(Number(match[1]), Number(match[2]), where);
}

function slurmShard(env: Record<string, string | undefined>): { index: number; count: number } {
  const task = wholeNumber(env.SLURM_ARRAY_TASK_ID!, "SLURM_ARRAY_TASK_ID");
  const count = wholeNumber(env.SLURM_ARRAY_TASK_COUNT ?? "", "SLURM_ARRAY_TASK_COUNT");
  const min = env.SLURM_ARRAY_TASK_MIN ?? "0";
  const step = env.SLURM_ARRAY_TASK_STEP ?? "1";
  const max = env.SLURM_ARRAY_TASK_MAX;
  if (min !== "0" || step !== "1" || (max !== undefined && Number(max) !== count - 1)) {
    throw new SpecError(
      "SHARD_ENVIRONMENT",
      `this Slurm array is not dense and 0-based (SLURM_ARRAY_TASK_MIN=${min}, _STEP=${step}, _MAX=${
        max ?? "unset"
      }, _COUNT=${count}); expected --array=0-${count - 1}, so that task ids are shards 0 … ${count - 1}`,
    );
  }
  return checked(task + 1, count, "SLURM_ARRAY_TASK_ID");
}

function wholeNumber(text: string, name: string): number {
  if (!/^\d+$/.test(text.trim())) {
    throw new SpecError("SHARD_ENVIRONMENT", `${name}=${JSON.stringify(text)}: expected a whole number`);
  }
  return Number(text);
}

function checked(index: number, count: number, where: string): { index: number; count: number } {
  if (!(count >= 1) || !(index >= 1) || index > count || !Number.isSafeInteger(count)) {
    throw new SpecError(
      where === "--shard" ? "CLI_USAGE" : "SHARD_ENVIRONMENT",
      `${where}: shard ${index} of ${count} does not exist; expected 1 ≤ i ≤ N (the engine's 0-based index + 1)`,
    );
  }
  return { index, count };
}
