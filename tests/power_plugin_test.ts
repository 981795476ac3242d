import { afterAll, describe, expect, test } from "bun:test";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import * as v from "valibot";
import { loadSpec, planRun, runSpec } from "../mod.ts";
import { powerOptions } from "../plugins/power/options.ts";
import { PowerSampler } from "../plugins/power/sampler.ts";
import { resolveSource } from "../plugins/power/sources/mod.ts";
import { windowEnergy } from "../plugins/power/window.ts";
import { ROOT, tempDir, writeSpec } from "./support/temp.ts";
import { readCsv } from "./support/csv.ts";
import { runMain } from "./support/cli_process.ts";

const fixtures = path.join(ROOT, "tests", "fixtures");
const scratch = tempDir();
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const BUDGET =
  "bench:\n  min_samples: 3\n  max_samples: 20\n  min_time_ms: 1\n  max_time_ms: 200\n  warmup: 1\n";

/** A one-kernel spec in a fresh folder with the given plugins block; returns the spec file. */
function spec(
  plugins: string,
  kernel = "softmax",
  params = "params:\n  seq_len: [8, 16]\n  d: 4\n",
  bench = BUDGET,
): string {
  const dir = fs.mkdtempSync(path.join(scratch, "spec-"));
  return writeSpec(dir, `version: 1\nname: power\nkernel: ${kernel}\n${params}${bench}plugins:\n${plugins}`);
}

const options = (raw: Record<string, unknown>) => v.parse(powerOptions, raw);

describe("power plugin: source, fallback and what the manifest says", () => {
  test("RAPL missing (a VM) with fallback mock: active on mock, the manifest says RAPL was unavailable and why", async () => {
    const file = spec(
      `  - power: { source: rapl, fallback: mock, watts: 50, rapl: { root: ${
        path.join(scratch, "no-powercap")
      } } }\n`,
    );
    const { outputDir, manifest } = await runSpec(file, { outputDir: path.join(path.dirname(file), "out") });
    expect(manifest.summary.ok).toBe(2);
    const status = manifest.plugins[0];
    expect(status.status).toBe("active");
    expect(status.reason).toMatch(
      /^rapl unavailable: no RAPL zones under .*no-powercap .*the directory does not exist.*; measuring with fallback mock$/,
    );
    const rows = readCsv(path.join(outputDir, "results.csv"));
    for (const row of rows) {
      expect(row.power_source).toBe("mock");
      expect(row.power_method).toBe("counter");
      // Energy comes from counter readings at the sampler's 10 ms ticks, the duration from the
      // window's edges: each edge may miss up to one tick, so the mean is 50 W within 2 ticks'
      // share of the window (0.68 W seen on a busy machine with a 0.7 s window).
      const edges = (2 * 0.010) / Number(row.power_duration_s);
      expect(Math.abs(Number(row.power_mean_watts) - 50)).toBeLessThanOrEqual(50 * edges + 0.01);
      expect(Number(row.power_total_joules)).toBeCloseTo(
        Number(row.power_mean_watts) * Number(row.power_duration_s),
        9,
      );
      expect(Number(row.power_peak_watts)).toBe(50);
      expect(Number(row.power_samples)).toBeGreaterThanOrEqual(2);
      expect(Number(row.power_joules_per_call)).toBeGreaterThan(0);
    }
    for (const c of manifest.cases) {
      expect(c.files).toContain(`power/${c.config_hash}.csv`);
      const samples = readCsv(path.join(outputDir, `power/${c.config_hash}.csv`));
      expect(Object.keys(samples[0])).toEqual(["timestamp_us", "watts", "energy_j", "source", "config_hash"]);
      expect(samples[0].energy_j).toBe("0");
      expect(samples.every((s) => s.source === "mock" && s.watts === "50" && s.config_hash === c.config_hash))
        .toBe(true);
      const energies = samples.map((s) => Number(s.energy_j));
      expect(energies).toEqual([...energies].sort((a, b) => a - b));
      const row = rows.find((r) => r.config_hash === c.config_hash)!;
      expect(energies[energies.length - 1]).toBeCloseTo(Number(row.power_total_joules), 9);
    }
  });

  test("RAPL missing and no fallback: skipped with the reason; --strict fails the run", async () => {
    const file = spec(
      `  - latency\n  - power: { source: rapl, rapl: { root: ${path.join(scratch, "none")} } }\n`,
    );
    const { manifest } = await runSpec(file, { outputDir: path.join(path.dirname(file), "out") });
    expect(manifest.summary.ok).toBe(2);
    expect(manifest.plugins[1].status).toBe("skipped");
    expect(manifest.plugins[1].reason).toMatch(/^rapl unavailable: no RAPL zones under .*none/);
    await expect(runSpec(file, { outputDir: path.join(path.dirname(file), "strict"), strict: true })).rejects
      .toThrow(
        "[profiler power] unavailable (--strict): rapl unavailable: no RAPL zones",
      );
  });

  test("an unknown source or a wrong path is a located spec mistake (exit 2), as a wrong plugin path is", async () => {
    for (const source of ["rpl", "./no_such_meter.ts"]) {
      const file = spec(`  - power: { source: ${source}, fallback: mock }\n`);
      const { code, stderr } = await runMain(["validate", file]);
      expect(code).toBe(2);
      expect(stderr.trim()).toMatch(
        new RegExp(
          `^error: .*spec\\.yaml:\\d+:\\d+: plugin "power": unknown power source "${
            source.replace(/\./g, "\\.")
          }" .*; expected rapl, nvml, mock, a path relative to the spec`,
        ),
      );
    }
  });

  test("a source module may take options: source_options go to its default export", async () => {
    const meter = path.join(fixtures, "power", "configurable_meter.ts");
    const file = spec(`  - power: { source: ${meter}, source_options: { watts: 7 }, interval_ms: 5 }\n`);
    const { manifest } = await runSpec(file, { outputDir: path.join(path.dirname(file), "out") });
    for (const c of manifest.cases) {
      expect(c.status).toBe("ok");
      expect(c.metrics!.power.source).toBe("configurable-meter");
      expect(c.metrics!.power.mean_watts).toBeCloseTo(7, 6);
    }
    const steady = path.join(fixtures, "power", "steady_meter.ts");
    const refused = spec(`  - power: { source: ${steady}, source_options: { watts: 7 } }\n`);
    await expect(runSpec(refused, { outputDir: path.join(path.dirname(refused), "out") })).rejects.toThrow(
      /power source ".*steady_meter\.ts" takes no source_options \(its default export is not a function\)/,
    );
  });

  test("bad options are located spec errors", async () => {
    await expect(loadSpec(spec("  - power: { interval_ms: 0 }\n")).then(planRun)).rejects.toThrow(
      /interval_ms must be ≥ 1/,
    );
    await expect(loadSpec(spec("  - power: { rapl: { domains: [pkg] } }\n")).then(planRun)).rejects.toThrow(
      /domains must be some of: package, core, uncore, dram, psys/,
    );
  });

  test("a third-party watts-only source by relative path: trapezoid of the samples", async () => {
    const file = spec(
      `  - power: { source: ${path.join(fixtures, "power", "steady_meter.ts")}, interval_ms: 2 }\n`,
    );
    const { outputDir, manifest } = await runSpec(file, { outputDir: path.join(path.dirname(file), "out") });
    expect(manifest.plugins[0].status).toBe("active");
    const rows = readCsv(path.join(outputDir, "results.csv"));
    for (const row of rows) {
      expect(row.power_source).toBe("steady-meter");
      expect(row.power_method).toBe("trapezoid");
      expect(Number(row.power_total_joules)).toBeCloseTo(42 * Number(row.power_duration_s), 9);
      expect(Number(row.power_mean_watts)).toBe(42);
    }
  });

  test("a source that fails while sampling fails the case with the source's message", async () => {
    const file = spec(
      `  - power: { source: ${path.join(fixtures, "power", "failing_meter.ts")}, interval_ms: 5 }\n`,
      path.join(fixtures, "kernels", "busy.ts"),
      "params:\n  seq_len: 4\n  d: 4\n  ms: 60\n",
    );
    const { manifest } = await runSpec(file, { outputDir: path.join(path.dirname(file), "out") });
    expect(manifest.cases[0].status).toBe("failed");
    expect(manifest.cases[0].error).toMatch(
      /^\[profiler power\] (start|stop) failed: power source failing-meter failed while sampling: meter unplugged after 3 readings$/,
    );
  });

  test("a source that reads a non-finite value fails the case, naming the source and the reader", async () => {
    const file = spec(
      `  - power: { source: ${path.join(fixtures, "power", "nan_meter.ts")}, interval_ms: 5 }\n`,
      path.join(fixtures, "kernels", "busy.ts"),
      "params:\n  seq_len: 4\n  d: 4\n  ms: 60\n",
    );
    const { manifest } = await runSpec(file, { outputDir: path.join(path.dirname(file), "out") });
    expect(manifest.cases[0].status).toBe("failed");
    expect(manifest.cases[0].error).toMatch(
      /power source nan-meter failed while sampling: power source "nan-meter" readWatts\(\) returned NaN; expected a finite number of watts$/,
    );
  });

  test("a long synchronous kernel call is sampled all the way through by the worker", async () => {
    const file = spec(
      "  - power: { source: mock, interval_ms: 5 }\n",
      path.join(fixtures, "kernels", "busy.ts"),
      "params:\n  seq_len: 4\n  d: 4\n  ms: 300\n",
      "bench:\n  min_samples: 1\n  max_samples: 1\n  min_time_ms: 1\n  max_time_ms: 1000\n  warmup: 1\n",
    );
    const { outputDir, manifest } = await runSpec(file, { outputDir: path.join(path.dirname(file), "out") });
    expect(manifest.summary.ok).toBe(1);
    const samples = readCsv(path.join(outputDir, `power/${manifest.cases[0].config_hash}.csv`)).map((s) =>
      Number(s.timestamp_us)
    );
    const gaps = samples.slice(1).map((t, i) => (t - samples[i]) / 1000);
    expect((samples[samples.length - 1] - samples[0]) / 1000).toBeGreaterThanOrEqual(590);
    expect(samples.length).toBeGreaterThanOrEqual(590 / 5 / 2);
    expect(Math.max(...gaps)).toBeLessThan(150); // a 300 ms call not covered would leave a ≥ 300 ms gap
  });

  test("idle baseline: idle watts measured before the run, net energy per case (not clamped)", async () => {
    const file = spec("  - power: { source: mock, watts: 20, idle_baseline_ms: 300 }\n");
    const { outputDir } = await runSpec(file, { outputDir: path.join(path.dirname(file), "out") });
    // Within the sampler's edge error: a late tick at each end of the 300 ms idle window (10 ms
    // sampling), which a loaded machine makes real; a wrong formula would be off by 20 W.
    const edge = 20 * ((2 * 0.01) / 0.3) + 0.05;
    for (const row of readCsv(path.join(outputDir, "results.csv"))) {
      expect(Math.abs(Number(row.power_idle_watts) - 20)).toBeLessThan(edge);
      const net = Number(row.power_net_joules);
      expect(net).toBeCloseTo(
        Number(row.power_total_joules) - Number(row.power_idle_watts) * Number(row.power_duration_s),
        9,
      );
      expect(Math.abs(net)).toBeLessThan(0.1 * Number(row.power_total_joules));
    }
  });
});

describe("power plugin on fake hardware", () => {
  /** A one-zone powercap tree whose counter wraps at 1 J. */
  function fakePowercap(): string {
    const root = fs.mkdtempSync(path.join(scratch, "powercap-"));
    const zone = path.join(root, "intel-rapl:0");
    fs.mkdirSync(zone);
    fs.writeFileSync(path.join(zone, "name"), "package-0\n");
    fs.writeFileSync(path.join(zone, "max_energy_range_uj"), "1000000\n");
    fs.writeFileSync(path.join(zone, "energy_uj"), "900000\n");
    return root;
  }

  test("RAPL through the worker: counter energy equals what was burned, across many wraparounds", async () => {
    const root = fakePowercap();
    const file = spec(
      `  - power: { source: rapl, interval_ms: 1, rapl: { root: ${root} } }\n`,
      path.join(fixtures, "kernels", "rapl_burner.ts"),
      `params:\n  seq_len: 4\n  d: 4\n  root: ${root}\n  step_uj: 400000\n  ms: 4\n`,
      "bench:\n  min_samples: 20\n  max_samples: 40\n  min_time_ms: 50\n  max_time_ms: 400\n  warmup: 2\n",
    );
    const { outputDir, manifest } = await runSpec(file, { outputDir: path.join(path.dirname(file), "out") });
    expect(manifest.plugins[0].status).toBe("active");
    expect(manifest.plugins[0].reason).toBeUndefined();
    const [row] = readCsv(path.join(outputDir, "results.csv"));
    const burned = Number(fs.readFileSync(path.join(root, "burned_uj"), "utf8")) / 1e6;
    expect(burned).toBeGreaterThan(8); // ≥ 20 calls of 0.4 J: more than 8 wraps of the 1 J counter
    expect(row.power_source).toBe("rapl");
    expect(row.power_method).toBe("counter");
    expect(Number(row.power_total_joules)).toBeCloseTo(burned, 6);
  });

  const hasGcc = spawnSync("gcc", ["--version"]).status === 0;
  test.if(hasGcc)(
    "NVML over FFI in the worker (fake libnvidia-ml): 1.5 J per counter read, 123.456 W",
    async () => {
      const lib = path.join(scratch, "nvml", "libnvidia-ml.so.1");
      fs.mkdirSync(path.dirname(lib), { recursive: true });
      execFileSync("gcc", ["-shared", "-fPIC", "-o", lib, path.join(fixtures, "power", "fake_nvml.c")]);
      const file = spec(`  - power: { source: nvml, nvml: { library_path: ${lib} } }\n`);
      const { outputDir, manifest } = await runSpec(file, {
        outputDir: path.join(path.dirname(file), "out"),
      });
      expect(manifest.summary.ok).toBe(2);
      for (const row of readCsv(path.join(outputDir, "results.csv"))) {
        expect(row.power_source).toBe("nvml");
        expect(row.power_method).toBe("counter");
        expect(Number(row.power_total_joules)).toBeCloseTo(1.5 * (Number(row.power_samples) - 1), 9);
        expect(Number(row.power_peak_watts)).toBe(123.456);
      }
    },
  );
});

describe("PowerSampler", () => {
  test("edges are fresh samples; the ring holds every sample between them", async () => {
    const sampler = await PowerSampler.open(
      { kind: "builtin", name: "mock" },
      options({ source: "mock", interval_ms: 2 }),
    );
    if (typeof sampler === "string") throw new Error(sampler);
    try {
      const begin = sampler.mark();
      const end0 = performance.now() + 50;
      while (performance.now() < end0) { /* a synchronous stretch */ }
      const end = sampler.mark();
      const samples = sampler.between(begin, end);
      expect(samples.length).toBe(end - begin + 1);
      expect(samples.length).toBeGreaterThanOrEqual(10);
      expect(samples.every((s, i) => i === 0 || s.timestamp_us >= samples[i - 1].timestamp_us)).toBe(true);
      expect(sampler.source).toBe("mock");
      expect(sampler.hasCounter).toBe(true);
      expect(() => sampler.between(end, end + 5)).toThrow(/are not all in the ring/);
    } finally {
      await sampler.close();
    }
  });

  test("an unavailable source gives its reason; a module that is no source is an error", async () => {
    const unavailable = await PowerSampler.open(
      { kind: "builtin", name: "rapl" },
      options({ rapl: { root: path.join(scratch, "x") } }),
    );
    expect(unavailable).toMatch(/^no RAPL zones under /);
    const ref = resolveSource(path.join(fixtures, "power", "not_a_source.ts"), ROOT);
    await expect(PowerSampler.open(ref, options({}))).rejects.toThrow(
      /failed to start: power source ".*not_a_source.ts" exports a default object without a name and detect\(\); expected a default export made with definePowerSource/,
    );
  });
});

describe("window energy", () => {
  const at = (timestamp_us: number, watts: number, joules: number) => ({ timestamp_us, watts, joules });

  test("trapezoid of watts-only samples matches the reference vector (52.5 J), cumulative per row", () => {
    const w = windowEnergy([at(0, 10, NaN), at(500_000, 20, NaN), at(2_000_000, 40, NaN)], false, 1000);
    expect(w).toEqual({
      method: "trapezoid",
      total_joules: 52.5,
      mean_watts: 23.333333333333332,
      peak_watts: 40,
      duration_s: 2,
      samples: 3,
      rows: [[0, 10, 0], [500_000, 20, 7.5], [2_000_000, 40, 52.5]],
    });
  });

  test("counter difference; watts of counter-only samples from the previous sample when far enough apart", () => {
    const w = windowEnergy(
      [at(0, NaN, 100), at(10, NaN, 100), at(1_000_010, NaN, 150), at(1_500_010, NaN, 200)],
      true,
      1000,
    );
    expect(w.method).toBe("counter");
    expect(w.total_joules).toBe(100);
    expect(w.duration_s).toBe(1.50001);
    expect(w.mean_watts).toBe(100 / 1.50001);
    expect(w.rows).toEqual([[0, null, 0], [10, null, 0], [1_000_010, 50, 50], [1_500_010, 100, 100]]);
    expect(w.peak_watts).toBe(100);
  });

  test("a counter that went down (a driver reload) invalidates the window", () => {
    expect(() => windowEnergy([at(0, NaN, 10), at(1e6, NaN, 4)], true, 1000)).toThrow(
      /energy counter went from 10 J to 4 J/,
    );
  });
});
