// `npm run test:slurm`: attnbench on a real Slurm. Installs Debian's Slurm and munge when missing
// (root only; otherwise it says why and skips), starts munged, slurmctld and slurmd on this machine
// (scripts/slurm/cluster.sh), and checks through `attnbench slurm --submit --wait`:
//   - specs/softmax-sweep.yaml as a 3-task array plus the merge: the merged run holds every case of
//     the spec once, with the config hashes of a single run, each case recorded with its shard;
//   - a small min-cut study as a 2-task array: the merged run passes `verify` (witness re-run).
// Every daemon it started is stopped by pid, also when a check fails. Exit 0 (also when skipped),
// or 1 when a check failed; with --junit PATH, the checks as JUnit XML for .ci/run's count.
//
//   node scripts/test_slurm.mjs [--junit .tmp/junit/slurm.xml]
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Checks, expect } from "./checks.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const cluster = path.join(root, "scripts", "slurm", "cluster.sh");
const junit = process.argv.includes("--junit")
  ? process.argv[process.argv.indexOf("--junit") + 1]
  : undefined;
const deno = path.join(root, "node_modules", ".bin", "deno");
const started = Date.now();

if (process.getuid?.() !== 0 && !hasSlurm()) {
  console.log(
    "test:slurm skipped: Slurm is not installed and installing it needs root (apt-get); run as root, or install slurmctld slurmd slurm-client munge",
  );
  process.exit(0);
}

function hasSlurm() {
  return ["slurmctld", "slurmd", "sbatch", "munged"].every((command) => {
    try {
      execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  });
}

function run(command, args, env = process.env) {
  return execFileSync(command, args, { cwd: root, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

const checks = new Checks("slurm");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "attnbench-slurm-"));
// The slurm and munge users must reach the cluster's folder (mkdtemp makes it 700).
fs.chmodSync(scratch, 0o711);
const state = path.join(scratch, "cluster");
let env;

await checks.check("Slurm and munge are installed (apt-get when missing)", () => {
  run("bash", [cluster, "install"]);
});
await checks.check("munged, slurmctld and slurmd start on this machine, and the node is idle", () => {
  const out = run("bash", [cluster, "start", state]);
  console.log(`  ${out.trim().split("\n").at(-1)}`);
  const conf = /SLURM_CONF=(\S+)/.exec(fs.readFileSync(path.join(state, "env"), "utf8"))[1];
  env = { ...process.env, SLURM_CONF: conf };
});

/** `attnbench slurm SPEC --shards N --out JOB --submit --wait` on the cluster; what it printed. */
const submitAndWait = (spec, shards, job) =>
  run(deno, [
    "run",
    "-A",
    "cli.ts",
    "slurm",
    spec,
    "--shards",
    String(shards),
    "--out",
    job,
    "--submit",
    "--wait",
  ], env);
const hashesOf = (file) => JSON.parse(fs.readFileSync(file, "utf8")).cases.map((c) => c.config_hash);
const listed = (spec) =>
  [...run(deno, ["run", "-A", "cli.ts", spec, "--dry-run"]).matchAll(/\b[0-9a-f]{64}\b/g)].map((m) => m[0]);

try {
  await checks.check(
    "specs/softmax-sweep.yaml as a 3-task array and a merge (slurm --submit --wait): every case once, the single run's hashes",
    () => {
      expect(env, "no cluster");
      const job = path.join(scratch, "sweep");
      const out = submitAndWait("specs/softmax-sweep.yaml", 3, job);
      console.log(out.trim().split("\n").map((line) => `  ${line}`).join("\n"));
      expect(/shards exited 1: 0, 2: 0, 3: 0; merge 0/.test(out), "a shard or the merge did not exit 0");
      const merged = path.join(job, "merged", "manifest.json");
      const hashes = hashesOf(merged);
      expect(new Set(hashes).size === hashes.length, "a case appears twice");
      expect(
        JSON.stringify(hashes) === JSON.stringify(listed("specs/softmax-sweep.yaml")),
        "config hashes differ from a single run's",
      );
      const manifest = JSON.parse(fs.readFileSync(merged, "utf8"));
      expect(
        manifest.shard.merged.every((s) => s.engine === "slurm" && s.job.SLURM_ARRAY_JOB_ID),
        "shards not recorded as Slurm array tasks",
      );
    },
  );

  await checks.check(
    "a min-cut study as a 2-task array: the merged run passes verify (witness re-run)",
    () => {
      expect(env, "no cluster");
      const spec = path.join(scratch, "study.yaml");
      fs.writeFileSync(
        spec,
        `version: 1
name: study-slurm
seed: 7
kernel: mincut
baseline: softmax
params:
  variant: [eps-only, reference]
  seq_len: [8, 16, 32]
  d: 8
  lambda: [0.5, 0.7]
  tau: [0, 2]
  eps: 0.01
exclude:
  - { variant: eps-only, lambda: 0.7 }
inputs:
  samples: 3
bench: { min_samples: 3, max_samples: 30, min_time_ms: 5, max_time_ms: 100, warmup: 1 }
plugins: [latency, memory, coherence, mincut-study]
`,
      );
      const job = path.join(scratch, "study");
      const out = submitAndWait(spec, 2, job);
      expect(/merge 0/.test(out), `merge did not exit 0:\n${out}`);
      const verify = run(deno, ["run", "-A", "cli.ts", "verify", path.join(job, "merged")]);
      console.log(verify.trim().split("\n").map((line) => `  ${line}`).join("\n"));
      expect(/witness reproducible: PASS/.test(verify), "verify did not pass the witness");
    },
  );
} finally {
  await checks.check("every daemon started is stopped, and none is left running", () => {
    if (!fs.existsSync(path.join(state, "pids"))) return;
    run("bash", [cluster, "stop", state]);
    for (const line of fs.readFileSync(path.join(state, "pids"), "utf8").trim().split("\n").filter(Boolean)) {
      const [name, pid] = line.split(/\s+/);
      // A stopped daemon may linger as a zombie until init reaps it: that is not running.
      const stat = fs.existsSync(`/proc/${pid}/stat`) ? fs.readFileSync(`/proc/${pid}/stat`, "utf8") : "";
      const alive = stat.includes(`(${name})`) && !/\) Z /.test(stat);
      expect(!alive, `${name} (pid ${pid}) still runs`);
    }
  });
  console.log(`test:slurm took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  fs.rmSync(scratch, { recursive: true, force: true });
  checks.finish(junit);
}
