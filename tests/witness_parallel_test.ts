import { beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runSpec } from "../mod.ts";
import { bundleRoot } from "../src/witness/chain.ts";
import { manifestRecordSha256 } from "../src/output/manifest.ts";
import { readManifest } from "../src/output/run_folder.ts";
import { type VerifyResult, verifyResults, type VerifyWitnessOptions } from "../src/witness/verify.ts";
import { replayThreads } from "../src/witness/replay_schedule.ts";
import { runCli } from "./support/cli_process.ts";
import { STUDY_SETTINGS, STUDY_SPEC } from "./support/specs.ts";
import { ROOT, tempDir, writeSpec } from "./support/temp.ts";

/** The study's run folder (six chains, STUDY_SETTINGS in bundle order, two cases of three lines each). */
let out = "";

beforeAll(async () => {
  const dir = tempDir();
  out = (await runSpec(writeSpec(dir, STUDY_SPEC), { outputDir: path.join(dir, "out") })).outputDir;
});

/** A copy of the study's folder with `edit` applied to the lines of some chains. */
function tampered(edits: Record<string, (lines: string[]) => string[]>): string {
  const dir = path.join(tempDir(), "copy");
  fs.cpSync(out, dir, { recursive: true });
  for (const [chain, edit] of Object.entries(edits)) {
    const file = path.join(dir, "witness", `${chain}.jsonl`);
    const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
    fs.writeFileSync(file, edit(lines).join("\n") + "\n");
  }
  return dir;
}

const setSeqLen = (line: number) => (lines: string[]) =>
  lines.map((l, i) => (i === line ? l.replace(/"seq_len":\d+/, '"seq_len":99') : l));

/** The result on this thread alone and on two worker threads, which must be the same; returns it. */
async function sameOnThreads(dir: string, options: VerifyWitnessOptions = {}): Promise<VerifyResult> {
  const sequential = await verifyResults(dir, { ...options, threads: 1 });
  expect(await verifyResults(dir, { ...options, threads: 2 })).toEqual(sequential);
  return sequential;
}

describe("the witness re-run on several threads", () => {
  test("passes with the sequential check's message, reporting every chain once", async () => {
    const starts: number[][] = [];
    const chains: [string, number, number, number][] = [];
    const result = await verifyResults(out, {
      threads: 2,
      onStart: (...args) => starts.push(args),
      onChain: (...args) => chains.push(args),
    });
    expect(result).toEqual(await verifyResults(out, { threads: 1 }));
    expect(result.ok).toBe(true);
    expect(result.message).toMatch(
      /^verified 36 lines in 6 chains: links, bundle root [0-9a-f]{12}… and a re-run/,
    );
    expect(starts).toEqual([[6, 36, 2]]);
    expect(chains.map(([, position, total, lines]) => [position, total, lines])).toEqual(
      STUDY_SETTINGS.map((_, i) => [i + 1, 6, 6]),
    );
    expect(chains.map(([name]) => name).sort()).toEqual([...STUDY_SETTINGS].sort());
  });

  test("a tampered line in a later chain is reported as sequentially", async () => {
    const result = await sameOnThreads(tampered({ mincut_l1000_t2: setSeqLen(4) }));
    expect(result.message).toBe(
      "witness/mincut_l1000_t2.jsonl line 5: seq_len differs from a re-run: recorded 99, re-run gives 12",
    );
  });

  test("of several failing chains, the earliest in bundle order is reported, whatever kind", async () => {
    const late = { mincut_l1000_t2: setSeqLen(0) };
    const cases: [Record<string, (lines: string[]) => string[]>, string][] = [
      [
        { ...late, "mincut_l0.5_t0": setSeqLen(3) },
        "witness/mincut_l0.5_t0.jsonl line 4: seq_len differs from a re-run: recorded 99, re-run gives 12",
      ],
      [
        { ...late, "mincut_l0.5_t0": (lines) => lines.slice(0, -1) },
        "witness/mincut_l0.5_t0.jsonl: 5 lines, the bundle records 6 (lines were dropped or added at the end)",
      ],
      [
        {
          "mincut_l0.5_t2": setSeqLen(5),
          mincut_l1000_t0: (lines) => [lines[1], lines[0], ...lines.slice(2)],
        },
        "witness/mincut_l0.5_t2.jsonl line 6: seq_len differs from a re-run: recorded 99, re-run gives 12",
      ],
    ];
    for (const [edits, message] of cases) {
      const result = await sameOnThreads(tampered(edits));
      expect(result.message).toBe(message);
    }
  });

  test("a chain file that cannot be read is thrown, unless an earlier line failed", async () => {
    const dir = tampered({ epsonly_t2: setSeqLen(1) });
    fs.rmSync(path.join(dir, "witness", "mincut_l1000_t0.jsonl"));
    expect((await sameOnThreads(dir)).message).toMatch(/^witness\/epsonly_t2\.jsonl line 2: seq_len differs/);
    fs.writeFileSync(
      path.join(dir, "witness", "epsonly_t2.jsonl"),
      fs.readFileSync(
        path.join(out, "witness", "epsonly_t2.jsonl"),
      ),
    );
    for (const threads of [1, 2]) {
      await expect(verifyResults(dir, { threads })).rejects.toThrow(
        /cannot read .*mincut_l1000_t0\.jsonl: no such file/,
      );
    }
  });

  test("threads: one per core and at most one per chain, none for a re-run of milliseconds", () => {
    expect(replayThreads(undefined, 14, 2.3e10)).toBe(Math.min(os.availableParallelism(), 14));
    expect(replayThreads(undefined, 6, 5e5)).toBe(1);
    expect(replayThreads(3, 2, 0)).toBe(2);
    expect(replayThreads(0, 6, 2.3e10)).toBe(1);
  });

  test("`verify` on the command line says how it re-runs, then each chain as it matches", async () => {
    const { code, stdout, stderr } = await runCli(["verify", out]);
    expect(stdout).toMatch(/^witness reproducible: PASS \(verified 36 lines in 6 chains/m);
    expect(stderr).toMatch(/^verify: re-running 6 witness chains \(36 lines\) on 1 thread$/m);
    expect(stderr).toMatch(/^verify: witness chain 6\/6 matches its re-run \(mincut_l1000_t2, 6 lines\)$/m);
    expect(code).toBe(0);
  });
});

describe("a third-party kernel named by path", () => {
  /**
   * The study's folder, its kernel now a file beside it that wraps the built-in mincut (same name
   * and version, so the same config hashes) and misbehaves as a trigger file says.
   */
  async function foreignFolder(): Promise<{ dir: string; trigger: string }> {
    const dir = path.join(tempDir(), "copy");
    fs.cpSync(out, dir, { recursive: true });
    const trigger = path.join(dir, "fault");
    fs.writeFileSync(
      path.join(dir, "gated.ts"),
      `import fs from "node:fs";
import process from "node:process";
import { isMainThread } from "node:worker_threads";
import mincut from ${JSON.stringify(path.join(ROOT, "kernels", "mincut.ts"))};

export default {
  ...mincut,
  prepare(...args: Parameters<typeof mincut.prepare>) {
    const fault = fs.existsSync(${JSON.stringify(trigger)}) ? fs.readFileSync(${
        JSON.stringify(trigger)
      }, "utf8") : "";
    if (fault === "throw") throw new Error("the gated kernel refuses");
    if (fault === "exit" && !isMainThread) process.exit(7);
    return mincut.prepare(...args);
  },
};
`,
    );
    const file = path.join(dir, "manifest.json");
    const manifest = JSON.parse(fs.readFileSync(file, "utf8"));
    manifest.spec.dir = dir;
    manifest.spec.resolved.kernel = "./gated.ts";
    fs.writeFileSync(file, JSON.stringify(manifest, null, 2));
    const bundleFile = path.join(dir, "witness", "bundle.json");
    const bundle = JSON.parse(fs.readFileSync(bundleFile, "utf8"));
    bundle.manifest_sha256 = await manifestRecordSha256(readManifest(dir));
    bundle.root = await bundleRoot(bundle);
    fs.writeFileSync(bundleFile, JSON.stringify(bundle, null, 2) + "\n");
    return { dir, trigger };
  }

  test("is imported by each thread (with trust) and re-runs as on one thread", async () => {
    const { dir } = await foreignFolder();
    const result = await sameOnThreads(dir, { trust: true });
    expect(result.message).toMatch(/^verified 36 lines in 6 chains/);
    await expect(verifyResults(dir, { threads: 2 })).rejects.toThrow(
      /would import and run kernel code that the results folder names: \.\/gated\.ts/,
    );
  });

  test("a kernel that throws fails the earliest line it ran, on any thread", async () => {
    const { dir, trigger } = await foreignFolder();
    fs.writeFileSync(trigger, "throw");
    const result = await sameOnThreads(dir, { trust: true });
    expect(result).toEqual({
      ok: false,
      chains: 6,
      lines: 0,
      message: "witness/epsonly_t0.jsonl line 1: re-running the sample threw: the gated kernel refuses",
    });
  });

  test("a thread that exits fails its case with why, and the check ends", async () => {
    const { dir, trigger } = await foreignFolder();
    fs.writeFileSync(trigger, "exit");
    const result = await verifyResults(dir, { trust: true, threads: 2 });
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(
      /^witness\/\S+\.jsonl line \d: the worker thread re-running case [0-9a-f]{12}… exited \(code 7\)$/,
    );
  });
});
