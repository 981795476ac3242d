import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { memoryProbes, peakRss } from "../plugins/memory/probes.ts";
import { collectGarbage, runtimeName } from "../src/runtime.ts";
import { ROOT, tempDir } from "./support/temp.ts";

const MiB = 1024 * 1024;

describe("memory probes", () => {
  test("RSS, heap and buffer bytes are positive, each labelled with where this runtime keeps them", async () => {
    const probes = await memoryProbes();
    const reading = probes.read();
    expect(reading.rss_bytes).toBeGreaterThan(10 * MiB);
    expect(reading.heap_used_bytes).toBeGreaterThan(0);
    expect(reading.buffer_bytes).toBeGreaterThanOrEqual(0);
    const expected = {
      deno: ["v8.used_heap_size", "v8.external_memory"],
      bun: ["jsc.heapUsed", "mimalloc.live"],
      node: ["v8.used_heap_size", "node.arrayBuffers"],
    };
    expect([probes.heap_source, probes.buffer_source]).toEqual(expected[runtimeName()]);
  });

  test("live typed-array storage shows in the buffer bytes", async () => {
    const probes = await memoryProbes();
    // Collect first: garbage left by earlier tests, freed between the two reads, would hide growth.
    collectGarbage()?.();
    const before = probes.read().buffer_bytes;
    const kept = Array.from({ length: 4 }, () => new Float32Array(MiB).fill(1));
    const grown = probes.read().buffer_bytes - before;
    expect(kept.length).toBe(4);
    // The 16 MiB kept must show; a runtime may release some earlier buffer between the two reads
    // (once seen: 0.12 MiB less), so the floor has a 5 % margin.
    expect(grown).toBeGreaterThanOrEqual(0.95 * 16 * MiB);
    expect(grown).toBeLessThan(17 * MiB);
  });
});

describe("peak RSS of a window", () => {
  test("here (Linux, all permissions) the high-water mark is reset per window and read from VmHWM", () => {
    const peak = peakRss();
    expect(peak.method).toBe("clear_refs+VmHWM");
    expect(peak.no_reset_reason).toBeUndefined();
  });

  test("the peak rises with memory touched in the window, and a reset brings it back to the current RSS", async () => {
    const peak = peakRss();
    const probes = await memoryProbes();
    peak.reset();
    const start = probes.read().rss_bytes;
    expect(peak.read()).toBeLessThan(start + 4 * MiB);
    // 96 MiB touched, 64 MiB required: in a long test process the allocator may hand back pages
    // freed earlier that are still resident, which do not raise the RSS (seen: 8 of 48 MiB).
    const touched = new Uint8Array(96 * MiB).fill(7);
    expect(peak.read() - start).toBeGreaterThanOrEqual(64 * MiB);
    expect(touched[touched.length - 1]).toBe(7);
    peak.reset();
    expect(Math.abs(peak.read() - probes.read().rss_bytes)).toBeLessThan(4 * MiB);
  });

  test("Deno without -A cannot touch /proc: lifetime maxRSS, and the reason says to use -A", () => {
    const dir = tempDir();
    const script = path.join(dir, "peak.ts");
    fs.writeFileSync(
      script,
      `import { peakRss } from ${
        JSON.stringify(path.join(ROOT, "plugins", "memory", "probes.ts"))
      };\nconst p = peakRss();\nconsole.log(JSON.stringify({ method: p.method, reason: p.no_reset_reason, peak: p.read() }));\n`,
    );
    const deno = path.join(ROOT, "node_modules", ".bin", "deno");
    const run = spawnSync(deno, [
      "run",
      "--allow-read",
      "--allow-env",
      "--allow-sys",
      "--config",
      path.join(ROOT, "deno.json"),
      script,
    ], {
      encoding: "utf8",
      cwd: ROOT,
    });
    expect(run.stderr).toBe("");
    const result = JSON.parse(run.stdout);
    expect(result.method).toBe("maxRSS-lifetime");
    expect(result.reason).toBe(
      "Deno refused to write /proc/self/clear_refs: /proc needs all permissions (run deno with -A)",
    );
    expect(result.peak).toBeGreaterThan(10 * MiB);
  });
});
