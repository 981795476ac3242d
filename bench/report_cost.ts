/**
 * What the report costs against the run it reports: whole `cli.ts` processes, as a user pays them,
 * alternated round by round on one run folder — `report RUN`, `report RUN --figures`, and
 * `--version` (the runtime's and attnbench's start, the floor under any command) — medians over
 * rounds, beside the run's own wall time from its manifest (first start to last finish).
 *
 *   deno run -A bench/report_cost.ts [run folder=results/mincut] [rounds=5]
 *   bun bench/report_cost.ts [run folder=results/mincut] [rounds=5]
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import process from "node:process";
import { findRunFolder, readManifest } from "../src/output/run_folder.ts";
import { runtimeName } from "../src/runtime.ts";

const run = findRunFolder(process.argv[2] ?? "results/mincut");
const rounds = Number(process.argv[3] ?? 5);
const cli = path.resolve(new URL("../cli.ts", import.meta.url).pathname);
const prefix = runtimeName() === "deno" ? ["run", "-A", cli] : [cli];
const commands: Record<string, string[]> = {
  "--version": ["--version"],
  report: ["report", run],
  "report --figures": ["report", run, "--figures"],
};

const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, args] of Object.entries(commands)) {
    const start = performance.now();
    const result = spawnSync(process.execPath, [...prefix, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    if (result.status !== 0) throw new Error(`${name} exited ${result.status}: ${result.stderr}`);
    times[name].push(performance.now() - start);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const manifest = readManifest(run);
const sessions = manifest.sessions.filter((s) => s.finished_at);
const runMs = sessions.reduce((sum, s) => sum + Date.parse(s.finished_at!) - Date.parse(s.started_at), 0);
console.log(
  `${runtimeName()}: ${manifest.cases.length} cases of ${manifest.spec.resolved.name}, run wall ${
    (runMs / 1000).toFixed(1)
  } s; ${rounds} rounds, medians:`,
);
for (const name of Object.keys(commands)) {
  const ms = median(times[name]);
  console.log(
    `  ${name.padEnd(18)} ${ms.toFixed(0).padStart(6)} ms   ÷ run ${(ms / runMs * 100).toFixed(2)} %   ` +
      `over --version ${(ms - median(times["--version"])).toFixed(0)} ms`,
  );
}
