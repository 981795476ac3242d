/**
 * Asynchronous kernels and kernels that cannot run everywhere, through the whole runner: awaited
 * calls in the timed loop, the device's own time as `kernel_time_us`, `available()` skipping a
 * case with its reason while the run goes on (exit 0), the device in the manifest, and the power
 * plugin's warning when its source does not measure a case's device. The kernel is a fixture
 * (tests/fixtures/kernels/async_device.ts) so this holds on any machine; tests/webgpu_kernels_test.ts
 * checks the real WebGPU kernels where an adapter exists.
 */
import { describe, expect, test } from "bun:test";
import path from "node:path";
import * as v from "valibot";
import { defineKernel, loadSpec, planRun, runSpec } from "../mod.ts";
import { checkKernel } from "../testing.ts";
import asyncDevice from "./fixtures/kernels/async_device.ts";
import { runCli } from "./support/cli_process.ts";
import { readCsv } from "./support/csv.ts";
import { readCalls } from "./fixtures/plugins/call_log.ts";
import { ROOT, tempDir, writeSpec } from "./support/temp.ts";

const kernel = path.join(ROOT, "tests", "fixtures", "kernels", "async_device.ts");
const sampler = path.join(ROOT, "tests", "fixtures", "plugins", "sampler.ts");

function spec(params: string, plugins = "plugins: [latency]\n"): string {
  return `version: 1\nname: async\nkernel: ${kernel}\nparams:\n  seq_len: 8\n  d: 4\n${params}` +
    `bench:\n  min_samples: 5\n  max_samples: 40\n  min_time_ms: 5\n  max_time_ms: 300\n  warmup: 2\n${plugins}`;
}

describe("an asynchronous kernel", () => {
  test("every call is awaited and the device's time is kernel_time_us, positive and within the wall time", async () => {
    const dir = tempDir();
    // Calls alternate 300 and 3000 µs on the device: a device time filed beside another
    // sample's wall time would then exceed it.
    const { outputDir, manifest } = await runSpec(
      writeSpec(dir, spec("  spin_us: 300\n  spin_alt_us: 3000\n")),
      {
        outputDir: path.join(dir, "out"),
      },
    );
    expect(manifest.summary).toEqual({ total: 1, ok: 1, failed: 0, skipped: 0, pending: 0 });
    const record = manifest.cases[0];
    expect(record.kernel_time).toBe("device");
    expect(record.device?.description).toBe("a fake device");
    // The wall time holds the spin (300 µs) and a macrotask's wait, which the device time lacks.
    expect(record.median_us!).toBeGreaterThanOrEqual(300);
    expect(record.kernel_median_us!).toBeGreaterThanOrEqual(300);
    expect(record.kernel_median_us!).toBeLessThanOrEqual(record.median_us!);
    const samples = readCsv(path.join(outputDir, record.files[0]));
    expect(samples.length).toBe(record.samples);
    for (const s of samples) {
      const wall = Number(s.wall_time_us), device = Number(s.kernel_time_us);
      expect(device).toBeGreaterThan(0);
      expect(device).toBeLessThanOrEqual(wall);
    }
    expect(samples.some((s) => s.kernel_time_us !== s.wall_time_us)).toBe(true);
    expect(samples.some((s) => Number(s.kernel_time_us) >= 3000)).toBe(true);
    expect(samples.some((s) => Number(s.kernel_time_us) < 3000)).toBe(true);
    const row = readCsv(path.join(outputDir, "results.csv"))[0];
    expect(Number(row.latency_kernel_p50_us)).toBeLessThanOrEqual(Number(row.latency_p50_us));
    expect(Number(row.latency_kernel_p50_us)).toBeGreaterThanOrEqual(300);
  });

  test("without a device clock, kernel_time_us is the wall time and the manifest says so", async () => {
    const dir = tempDir();
    const { outputDir, manifest } = await runSpec(writeSpec(dir, spec("  clock: false\n")), {
      outputDir: path.join(dir, "out"),
    });
    const record = manifest.cases[0];
    expect(record.kernel_time).toBe("wall");
    expect(record.kernel_median_us).toBeUndefined();
    const samples = readCsv(path.join(outputDir, record.files[0]));
    expect(samples.every((s) => s.kernel_time_us === s.wall_time_us)).toBe(true);
  });

  test("checkKernel awaits it, and flags a promise the instance does not declare", async () => {
    expect((await checkKernel(asyncDevice, { seq_len: 4, d: 2 })).problems).toEqual([]);
    const undeclared = defineKernel({
      name: "undeclared",
      version: "1",
      params: v.object({ seq_len: v.number(), d: v.number() }),
      shape: (p) => ({ seq_len: p.seq_len, q_width: p.d, kv_width: p.d }),
      prepare: (p) => ({ output: new Float32Array(p.seq_len * p.d), run: () => Promise.resolve() }),
    });
    expect((await checkKernel(undeclared, { seq_len: 4, d: 2 })).problems).toEqual([
      "run() returned a promise but the instance lacks asynchronous: true; the runner would not await it",
    ]);
    const report = await checkKernel(asyncDevice, { seq_len: 4, d: 2, device: "none" });
    expect(report.available).toBe(false);
    expect(report.reason).toBe("no fake device here (device: none)");
  });
});

describe("contract breaches and failures of an asynchronous kernel", () => {
  test("a run() that returns a promise without asynchronous: true fails its case, not timed as its start", async () => {
    const dir = tempDir();
    const { manifest } = await runSpec(writeSpec(dir, spec("  declare: false\n  spin_us: 2000\n")), {
      outputDir: path.join(dir, "out"),
    });
    const record = manifest.cases[0];
    expect(record.status).toBe("failed");
    expect(record.error).toMatch(/run\(\) returned a promise but the instance lacks asynchronous: true/);
    expect(record.median_us).toBeUndefined();
  });

  test("the memory plugin's allocation check leaves it alone and says why", async () => {
    const dir = tempDir();
    const text = spec("", "plugins:\n  - memory: { allocation_calls: 4 }\n");
    const { manifest } = await runSpec(writeSpec(dir, text), { outputDir: path.join(dir, "out") });
    expect(manifest.cases[0].status).toBe("ok");
    expect(manifest.cases[0].metrics!.memory.alloc_method).toBe("not measured: asynchronous kernel");
    expect(manifest.cases[0].metrics!.memory.measured_alloc_bytes_per_call).toBeUndefined();
  });

  test("every instance of the evaluation samples is disposed once, even when a later prepare fails", async () => {
    const dir = tempDir();
    const log = path.join(dir, "calls.log");
    // No load(): each sample prepares a new instance; the third prepare of the worker throws.
    const text = spec(
      `  log: ${log}\n  fail_prepare: 3\n`,
      `inputs: { samples: 3 }\nplugins: [latency, ${sampler}]\n`,
    );
    const { manifest } = await runSpec(writeSpec(dir, text), { outputDir: path.join(dir, "out") });
    expect(manifest.cases[0].status).toBe("failed");
    expect(manifest.cases[0].error).toMatch(/prepare #3 fails on purpose/);
    expect(readCalls(log)).toEqual(["prepare #1", "prepare #2", "dispose #2", "dispose #1"]);
  });
});

describe("a kernel that cannot run here", () => {
  test("its cases are skipped with the reason, the others run, and the CLI exits 0", async () => {
    const dir = tempDir();
    const file = writeSpec(dir, spec("  device: [none, fake]\n"));
    const { outputDir, manifest } = await runSpec(file, { outputDir: path.join(dir, "out") });
    expect(manifest.summary).toEqual({ total: 2, ok: 1, failed: 0, skipped: 1, pending: 0 });
    const skipped = manifest.cases.find((c) => c.params.device === "none")!;
    expect(skipped.status).toBe("skipped");
    expect(skipped.error).toBe("no fake device here (device: none)");
    expect(skipped.files).toEqual([]);
    const rows = readCsv(path.join(outputDir, "results.csv"));
    const row = rows.find((r) => r.config_hash === skipped.config_hash)!;
    expect(row.status).toBe("skipped");
    expect(row.error).toBe("no fake device here (device: none)");
    expect(row.latency_p50_us).toBe("");

    const cli = await runCli([file, "--out", path.join(dir, "cli")]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain("skipped: async_device");
    expect(cli.stdout).toContain("no fake device here (device: none)");
    expect(cli.stdout).toMatch(/1 of 2 cases measured, 1 skipped/);
  }, 120_000);
});

describe("the power plugin", () => {
  async function warningsOf(source: string, params: string): Promise<string[]> {
    const dir = tempDir();
    const text = `version: 1\nname: p\nkernel: softmax\nparams:\n  seq_len: 8\n  d: 4\n${params}` +
      `plugins:\n  - power: { source: ${source} }\n`;
    return (await planRun(await loadSpec(writeSpec(dir, text)))).warnings;
  }

  test("warns when its source does not measure the device a case runs on", async () => {
    expect(await warningsOf("nvml", "  backend: [js, wasm]\n")).toEqual([
      "[profiler power] source nvml measures an NVIDIA GPU, but 2 cases run on the CPU (softmax backend js, softmax backend wasm): their energy is the GPU's idle draw, not the kernel's; use source rapl for CPU backends",
    ]);
    const rapl = await warningsOf("rapl", "  backend: [js, webgpu]\n");
    expect(rapl).toHaveLength(1);
    expect(rapl[0]).toMatch(
      /^\[profiler power\] source rapl measures the CPU package, but 1 case runs on a WebGPU device \(softmax backend webgpu\)/,
    );
    expect(await warningsOf("rapl", "  backend: [js, wasm]\n")).toEqual([]);
    expect(await warningsOf("mock", "  backend: [js, webgpu]\n")).toEqual([]);
  });
});
