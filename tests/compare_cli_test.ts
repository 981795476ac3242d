/**
 * `compare`, `baseline save` and `history` on real runs: an A/A pair passes the gate, a slowdown
 * injected from outside the configuration is regressed in every case and fails it, and the
 * markdown, JSON and CSV outputs are well formed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { execFileSync } from "node:child_process";
import { parse } from "csv-parse/sync";
import * as v from "valibot";
import { compareReportSchema } from "../src/compare/report_schema.ts";
import { runtimeName } from "../src/runtime.ts";
import { runMain } from "./support/cli_process.ts";
import { ROOT, tempDir, writeSpec } from "./support/temp.ts";

const kernel = path.join(ROOT, "tests", "fixtures", "kernels", "slowable.ts");
const results = path.join(tempDir(), "results");
const run = (name: string) => path.join(results, name);

async function measure(name: string, slowdown: number, extra: string[] = []): Promise<void> {
  const spec = writeSpec(
    path.dirname(results),
    `version: 1\nname: slowable\nkernel: ${kernel}\nparams:\n  seq_len: [128, 256]\n  d: 32\nbench:\n  min_samples: 20\n  min_time_ms: 300\n  max_time_ms: 1500\n  warmup: 1\nplugins: [latency]\n`,
  );
  process.env.ATTNBENCH_TEST_SLOWDOWN = String(slowdown);
  try {
    const result = await runMain([spec, "--out", run(name), "-q", ...extra]);
    if (result.code !== 0) throw new Error(`run ${name} exited ${result.code}: ${result.stderr}`);
  } finally {
    delete process.env.ATTNBENCH_TEST_SLOWDOWN;
  }
}

beforeAll(async () => {
  fs.mkdirSync(results, { recursive: true });
  await measure("1-a", 0);
  await measure("2-b", 0);
  // Four times slower, not 30 %: this VM's run-to-run noise reaches ±50 % at times (host load),
  // more than 30 %; docs/compare.md shows the 30 % case measured by hand and by bench/compare_alarms.ts.
  await measure("3-slow", 3);
  // seq_len 128 and 256, not 64: a 60 µs call can settle in a different compiled state in each
  // process (seen on Bun: +35 % between two identical runs, with a tight interval), which an A/A
  // pair would rightly call a regression; calls of 0.2 ms and more did not.
  await measure("4-part", 0, ["--filter", "seq_len=128"]);
}, 240_000);

afterAll(() => delete process.env.ATTNBENCH_TEST_SLOWDOWN);

describe("compare on real runs", () => {
  test("A/A: nothing regressed with full confidence; --fail-on regression exits 0", async () => {
    const { code, stdout } = await runMain(["compare", run("1-a"), run("2-b"), "--fail-on", "regression"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^A: 1-a \((deno|bun) .*\) {2}B: 2-b/);
    expect(stdout).toMatch(/\d+ regressed, \d+ improved, \d+ unchanged, \d+ inconclusive/);
  }, 60_000);

  test(
    "a slowdown set outside the configuration: same hashes, every case regressed, the gate fails",
    async () => {
      const { code, stdout } = await runMain([
        "compare",
        run("1-a"),
        run("3-slow"),
        "--format",
        "json",
        "--fail-on",
        "regression",
      ]);
      const report = v.parse(compareReportSchema, JSON.parse(stdout));
      expect(report.pairs).toHaveLength(2);
      for (const pair of report.pairs) {
        expect(pair.paired_by).toBe("hash");
        expect(pair.metrics[0].class).toBe("regressed");
        expect(pair.metrics[0].change).toBeGreaterThan(1);
      }
      // A case flagged (loaded, noisy) on either side is called regressed with low confidence and
      // does not trip the gate; on a quiet machine none is flagged and the gate fails.
      const clean = report.pairs.some((p) => p.quality_a === "ok" && p.quality_b === "ok");
      expect(code).toBe(clean ? 1 : 0);
      if (clean) expect(report.summary.gate.regressed).toBeGreaterThan(0);
    },
    60_000,
  );

  test(
    "markdown is a table a code host renders: a header, a separator and rows of the same width",
    async () => {
      const { stdout } = await runMain(["compare", run("1-a"), run("3-slow"), "--format", "markdown"]);
      const rows = stdout.split("\n").filter((line) => line.startsWith("|"));
      const width = (line: string) => line.replace(/\\\|/g, "").split("|").length;
      expect(rows.length).toBeGreaterThanOrEqual(4);
      expect(rows[1]).toMatch(/^\| --- (\| --- )+\|$/);
      for (const row of rows) expect(width(row)).toBe(width(rows[0]));
      expect(stdout).toMatch(/^\*\*attnbench compare\*\*/);
    },
    60_000,
  );

  test("CSV has a row per pair and metric; unpaired cases are listed, not dropped", async () => {
    const { stdout } = await runMain(["compare", run("1-a"), run("4-part"), "--format", "csv"]);
    const rows = parse(stdout, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.metric)).toEqual(["time_us"]);
    const table = await runMain(["compare", run("1-a"), run("4-part")]);
    expect(table.stdout).toMatch(/unpaired: only in A: slowable seq_len=256 d=32/);
  }, 60_000);

  test("a saved baseline is compared by name; history flags the run where every case stepped", async () => {
    const saved = await runMain(["baseline", "save", run("1-a"), "main"]);
    expect(saved.code).toBe(0);
    expect(fs.existsSync(path.join(results, "baselines", "main", "manifest.json"))).toBe(true);
    const again = await runMain(["baseline", "save", run("1-a"), "main"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/baseline "main" exists .*; pass --force to replace it/);
    const named = await runMain(["compare", "main", run("3-slow"), "--format", "json"]);
    expect(JSON.parse(named.stdout).a.label).toBe("baseline main");
    // History over copies of one real run whose medians are set to a known series: two at the
    // old level, two 40 % higher (measured medians move by half on a loaded machine, which would
    // put the step anywhere).
    const series = path.join(path.dirname(results), "series");
    [1, 1.02, 1.4, 1.41].forEach((factor, i) => {
      const copy = path.join(series, `${i + 1}-run`);
      fs.cpSync(run("1-a"), copy, { recursive: true });
      const manifest = JSON.parse(fs.readFileSync(path.join(copy, "manifest.json"), "utf8"));
      for (const c of manifest.cases) c.median_us *= factor;
      fs.writeFileSync(path.join(copy, "manifest.json"), JSON.stringify(manifest));
    });
    const history = await runMain(["history", series]);
    expect(history.code).toBe(0);
    const lines = history.stdout.split("\n").filter((l) => l.startsWith("slowable"));
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/at run 3: \+3[89]\.\d%$/);
  }, 60_000);

  test("mistakes are one line and exit 2", async () => {
    const missing = await runMain(["compare", "nope", run("1-a")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: no baseline "nope" in .*baselines; expected one of: /);
    const format = await runMain(["compare", run("1-a"), run("2-b"), "--format", "xml"]);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/--format xml: expected one of table, markdown, json, csv/);
  }, 60_000);
});

describe("across runtimes", () => {
  test("a run on the other runtime pairs by config hash: which runtime is faster, case by case", async () => {
    const other = runtimeName() === "bun" ? "deno" : "bun";
    const bin = path.join(ROOT, "node_modules", ".bin", other);
    const spec = path.join(path.dirname(results), "spec.yaml");
    const args = other === "deno" ? ["run", "-A", path.join(ROOT, "cli.ts")] : [path.join(ROOT, "cli.ts")];
    execFileSync(bin, [...args, spec, "--out", run("6-other"), "-q"], { cwd: ROOT, stdio: "ignore" });
    const { stdout } = await runMain(["compare", run("1-a"), run("6-other"), "--format", "json"]);
    const report = JSON.parse(stdout);
    expect(report.a.runtime).toBe(runtimeName());
    expect(report.b.runtime).toBe(other);
    expect(report.pairs.map((p: { paired_by: string }) => p.paired_by)).toEqual(["hash", "hash"]);
    expect(report.unpaired).toEqual([]);
  }, 120_000);
});

describe("the documented JSON schema", () => {
  test("docs/compare.schema.json is what compare --json-schema prints", async () => {
    const { stdout } = await runMain(["compare", "--json-schema"]);
    expect(JSON.parse(stdout)).toEqual(
      JSON.parse(fs.readFileSync(path.join(ROOT, "docs", "compare.schema.json"), "utf8")),
    );
  });
});
