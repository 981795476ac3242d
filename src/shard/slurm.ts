/**
 * `attnbench slurm SPEC --shards N`: the sbatch scripts that run a spec as a Slurm job array, one
 * shard per task, and merge the shards in a job that depends on the array; with `submit`, submits
 * them, and with `wait`, polls `squeue` until both are gone (not `sbatch --wait`, whose polling
 * backs off to 32 s) and reads the status files the jobs wrote (Slurm keeps no exit codes without
 * accounting).
 *
 * The scripts install nothing: they run the attnbench (and runtime) that wrote them, by absolute
 * path, so both must be on a filesystem the nodes share. Each shard runs `--out DIR/shard-<i>`
 * with the shard taken from `SLURM_ARRAY_TASK_ID`; a shard whose run ended (even with failed
 * cases) exits 0 so the merge runs and lists the failures, while a shard that could not run at
 * all fails the array task and, through `--kill-on-invalid-dep=yes`, cancels the merge.
 *
 * @example
 * ```ts
 * import { slurmJob, submitJob } from "./slurm.ts";
 * const job = slurmJob({ spec: "specs/mincut.yaml", name: "mincut", shards: 3, dir: "/shared/run" });
 * const ids = submitJob(job); // { array: "41", merge: "42" }
 * ```
 * @module
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { AttnbenchError, SpecError } from "../errors.ts";
import { runtimeName } from "../runtime.ts";

/** What the array and the merge job are made of. */
export interface SlurmRequest {
  /** The spec file. */
  spec: string;
  /** The spec's name (job names). */
  name: string;
  shards: number;
  /** Folder for the scripts, logs, status files, shards and the merged run (shared by the nodes). */
  dir: string;
  partition?: string;
  /** `--time` of each job, Slurm's format (`30`, `1:00:00`). */
  time?: string;
  cpusPerTask?: number;
  /** A whole node per shard (`--exclusive`). */
  exclusive?: boolean;
  /** Pin each shard's process to its cores (`srun --cpu-bind=cores`; needs TaskPlugin=task/affinity). */
  pin?: boolean;
  /** Extra arguments for each shard's run (`--filter`, `--sign`, …). */
  runArgs?: string[];
}

/** The files written, and the commands that submit them. */
export interface SlurmJob {
  request: SlurmRequest;
  arrayScript: string;
  mergeScript: string;
  submitScript: string;
}

/** Job ids of a submitted job. */
export interface SubmittedJob {
  array: string;
  merge: string;
}

/**
 * The command that runs this attnbench: this runtime and this CLI, by absolute path.
 *
 * @example
 * ```ts
 * thisAttnbench(); // ["/usr/bin/deno", "run", "-A", "/shared/attnbench/cli.ts"]
 * ```
 */
export function thisAttnbench(): string[] {
  // This module is src/shard/slurm.ts in the repository, dist/src/shard/slurm.js in the package.
  const source = new URL("../../cli.ts", import.meta.url);
  const cli = fileURLToPath(fs.existsSync(source) ? source : new URL("../../cli.js", import.meta.url));
  const runtime = runtimeName();
  if (runtime === "deno") return [process.execPath, "run", "-A", cli];
  if (runtime === "node") return [process.execPath, ...process.execArgv, cli];
  return [process.execPath, cli];
}

/**
 * Writes the array script, the merge script and `submit.sh` into `request.dir`.
 *
 * @example
 * ```ts
 * slurmJob(request).arrayScript; // "/shared/run/shards.sbatch"
 * ```
 */
export function slurmJob(request: SlurmRequest): SlurmJob {
  if (!Number.isSafeInteger(request.shards) || request.shards < 1) {
    throw new SpecError(
      "CLI_USAGE",
      `--shards ${request.shards}: expected a whole number of shards, 1 or more`,
    );
  }
  const dir = path.resolve(request.dir);
  for (const sub of ["logs", "status"]) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  const cli = thisAttnbench().map(quote).join(" ");
  const spec = quote(path.resolve(request.spec));
  const directives = (name: string, output: string) =>
    [
      `#SBATCH --job-name=${name}`,
      `#SBATCH --output=${path.join(dir, "logs", output)}`,
      `#SBATCH --chdir=${process.cwd()}`,
      request.partition ? `#SBATCH --partition=${request.partition}` : "",
      request.time ? `#SBATCH --time=${request.time}` : "",
      request.cpusPerTask ? `#SBATCH --cpus-per-task=${request.cpusPerTask}` : "",
      request.exclusive ? "#SBATCH --exclusive" : "",
    ].filter(Boolean).join("\n");
  const run = `${
    request.pin ? "srun --cpu-bind=cores " : ""
  }${cli} ${spec} --out "${dir}/shard-$shard" -q --no-report ${(request.runArgs ?? []).map(quote).join(" ")}`
    .trimEnd();
  const arrayScript = path.join(dir, "shards.sbatch");
  fs.writeFileSync(
    arrayScript,
    `#!/bin/bash
# attnbench: ${request.name} as ${request.shards} shards, one per array task (written by attnbench slurm).
${directives(`attnbench-${request.name}`, "shard-%a.out")}
#SBATCH --array=0-${request.shards - 1}
# The shard comes from SLURM_ARRAY_TASK_ID (0-based; attnbench counts shards from 1).
shard=$((SLURM_ARRAY_TASK_ID + 1))
${run}
code=$?
echo "$code" > "${dir}/status/shard-$shard"
# 0: every case measured; 1: some cases failed (merge lists them). Anything else: the shard did not run.
if [ "$code" -le 1 ]; then exit 0; fi
exit "$code"
`,
  );
  const mergeScript = path.join(dir, "merge.sbatch");
  fs.writeFileSync(
    mergeScript,
    `#!/bin/bash
# attnbench: merges the shards of ${request.name} into ${dir}/merged (written by attnbench slurm).
${directives(`attnbench-${request.name}-merge`, "merge.out")}
# A shard with no case writes no folder: merge knows which shards hold cases.
${cli} merge "${dir}"/shard-* --out "${dir}/merged" -q
code=$?
echo "$code" > "${dir}/status/merge"
exit "$code"
`,
  );
  const submitScript = path.join(dir, "submit.sh");
  fs.writeFileSync(
    submitScript,
    `#!/bin/bash
# Submits the shards and the merge that waits for them (written by attnbench slurm).
set -euo pipefail
array=$(sbatch --parsable "${arrayScript}")
array=\${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:$array --kill-on-invalid-dep=yes "${mergeScript}")
echo "array job $array, merge job \${merge%%;*}"
`,
  );
  for (const file of [arrayScript, mergeScript, submitScript]) fs.chmodSync(file, 0o755);
  return { request: { ...request, dir }, arrayScript, mergeScript, submitScript };
}

/**
 * Submits the array, then the merge with `--dependency=afterok:<array> --kill-on-invalid-dep=yes`.
 *
 * @example
 * ```ts
 * submitJob(job).merge; // "42"
 * ```
 */
export function submitJob(job: SlurmJob): SubmittedJob {
  const array = sbatch([job.arrayScript]);
  const merge = sbatch(["--dependency=afterok:" + array, "--kill-on-invalid-dep=yes", job.mergeScript]);
  return { array, merge };
}

/**
 * Polls `squeue` every `intervalMs` until neither job is queued or running, then reads the
 * status files: the merge's exit code, and each shard's.
 *
 * @example
 * ```ts
 * await waitForJob(job, ids, (line) => console.error(line)); // { merge: 0, shards: { 1: 0, 2: 0, 3: 0 } }
 * ```
 */
export async function waitForJob(
  job: SlurmJob,
  ids: SubmittedJob,
  note: (line: string) => void,
  intervalMs = 2000,
): Promise<{ merge: number | undefined; shards: Record<number, number | undefined> }> {
  let last = "";
  for (;;) {
    const queue = slurm("squeue", ["-h", "-j", `${ids.array},${ids.merge}`, "-o", "%i %T %R"]).trim();
    if (queue === "") break;
    const summary = queue.split("\n").map((line) => line.trim().split(/\s+/).slice(0, 2).join(" ")).join(
      ", ",
    );
    if (summary !== last) note(`slurm: ${summary}`);
    last = summary;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const status = (name: string) => {
    const file = path.join(job.request.dir, "status", name);
    return fs.existsSync(file) ? Number(fs.readFileSync(file, "utf8").trim()) : undefined;
  };
  const shards: Record<number, number | undefined> = {};
  for (let i = 1; i <= job.request.shards; i++) shards[i] = status(`shard-${i}`);
  return { merge: status("merge"), shards };
}

function sbatch(args: string[]): string {
  const out = slurm("sbatch", ["--parsable", ...args]).trim();
  const id = out.split(";")[0];
  if (!/^\d+$/.test(id)) {
    throw new AttnbenchError("SLURM", `sbatch printed ${JSON.stringify(out)}; expected a job id`);
  }
  return id;
}

function slurm(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const e = error as { code?: string; stderr?: string; status?: number };
    if (e.code === "ENOENT") {
      throw new AttnbenchError(
        "SLURM",
        `${command} not found: run this on a Slurm login node (or put Slurm's commands on PATH)`,
      );
    }
    // Slurm's clients print several lines; the user gets them as one.
    const said = String(e.stderr ?? "").trim().split("\n").map((line) => line.trim()).filter(Boolean).join(
      "; ",
    );
    throw new AttnbenchError(
      "SLURM",
      `${command} ${args.join(" ")} exited ${e.status}: ${said || "no message"}`,
    );
  }
}

/** A word for bash: as is when it is plain, else single-quoted. */
function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
