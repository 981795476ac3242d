import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { type Manifest, runSpec } from "../mod.ts";
import { readCalls } from "./fixtures/plugins/call_log.ts";
import { runCli } from "./support/cli_process.ts";
import { faultSpec, FIXTURES } from "./support/specs.ts";
import { tempDir, writeSpec } from "./support/temp.ts";

const FAULTY_PLUGIN = path.join(FIXTURES, "plugins", "faulty_plugin.ts");
const CAP = "  timeout_ms: 2000\n";

/** Runs a spec through the CLI, as a user does (`-q`), and reads back what it wrote. */
async function run(text: string) {
  const dir = tempDir();
  const out = path.join(dir, "out");
  const { code, stderr } = await runCli([writeSpec(dir, text), "--out", out, "-q"]);
  const manifest: Manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
  const rows = parse(fs.readFileSync(path.join(out, "results.csv"), "utf8"), {
    columns: true,
  }) as Record<string, string>[];
  return { code, stderr, manifest, rows, dir };
}

/** The middle case failed with `error`; the other two were measured; the run completed and exited 1. */
function expectOnlyMiddleFailed(result: Awaited<ReturnType<typeof run>>, error: string | RegExp) {
  const { code, stderr, manifest, rows } = result;
  expect(code).toBe(1);
  expect(stderr).toContain("error: 1 of 3 cases failed");
  expect(stderr).not.toContain("    at ");
  expect(manifest.status).toBe("complete");
  expect(manifest.cases.map((c) => c.status)).toEqual(["ok", "failed", "ok"]);
  if (typeof error === "string") expect(manifest.cases[1].error).toBe(error);
  else expect(manifest.cases[1].error).toMatch(error);
  expect(rows.map((r) => r.status)).toEqual(["ok", "failed", "ok"]);
  expect(rows[1].error).toBe(manifest.cases[1].error!);
  expect(Number(rows[2].latency_p50_us)).toBeGreaterThan(0);
  expect(manifest.cases[2].files).toEqual([`latency/${manifest.cases[2].config_hash}.csv`]);
}

describe("a case that misbehaves costs only itself", () => {
  test("a synchronous infinite loop is killed at bench.timeout_ms", async () => {
    const result = await run(faultSpec({ fault: "spin", bench: CAP }));
    expectOnlyMiddleFailed(result, "timed out after 2000 ms during run() (bench.timeout_ms)");
    expect(result.manifest.cases[1].duration_ms).toBeGreaterThanOrEqual(2000);
    expect(result.manifest.limits.timeout_ms).toBe(2000);
  }, 60_000);

  test("process.exit(0) inside run() is a failed case, not the end of the run", async () => {
    expectOnlyMiddleFailed(
      await run(faultSpec({ fault: "exit", bench: CAP })),
      "exited with code 0 during run()",
    );
  }, 60_000);

  test("an unbounded allocation is stopped at bench.memory_limit_mb", async () => {
    const result = await run(
      faultSpec({ fault: "alloc", bench: "  timeout_ms: 30000\n  memory_limit_mb: 256\n" }),
    );
    expectOnlyMiddleFailed(result, /^out of memory during run\(\): .*256 MiB/);
    expect(result.manifest.limits.memory_limit_mb).toBe(256);
  }, 60_000);

  test("an error thrown by run() names the kernel", async () => {
    expectOnlyMiddleFailed(
      await run(faultSpec({ fault: "throw", bench: CAP })),
      "[kernel faulty] faulty kernel throws",
    );
  }, 60_000);

  test("an error a kernel's timer throws after run() is that case's", async () => {
    expectOnlyMiddleFailed(
      await run(faultSpec({ fault: "uncaught", bench: CAP })),
      "uncaught error during the wait for timers the case left behind: faulty timer throws",
    );
  }, 60_000);

  test("a plugin start() that never resolves is covered by the same cap", async () => {
    const plugin = `plugins:\n  - latency\n  - ${FAULTY_PLUGIN}: { hook: start, fault: hang, at: 8 }\n`;
    expectOnlyMiddleFailed(
      await run(faultSpec({ bench: CAP, extra: plugin })),
      "timed out after 2000 ms during [profiler faulty-plugin] start() (bench.timeout_ms)",
    );
  }, 60_000);

  test(
    "a plugin that kills its worker in setup is left out, with the reason, and the cases run",
    async () => {
      const plugin = `plugins:\n  - latency\n  - ${FAULTY_PLUGIN}: { hook: setup, fault: exit }\n`;
      const { code, stderr, manifest } = await run(faultSpec({ bench: CAP, extra: plugin }));
      expect(code).toBe(1);
      expect(stderr).toBe(`error: ${manifest.errors[0]}\n`);
      expect(manifest.cases.map((c) => c.status)).toEqual(["ok", "ok", "ok"]);
      const status = manifest.plugins.find((p) => p.name === "faulty-plugin")!;
      expect(status.status).toBe("failed");
      expect(status.reason).toBe("setup failed: exited with code 0 during [profiler faulty-plugin] setup()");
      expect(manifest.errors).toEqual([
        "[profiler faulty-plugin] setup failed: exited with code 0 during [profiler faulty-plugin] setup(); the run goes on without it",
      ]);
    },
    60_000,
  );

  test(
    "a fresh worker after a crash replays the finished cases' samples, so plugin state carries on",
    async () => {
      const dir = tempDir();
      const log = path.join(dir, "calls.log");
      const sampler = path.join(FIXTURES, "plugins", "sampler.ts");
      const text = faultSpec({
        fault: "exit",
        bench: CAP,
        extra: `inputs:\n  samples: 2\nplugins:\n  - latency\n  - ${sampler}: { log: ${log} }\n`,
      });
      const { manifest, reports } = await runSpec(writeSpec(dir, text), { outputDir: path.join(dir, "out") });
      expect(manifest.cases.map((c) => c.status)).toEqual(["ok", "failed", "ok"]);
      const samples = readCalls(log).filter((c) => c.startsWith("sample"));
      // case 4: 2 samples; case 8: its worker exits in sample 0's run(); the new worker replays
      // case 4's 2 samples, then case 16's own 2; the report (same worker) sees all three cases.
      expect(samples.map((s) => s.replace(/ q0 \S+ out \d+/, ""))).toEqual([
        "sample 0 seed 42",
        "sample 1 seed 43",
        "sample 0 seed 42 (replay)",
        "sample 1 seed 43 (replay)",
        "sample 0 seed 42",
        "sample 1 seed 43",
      ]);
      expect(reports).toEqual(["sampler saw 3 cases"]);
    },
    60_000,
  );
});

describe("plugin failures outside a case fail the run", () => {
  test("a throwing teardown: exit 1, printed on stderr even with -q, recorded in the manifest", async () => {
    const dir = tempDir();
    const plugin = `plugins:\n  - latency\n  - ${FAULTY_PLUGIN}: { hook: teardown, fault: throw }\n`;
    const out = path.join(dir, "out");
    const { code, stderr } = await runCli([
      writeSpec(dir, faultSpec({ bench: CAP, extra: plugin })),
      "--out",
      out,
      "-q",
    ]);
    expect(code).toBe(1);
    expect(stderr).toBe("error: [profiler faulty-plugin] teardown failed: faulty-plugin teardown throws\n");
    const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
    expect(manifest.status).toBe("complete");
    expect(manifest.summary).toEqual({ total: 3, ok: 3, failed: 0, skipped: 0, pending: 0 });
    expect(manifest.errors).toEqual([
      "[profiler faulty-plugin] teardown failed: faulty-plugin teardown throws",
    ]);
  }, 60_000);

  test("a throwing report hook: exit 1 and the other plugins still report", async () => {
    const dir = tempDir();
    const sampler = path.join(FIXTURES, "plugins", "sampler.ts");
    const plugin =
      `plugins:\n  - latency\n  - ${FAULTY_PLUGIN}: { hook: report, fault: throw }\n  - ${sampler}\n`;
    const { code, stdout, stderr } = await runCli([
      writeSpec(dir, faultSpec({ bench: CAP, extra: plugin })),
      "--out",
      path.join(dir, "o"),
      "-q",
    ]);
    expect(code).toBe(1);
    expect(stderr).toBe("error: [profiler faulty-plugin] report failed: faulty-plugin report throws\n");
    expect(stdout).toContain("sampler saw 3 cases");
  }, 60_000);

  test("a failed case is printed on stderr even with -q, and the run exits 1", async () => {
    const dir = tempDir();
    const { code, stderr } = await runCli([
      writeSpec(dir, faultSpec({ fault: "exit", bench: CAP })),
      "--out",
      path.join(dir, "o"),
      "-q",
    ]);
    expect(code).toBe(1);
    const lines = stderr.trim().split("\n");
    expect(lines[0]).toMatch(
      /^error: case 1 \(faulty seq_len=8 .*\[[0-9a-f]{8}\]\) failed: exited with code 0 during run\(\)$/,
    );
    expect(lines[1]).toMatch(
      /^error: 1 of 3 cases failed; their errors are in .*; rerun them with --resume$/,
    );
    expect(stderr).not.toContain("    at ");
  }, 60_000);
});
