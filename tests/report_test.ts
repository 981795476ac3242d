/**
 * `attnbench report` on real runs of the three shipped specs (their grids cut down, their plugins
 * and kernels as shipped, tiny budgets): the page is self-contained, each plot is present with
 * the data of its run, the study's grid and verdict come from its verdict.json, two runs give a
 * changes plot, and `--figures` writes paper figures with their text as outlines.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { parse, stringify } from "yaml";
import { runMain } from "./support/cli_process.ts";
import { ROOT, tempDir } from "./support/temp.ts";

const root = tempDir();
const BUDGET = { min_samples: 3, max_samples: 30, min_time_ms: 1, max_time_ms: 40, warmup: 1 };

/** specs/<name>.yaml with its grid cut to `params` and a tiny budget, written beside `root`. */
function shippedSpec(
  name: string,
  params: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): string {
  const spec = parse(fs.readFileSync(path.join(ROOT, "specs", `${name}.yaml`), "utf8"));
  Object.assign(spec.params, params);
  Object.assign(spec, { bench: BUDGET, output: undefined }, extra);
  const file = path.join(root, `${name}.yaml`);
  fs.writeFileSync(file, stringify(spec));
  return file;
}

async function run(spec: string, out: string, extra: string[] = []): Promise<string> {
  const result = await runMain([spec, "--out", path.join(root, out), "-q", ...extra]);
  if (result.code !== 0) throw new Error(`${spec} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

const html = (out: string) => fs.readFileSync(path.join(root, out, "report.html"), "utf8");
const manifest = (out: string) => JSON.parse(fs.readFileSync(path.join(root, out, "manifest.json"), "utf8"));

/** The `<section>` of one plot, or undefined. */
function plotSection(page: string, name: string): string | undefined {
  return new RegExp(`<section class="plot" id="${name}"[\\s\\S]*?</section>`).exec(page)?.[0];
}

/** The rows of the data table of a section. */
function dataRows(section: string): string[][] {
  const table = /<table class="data">[\s\S]*?<\/table>/.exec(section)![0];
  return [...table.matchAll(/<tr>((?:<td[^>]*>[^<]*<\/td>)+)<\/tr>/g)]
    .map((m) => [...m[1].matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((c) => c[1]));
}

const points = (section: string) => (section.match(/aria-roledescription="point"/g) ?? []).length;

let sweepOut = "";
beforeAll(async () => {
  const sweep = shippedSpec("softmax-sweep", { seq_len: [16, 32, 64], d: [8, 16] });
  sweepOut = await run(sweep, "sweep");
  await run(sweep, "sweep-again", ["--no-report"]);
  await run(shippedSpec("memory", { seq_len: [64, 128, 256] }), "memory");
  await run(
    shippedSpec("mincut", { seq_len: [16, 32], d: 8 }, { inputs: { generator: "normal", samples: 2 } }),
    "mincut",
  );
}, 300_000);

describe("report.html", () => {
  test("a run writes it by default and says where; --no-report does not", () => {
    expect(sweepOut).toContain(
      `report: ${path.join(root, "sweep", "report.html")} (2 plots: latency, distributions)`,
    );
    expect(fs.existsSync(path.join(root, "sweep-again", "report.html"))).toBe(false);
  });

  test("is self-contained: no script, no network or file reference, every value escaped", () => {
    for (const out of ["sweep", "memory", "mincut"]) {
      const page = html(out);
      expect(page.startsWith("<!DOCTYPE html>")).toBe(true);
      expect(page).not.toMatch(/<script|https?:|(src|href)\s*=\s*["']?[^"'#\s>]|url\((?!#)|@import|\/\//i);
      expect(page).toContain(`<h1>attnbench report: ${manifest(out).spec.resolved.name}</h1>`);
    }
  });

  test("opens with what ran: spec, runtime, machine, date, commit, cases and quality flags", () => {
    const m = manifest("sweep");
    const facts = /<section id="what-ran">[\s\S]*?<\/section>/.exec(html("sweep"))![0];
    for (
      const text of [
        m.spec.sha256.slice(0, 12),
        `${m.environment.runtime} ${m.environment.version}`,
        m.started_at,
      ]
    ) {
      expect(facts).toContain(text);
    }
    expect(facts).toContain(`${m.cases.length}: ${m.cases.length} ok, 0 failed, 0 pending`);
    expect(facts).toMatch(/<td>quality flags<\/td><td>(none|[a-z_]+: \d+(, [a-z_]+: \d+)*)<\/td>/);
  });

  test("latency: one point per case, at its median, and a fitted exponent per line", () => {
    const m = manifest("sweep");
    const section = plotSection(html("sweep"), "latency")!;
    expect(points(section)).toBe(m.cases.length);
    const rows = dataRows(section);
    expect(rows.length).toBe(m.cases.length);
    for (const c of m.cases) {
      const row = rows.find((r) => r[6] === c.config_hash.slice(0, 12))!;
      expect(Number(row[1])).toBe(c.params.seq_len);
      expect(Number(row[2])).toBeCloseTo(c.median_us, c.median_us >= 100 ? 0 : 2);
    }
    for (const d of [8, 16]) expect(section).toMatch(new RegExp(`softmax d=${d} ~ n\\^-?\\d\\.\\d\\d`));
  });

  test("distributions: one box per case with samples, quartiles around 1", () => {
    const m = manifest("sweep");
    const rows = dataRows(plotSection(html("sweep"), "distributions")!);
    expect(rows.length).toBe(m.cases.length);
    for (const [, samples, p5, p25, p50, p75, p95] of rows) {
      expect(Number(samples)).toBeGreaterThanOrEqual(3);
      const q = [p5, p25, p50, p75, p95].map(Number);
      expect(q).toEqual([...q].sort((a, b) => a - b));
      expect(q[1]).toBeLessThanOrEqual(1.0001);
      expect(q[3]).toBeGreaterThanOrEqual(0.9999);
    }
  });

  test("memory: measured peak, buffers and computed memory() per case", () => {
    const m = manifest("memory");
    const section = plotSection(html("memory"), "memory")!;
    const rows = dataRows(section);
    for (const c of m.cases) {
      const mine = rows.filter((r) => r[4] === c.config_hash.slice(0, 12));
      const computed = c.metrics.memory.computed_kv_cache_bytes + c.metrics.memory.computed_activation_bytes +
        c.metrics.memory.computed_temp_buffer_bytes;
      expect(mine.find((r) => r[2] === "computed memory()")?.[3]).toBe(String(computed));
      expect(mine.find((r) => r[2] === "measured peak RSS")?.[3]).toBe(
        String(c.metrics.memory.measured_peak_rss_bytes),
      );
    }
    expect(points(section)).toBe(rows.length);
    expect(plotSection(html("memory"), "energy")).toBeUndefined();
  });

  test("energy: drawn where the power plugin ran, its mock source marked in the figure itself", () => {
    const m = manifest("mincut");
    const section = plotSection(html("mincut"), "energy")!;
    expect(dataRows(section).length).toBe(m.cases.length);
    expect(section).toMatch(/<text[^>]*>source: mock \(NOT MEASURED: a constant wattage\)<\/text>/);
  });

  test("the study: λ × τ heatmaps of the three figures, and its verdict PASS or FAIL per setting", () => {
    const verdict = JSON.parse(fs.readFileSync(path.join(root, "mincut", "verdict.json"), "utf8"));
    const section = plotSection(html("mincut"), "study-grid")!;
    expect(section).toMatch(/coherence delta/);
    expect(section).toMatch(/KV-cache reduction/);
    expect(section).toMatch(/p95 latency ÷ baseline/);
    expect(dataRows(section).length).toBe(verdict.settings.length);
    // One cell per setting in each of the three heatmaps.
    expect((section.match(/aria-roledescription="rect mark"/g) ?? []).length).toBe(
      3 * verdict.settings.length,
    );
    const table = /<h3>verdict:[\s\S]*?<\/table>/.exec(section)![0];
    const cells = [...table.matchAll(/<td class="(pass|fail)">(PASS|FAIL) \(/g)];
    expect(cells.length).toBe(verdict.settings.length * 4);
    for (const [, cls, result] of cells) expect(cls).toBe(result.toLowerCase());
  });

  test("plots a run did not measure are left out, without empty panels", () => {
    const page = html("sweep");
    for (const absent of ["memory", "energy", "study-grid", "changes"]) {
      expect(plotSection(page, absent)).toBeUndefined();
    }
    expect(page.match(/<section class="plot"/g)?.length).toBe(2);
  });
});

describe("attnbench report", () => {
  test("two runs: the change of each case with its interval; --out puts the page elsewhere", async () => {
    const out = path.join(root, "two.html");
    const { code, stdout } = await runMain([
      "report",
      path.join(root, "sweep"),
      path.join(root, "sweep-again"),
      "--out",
      out,
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain(`report: ${out}`);
    const section = plotSection(fs.readFileSync(out, "utf8"), "changes")!;
    const rows = dataRows(section);
    expect(rows.length).toBe(manifest("sweep").cases.length);
    for (const [, , change, low, high, cls] of rows) {
      expect(Number(low)).toBeLessThanOrEqual(Number(change));
      expect(Number(high)).toBeGreaterThanOrEqual(Number(change));
      expect(["improved", "regressed", "unchanged", "inconclusive"]).toContain(cls);
    }
  }, 60_000);

  test("--figures: an SVG with its text as outlines and a 300 dpi PNG per plot", async () => {
    const { code, stdout } = await runMain(["report", path.join(root, "mincut"), "--figures"]);
    expect(code).toBe(0);
    expect(stdout).toContain("figures: 10 files in");
    for (const name of ["latency", "distributions", "memory", "energy", "study-grid"]) {
      const svg = fs.readFileSync(path.join(root, "mincut", "figures", `${name}.svg`), "utf8");
      expect(svg).not.toContain("<text");
      const [, width] = /<svg[^>]* width="([\d.]+)(pt)?"/.exec(svg)!;
      // Within a two-column paper's text width (7 in = 504 pt).
      expect(Number(width)).toBeLessThanOrEqual(504);
      const png = fs.readFileSync(path.join(root, "mincut", "figures", `${name}.png`));
      expect([...png.subarray(1, 4)].map((b) => String.fromCharCode(b)).join("")).toBe("PNG");
      // The PNG is the SVG at 300 dpi: its width in pixels is the width in points × 300 / 72.
      expect(Math.abs(png.readUInt32BE(16) - Number(width) * 300 / 72)).toBeLessThanOrEqual(2);
    }
  }, 60_000);

  test("--figures: a plot of a few lines fits one column of a paper (3.5 in = 252 pt)", async () => {
    expect((await runMain(["report", path.join(root, "sweep"), "--figures"])).code).toBe(0);
    const svg = fs.readFileSync(path.join(root, "sweep", "figures", "latency.svg"), "utf8");
    expect(Number(/<svg[^>]* width="([\d.]+)pt"/.exec(svg)![1])).toBeLessThanOrEqual(252);
  }, 60_000);

  test("text from a spec, a kernel or a plugin is escaped, in the page and in the plots", async () => {
    const copy = path.join(root, "hostile");
    fs.cpSync(path.join(root, "sweep"), copy, { recursive: true });
    const m = manifest("sweep");
    m.spec.resolved.description = '<script>alert("description")</script>';
    m.warnings.push("<img src=x onerror=alert(1)>");
    m.cases[0].params.d = '<svg onload=alert("param")>';
    fs.writeFileSync(path.join(copy, "manifest.json"), JSON.stringify(m));
    expect((await runMain(["report", copy])).code).toBe(0);
    const page = fs.readFileSync(path.join(copy, "report.html"), "utf8");
    expect(page).not.toMatch(/<script|<img|<svg onload/);
    expect(page).toContain("&lt;script&gt;alert(&quot;description&quot;)&lt;/script&gt;");
    expect(page).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(page).toContain("#0 softmax seq_len=16 &lt;svg onload=alert(&quot;param&quot;)&gt;");
  });

  test("a run where every case failed still gets a report: its failures, and no plot", async () => {
    const copy = path.join(root, "all-failed");
    fs.cpSync(path.join(root, "sweep"), copy, { recursive: true });
    const m = manifest("sweep");
    for (const c of m.cases) {
      Object.assign(c, { status: "failed", error: "timed out after 10 ms during run()" });
    }
    fs.writeFileSync(path.join(copy, "manifest.json"), JSON.stringify(m));
    expect((await runMain(["report", copy])).code).toBe(0);
    const page = fs.readFileSync(path.join(copy, "report.html"), "utf8");
    expect(page).toContain(`<h3 class="fail">Failures (${m.cases.length})</h3>`);
    expect(page).toContain("timed out after 10 ms during run()");
    expect(page).toContain("No plot: the run has no measured case to draw.");
    expect(page).not.toContain('<section class="plot"');
  });

  test("mistakes exit 2 with one line", async () => {
    const none = await runMain(["report"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: report takes one or more run folders/);
    const notHtml = await runMain(["report", path.join(root, "sweep"), "--out", "x.txt"]);
    expect(notHtml.code).toBe(2);
    expect(notHtml.stderr).toContain("expected a file name ending in .html");
    const empty = await runMain(["report", root]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/holds no run/);
  });
});
