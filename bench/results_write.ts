/**
 * What recording a case costs as a run grows, at 10, 1 000 and 10 000 cases.
 *
 * Part 1, the writing alone: a results folder with N case records (a trivial kernel's parameters
 * and the latency plugin's metrics), each case committed as the supervisor does it
 * (`ResultsDir.commitCase`: a journal line and a results.csv row, appended and flushed), timed
 * per case; beside it the way attnbench recorded a case before (`ResultsDir.commit`: results.csv
 * and manifest.json rewritten whole), timed over the first and the last 100 cases of the same
 * run. Printed: median ms per case in the first and the last tenth (first and last 100 for the
 * rewrite) and their ratio: near 1 means a case costs the same at the end as at the start, so a
 * run's total grows linearly.
 *
 * Part 2, whole runs (`--runs`): the CLI on the trivial kernel with a tiny budget, supervised (or
 * `--in-process`), timed between finished cases' progress lines as they arrive. This includes
 * everything else a case costs (the worker, the forced GC before each measurement, mitata).
 *
 *   deno run -A bench/results_write.ts [sizes...]
 *   bun bench/results_write.ts --runs [--in-process] [sizes...]
 *
 * @module
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { nearestRank, runtimeInfo } from "../mod.ts";
import type { CaseRecord, Manifest } from "../src/output/manifest.ts";
import { ResultsDir } from "../src/output/results_dir.ts";

const here = path.dirname(new URL(import.meta.url).pathname);
const env = runtimeInfo();
const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith("--")));
const given = process.argv.slice(2).filter((a) => !a.startsWith("--")).map(Number);
const sizes = given.length > 0 ? given : [10, 1000, 10000];
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "attnbench-results-write-"));
const median = (xs: number[]) => nearestRank([...xs].sort((a, b) => a - b), 50);
const fmt = (ms: number) => ms.toFixed(2).padEnd(12);

/** A pending record of case `i`, and the finished one the run would commit. */
function records(i: number): { pending: CaseRecord; done: CaseRecord } {
  const pending: CaseRecord = {
    index: i,
    config_hash: i.toString(16).padStart(64, "0"),
    role: "kernel",
    kernel: { name: "trivial-sum", version: "1.0.0", ref: "./trivial_kernel.ts", origin: "path" },
    params: { size: 16 + i },
    shape: { seq_len: 16 + i, q_width: 1, kv_width: 1 },
    status: "pending",
    files: [],
  };
  const latency = {
    p50_us: 1.1,
    p95_us: 1.3,
    p99_us: 1.4,
    mean_us: 1.15,
    std_us: 0.05,
    n: 1,
    min_us: 1,
    max_us: 1.4,
  };
  const done: CaseRecord = {
    ...pending,
    status: "ok",
    median_us: 1.1,
    gflops: 0.0145,
    samples: 1,
    calls: 1,
    metrics: { latency },
    duration_ms: 12,
    files: [`latency/${pending.config_hash}.csv`],
  };
  return { pending, done };
}

function manifestOf(n: number): Manifest {
  return {
    schema_version: 2,
    attnbench: { version: "bench" },
    status: "running",
    started_at: new Date().toISOString(),
    process: { pid: process.pid, host: os.hostname() },
    sessions: [{ started_at: new Date().toISOString(), pid: process.pid, host: os.hostname(), ran: 0 }],
    spec: {
      file: "x.yaml",
      dir: scratch,
      sha256: "0",
      identity_sha256: "0",
      resolved: {} as Manifest["spec"]["resolved"],
    },
    environment: {} as Manifest["environment"],
    limits: { timeout_ms: 1000, memory_limit_mb: 1024 },
    filter: [],
    plugins: [],
    cases: Array.from({ length: n }, (_, i) => records(i).pending),
    files: [],
    summary: { total: n, ok: 0, failed: 0, skipped: 0, pending: n },
    warnings: [],
    errors: [],
  };
}

/** Times committing case `i` (its record made final first) with `how`. */
async function timed(manifest: Manifest, i: number, how: (m: Manifest, r: CaseRecord) => Promise<void>) {
  manifest.cases[i] = records(i).done;
  manifest.sessions[0].ran++;
  const started = performance.now();
  await how(manifest, manifest.cases[i]);
  return performance.now() - started;
}

async function writing(n: number): Promise<void> {
  const tenth = Math.max(1, Math.floor(n / 10));
  // Appends, as attnbench records a case now: every case, in order.
  const appended = manifestOf(n);
  const dir = new ResultsDir(path.join(scratch, `append-${n}`));
  await dir.commit(appended);
  const append: number[] = [];
  for (let i = 0; i < n; i++) append.push(await timed(appended, i, (m, r) => dir.commitCase(m, r)));
  // Whole rewrites, as before: the first and the last 100 cases (the ones between marked done untimed).
  const rewritten = manifestOf(n);
  const old = new ResultsDir(path.join(scratch, `rewrite-${n}`));
  const edge = Math.min(100, n);
  const rewrite: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i < edge || i >= n - edge) rewrite.push(await timed(rewritten, i, (m) => old.commit(m)));
    else rewritten.cases[i] = records(i).done;
  }
  const firstAppend = median(append.slice(0, tenth));
  const lastAppend = median(append.slice(n - tenth));
  const firstRewrite = median(rewrite.slice(0, edge));
  const lastRewrite = median(rewrite.slice(rewrite.length - edge));
  console.log(
    String(n).padEnd(8) + fmt(firstAppend) + fmt(lastAppend) +
      (lastAppend / firstAppend).toFixed(2).padEnd(10) +
      fmt(firstRewrite) + fmt(lastRewrite) + (lastRewrite / firstRewrite).toFixed(2).padEnd(10) +
      (lastRewrite / lastAppend).toFixed(1),
  );
}

/** Runs `cases` cases through the CLI; returns the wall time and when each case's line arrived. */
async function run(cases: number, inProcess: boolean): Promise<{ wall_ms: number; finished: number[] }> {
  const spec = path.join(scratch, `spec-${cases}.yaml`);
  fs.writeFileSync(
    spec,
    `version: 1
name: results-write
kernel: ${path.join(here, "trivial_kernel.ts")}
params: { size: [${Array.from({ length: cases }, (_, i) => 16 + i).join(", ")}] }
bench: { min_samples: 1, max_samples: 1, min_time_ms: 0, max_time_ms: 1, warmup: 0 }
plugins: [latency]
`,
  );
  const started = performance.now();
  const child = spawn(process.execPath, [
    ...(env.runtime === "deno" ? ["run", "-A"] : []),
    path.join(here, "..", "cli.ts"),
    spec,
    "--out",
    path.join(scratch, `run-${cases}`),
    ...(inProcess ? ["--in-process"] : []),
  ], { stdio: ["ignore", "ignore", "pipe"] });
  const finished: number[] = [];
  let pending = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    const now = performance.now();
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) if (/^\[\d+\/\d+\] .* ok /.test(line)) finished.push(now);
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0 || finished.length !== cases) {
    throw new Error(`run of ${cases} cases exited ${code} with ${finished.length} cases finished`);
  }
  return { wall_ms: performance.now() - started, finished };
}

console.log(`attnbench results writing — ${env.runtime} ${env.version}, ${env.cpu.model}\n`);
if (!flags.has("--runs")) {
  console.log("writing one case's results, ms per case (medians): appended now vs rewritten whole before");
  console.log(
    "cases   append:first  append:last  last÷first  rewrite:first rewrite:last last÷first rewrite÷append (last)",
  );
  for (const n of sizes) await writing(n);
} else {
  const inProcess = flags.has("--in-process");
  console.log(
    `whole CLI runs, trivial kernel, tiny budget, ${inProcess ? "--in-process" : "supervised worker"}`,
  );
  console.log("cases   wall      wall/case  first tenth: ms/case  last tenth: ms/case  last÷first");
  for (const cases of sizes) {
    const { wall_ms, finished } = await run(cases, inProcess);
    const tenth = Math.max(2, Math.floor(cases / 10));
    const gaps = (from: number, to: number) =>
      finished.slice(from, to).map((t, i) => t - finished[from + i - 1]);
    const first = median(gaps(1, tenth + 1));
    const last = median(gaps(cases - tenth, cases));
    console.log(
      String(cases).padEnd(8) + `${(wall_ms / 1000).toFixed(1)} s`.padEnd(10) +
        `${(wall_ms / cases).toFixed(2)} ms`.padEnd(11) + `${first.toFixed(2)}`.padEnd(22) +
        `${last.toFixed(2)}`.padEnd(21) + (last / first).toFixed(2),
    );
  }
}
fs.rmSync(scratch, { recursive: true, force: true });
