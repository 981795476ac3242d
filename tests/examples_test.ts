import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { runSpec } from "../mod.ts";
import { checkProfiler } from "../testing.ts";
import cpuTime from "../examples/cpu_time/cpu_time.ts";
import { ROOT, tempDir, writeSpec } from "./support/temp.ts";
import { readCsv } from "./support/csv.ts";

const scratch = tempDir();
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe("example plugin loaded by relative path (examples/cpu_time)", () => {
  test("its spec runs it: metrics in results.csv, a per-case table, a report", async () => {
    const out = path.join(scratch, "cpu");
    const { manifest, reports } = await runSpec(path.join(ROOT, "examples", "cpu_time", "spec.yaml"), {
      outputDir: out,
      filter: ["seq_len=64"],
    });
    expect(manifest.plugins.map((p) => [p.name, p.ref, p.origin, p.status])).toEqual([
      ["latency", "latency", "builtin", "active"],
      ["cpu-time", "./cpu_time.ts", "path", "active"],
    ]);
    expect(manifest.summary).toEqual({ total: 2, ok: 2, failed: 0, skipped: 0, pending: 0 });
    for (const row of readCsv(path.join(out, "results.csv"))) {
      expect(Number(row.cpu_time_cpu_us)).toBeGreaterThan(0);
      expect(Number(row.cpu_time_cpu_per_wall)).toBeGreaterThan(0.2);
      const [table] = readCsv(path.join(out, "cpu-time", `${row.config_hash}.csv`));
      expect(Object.keys(table)).toEqual(["user_us", "system_us", "wall_us", "config_hash"]);
      expect(table.wall_us).toBe(row.cpu_time_wall_us);
    }
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/^cpu-time: \d+\.\d\d s of CPU in \d+\.\d\d s over 2 cases$/);
  });

  test("it passes the conformance harness", async () => {
    expect((await checkProfiler(cpuTime, { options: { system: false } })).problems).toEqual([]);
  });
});

/**
 * The packaged example is installed the way `npm install ./examples/attnbench-plugin-throughput`
 * installs a local folder: a symlink under node_modules. The spec beside that node_modules names
 * it by package name.
 */
describe("example plugin packaged with its own package.json, loaded by package name", () => {
  const project = path.join(scratch, "project");
  fs.mkdirSync(path.join(project, "node_modules"), { recursive: true });
  fs.symlinkSync(
    path.join(ROOT, "examples", "attnbench-plugin-throughput"),
    path.join(project, "node_modules", "attnbench-plugin-throughput"),
    "dir",
  );
  const spec = (options: string) =>
    writeSpec(
      project,
      `version: 1\nname: throughput\nkernel: softmax\nparams:\n  seq_len: [16, 32]\n  d: 8\nbench:\n  min_samples: 3\n  max_samples: 20\n  min_time_ms: 1\n  max_time_ms: 200\n  warmup: 1\nplugins:\n  - attnbench-plugin-throughput${options}\n`,
    );

  test("runs with its options and reports tokens/s and bytes/s", async () => {
    const out = path.join(scratch, "throughput");
    const { manifest } = await runSpec(spec(": { percentile: 95 }"), { outputDir: out });
    expect(manifest.plugins.map((p) => [p.name, p.origin, p.status])).toEqual([[
      "throughput",
      "package",
      "active",
    ]]);
    const version = JSON.parse(
      fs.readFileSync(path.join(ROOT, "examples", "attnbench-plugin-throughput", "package.json"), "utf8"),
    ).version;
    expect(manifest.plugins[0].package).toEqual({ name: "attnbench-plugin-throughput", version });
    for (const row of readCsv(path.join(out, "results.csv"))) {
      expect(row.throughput_percentile).toBe("95.0");
      const tokens = Number(row.throughput_tokens_per_s);
      expect(tokens).toBeGreaterThan(0);
      expect(Number(row.throughput_bytes_per_s)).toBeCloseTo(tokens * 4 * 4 * 8, 3);
    }
  });

  test("a bad option fails the plugin with its own message, and the run goes on", async () => {
    const { manifest } = await runSpec(spec(": { percentile: 0 }"), { outputDir: path.join(scratch, "bad") });
    expect(manifest.summary.ok).toBe(2);
    expect(manifest.plugins[0].status).toBe("failed");
    expect(manifest.plugins[0].reason).toBe(
      "[profiler throughput] create failed: percentile is 0; expected a number in (0, 100]",
    );
  });

  test("it passes the conformance harness", async () => {
    const { default: throughput } = await import(
      path.join(project, "node_modules", "attnbench-plugin-throughput", "mod.js")
    );
    expect((await checkProfiler(throughput, { options: { percentile: 90 } })).problems).toEqual([]);
  });
});
