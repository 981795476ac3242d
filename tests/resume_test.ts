import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { runSpec } from "../mod.ts";
import { verifyResults } from "../src/witness/verify.ts";
import { readCalls } from "./fixtures/plugins/call_log.ts";
import { runCli } from "./support/cli_process.ts";
import { faultSpec, FIXTURES, STUDY_SPEC } from "./support/specs.ts";
import { tempDir, writeSpec } from "./support/temp.ts";
import { readManifest as readRunManifest } from "../src/output/run_folder.ts";

const SAMPLER = path.join(FIXTURES, "plugins", "sampler.ts");

/** Cases at seq_len 4, 8, 16; the one at 8 exits its worker while `trigger` exists. */
const flakySpec = (trigger: string, bench = "", max_time_ms = 200) =>
  faultSpec({ fault: "exit", trigger, bench, max_time_ms });

/** The run's manifest as readers see it: manifest.json with the case journal of an unfinished run. */
function manifestOf(dir: string) {
  return readRunManifest(dir) as ReturnType<typeof JSON.parse>;
}

function rowsOf(dir: string): Record<string, string>[] {
  return parse(fs.readFileSync(path.join(dir, "results.csv"), "utf8"), { columns: true });
}

describe("--resume", () => {
  test("runs the failed and missing cases, keeps the ok ones as measured, and ends complete", async () => {
    const dir = tempDir();
    const trigger = path.join(dir, "trigger");
    fs.writeFileSync(trigger, "");
    const spec = writeSpec(dir, flakySpec(trigger));
    const out = path.join(dir, "out");
    const first = await runCli([spec, "--out", out, "-q"]);
    expect(first.code).toBe(1);
    const before = manifestOf(out);
    expect(before.cases.map((c: { status: string }) => c.status)).toEqual(["ok", "failed", "ok"]);
    const keptTable = fs.readFileSync(path.join(out, before.cases[0].files[0]), "utf8");
    // The failed run's report shows the failure; resuming makes it stale, so it goes.
    expect(fs.readFileSync(path.join(out, "report.html"), "utf8")).toContain("Failures (1)");

    fs.rmSync(trigger);
    const resumed = await runCli([spec, "--out", out, "--resume", "--no-report"]);
    expect(fs.existsSync(path.join(out, "report.html"))).toBe(false);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain("(complete: 2 of 3 cases ok, 1 failed): 1 of 3 cases to run");
    expect(resumed.stderr).toMatch(/\[1\/1\] faulty seq_len=8 .* ok /);
    const after = manifestOf(out);
    expect(after.status).toBe("complete");
    expect(after.cases.map((c: { status: string }) => c.status)).toEqual(["ok", "ok", "ok"]);
    expect(after.cases[1].error).toBeUndefined();
    expect(after.cases[0]).toEqual(before.cases[0]);
    expect(after.cases[2]).toEqual(before.cases[2]);
    expect(fs.readFileSync(path.join(out, before.cases[0].files[0]), "utf8")).toBe(keptTable);
    expect(after.sessions.map((s: { ran: number }) => s.ran)).toEqual([3, 1]);
    const rows = rowsOf(out);
    expect(rows.map((r) => [r.seq_len, r.status, r.error])).toEqual([["4", "ok", ""], ["8", "ok", ""], [
      "16",
      "ok",
      "",
    ]]);
    expect(rows[0].latency_p50_us).toBe(String(before.cases[0].metrics.latency.p50_us));
  }, 60_000);

  test("is refused, naming the first difference, when the spec changed; the caps may change", async () => {
    const dir = tempDir();
    const trigger = path.join(dir, "trigger");
    fs.writeFileSync(trigger, "");
    const out = path.join(dir, "out");
    const first = await runCli([writeSpec(dir, flakySpec(trigger)), "--out", out, "-q"]);
    expect(first.code).toBe(1);

    const changed = writeSpec(dir, flakySpec(trigger, "", 300), "changed.yaml");
    const refused = await runCli([changed, "--out", out, "--resume"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^error: cannot resume with .*changed\.yaml: the spec changed since the run began — bench\.max_time_ms was 200, is now 300; undo the change, or start a new run\n$/,
    );
    const filtered = await runCli([
      writeSpec(dir, flakySpec(trigger), "same.yaml"),
      "--out",
      out,
      "--resume",
      "--filter",
      "seq_len=8",
    ]);
    expect(filtered.code).toBe(2);
    expect(filtered.stderr).toContain(
      "a resume continues the run's own selection (every case); drop --filter",
    );

    fs.rmSync(trigger);
    const caps = writeSpec(
      dir,
      flakySpec(trigger, "  timeout_ms: 20000\n  memory_limit_mb: 1024\n"),
      "caps.yaml",
    );
    const resumed = await runCli([caps, "--out", out, "--resume", "-q"]);
    expect(resumed.code).toBe(0);
    const manifest = manifestOf(out);
    expect(manifest.limits).toEqual({ timeout_ms: 20000, memory_limit_mb: 1024 });
    expect(manifest.summary.ok).toBe(3);
  }, 60_000);

  test(
    "an interrupted run resumes with its plugins' state rebuilt from the kept cases' samples",
    async () => {
      const dir = tempDir();
      const log = path.join(dir, "calls.log");
      const extra = `inputs:\n  samples: 2\nplugins:\n  - latency\n  - ${SAMPLER}: { log: ${log} }\n`;
      const spec = writeSpec(dir, faultSpec({ extra }));
      const out = path.join(dir, "out");
      const stop = new AbortController();
      const progress = { write: (text: string) => / ok /.test(text) && stop.abort("SIGINT") };
      await expect(runSpec(spec, { outputDir: out, progress, signal: stop.signal })).rejects.toThrow(
        /interrupted after 1 of 3/,
      );
      fs.rmSync(log);

      let notes = "";
      const { manifest, reports } = await runSpec(spec, {
        outputDir: out,
        resume: true,
        progress: { write: (text: string) => (notes += text) },
      });
      expect(notes).toContain(
        "replaying the evaluation samples of 1 finished case into a fresh worker, to rebuild the plugins' state (nothing is re-measured)",
      );
      expect(manifest.summary.ok).toBe(3);
      expect(reports).toEqual(["sampler saw 3 cases"]);
      const samples = readCalls(log).filter((c) => c.startsWith("sample")).map((s) =>
        s.replace(/ q0 \S+ out \d+/, "")
      );
      expect(samples).toEqual([
        "sample 0 seed 42 (replay)",
        "sample 1 seed 43 (replay)",
        "sample 0 seed 42",
        "sample 1 seed 43",
        "sample 0 seed 42",
        "sample 1 seed 43",
      ]);
    },
    60_000,
  );

  test(
    "a min-cut study resumed after an interruption reports and verifies exactly like an uninterrupted one",
    async () => {
      const dir = tempDir();
      const spec = writeSpec(dir, STUDY_SPEC);
      const whole = await runSpec(spec, { outputDir: path.join(dir, "whole") });
      const out = path.join(dir, "resumed");
      const stop = new AbortController();
      let finished = 0;
      const progress = {
        write: (text: string) => / ok /.test(text) && ++finished === 6 && stop.abort("SIGINT"),
      };
      await expect(runSpec(spec, { outputDir: out, progress, signal: stop.signal })).rejects.toThrow(
        /interrupted after 6 of 14/,
      );
      const resumed = await runSpec(spec, { outputDir: out, resume: true });

      const coherence = (m: typeof whole.manifest) => m.cases.map((c) => c.metrics?.coherence ?? null);
      expect(coherence(resumed.manifest)).toEqual(coherence(whole.manifest));
      expect(coherence(resumed.manifest).filter((c) => c?.mean_coherence_delta !== undefined)).toHaveLength(
        12,
      );
      const settings = (d: string) =>
        (parse(fs.readFileSync(path.join(d, "csv", "results.csv"), "utf8"), { columns: true }) as Record<
          string,
          string
        >[]).map((r) => [r.setting, r.coherence_delta, r.kv_cache_reduction, r.accuracy]);
      expect(settings(out)).toEqual(settings(whole.outputDir));
      const verified = await verifyResults(out);
      expect(verified.message).toMatch(/^verified /);
      expect(verified.ok).toBe(true);
    },
    120_000,
  );
});
