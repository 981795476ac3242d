import { beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { runSpec } from "../mod.ts";
import { sha256Hex } from "../src/hash.ts";
import { manifestRecordSha256 } from "../src/output/manifest.ts";
import { GENESIS } from "../src/witness/entry.ts";
import { verifyResults } from "../src/witness/verify.ts";
import { STUDY_SETTINGS, STUDY_SPEC } from "./support/specs.ts";
import { tempDir, writeSpec } from "./support/temp.ts";

let out = "";
let reports: string[] = [];

function copyOut(): string {
  const dir = path.join(tempDir(), "copy");
  fs.cpSync(out, dir, { recursive: true });
  return dir;
}

function csv(file: string): Record<string, string>[] {
  return parse(fs.readFileSync(file, "utf8"), { columns: true });
}

beforeAll(async () => {
  const dir = tempDir();
  const result = await runSpec(writeSpec(dir, STUDY_SPEC), { outputDir: path.join(dir, "out") });
  out = result.outputDir;
  reports = result.reports;
});

describe("the min-cut study outputs", () => {
  test("csv/results.csv has the reference columns in order, one row per setting", () => {
    const text = fs.readFileSync(path.join(out, "csv", "results.csv"), "utf8");
    expect(text.split("\n")[0]).toBe(
      "setting,coherence_delta,kv_cache_reduction,peak_mem_reduction,energy_reduction,p95_latency_us,accuracy,config_hash",
    );
    const rows = csv(path.join(out, "csv", "results.csv"));
    expect(rows.map((r) => r.setting)).toEqual(STUDY_SETTINGS);
    for (const r of rows) {
      expect(Number(r.coherence_delta)).toBeLessThanOrEqual(0);
      expect(Number(r.kv_cache_reduction)).toBeGreaterThan(0);
      expect(r.config_hash).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  test("csv/results.csv parses with Python's csv module (and pandas, where installed)", () => {
    const script = [
      "import csv, sys",
      "rows = list(csv.reader(open(sys.argv[1], newline='')))",
      "print(','.join(rows[0]), len(rows) - 1)",
      "try:",
      "  import pandas",
      "  frame = pandas.read_csv(sys.argv[1])",
      "  print('pandas', ','.join(frame.columns), frame.shape[0])",
      "except ImportError:",
      "  print('pandas missing')",
    ].join("\n");
    const result = spawnSync("python3", ["-c", script, path.join(out, "csv", "results.csv")], {
      encoding: "utf8",
    });
    const header =
      "setting,coherence_delta,kv_cache_reduction,peak_mem_reduction,energy_reduction,p95_latency_us,accuracy,config_hash";
    expect(result.stdout.split("\n")[0]).toBe(`${header} 6`);
    const pandasLine = result.stdout.split("\n")[1];
    if (pandasLine !== "pandas missing") expect(pandasLine).toBe(`pandas ${header} 6`);
  });

  test("λ = 1000 makes the cut fire, so it prunes at least as much as eps-only", () => {
    const rows = csv(path.join(out, "csv", "results.csv"));
    const by = (name: string) => Number(rows.find((r) => r.setting === name)!.kv_cache_reduction);
    expect(by("mincut_l1000_t0")).toBeGreaterThanOrEqual(by("epsonly_t0"));
    expect(by("mincut_l0.5_t0")).toBeGreaterThanOrEqual(by("epsonly_t0"));
    expect(by("mincut_l1000_t0")).toBeGreaterThan(by("epsonly_t0"));
  });

  test("keep masks are compared with the eps-only control of the same inputs and τ (a mask is a subset of it)", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
    let compared = 0;
    for (
      const c of manifest.cases.filter((c: { role: string; params: { variant: string } }) =>
        c.role === "kernel" && c.params.variant === "reference"
      )
    ) {
      for (const row of csv(path.join(out, "coherence", `${c.config_hash}.csv`))) {
        const kept = Number(row.gated_edges), control = Number(row.baseline_edges);
        expect(kept).toBeLessThanOrEqual(control);
        expect(Math.abs(Number(row.jaccard) - kept / control)).toBeLessThan(1e-12);
        compared++;
      }
    }
    expect(compared).toBe(24);
  });

  test("per-sample CSVs carry the original script's columns plus config_hash", () => {
    for (const file of ["baseline.csv", "mincut_l0.5_t0.csv"]) {
      const rows = csv(path.join(out, "csv", file));
      expect(Object.keys(rows[0])).toEqual([
        "sample_id",
        "seq_len",
        "wall_time_us",
        "peak_mem_bytes",
        "energy_j",
        "config_hash",
      ]);
      expect(rows).toHaveLength(6);
      expect(rows.map((r) => r.sample_id)).toEqual(["0", "1", "2", "3", "4", "5"]);
    }
  });

  test("each witness line has the reference fields first, then the chain fields, linked", async () => {
    const lines = fs.readFileSync(path.join(out, "witness", "mincut_l1000_t2.jsonl"), "utf8").trimEnd().split(
      "\n",
    );
    expect(lines).toHaveLength(6);
    let prev = GENESIS;
    for (const line of lines) {
      const json = JSON.parse(line);
      expect(Object.keys(json)).toEqual([
        "q_hash",
        "k_hash",
        "keep_mask",
        "cut_cost",
        "lambda",
        "tau",
        "eps",
        "timestamp",
        "output_hash",
        "config_hash",
        "seed",
        "sample_id",
        "seq_len",
        "prev_hash",
      ]);
      expect(json.prev_hash).toBe(prev);
      expect(line).toContain('"lambda":1000.0,"tau":2,"eps":0.01');
      prev = await sha256Hex(line);
    }
    const bundle = JSON.parse(fs.readFileSync(path.join(out, "witness", "bundle.json"), "utf8"));
    expect(bundle.chains["mincut_l1000_t2"]).toEqual({
      file: "witness/mincut_l1000_t2.jsonl",
      lines: 6,
      head: prev,
    });
  });

  test("the verdict checks each criterion with its figure", () => {
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/mincut_l0\.5_t0: KV-cache reduction ≥ 15\.0%: (PASS|FAIL) \(\d+\.\d%\)/);
    expect(reports[0]).toContain("energy/sample drop ≥ 10.0%: n/a (not measured)");
    expect(reports[0]).toMatch(
      /witness: 36 lines in 6 chains, bound by witness\/bundle\.json\n {2}study files: csv\/results\.csv/,
    );
  });
});

describe("verify", () => {
  test("passes on an untouched results folder", async () => {
    const result = await verifyResults(out);
    expect(result.message).toMatch(/^verified 36 lines in 6 chains/);
    expect(result.ok).toBe(true);
  });

  const tamper = async (edit: (lines: string[]) => string[], file = "mincut_l1000_t0.jsonl") => {
    const dir = copyOut();
    const target = path.join(dir, "witness", file);
    const lines = fs.readFileSync(target, "utf8").trimEnd().split("\n");
    fs.writeFileSync(target, edit(lines).join("\n") + "\n");
    return await verifyResults(dir);
  };

  test("a tampered line is caught at that line, naming the field", async () => {
    const result = await tamper((lines) =>
      lines.map((l, i) => (i === 1 ? l.replace(/"seq_len":\d+/, '"seq_len":99') : l))
    );
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(
      /^witness\/mincut_l1000_t0\.jsonl line 2: seq_len differs from a re-run: recorded 99, re-run gives 6$/,
    );
  });

  test("a changed keep mask is caught", async () => {
    const result = await tamper((lines) =>
      lines.map((l, i) => (i === 0 ? l.replace(/"keep_mask":"b64:./, '"keep_mask":"b64:A') : l))
    );
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/line 1: keep_mask differs from a re-run/);
  });

  test("a dropped line breaks the next link", async () => {
    const result = await tamper((lines) => lines.filter((_, i) => i !== 2));
    expect(result.message).toMatch(
      /line 3: prev_hash .* is not the hash of line 2 .*changed, dropped or moved/,
    );
  });

  test("a dropped last line is caught by the bundle", async () => {
    const result = await tamper((lines) => lines.slice(0, -1));
    expect(result.message).toBe(
      "witness/mincut_l1000_t0.jsonl: 5 lines, the bundle records 6 (lines were dropped or added at the end)",
    );
  });

  test("reordered lines are caught", async () => {
    const result = await tamper((lines) => [lines[1], lines[0], ...lines.slice(2)]);
    expect(result.message).toMatch(/line 1: prev_hash .* is not the hash of line 0/);
  });

  test("an edited bundle is caught by its root hash", async () => {
    const dir = copyOut();
    const file = path.join(dir, "witness", "bundle.json");
    const bundle = JSON.parse(fs.readFileSync(file, "utf8"));
    bundle.chains["epsonly_t0"].lines = 99;
    fs.writeFileSync(file, JSON.stringify(bundle));
    const result = await verifyResults(dir);
    expect(result.message).toMatch(/^witness\/bundle\.json: root hash .* does not match its content/);
  });

  test("an edited manifest is caught: a case's median, or the resolved spec", async () => {
    for (
      const edit of [
        (m: { cases: { median_us: number }[] }) => (m.cases[3].median_us *= 0.5),
        (m: { spec: { resolved: { seed: number } } }) => (m.spec.resolved.seed += 1),
      ] as ((m: never) => void)[]
    ) {
      const dir = copyOut();
      const file = path.join(dir, "manifest.json");
      const manifest = JSON.parse(fs.readFileSync(file, "utf8"));
      edit(manifest as never);
      fs.writeFileSync(file, JSON.stringify(manifest, null, 2));
      const result = await verifyResults(dir);
      expect(result.ok).toBe(false);
      expect(result.message).toMatch(
        /^manifest\.json: its spec, environment and case records hash to [0-9a-f]{64}, but witness\/bundle\.json binds [0-9a-f]{64} \(manifest\.json was changed after the run\)$/,
      );
    }
  });

  test("the finished manifest is what the bundle binds, and a rewrite of its other fields is not an edit", async () => {
    const dir = copyOut();
    const file = path.join(dir, "manifest.json");
    const manifest = JSON.parse(fs.readFileSync(file, "utf8"));
    const bundle = JSON.parse(fs.readFileSync(path.join(dir, "witness", "bundle.json"), "utf8"));
    expect(bundle.format).toBe("attnbench-witness/2");
    expect(bundle.manifest_sha256).toBe(await manifestRecordSha256(manifest));
    manifest.warnings.push("a note added later");
    fs.writeFileSync(file, JSON.stringify(manifest));
    expect((await verifyResults(dir)).ok).toBe(true);
  });

  test("a folder without a run is an output error", async () => {
    await expect(verifyResults(tempDir())).rejects.toThrow(
      /cannot read the run in .*manifest\.json cannot be read \(it does not exist\)/,
    );
  });
});
