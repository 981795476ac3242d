import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { loadSpec, planRun, runPlan, runSpec } from "../mod.ts";
import { ROOT, smallSpec, tempDir, writeSpec } from "./support/temp.ts";
import { readCalls } from "./fixtures/plugins/call_log.ts";
import { readCsv } from "./support/csv.ts";

const fixtures = path.join(ROOT, "tests", "fixtures");

function specIn(dir: string, text: string): string {
  return writeSpec(dir, text);
}

describe("a run writes results.csv, per-case CSVs and a manifest", () => {
  test("every row carries its config_hash, per-case files are named by it", async () => {
    const dir = tempDir();
    const file = specIn(dir, smallSpec("plugins:\n  - latency\n"));
    const { outputDir, manifest } = await runSpec(file, { outputDir: path.join(dir, "out") });
    expect(manifest.status).toBe("complete");
    expect(manifest.summary).toEqual({ total: 2, ok: 2, failed: 0, skipped: 0, pending: 0 });
    const rows = readCsv(path.join(outputDir, "results.csv"));
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.config_hash)).toEqual(manifest.cases.map((c) => c.config_hash));
    // Identity, then every built-in kernel's parameters (blank where softmax lacks one), then
    // status and quality, then metrics.
    const header = Object.keys(rows[0]);
    expect(header.slice(0, 9)).toEqual([
      "config_hash",
      "runtime",
      "runtime_version",
      "kernel",
      "kernel_version",
      "role",
      "seq_len",
      "d",
      "causal",
    ]);
    expect(header.indexOf("lambda")).toBeLessThan(header.indexOf("status"));
    expect(rows[0].lambda).toBe("");
    expect(header.indexOf("quality")).toBe(header.indexOf("status") + 1);
    expect(header.indexOf("latency_p50_us")).toBeGreaterThan(header.indexOf("quality"));
    expect(header.at(-1)).toBe("error");
    expect(header.filter((c) => c === "samples" || c.startsWith("latency_n"))).toEqual(["samples"]);
    for (const row of rows) {
      expect(row.quality).toMatch(/^(ok|(few_samples|over_budget|noisy|loaded)(;.+)?)$/);
    }
    // Rows of one case from Deno and Bun share a config hash; these columns tell them apart.
    for (const row of rows) {
      expect(row.runtime).toBe(manifest.environment.runtime);
      expect(row.runtime_version).toBe(manifest.environment.version);
      expect(["deno", "bun", "node"]).toContain(row.runtime);
    }
    expect(Number(rows[0].latency_p50_us)).toBeGreaterThan(0);
    expect(Number(rows[0].latency_p95_us)).toBeGreaterThanOrEqual(Number(rows[0].latency_p50_us));
    for (const c of manifest.cases) {
      expect(c.files).toEqual([`latency/${c.config_hash}.csv`]);
      const samples = readCsv(path.join(outputDir, c.files[0]));
      expect(Object.keys(samples[0])).toEqual([
        "sample_id",
        "wall_time_us",
        "kernel_time_us",
        "seq_len",
        "config_hash",
      ]);
      expect(samples.every((s) => s.config_hash === c.config_hash && s.seq_len === String(c.params.seq_len)))
        .toBe(true);
      const row = rows.find((r) => r.config_hash === c.config_hash)!;
      expect(Number(row.samples)).toBe(samples.length);
    }
    expect(manifest.environment.runtime).toMatch(/^(deno|bun|node)$/);
    expect(manifest.environment.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.spec.sha256).toMatch(/^[0-9a-f]{64}$/);
    const onDisk = JSON.parse(fs.readFileSync(path.join(outputDir, "manifest.json"), "utf8"));
    expect(onDisk.status).toBe("complete");
    expect(fs.readdirSync(outputDir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  test("a case that throws is recorded as failed and the others still complete", async () => {
    const dir = tempDir();
    const text = smallSpec("", "params:\n  seq_len: [4, 8, 16]\n  d: 4\n").replace(
      "kernel: softmax",
      `kernel: ${path.join(fixtures, "kernels", "picky.ts")}`,
    );
    const { outputDir, manifest } = await runSpec(specIn(dir, text), { outputDir: path.join(dir, "out") });
    expect(manifest.summary).toEqual({ total: 3, ok: 2, failed: 1, skipped: 0, pending: 0 });
    const failed = manifest.cases.find((c) => c.status === "failed")!;
    expect(failed.params.seq_len).toBe(8);
    expect(failed.error).toBe("[kernel picky] picky refuses seq_len 8");
    const rows = readCsv(path.join(outputDir, "results.csv"));
    expect(rows.map((r) => r.status)).toEqual(["ok", "failed", "ok"]);
    expect(rows[1].error).toBe("[kernel picky] picky refuses seq_len 8");
    expect(rows[2].latency_p50_us).not.toBe("");
  });

  test("an aborted signal stops the run before its next case: finished cases written, manifest interrupted", async () => {
    const dir = tempDir();
    const outputDir = path.join(dir, "out");
    const file = specIn(
      dir,
      smallSpec("plugins:\n  - latency\n", "params:\n  seq_len: [4, 8, 16]\n  d: 4\n"),
    );
    const interrupt = new AbortController();
    // Ctrl-C arrives while the first case runs: its progress line ends with "ok median ...".
    const progress = { write: (text: string) => text.includes(" ok ") && interrupt.abort() };
    await expect(runSpec(file, { outputDir, progress, signal: interrupt.signal })).rejects.toThrow(
      /^interrupted after 1 of 3 cases; the finished ones are in .*out \(manifest status "interrupted"\); finish the run with --resume$/,
    );
    const manifest = JSON.parse(fs.readFileSync(path.join(outputDir, "manifest.json"), "utf8"));
    expect(manifest.status).toBe("interrupted");
    expect(manifest.summary).toEqual({ total: 3, ok: 1, failed: 0, skipped: 0, pending: 2 });
    expect(manifest.finished_at).toBeDefined();
    const rows = readCsv(path.join(outputDir, "results.csv"));
    expect(rows.map((r) => [r.seq_len, r.status])).toEqual([["4", "ok"]]);
  });

  test("a baseline runs once per distinct point of its own parameters, before the kernel cases", async () => {
    const dir = tempDir();
    const text = smallSpec("baseline: softmax\n", "params:\n  seq_len: [4, 8]\n  d: 4\n").replace(
      "kernel: softmax",
      `kernel: ${path.join(fixtures, "kernels", "picky.ts")}`,
    );
    const plan = await planRun(await loadSpec(specIn(dir, text)));
    expect(plan.cases.map((c) => `${c.role}:${c.kernel.definition.name}:${c.params.seq_len}`)).toEqual([
      "baseline:softmax:4",
      "baseline:softmax:8",
      "kernel:picky:4",
      "kernel:picky:8",
    ]);
    expect(plan.cases[0].inputs_key).toBe(plan.cases[2].inputs_key);
  });

  test("--filter runs a subset by parameter or by hash prefix", async () => {
    const dir = tempDir();
    const plan = await planRun(await loadSpec(specIn(dir, smallSpec())));
    const byParam = await runPlan(plan, { outputDir: path.join(dir, "a"), filter: ["seq_len=8"] });
    expect(byParam.manifest.cases.map((c) => c.params.seq_len)).toEqual([8]);
    const prefix = plan.cases[0].config_hash.slice(0, 10);
    const byHash = await runPlan(plan, { outputDir: path.join(dir, "b"), filter: [prefix] });
    expect(byHash.manifest.cases.map((c) => c.config_hash)).toEqual([plan.cases[0].config_hash]);
  });
});

describe("plugins", () => {
  test("a plugin loaded by relative path gets its hooks in order, its tables and metrics are written", async () => {
    const dir = tempDir();
    const log = path.join(dir, "calls.log");
    const file = writeSpec(
      fixtures,
      smallSpec(`plugins:\n  - latency\n  - ./plugins/recorder.ts: { tag: t1, log: ${log} }\n`),
      `relative-${process.pid}.yaml`,
    );
    // The spec sits among the fixtures (for its relative path) only while it runs.
    const { outputDir, manifest } = await runSpec(file, { outputDir: path.join(dir, "out") })
      .finally(() => fs.rmSync(file, { force: true }));
    const [a, b] = manifest.cases.map((c) => c.config_hash.slice(0, 8));
    expect(readCalls(log)).toEqual([
      "create:t1",
      "setup",
      `start:${a}`,
      `stop:${a}`,
      `start:${b}`,
      `stop:${b}`,
      "teardown:recorder",
    ]);
    const rows = readCsv(path.join(outputDir, "results.csv"));
    expect(rows[0].recorder_tag).toBe("t1");
    expect(Number(rows[0].recorder_calls)).toBeGreaterThan(0);
    // recorder declares no metrics: its numbers are written as doubles, so the type never flips.
    expect(rows[0].recorder_output_len).toBe("16.0");
    const table = readCsv(path.join(outputDir, "recorder", `${manifest.cases[0].config_hash}.csv`));
    expect(table).toEqual([{ x: "1", config_hash: manifest.cases[0].config_hash }, {
      x: "2",
      config_hash: manifest.cases[0].config_hash,
    }]);
    expect(manifest.plugins.map((p) => [p.name, p.origin, p.status])).toEqual([[
      "latency",
      "builtin",
      "active",
    ], ["recorder", "path", "active"]]);
  });

  test("a plugin loaded by package name from node_modules beside the spec", async () => {
    const file = writeSpec(
      fixtures,
      smallSpec("plugins:\n  - attnbench-plugin-calls\n"),
      `package-${process.pid}.yaml`,
    );
    try {
      const dir = tempDir();
      const { outputDir, manifest } = await runSpec(file, { outputDir: path.join(dir, "out") });
      expect(manifest.plugins.map((p) => [p.name, p.origin])).toEqual([["calls", "package"]]);
      const rows = readCsv(path.join(outputDir, "results.csv"));
      expect(Number(rows[0].calls_total)).toBeGreaterThan(0);
    } finally {
      fs.rmSync(file);
    }
  });

  test("an unavailable plugin is skipped with its reason and the run goes on; --strict fails instead", async () => {
    const dir = tempDir();
    const file = specIn(
      dir,
      smallSpec(`plugins:\n  - latency\n  - ${path.join(fixtures, "plugins", "unavailable.ts")}\n`),
    );
    const { manifest } = await runSpec(file, { outputDir: path.join(dir, "out") });
    expect(manifest.summary.ok).toBe(2);
    expect(manifest.plugins[1]).toEqual({
      name: "unavailable",
      ref: path.join(fixtures, "plugins", "unavailable.ts"),
      origin: "path",
      options: {},
      status: "skipped",
      reason: "no frobnicator on this machine (needs /dev/frob)",
    });
    await expect(runSpec(file, { outputDir: path.join(dir, "strict"), strict: true })).rejects.toThrow(
      "[profiler unavailable] unavailable (--strict): no frobnicator on this machine (needs /dev/frob)",
    );
    const strictManifest = JSON.parse(fs.readFileSync(path.join(dir, "strict", "manifest.json"), "utf8"));
    expect(strictManifest.status).toBe("aborted");
  });

  test("a throwing hook is reported with the plugin's name and hook; teardown still runs, in reverse order", async () => {
    const dir = tempDir();
    const p = (name: string) => path.join(fixtures, "plugins", name);
    const log = path.join(dir, "calls.log");
    const file = specIn(
      dir,
      smallSpec(
        `plugins:\n  - ${p("recorder.ts")}: { log: ${log} }\n  - ${
          p("throws_on_stop.ts")
        }: { log: ${log} }\n`,
      ),
    );
    const { manifest } = await runSpec(file, { outputDir: path.join(dir, "out") });
    expect(manifest.cases.map((c) => c.error)).toEqual([
      "[profiler throws-on-stop] stop failed: sensor unplugged",
      "[profiler throws-on-stop] stop failed: sensor unplugged",
    ]);
    expect(readCalls(log).slice(-2)).toEqual(["teardown:throws-on-stop", "teardown:recorder"]);
  });

  test("a plugin written for another apiVersion is refused with a located message", async () => {
    const dir = tempDir();
    const file = specIn(dir, smallSpec(`plugins:\n  - ${path.join(fixtures, "plugins", "future_api.ts")}\n`));
    await expect(loadSpec(file).then(planRun)).rejects.toThrow(
      /spec\.yaml:14:5: plugin "future" declares apiVersion 2; this attnbench supports apiVersion 1/,
    );
  });

  test("a plugin with a sample hook gets inputs.samples samples per case before the timed window, and its report", async () => {
    const dir = tempDir();
    const log = path.join(dir, "calls.log");
    const spec = smallSpec(
      `inputs:\n  samples: 3\nplugins:\n  - ${
        path.join(fixtures, "plugins", "sampler.ts")
      }: { log: ${log} }\n`,
    );
    const { outputDir, manifest, reports } = await runSpec(specIn(dir, spec), {
      outputDir: path.join(dir, "out"),
    });
    expect(manifest.summary.ok).toBe(2);
    const calls = readCalls(log);
    const samples = calls.filter((c) => c.startsWith("sample"));
    expect(samples).toHaveLength(6);
    expect(samples.slice(0, 3).map((c) => c.split(" q0")[0])).toEqual([
      "sample 0 seed 42",
      "sample 1 seed 43",
      "sample 2 seed 44",
    ]);
    expect(new Set(samples.slice(0, 3).map((c) => c.split(" q0 ")[1])).size).toBe(3);
    expect(calls.filter((c) => c.startsWith("start"))).toEqual([
      "start after 3 samples",
      "start after 3 samples",
    ]);
    const rows = readCsv(path.join(outputDir, "results.csv"));
    expect(rows.map((r) => r.sampler_samples)).toEqual(["3.0", "3.0"]);
    expect(reports).toEqual(["sampler saw 2 cases"]);
    expect(manifest.files).toEqual(["sampler/summary.txt"]);
    expect(fs.readFileSync(path.join(outputDir, "sampler", "summary.txt"), "utf8")).toBe(
      manifest.cases.map((c) => `${c.config_hash} 3`).join("\n"),
    );
  });

  test("inputs.samples joins the config hash only when set", async () => {
    const dir = tempDir();
    const plain = await planRun(await loadSpec(specIn(dir, smallSpec())));
    const one = await planRun(
      await loadSpec(writeSpec(dir, smallSpec("inputs:\n  samples: 1\n"), "one.yaml")),
    );
    const three = await planRun(
      await loadSpec(writeSpec(dir, smallSpec("inputs:\n  samples: 3\n"), "three.yaml")),
    );
    expect(one.cases[0].config_hash).toBe(plain.cases[0].config_hash);
    expect(three.cases[0].config_hash).not.toBe(plain.cases[0].config_hash);
  });
});
