/**
 * The WebGPU backend through the whole runner, as a user runs it: device time per sample as
 * `kernel_time_us` (positive, within the wall time, not the wall time), the adapter in the
 * manifest; `prepare()` before `available()` refused with one message; and, with the adapter
 * hidden, every webgpu case skipped with its reason and exit 0.
 * The first needs an adapter (lavapipe in CI, which sets ATTNBENCH_REQUIRE_WEBGPU=1); the second
 * runs anywhere.
 */
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import path from "node:path";
import process from "node:process";
import { gpuAvailability } from "../kernels/webgpu/device.ts";
import { runSpec } from "../mod.ts";
import { runCli, RUNTIME_ARGS } from "./support/cli_process.ts";
import { readCsv } from "./support/csv.ts";
import { ROOT, tempDir, writeSpec } from "./support/temp.ts";

const availability = await gpuAvailability();
const reason = typeof availability === "string" ? availability : undefined;
const required = process.env.ATTNBENCH_REQUIRE_WEBGPU === "1";

/** Sizes whose calls take well over Dawn's 65.5 µs timestamp quantum on lavapipe (Bun). */
const SPEC = `version: 1
name: webgpu-run
kernel: [softmax, flash, multihead]
params:
  backend: webgpu
  seq_len: 97
  d: 24
  tile: 16
  heads: 3
  kv_heads: 1
  head_dim: 8
  causal: [false, true]
bench:
  min_samples: 4
  max_samples: 12
  min_time_ms: 1
  max_time_ms: 400
  warmup: 1
plugins: [latency]
`;

describe("a webgpu run", () => {
  const body = async () => {
    const dir = tempDir();
    const { outputDir, manifest } = await runSpec(writeSpec(dir, SPEC), { outputDir: path.join(dir, "out") });
    expect(manifest.summary).toEqual({ total: 6, ok: 6, failed: 0, skipped: 0, pending: 0 });
    for (const record of manifest.cases) {
      expect(record.device?.api).toBe("webgpu");
      expect(record.device!.description.length + record.device!.vendor.length).toBeGreaterThan(0);
      if (!record.device!.timestamps) {
        expect(record.kernel_time).toBe("wall");
        continue;
      }
      expect(record.kernel_time).toBe("device");
      // bun-webgpu cannot switch off Dawn's 65.536 µs timestamp steps, and the record says so.
      expect(record.device!.timestamp_quantum_ns).toBe(
        record.device!.binding === "bun-webgpu" ? 65_536 : undefined,
      );
      expect(record.kernel_median_us!).toBeGreaterThan(0);
      expect(record.kernel_median_us!).toBeLessThanOrEqual(record.median_us!);
      const samples = readCsv(path.join(outputDir, record.files[0]));
      for (const s of samples) {
        expect(Number(s.kernel_time_us)).toBeGreaterThan(0);
        expect(Number(s.kernel_time_us)).toBeLessThanOrEqual(Number(s.wall_time_us));
      }
      expect(samples.some((s) => s.kernel_time_us !== s.wall_time_us)).toBe(true);
    }
  };
  if (!reason) {
    test("writes the device's time per call beside the wall time, and names the adapter", body, 120_000);
  } else if (required) {
    test("writes the device's time per call beside the wall time, and names the adapter", () => {
      throw new Error(`ATTNBENCH_REQUIRE_WEBGPU=1 but ${reason}`);
    });
  } else test.skip("writes the device's time per call beside the wall time, and names the adapter", body);

  test("prepare() before available() is one clear error, in a process that never opened the device", () => {
    const script = path.join(ROOT, "tests", "fixtures", "webgpu", "prepare_first.ts");
    const run = spawnSync(process.execPath, [...RUNTIME_ARGS, script], { encoding: "utf8" });
    expect(run.stdout.trim()).toBe(
      "softmax (backend webgpu): the WebGPU device is not open yet; await the kernel's available() before prepare()",
    );
  }, 60_000);

  test("without an adapter skips every webgpu case with the reason, runs the rest, and exits 0", async () => {
    const dir = tempDir();
    const file = writeSpec(
      dir,
      SPEC.replace("  backend: webgpu\n", "  backend: [webgpu, js]\n").replace(
        "causal: [false, true]",
        "causal: false",
      ),
    );
    // Deno's wgpu is told to use a backend Linux lacks; Dawn (Bun) finds no Vulkan driver and
    // offers only its null backend, which attnbench refuses.
    const { code, stdout, stderr } = await runCli([file, "--out", path.join(dir, "out"), "--no-report"], {
      DENO_WEBGPU_BACKEND: "metal",
      VK_ICD_FILENAMES: path.join(dir, "no-driver.json"),
    });
    expect({ code, stderr: stderr.split("\n").filter((l) => l.startsWith("error")) }).toEqual({
      code: 0,
      stderr: [],
    });
    const rows = readCsv(path.join(dir, "out", "results.csv"));
    const webgpu = rows.filter((r) => r.backend === "webgpu");
    expect(webgpu).toHaveLength(3);
    for (const row of webgpu) {
      expect(row.status).toBe("skipped");
      expect(row.error).toMatch(/WebGPU/);
      expect(row.error).toMatch(/Deno|Bun/);
    }
    expect(rows.filter((r) => r.backend === "js").map((r) => r.status)).toEqual(["ok", "ok", "ok"]);
    expect(stdout).toMatch(/3 of 6 cases measured, 3 skipped/);
    expect(stdout).toMatch(/skipped: softmax .*: .*WebGPU/);
  }, 120_000);
});
