import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { parse } from "csv-parse/sync";
import { processesWith, runCli, startCli } from "./support/cli_process.ts";
import { faultSpec, SLOW_SPEC } from "./support/specs.ts";
import { tempDir, writeSpec } from "./support/temp.ts";
import { readManifest as readRunManifest } from "../src/output/run_folder.ts";

/** Cases at seq_len 4, 8, 16; the one at 8 spins forever; `timeout` caps each case. */
const spinSpec = (timeout: number) => faultSpec({ fault: "spin", bench: `  timeout_ms: ${timeout}\n` });

/** The run's manifest as readers see it: manifest.json with the case journal of an unfinished run. */
function readManifest(dir: string) {
  return readRunManifest(dir) as ReturnType<typeof JSON.parse>;
}

function readRows(dir: string): Record<string, string>[] {
  return parse(fs.readFileSync(path.join(dir, "results.csv"), "utf8"), { columns: true });
}

/** Waits until no process has `needle` in its command line (the run's workers are gone). */
async function noProcessesWith(needle: string, withinMs: number): Promise<number[]> {
  const until = performance.now() + withinMs;
  let left = processesWith(needle);
  while (left.length > 0 && performance.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    left = processesWith(needle);
  }
  return left;
}

describe("signals", () => {
  test(
    "one Ctrl-C during a spinning kernel: the case runs to its cap, then the run stops (130)",
    async () => {
      const dir = tempDir();
      const out = path.join(dir, "out");
      const run = startCli([writeSpec(dir, spinSpec(2500)), "--out", out]);
      await run.waitFor(/\[1\/3\] .* ok /);
      process.kill(run.pid, "SIGINT");
      const { code, stderr } = await run.done;
      expect(code).toBe(130);
      expect(stderr).toContain("interrupt (SIGINT): stopping after the current case");
      expect(stderr).toContain("FAILED timed out after 2500 ms during run() (bench.timeout_ms)");
      expect(stderr).toMatch(
        /error: interrupted after 2 of 3 cases; the finished ones are in .*; finish the run with --resume\n$/,
      );
      const manifest = readManifest(out);
      expect(manifest.status).toBe("interrupted");
      expect(manifest.cases.map((c: { status: string }) => c.status)).toEqual(["ok", "failed", "pending"]);
      expect(readRows(out).map((r) => r.status)).toEqual(["ok", "failed"]);
      expect(fs.existsSync(path.join(out, ".attnbench.lock"))).toBe(false);
    },
    60_000,
  );

  test("a second Ctrl-C quits at once, kills the spinning case and leaves a truthful manifest", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out");
    const run = startCli([writeSpec(dir, spinSpec(120_000)), "--out", out]);
    await run.waitFor(/\[1\/3\] .* ok /);
    await new Promise((r) => setTimeout(r, 300)); // the worker is now inside run() of case 1
    process.kill(run.pid, "SIGINT");
    await run.waitFor(/stopping after the current case/);
    const sent = performance.now();
    process.kill(run.pid, "SIGINT");
    const { code, stderr } = await run.done;
    expect(performance.now() - sent).toBeLessThan(10_000);
    expect(code).toBe(130);
    expect(stderr).toContain("interrupt (SIGINT): stopping at once");
    expect(stderr).not.toContain("    at ");
    const manifest = readManifest(out);
    expect(manifest.status).toBe("interrupted");
    expect(manifest.cases.map((c: { status: string }) => c.status)).toEqual(["ok", "pending", "pending"]);
    expect(manifest.cases[1].error).toBe("stopped at once by a second interrupt during run()");
    expect(manifest.summary).toEqual({ total: 3, ok: 1, failed: 0, skipped: 0, pending: 2 });
    expect(readRows(out).map((r) => r.status)).toEqual(["ok"]);
    expect(await noProcessesWith(out, 5000)).toEqual([]);
  }, 60_000);

  for (const [signal, exitCode] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    test(`${signal} stops after the current case, keeps what finished and exits ${exitCode}`, async () => {
      const dir = tempDir();
      const out = path.join(dir, "out");
      const run = startCli([writeSpec(dir, SLOW_SPEC), "--out", out]);
      await run.waitFor(/\[1\/4\] .* ok /);
      process.kill(run.pid, signal);
      const { code, stderr } = await run.done;
      expect(code).toBe(exitCode);
      expect(stderr).toContain(
        `interrupt (${signal}): stopping after the current case (Ctrl-C again to stop at once)`,
      );
      expect(stderr).not.toContain("    at ");
      const manifest = readManifest(out);
      expect(manifest.status).toBe("interrupted");
      expect(manifest.error).toMatch(new RegExp(`^interrupted by ${signal} after [12] of 4 cases$`));
      const ok = manifest.summary.ok;
      expect(ok === 1 || ok === 2).toBe(true);
      expect(manifest.summary).toEqual({ total: 4, ok, failed: 0, skipped: 0, pending: 4 - ok });
      expect(stderr).toContain(`error: interrupted after ${ok} of 4 cases; the finished ones are in ${out}`);
      expect(readRows(out)).toHaveLength(ok);
    }, 60_000);
  }

  test("SIGKILL leaves a run that readers call crashed; --resume finishes it, each case once", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out");
    const spec = writeSpec(dir, SLOW_SPEC);
    const run = startCli([spec, "--out", out]);
    await run.waitFor(/\[2\/4\] .* ok /);
    process.kill(run.pid, "SIGKILL");
    await run.done;
    // The worker's watchdog ends it once its supervisor is gone.
    expect(await noProcessesWith(out, 5000)).toEqual([]);
    const before = readManifest(out);
    expect(before.status).toBe("running");
    const kept = before.cases.filter((c: { status: string }) => c.status === "ok");
    expect(kept.length).toBeGreaterThanOrEqual(2);
    expect(readRows(out)).toHaveLength(kept.length);

    const verify = await runCli(["verify", out]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(
      /the run is crashed: manifest left running by pid \d+ on .*, which is no longer running/,
    );
    const again = await runCli([spec, "--out", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /holds an earlier run \(crashed: .*\); use --resume to continue it or --force to replace it/,
    );

    const resumed = await runCli([spec, "--out", out, "--resume"]);
    expect(resumed.stderr).toMatch(/took over the lock .* which is no longer running/);
    expect(resumed.stderr).toMatch(/resuming .* \(crashed: .*\): \d of 4 cases to run/);
    expect(resumed.code).toBe(0);
    const after = readManifest(out);
    expect(after.status).toBe("complete");
    expect(after.summary).toEqual({ total: 4, ok: 4, failed: 0, skipped: 0, pending: 0 });
    expect(new Set(after.cases.map((c: { config_hash: string }) => c.config_hash)).size).toBe(4);
    for (const k of kept) {
      const now = after.cases.find((c: { config_hash: string }) => c.config_hash === k.config_hash);
      expect(now.median_us).toBe(k.median_us); // kept as measured, not re-measured
    }
    expect(after.sessions).toHaveLength(2);
    expect(after.sessions[1].ran).toBe(4 - kept.length);
    const rows = readRows(out);
    expect(rows.map((r) => r.config_hash)).toEqual(
      after.cases.map((c: { config_hash: string }) => c.config_hash),
    );
    expect(rows.every((r) => r.status === "ok")).toBe(true);
  }, 90_000);
});
