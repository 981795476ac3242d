import { describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { countGrid, expandGrid } from "../src/grid.ts";
import { applyJournal, journalLine } from "../src/output/case_journal.ts";
import type { CaseRecord, Manifest } from "../src/output/manifest.ts";
import { gitCommit } from "../src/runtime.ts";
import { terminalSafe } from "../src/terminal_text.ts";
import { runMain } from "./support/cli_process.ts";
import { FIXTURES } from "./support/specs.ts";
import { smallSpec, tempDir, writeSpec } from "./support/temp.ts";

const BUDGET = "bench: { min_samples: 2, max_samples: 5, min_time_ms: 1, max_time_ms: 50, warmup: 1 }\n";

/** A spec over the `labelled` test kernel (a text parameter), with extra plugin lines. */
function labelledSpec(label: string, plugins = "[latency]"): string {
  return `version: 1
name: hostile
kernel: ${path.join(FIXTURES, "kernels", "labelled.ts")}
params: { seq_len: 4, d: 2, label: ${JSON.stringify(label)}, offset: [-0.24, 1] }
${BUDGET}plugins: ${plugins}
`;
}

async function expectRefused(text: string, message: RegExp, args: string[] = []): Promise<void> {
  const spec = writeSpec(tempDir(), text);
  const started = performance.now();
  const { code, stderr, stdout } = await runMain(["validate", spec, ...args]);
  // Refused before any expansion: the measured work is milliseconds; the margin is for a busy host.
  expect(performance.now() - started).toBeLessThan(1000);
  expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
  expect(stderr).toMatch(message);
  expect(stderr).not.toMatch(/internal error|\n {4}at /);
  expect(stderr.trimEnd().split("\n")).toHaveLength(1);
}

const axis = (n: number, from = 1) => `[${Array.from({ length: n }, (_, i) => i + from).join(", ")}]`;

describe("bounded specs", () => {
  test("a 10⁹-case grid is refused in under a second with its count", async () => {
    const spec =
      `version: 1\nname: huge\nkernel: mincut\nparams:\n  seq_len: ${axis(1000)}\n  d: ${axis(100)}\n` +
      `  lambda: ${axis(100)}\n  tau: ${axis(100, 0)}\n`;
    await expectRefused(
      spec,
      /:4:1: the grid makes 1,000,000,000 cases \(seq_len 1000 × d 100 × lambda 100 × tau 100\); expected at most 10,000 \(--max-cases/,
    );
  });

  test("--max-cases moves the cap, and excludes are subtracted before comparing", async () => {
    const spec = writeSpec(
      tempDir(),
      `version: 1\nname: g\nkernel: softmax\nparams:\n  seq_len: ${axis(30)}\n  d: ${axis(4)}\n` +
        `exclude:\n  - { d: [1, 2] }\n`,
    );
    expect((await runMain(["validate", spec, "--max-cases", "60"])).stdout).toContain("valid, 60 cases");
    const over = await runMain(["validate", spec, "--max-cases", "59"]);
    expect(over.code).toBe(2);
    expect(over.stderr).toContain(
      "the grid makes 60 cases (seq_len 30 × d 4, after excludes); expected at most 59",
    );
    expect((await runMain(["validate", spec, "--max-cases", "lots"])).stderr).toContain(
      "--max-cases lots: expected a positive whole number of cases",
    );
  });

  test("countGrid agrees with expansion on random grids and excludes", () => {
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    for (let trial = 0; trial < 500; trial++) {
      const params: Record<string, number | number[]> = {};
      for (let a = 0; a < 1 + next(4); a++) {
        params[`p${a}`] = next(3) === 0 ? next(3) : Array.from({ length: 1 + next(4) }, () => next(4));
      }
      const names = Object.keys(params);
      const exclude = Array.from({ length: next(5) }, () =>
        Object.fromEntries(
          names.filter(() => next(2) === 1).map((n) => [n, next(2) ? next(4) : [next(4), next(4)]]),
        ));
      expect(countGrid(params, exclude)).toEqual({
        points: expandGrid(params, exclude).points.length,
        exact: true,
      });
    }
  });

  test("a seq_len needing more memory than the machine has is refused, unless --force", async () => {
    const text = smallSpec("", "params:\n  seq_len: 10000000\n  d: 64\n");
    await expectRefused(
      text,
      /:5:12: case 0 \(softmax seq_len=10000000 d=64 \[[0-9a-f]{8}\]\) needs an estimated [\d.]+ TiB \(its kernel's memory\(\)[^)]*\), more than the [\d.]+ GiB a case may use here .*; lower the size, or pass --force to try anyway/,
    );
    const forced = await runMain(["validate", writeSpec(tempDir(), text), "--force"]);
    expect(forced.stdout).toContain("valid, 1 case");
  });

  const refusals: [string, string, RegExp][] = [
    [
      ".inf in max_time_ms",
      smallSpec("", "params: { seq_len: 4, d: 4 }\n").replace("max_time_ms: 200", "max_time_ms: .inf"),
      /:9:16: found \.inf; expected a finite number/,
    ],
    [
      ".nan in a generator option",
      smallSpec("inputs: { options: { std: .nan } }\n"),
      /found \.nan; expected a finite number/,
    ],
    [
      "an integer beyond 2^53",
      smallSpec("", "params: { seq_len: 9007199254740993, d: 4 }\n"),
      /found 9007199254740993, which is beyond ±2\^53 − 1/,
    ],
    [
      "maps nested 40 deep",
      smallSpec(`description: ${"[".repeat(40)}${"]".repeat(40)}\n`),
      /nest 33 levels deep here; expected at most 32/,
    ],
    [
      "watts: 1e308",
      smallSpec("plugins: [{ power: { source: mock, watts: 20000 } }]\n"),
      /plugins\[0\]\.power\.watts: expected watts must be ≤ 10000/,
    ],
    [
      "idle_baseline_ms: 1e9",
      smallSpec("plugins: [{ power: { source: mock, idle_baseline_ms: 1000000000 } }]\n"),
      /idle_baseline_ms must be ≤ 600000/,
    ],
    [
      "a power trace going back in time",
      smallSpec(
        "plugins: [{ power: { source: mock, trace: [{ at_s: 1, watts: 5 }, { at_s: 0.5, watts: 5 }] } }]\n",
      ),
      /power\.trace\[1\]: expected trace times must increase: point 1 is at 0\.5 s, point 0 at 1 s/,
    ],
    [
      "an empty power trace",
      smallSpec("plugins: [{ power: { source: mock, trace: [] } }]\n"),
      /trace must have at least one point/,
    ],
    [
      "a package name that climbs out of node_modules",
      smallSpec('plugins: [latency, "mitata/../../../../tmp/x.ts"]\n'),
      /plugin "mitata\/\.\.\/\.\.\/\.\.\/\.\.\/tmp\/x\.ts" is not a valid reference: .* has a path part "\.\." after the package name/,
    ],
  ];
  for (const [what, text, message] of refusals) {
    test(`refused with one located line: ${what}`, async () => {
      await expectRefused(text, message);
    });
  }

  test("a kernel parameter that would forge a results.csv column is refused, set in the spec or not", async () => {
    const forger = `version: 1\nname: f\nkernel: ${
      path.join(FIXTURES, "kernels", "forger.ts")
    }\nparams:\n  seq_len: 4\n  d: 2\n`;
    await expectRefused(
      forger + "  config_hash: x\n",
      /:7:3: kernel forger has a parameter "config_hash", which would be written as results\.csv column "config_hash", a column attnbench writes itself/,
    );
    await expectRefused(
      forger,
      /:3:9: kernel forger has a parameter "config_hash", which would be written as results\.csv column "config_hash"/,
    );
  });

  test("integer-valued numbers beyond 2^53 are refused in any notation (warmup: 1e20, watts: 1e308)", async () => {
    await expectRefused(
      smallSpec("", "params: { seq_len: 4, d: 4 }\n").replace("warmup: 1", "warmup: 1e20"),
      /:10:11: found 1e20, which is beyond ±2\^53 − 1/,
    );
    await expectRefused(
      smallSpec("plugins: [{ power: { source: mock, watts: 1e308 } }]\n"),
      /found 1e308, which is beyond ±2\^53 − 1/,
    );
  });

  test("the memory check covers the cases --filter selects; --force with --resume lifts it and replaces nothing", async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, smallSpec("", "params:\n  seq_len: [4, 10000000]\n  d: 4\n"));
    const out = path.join(dir, "out");
    const refused = await runMain([spec, "--out", out, "-q"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("needs an estimated");
    const small = await runMain([spec, "--out", out, "-q", "--filter", "seq_len=4"]);
    expect(small.code).toBe(0);
    const resumed = await runMain([spec, "--out", out, "-q", "--resume", "--force", "--filter", "seq_len=4"]);
    expect(resumed.stderr).not.toContain("contradict");
    expect(resumed.code).toBe(0);
    expect(fs.existsSync(path.join(out, "manifest.json"))).toBe(true);
  });

  test("a kernel or plugin named after an Object property is unknown, not an internal error", async () => {
    await expectRefused(
      smallSpec().replace("kernel: softmax", "kernel: toString"),
      /unknown kernel "toString"/,
    );
    await expectRefused(smallSpec("plugins: [constructor]\n"), /unknown plugin "constructor"/);
  });

  test("a spec over 1 MiB is refused before it is parsed", async () => {
    await expectRefused(
      smallSpec(`description: "${"x".repeat(1100 * 1024)}"\n`),
      /the spec is \d+ bytes; expected at most 1048576 \(1 MiB\)/,
    );
  });
});

describe("what a run writes and prints cannot attack the reader", () => {
  test("formula-like text is neutralised in results.csv and per-case tables; numbers stay numbers", async () => {
    const dir = tempDir();
    const hostile = '=HYPERLINK("http://x","y")';
    const spec = writeSpec(
      dir,
      labelledSpec(
        hostile,
        `[latency, { ${
          path.join(FIXTURES, "plugins", "echo.ts")
        }: { metrics: { note: "@SUM(1)", level: -3 } } }]`,
      ),
    );
    const { code } = await runMain([spec, "--out", path.join(dir, "out"), "-q"]);
    expect(code).toBe(0);
    const rows = parse(fs.readFileSync(path.join(dir, "out", "results.csv"), "utf8"), {
      columns: true,
    }) as Record<string, string>[];
    expect(rows.map((r) => r.label)).toEqual([`'${hostile}`, `'${hostile}`]);
    expect(rows.map((r) => r.offset)).toEqual(["-0.24", "1.0"]);
    expect(rows.map((r) => r.echo_note)).toEqual(["'@SUM(1)", "'@SUM(1)"]);
    expect(rows.map((r) => r.echo_level)).toEqual(["-3.0", "-3.0"]);
  });

  test("control characters in an error message are escaped on the terminal and neutralised in the CSV", async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, labelledSpec("throw:-boom\u001b[2J\u001b]0;pwned\u0007\u202egnp.exe"));
    const { code, stderr } = await runMain([spec, "--out", path.join(dir, "out")]);
    expect(code).toBe(1);
    for (const raw of ["\u001b", "\u0007", "\u202e"]) expect(stderr).not.toContain(raw);
    expect(stderr).toContain("-boom\\x1b[2J\\x1b]0;pwned\\x07\\u{202e}gnp.exe");
    const rows = parse(fs.readFileSync(path.join(dir, "out", "results.csv"), "utf8"), {
      columns: true,
    }) as Record<string, string>[];
    expect(rows[0].error.startsWith("'[kernel labelled]") || rows[0].error.startsWith("[kernel labelled]"))
      .toBe(true);
    expect(rows.every((r) => !/^[=+\-@]/.test(r.error))).toBe(true);
    expect(terminalSafe("tab\tand\nnewline stay")).toBe("tab\tand\nnewline stay");
  });

  test("a NaN metric fails that plugin's case, named; a metric forging config_hash too", async () => {
    const dir = tempDir();
    const echo = path.join(FIXTURES, "plugins", "echo.ts");
    const nan = writeSpec(
      dir,
      labelledSpec("a", `[latency, { ${echo}: { nan: [total_joules] } }]`),
      "nan.yaml",
    );
    const run = await runMain([nan, "--out", path.join(dir, "nan"), "-q"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "failed: [profiler echo] stop returned total_joules = NaN; expected a finite number",
    );
    expect(fs.readFileSync(path.join(dir, "nan", "results.csv"), "utf8")).not.toContain("NaN,");
    const forged = writeSpec(
      dir,
      labelledSpec("a", `[latency, ${path.join(FIXTURES, "plugins", "config.ts")}]`),
      "forged.yaml",
    );
    const forging = await runMain([forged, "--out", path.join(dir, "forged"), "-q"]);
    expect(forging.code).toBe(1);
    expect(forging.stderr).toContain(
      `[profiler config] stop returned metric "hash", which would be written as results.csv column "config_hash"`,
    );
    const rows = parse(fs.readFileSync(path.join(dir, "forged", "results.csv"), "utf8"), {
      columns: true,
    }) as Record<string, string>[];
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.config_hash))).toBe(true);
  });
});

describe("plugin results that would lie", () => {
  test("two plugins whose metrics would share a column: the second fails the case, named", async () => {
    const dir = tempDir();
    const echo = path.join(FIXTURES, "plugins", "echo.ts");
    // latency writes latency_p50_us; a plugin named "latency_p50" with metric "us" would too.
    const spec = writeSpec(
      dir,
      labelledSpec(
        "a",
        `[latency, { ${echo}: { metrics: { a: 1 } } }, ${path.join(FIXTURES, "plugins", "latency_p50.ts")}]`,
      ),
    );
    const { code, stderr } = await runMain([spec, "--out", path.join(dir, "out"), "-q"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /\[profiler latency_p50\] stop returned metric "us", which would be written as results\.csv column "latency_p50_us", a column plugin latency writes/,
    );
  });

  test("a NaN in a plugin's table fails the case instead of reaching a CSV", async () => {
    const dir = tempDir();
    const spec = writeSpec(
      dir,
      labelledSpec("a", `[latency, { ${path.join(FIXTURES, "plugins", "echo.ts")}: { table_nan: true } }]`),
    );
    const { code, stderr } = await runMain([spec, "--out", path.join(dir, "out"), "-q"]);
    expect(code).toBe(1);
    expect(stderr).toContain(
      "[profiler echo] tables returned NaN in table echo, row 0, column value; expected a finite number",
    );
    expect(fs.existsSync(path.join(dir, "out", "echo"))).toBe(false);
  });
});

describe("small holes", () => {
  test("git is asked only for the commit: a repository's fsmonitor and hooks never run", () => {
    const repo = tempDir();
    const mark = path.join(repo, "..", `${path.basename(repo)}-ran`);
    const git = (...args: string[]) =>
      execFileSync("git", args, { cwd: repo, stdio: "pipe", encoding: "utf8" });
    git("init", "-q");
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "x");
    const hook = path.join(repo, "hook.sh");
    fs.writeFileSync(hook, `#!/bin/sh\necho ran > ${mark}\n`, { mode: 0o755 });
    git("config", "core.fsmonitor", hook);
    fs.writeFileSync(path.join(repo, "tracked"), "a");
    expect(gitCommit(repo)).toBe(git("rev-parse", "HEAD").trim());
    expect(fs.existsSync(mark)).toBe(false);
  });

  test("the case journal: the last record of a case wins, an incomplete last line is ignored", () => {
    const record = (index: number, status: CaseRecord["status"]): CaseRecord => ({
      index,
      config_hash: String(index).repeat(64).slice(0, 64),
      role: "kernel",
      kernel: { name: "k", version: "1", ref: "k", origin: "builtin" },
      params: {},
      shape: { seq_len: 1, q_width: 1, kv_width: 1 },
      status,
      files: [],
    });
    const manifest = {
      cases: [record(0, "pending"), record(1, "pending")],
      sessions: [{ started_at: "", pid: 1, host: "h", ran: 0 }],
    } as unknown as Manifest;
    const text = journalLine(record(0, "failed"), 1) + journalLine(record(0, "ok"), 2) +
      journalLine(record(1, "ok"), 3).slice(0, 20);
    const applied = applyJournal(manifest, text);
    expect(applied.cases.map((c) => c.status)).toEqual(["ok", "pending"]);
    expect(applied.summary).toEqual({ total: 2, ok: 1, failed: 0, skipped: 0, pending: 1 });
    expect(applied.sessions[0].ran).toBe(2);
  });
});
