import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { loadSpec, planRun, runSpec } from "../mod.ts";
import softmax from "../kernels/softmax.ts";
import memory from "../plugins/memory/mod.ts";
import { ROOT, tempDir, writeSpec } from "./support/temp.ts";
import { readCsv } from "./support/csv.ts";

const fixtures = path.join(ROOT, "tests", "fixtures");
const scratch = tempDir();
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function spec(kernel: string, params: string, plugins: string): string {
  const dir = fs.mkdtempSync(path.join(scratch, "spec-"));
  return writeSpec(
    dir,
    `version: 1\nname: memory\nkernel: ${kernel}\n${params}bench:\n  min_samples: 3\n  max_samples: 20\n  min_time_ms: 1\n  max_time_ms: 300\n  warmup: 1\nplugins:\n${plugins}`,
  );
}

describe("memory plugin", () => {
  test("measured and computed columns side by side; the per-case CSV keeps the original columns, with the real peak", async () => {
    const file = spec("softmax", "params:\n  seq_len: [16, 32]\n  d: 8\n", "  - memory\n");
    const { outputDir, manifest } = await runSpec(file, { outputDir: path.join(path.dirname(file), "out") });
    expect(manifest.plugins[0]).toEqual({
      name: "memory",
      ref: "memory",
      origin: "builtin",
      options: { gc: true, allocation_calls: 0 },
      status: "active",
      metrics: memory.metrics,
    });
    const rows = readCsv(path.join(outputDir, "results.csv"));
    expect(Object.keys(rows[0]).filter((k) => k.startsWith("memory_"))).toEqual([
      "memory_measured_rss_start_bytes",
      "memory_measured_rss_end_bytes",
      "memory_measured_peak_rss_bytes",
      "memory_measured_peak_over_start_bytes",
      "memory_measured_heap_used_start_bytes",
      "memory_measured_heap_used_end_bytes",
      "memory_measured_buffer_start_bytes",
      "memory_measured_buffer_end_bytes",
      "memory_computed_kv_cache_bytes",
      "memory_computed_activation_bytes",
      "memory_computed_temp_buffer_bytes",
      "memory_peak_method",
      "memory_heap_source",
      "memory_buffer_source",
      // Declared, so always a column: blank unless allocation_calls > 0.
      "memory_measured_alloc_bytes_per_call",
      "memory_alloc_method",
    ]);
    expect(rows.map((r) => r.memory_alloc_method)).toEqual(["", ""]);
    for (const c of manifest.cases) {
      const row = rows.find((r) => r.config_hash === c.config_hash)!;
      const computed = softmax.memory!(c.params as Parameters<typeof softmax.prepare>[0]);
      expect(Number(row.memory_computed_kv_cache_bytes)).toBe(computed.kv_cache_bytes);
      expect(Number(row.memory_computed_activation_bytes)).toBe(computed.activation_bytes);
      expect(Number(row.memory_computed_temp_buffer_bytes)).toBe(computed.temp_buffer_bytes);
      const peak = Number(row.memory_measured_peak_rss_bytes);
      expect(peak).toBeGreaterThanOrEqual(Number(row.memory_measured_rss_start_bytes));
      expect(peak).toBeGreaterThanOrEqual(Number(row.memory_measured_rss_end_bytes));
      expect(Number(row.memory_measured_peak_over_start_bytes)).toBe(
        peak - Number(row.memory_measured_rss_start_bytes),
      );
      expect(row.memory_peak_method).toBe("clear_refs+VmHWM");
      expect(c.files).toContain(`memory/${c.config_hash}.csv`);
      const csv = readCsv(path.join(outputDir, `memory/${c.config_hash}.csv`));
      expect(csv).toHaveLength(1);
      expect(Object.keys(csv[0])).toEqual([
        "timestamp_us",
        "peak_rss_bytes",
        "kv_cache_bytes",
        "activation_bytes",
        "temp_buffer_bytes",
        "config_hash",
      ]);
      expect(csv[0].peak_rss_bytes).toBe(row.memory_measured_peak_rss_bytes);
      expect(Number(csv[0].kv_cache_bytes)).toBe(computed.kv_cache_bytes);
      expect(Number(csv[0].timestamp_us)).toBeGreaterThan(Date.now() * 1000 - 600e6);
    }
  });

  test(
    "a kernel that materialises seq_len² scores per call: the window's peak grows with it, and the allocation check sees it",
    async () => {
      const file = spec(
        path.join(fixtures, "kernels", "dense_scores.ts"),
        "params:\n  seq_len: [256, 4096]\n  d: 4\n",
        "  - memory: { allocation_calls: 4 }\n",
      );
      const { outputDir } = await runSpec(file, { outputDir: path.join(path.dirname(file), "out") });
      const [small, large] = readCsv(path.join(outputDir, "results.csv"));
      // 64 MiB: above what the harness and V8's young generation add to any window (up to ~33 MiB)
      const matrix = 4 * 4096 * 4096;
      expect(Number(large.memory_measured_peak_over_start_bytes)).toBeGreaterThanOrEqual(0.9 * matrix);
      expect(Number(small.memory_measured_alloc_bytes_per_call)).toBeGreaterThanOrEqual(0.95 * 4 * 256 * 256);
      if (large.memory_alloc_method === "mimalloc.malloc_requested") {
        expect(Number(large.memory_measured_alloc_bytes_per_call)).toBeGreaterThanOrEqual(0.95 * matrix);
      } else {
        // V8 collects the previous call's 64 MiB inside each call, which hides it (allocation.ts)
        expect(large.memory_alloc_method).toBe("v8.used_heap_size+external_memory");
      }
      expect(Number(large.memory_computed_temp_buffer_bytes)).toBe(matrix);
      // Two real cases with 64 MiB calls: 6–23 s on a busy 2-core machine, past Bun's 5 s default.
    },
    120_000,
  );

  test("a kernel without memory() gets empty computed cells", async () => {
    const file = spec(
      path.join(fixtures, "kernels", "picky.ts"),
      "params:\n  seq_len: 4\n  d: 4\n",
      "  - memory\n",
    );
    const { outputDir, manifest } = await runSpec(file, { outputDir: path.join(path.dirname(file), "out") });
    const [row] = readCsv(path.join(outputDir, "results.csv"));
    expect(row.memory_computed_kv_cache_bytes).toBe("");
    const [csv] = readCsv(path.join(outputDir, `memory/${manifest.cases[0].config_hash}.csv`));
    expect([csv.kv_cache_bytes, csv.activation_bytes, csv.temp_buffer_bytes]).toEqual(["", "", ""]);
  });

  test("a bad option is a located spec error", async () => {
    await expect(
      loadSpec(spec("softmax", "params:\n  seq_len: 4\n  d: 4\n", "  - memory: { allocation_calls: -1 }\n"))
        .then(planRun),
    )
      .rejects.toThrow(/spec\.yaml:\d+:\d+: .*allocation_calls must be ≥ 0/);
  });
});
