/**
 * Sharding and merging: the shards of the shipped specs partition them (N = 1, 2, 3, 7), keep a
 * study's pairs together and are the same on the other runtime; the engines' environments select
 * the right shard; merged shards give the single run's config hashes, and a study's merged run
 * passes `verify`; missing, duplicated and foreign shards are refused with exit 2.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import "../builtins.ts";
import { planRun, type RunPlan } from "../src/plan.ts";
import { runtimeName } from "../src/runtime.ts";
import { estimateCaseMs, selectRunCases, shardUnits } from "../src/shard/assign.ts";
import { shardFromEnvironment } from "../src/shard/engine.ts";
import { loadSpec } from "../src/spec/load.ts";
import { runCli, runMain } from "./support/cli_process.ts";
import { faultSpec, STUDY_SPEC } from "./support/specs.ts";
import { ROOT, tempDir, writeSpec } from "./support/temp.ts";

/** Six softmax cases with a tiny budget. */
const SMALL_SWEEP =
  `version: 1\nname: sweep-small\nkernel: softmax\nparams:\n  seq_len: [16, 32, 64]\n  d: [8, 16]\nbench: { min_samples: 3, max_samples: 30, min_time_ms: 1, max_time_ms: 40, warmup: 1 }\nplugins: [latency]\n`;

const plans: Record<string, RunPlan> = {};
beforeAll(async () => {
  for (const name of ["softmax-sweep", "mincut"]) {
    plans[name] = await planRun(await loadSpec(path.join(ROOT, "specs", `${name}.yaml`)), { force: true });
  }
});

const shardOf = (plan: RunPlan, index: number, count: number) =>
  selectRunCases(plan, [], { count, indices: [index] }).map((c) => c.config_hash);

describe("shard assignment", () => {
  for (const name of ["softmax-sweep", "mincut"]) {
    test(`${name}: for N = 1, 2, 3, 7 the shards are disjoint and cover the spec`, () => {
      const plan = plans[name];
      const all = plan.cases.map((c) => c.config_hash).sort();
      for (const count of [1, 2, 3, 7]) {
        const shards = Array.from({ length: count }, (_, i) => shardOf(plan, i + 1, count));
        const union = shards.flat().sort();
        expect(union).toEqual(all);
        expect(new Set(union).size).toBe(union.length);
        // The same slice when asked again.
        expect(shardOf(plan, count, count)).toEqual(shards[count - 1]);
      }
    });
  }

  test("the min-cut study: every kernel case is in its baseline's shard", () => {
    const plan = plans.mincut;
    for (const count of [2, 3, 7]) {
      const owner = new Map<string, number>();
      for (let i = 1; i <= count; i++) for (const hash of shardOf(plan, i, count)) owner.set(hash, i);
      for (const c of plan.cases.filter((c) => c.baseline_hash)) {
        expect(owner.get(c.config_hash)).toBe(owner.get(c.baseline_hash!));
      }
    }
  });

  test("balanced by estimated cost: no shard is heavier than the lightest plus the largest unit", () => {
    for (const plan of Object.values(plans)) {
      const spec = plan.loaded.spec;
      const cost = (hashes: string[]) =>
        plan.cases.filter((c) => hashes.includes(c.config_hash))
          .reduce((sum, c) => sum + estimateCaseMs(c, spec.bench, spec.inputs.samples), 0);
      const largest = Math.max(
        ...shardUnits(plan.cases).map((u) =>
          u.reduce((s, c) => s + estimateCaseMs(c, spec.bench, spec.inputs.samples), 0)
        ),
      );
      for (const count of [2, 3]) {
        const costs = Array.from({ length: count }, (_, i) => cost(shardOf(plan, i + 1, count)));
        expect(Math.max(...costs)).toBeLessThanOrEqual(Math.min(...costs) + largest + 1e-6);
      }
    }
    // Not by count: the study's heaviest unit (seq_len 1024) is a shard of its own.
    const first = shardOf(plans.mincut, 1, 2);
    expect(
      plans.mincut.cases.filter((c) => first.includes(c.config_hash)).every((c) => c.params.seq_len === 1024),
    )
      .toBe(true);
  });

  test("the other runtime picks the same slice (--dry-run --shard 2/3)", () => {
    const other = runtimeName() === "deno" ? ["bun"] : ["deno", "run", "-A"];
    const bin = path.join(ROOT, "node_modules", ".bin", other[0]);
    const run = spawnSync(bin, [
      ...other.slice(1),
      "cli.ts",
      "specs/mincut.yaml",
      "--dry-run",
      "--shard",
      "2/3",
    ], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(run.status).toBe(0);
    const listed = [...run.stdout.matchAll(/\b[0-9a-f]{64}\b/g)].map((m) => m[0]);
    expect(listed).toEqual(shardOf(plans.mincut, 2, 3));
    expect(run.stdout).toContain(`${listed.length} cases (of 57), shard 2/3`);
  }, 60_000);
});

describe("which shard the environment asks for", () => {
  const slurm = { SLURM_ARRAY_JOB_ID: "41", SLURM_JOB_ID: "43", SLURM_ARRAY_TASK_COUNT: "3" };

  test("a dense 0-based Slurm array: task 2 of 3 is shard 3/3, with its job ids", () => {
    const shard = shardFromEnvironment(undefined, {
      ...slurm,
      SLURM_ARRAY_TASK_ID: "2",
      SLURM_ARRAY_TASK_MIN: "0",
      SLURM_ARRAY_TASK_MAX: "2",
      SLURM_ARRAY_TASK_STEP: "1",
    })!;
    expect([shard.index, shard.count, shard.engine]).toEqual([3, 3, "slurm"]);
    expect(shard.job).toMatchObject({
      SLURM_ARRAY_JOB_ID: "41",
      SLURM_ARRAY_TASK_ID: "2",
      SLURM_JOB_ID: "43",
    });
  });

  test("a Slurm array that is not dense or not 0-based is refused, saying which", () => {
    for (
      const [min, step, max, id] of [["1", "1", "3", "1"], ["0", "2", "4", "2"], ["0", "1", "5", "0"]]
    ) {
      expect(() =>
        shardFromEnvironment(undefined, {
          ...slurm,
          SLURM_ARRAY_TASK_ID: id,
          SLURM_ARRAY_TASK_MIN: min,
          SLURM_ARRAY_TASK_STEP: step,
          SLURM_ARRAY_TASK_MAX: max,
        })
      ).toThrow(/not dense and 0-based .*expected --array=0-2/);
    }
  });

  test("a Kubernetes Indexed Job: JOB_COMPLETION_INDEX with ATTNBENCH_SHARD_COUNT; without the count it is refused", () => {
    const shard = shardFromEnvironment(undefined, {
      JOB_COMPLETION_INDEX: "0",
      ATTNBENCH_SHARD_COUNT: "4",
      HOSTNAME: "pod-0",
    })!;
    expect([shard.index, shard.count, shard.engine, shard.job.HOSTNAME]).toEqual([
      1,
      4,
      "kubernetes",
      "pod-0",
    ]);
    expect(() => shardFromEnvironment(undefined, { JOB_COMPLETION_INDEX: "0" })).toThrow(
      /ATTNBENCH_SHARD_COUNT/,
    );
    expect(() => shardFromEnvironment(undefined, { JOB_COMPLETION_INDEX: "4", ATTNBENCH_SHARD_COUNT: "4" }))
      .toThrow(
        /shard 5 of 4 does not exist/,
      );
  });

  test("ATTNBENCH_SHARD (a CI matrix, GitHub Actions named), and --shard before any of them", () => {
    expect(shardFromEnvironment(undefined, { ATTNBENCH_SHARD: "2/3" })).toMatchObject({
      index: 2,
      count: 3,
      engine: "environment",
    });
    const github = shardFromEnvironment(undefined, {
      ATTNBENCH_SHARD: "1/2",
      GITHUB_ACTIONS: "true",
      GITHUB_RUN_ID: "9",
    })!;
    expect([github.engine, github.job.GITHUB_RUN_ID]).toEqual(["github-actions", "9"]);
    expect(shardFromEnvironment("1/2", { ...slurm, SLURM_ARRAY_TASK_ID: "2" })).toMatchObject({
      index: 1,
      engine: "cli",
    });
    expect(shardFromEnvironment(undefined, {})).toBeUndefined();
    for (const bad of ["0/3", "4/3", "2", "a/b"]) {
      expect(() => shardFromEnvironment(bad, {})).toThrow(/--shard/);
    }
  });
});

describe("merge", () => {
  const root = tempDir();
  const sweep = writeSpec(root, SMALL_SWEEP, "sweep.yaml");
  const out = (name: string) => path.join(root, name);
  const run = async (args: string[]) => {
    const result = await runMain([...args, "-q", "--no-report"]);
    if (result.code !== 0 && result.code !== 1) {
      throw new Error(`${args.join(" ")} exited ${result.code}: ${result.stderr}`);
    }
    return result;
  };
  const hashes = (dir: string) =>
    JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")).cases.map((
      c: { config_hash: string },
    ) => c.config_hash);

  beforeAll(async () => {
    for (const i of [1, 2, 3]) await run([sweep, "--shard", `${i}/3`, "--out", out(`sweep-${i}`)]);
    await run([sweep, "--shard", "1/2", "--out", out("sweep-1-of-2")]);
  }, 120_000);

  test("three shards of a sweep merge into the single run's config hashes, in plan order", async () => {
    const { code } = await run([
      "merge",
      out("sweep-3"),
      out("sweep-1"),
      out("sweep-2"),
      "--out",
      out("sweep-merged"),
    ]);
    expect(code).toBe(0);
    const listed = (await runMain(["--dry-run", sweep])).stdout;
    expect(hashes(out("sweep-merged"))).toEqual([...listed.matchAll(/\b[0-9a-f]{64}\b/g)].map((m) => m[0]));
    const m = JSON.parse(fs.readFileSync(path.join(out("sweep-merged"), "manifest.json"), "utf8"));
    expect(m.status).toBe("complete");
    expect(m.shard.indices).toEqual([1, 2, 3]);
    expect(m.shard.merged.map((s: { index: number }) => s.index)).toEqual([1, 2, 3]);
    for (const c of m.cases) {
      expect(c.host).toBeTruthy();
      expect(c.runtime).toBe(`${m.environment.runtime} ${m.environment.version}`);
      expect([1, 2, 3]).toContain(c.shard);
    }
    expect((await runMain(["verify", out("sweep-merged")])).code).toBe(0);
  }, 60_000);

  test(
    "a missing shard is refused with exit 2, naming it; --allow-partial merges what there is",
    async () => {
      const refused = await runMain(["merge", out("sweep-1"), out("sweep-3"), "--out", out("partial")]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(
        /^error: shard 2\/3 missing: shard 2 holds \d+ cases? \(plan index [\d, ]+\)/,
      );
      expect(fs.existsSync(out("partial"))).toBe(false);
      const partial = await run([
        "merge",
        out("sweep-1"),
        out("sweep-3"),
        "--out",
        out("partial"),
        "--allow-partial",
      ]);
      expect(partial.code).toBe(0);
      const m = JSON.parse(fs.readFileSync(path.join(out("partial"), "manifest.json"), "utf8"));
      expect(m.warnings.join("\n")).toContain("merged without shard 2/3 (--allow-partial)");
      expect(m.cases.length).toBe(hashes(out("sweep-1")).length + hashes(out("sweep-3")).length);
    },
    60_000,
  );

  test("a duplicated shard, a shard of another count and a run that is no shard are refused with exit 2", async () => {
    const twice = await runMain([
      "merge",
      out("sweep-1"),
      out("sweep-1"),
      out("sweep-2"),
      "--out",
      out("x1"),
    ]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/are both shard 1\/3; give each shard once/);
    const foreign = await runMain(["merge", out("sweep-1"), out("sweep-1-of-2"), "--out", out("x2")]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toMatch(/is not a shard of the same run .*its shard count is 2, expected 3/);
    const whole = await runMain(["merge", out("sweep-merged"), "--out", out("x3")]);
    expect(whole.code).toBe(2);
    expect(whole.stderr).toMatch(/is not a shard run/);
  });

  test("a shard of another spec is refused with exit 2", async () => {
    const other = writeSpec(
      root,
      fs.readFileSync(sweep, "utf8").replace("d: [8, 16]", "d: [8, 32]"),
      "other.yaml",
    );
    await run([other, "--shard", "2/3", "--out", out("other-2")]);
    const refused = await runMain([
      "merge",
      out("sweep-1"),
      out("other-2"),
      out("sweep-3"),
      "--out",
      out("x4"),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is not a shard of the same run .*its spec \(SHA-256 of its text\) is/);
  }, 60_000);

  test(
    "a study's shards merge into a run whose witness bundle verify accepts; each shard's bundle is kept",
    async () => {
      const study = writeSpec(root, STUDY_SPEC, "study.yaml");
      for (const i of [1, 2]) await run([study, "--shard", `${i}/2`, "--out", out(`study-${i}`)]);
      const merged = await run(["merge", out("study-1"), out("study-2"), "--out", out("study-merged")]);
      expect(merged.code).toBe(0);
      expect(merged.stdout).toMatch(/witness reproducible: PASS \(verified 36 lines in 6 chains/);
      const verify = await runMain(["verify", out("study-merged")]);
      expect(verify.code).toBe(0);
      expect(verify.stdout).toMatch(/witness reproducible: PASS/);
      const m = JSON.parse(fs.readFileSync(path.join(out("study-merged"), "manifest.json"), "utf8"));
      for (const s of m.shard.merged) {
        expect(fs.existsSync(path.join(out("study-merged"), s.bundle))).toBe(
          true,
        );
      }
    },
    120_000,
  );

  test("a shard with a failed case merges, and the failure is listed (exit 1)", async () => {
    const trigger = path.join(root, "trigger");
    fs.writeFileSync(trigger, "");
    const faulty = writeSpec(root, faultSpec({ fault: "exit", trigger }), "faulty.yaml");
    const results = [];
    for (const i of [1, 2]) {
      results.push(await run([faulty, "--shard", `${i}/2`, "--out", out(`faulty-${i}`)]));
    }
    expect(results.map((r) => r.code).sort()).toEqual([0, 1]);
    const merged = await run(["merge", out("faulty-1"), out("faulty-2"), "--out", out("faulty-merged")]);
    expect(merged.code).toBe(1);
    expect(merged.stderr).toMatch(/error: case 1 \(faulty seq_len=8 .*\) failed: /);
    const m = JSON.parse(fs.readFileSync(path.join(out("faulty-merged"), "manifest.json"), "utf8"));
    expect(m.cases.map((c: { status: string }) => c.status)).toEqual(["ok", "failed", "ok"]);
  }, 120_000);

  test("a run in a Slurm array task records its shard, engine, job ids and host", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      SLURM_ARRAY_JOB_ID: "77",
      SLURM_ARRAY_TASK_ID: "1",
      SLURM_ARRAY_TASK_COUNT: "3",
      SLURM_ARRAY_TASK_MIN: "0",
      SLURM_ARRAY_TASK_STEP: "1",
      SLURM_JOB_ID: "79",
    });
    try {
      await run([sweep, "--out", out("slurm-task")]);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    }
    const m = JSON.parse(fs.readFileSync(path.join(out("slurm-task"), "manifest.json"), "utf8"));
    expect(m.shard).toMatchObject({
      count: 3,
      indices: [2],
      engine: "slurm",
      job: { SLURM_ARRAY_JOB_ID: "77" },
    });
    expect(m.shard.host).toBeTruthy();
    expect(hashes(out("slurm-task"))).toEqual(hashes(out("sweep-2")));
  }, 60_000);
});

describe("attnbench slurm", () => {
  const root = tempDir();
  const spec = writeSpec(root, SMALL_SWEEP, "sweep.yaml");

  test("writes an array of N tasks and a merge, with the options asked for, and submits nothing by default", async () => {
    const dir = path.join(root, "written");
    const { code, stdout } = await runMain([
      "slurm",
      spec,
      "--shards",
      "3",
      "--out",
      dir,
      "--partition",
      "bench",
      "--time",
      "30",
      "--cpus-per-task",
      "2",
      "--exclusive",
      "--pin",
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain(`submit with: ${dir}/submit.sh`);
    const array = fs.readFileSync(path.join(dir, "shards.sbatch"), "utf8");
    for (
      const line of [
        "#SBATCH --array=0-2",
        "#SBATCH --partition=bench",
        "#SBATCH --time=30",
        "#SBATCH --cpus-per-task=2",
        "#SBATCH --exclusive",
      ]
    ) {
      expect(array).toContain(line);
    }
    expect(array).toMatch(
      /srun --cpu-bind=cores .*cli\.ts .*sweep\.yaml --out "[^"]*\/shard-\$shard" -q --no-report/,
    );
    expect(fs.readFileSync(path.join(dir, "submit.sh"), "utf8")).toContain(
      "--dependency=afterok:$array --kill-on-invalid-dep=yes",
    );
    expect(fs.readFileSync(path.join(dir, "merge.sbatch"), "utf8")).toMatch(
      /merge "[^"]*"\/shard-\* --out "[^"]*\/merged"/,
    );
    const usage = await runMain(["slurm", spec, "--shards", "0"]);
    expect(usage.code).toBe(2);
  });

  test(
    "--submit --wait: the array, then the merge after it; the merged run has every case once",
    async () => {
      const state = path.join(root, "fake-slurm");
      fs.mkdirSync(state);
      const saved = { PATH: process.env.PATH, FAKE_SLURM_DIR: process.env.FAKE_SLURM_DIR };
      process.env.PATH = `${path.join(ROOT, "tests", "fixtures", "slurm")}:${process.env.PATH}`;
      process.env.FAKE_SLURM_DIR = state;
      const dir = path.join(root, "submitted");
      let result;
      try {
        result = await runCli(["slurm", spec, "--shards", "3", "--out", dir, "--submit", "--wait"]);
      } finally {
        process.env.PATH = saved.PATH;
        if (saved.FAKE_SLURM_DIR === undefined) delete process.env.FAKE_SLURM_DIR;
        else process.env.FAKE_SLURM_DIR = saved.FAKE_SLURM_DIR;
      }
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/array job 41 \(3 shards .*\), merge job 42/);
      expect(result.stdout).toContain("shards exited 1: 0, 2: 0, 3: 0; merge 0");
      const log = fs.readFileSync(path.join(state, "log"), "utf8");
      expect(log).toContain("sbatch --parsable --dependency=afterok:41 --kill-on-invalid-dep=yes");
      expect(log).toMatch(/squeue -h -j 41,42/);
      const merged = JSON.parse(fs.readFileSync(path.join(dir, "merged", "manifest.json"), "utf8"));
      const listed = (await runMain(["--dry-run", spec])).stdout;
      expect(merged.cases.map((c: { config_hash: string }) => c.config_hash)).toEqual(
        [...listed.matchAll(/\b[0-9a-f]{64}\b/g)].map((m) => m[0]),
      );
      expect(merged.shard.merged.map((s: { engine: string }) => s.engine)).toEqual([
        "slurm",
        "slurm",
        "slurm",
      ]);
    },
    180_000,
  );
});
