/**
 * results.csv built for pandas, DuckDB and spreadsheets: one header for a set of plugins on every
 * runtime and in every run, in the documented order, snake_case, each column of one type, and
 * described column by column in results.csv-metadata.json.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { runtimeName } from "../src/runtime.ts";
import { runMain } from "./support/cli_process.ts";
import { ROOT, tempDir } from "./support/temp.ts";

const SWEEP = path.join(ROOT, "specs", "softmax-sweep.yaml");
const KERNELS = path.join(ROOT, "specs", "kernels.yaml");

interface Metadata {
  url: string;
  tableSchema: { columns: { name: string; datatype: string; "dc:source": string }[] };
}

/** The other runtime's binary from node_modules/.bin (both are devDependencies). */
function otherRuntime(): { bin: string; args: string[] } {
  const other = runtimeName() === "bun" ? "deno" : "bun";
  return {
    bin: path.join(ROOT, "node_modules", ".bin", other),
    args: other === "deno" ? ["run", "-A", path.join(ROOT, "cli.ts")] : [path.join(ROOT, "cli.ts")],
  };
}

function header(dir: string): string[] {
  return fs.readFileSync(path.join(dir, "results.csv"), "utf8").split("\n")[0].split(",");
}

function readRows(dir: string): string[][] {
  return parse(fs.readFileSync(path.join(dir, "results.csv"), "utf8"), { from_line: 2 }) as string[][];
}

function metadata(dir: string): Metadata {
  return JSON.parse(fs.readFileSync(path.join(dir, "results.csv-metadata.json"), "utf8"));
}

describe("results.csv has one header, in a fixed order, with one type per column", () => {
  const dir = tempDir();
  const runs = {
    first: path.join(dir, "first"),
    second: path.join(dir, "second"),
    other: path.join(dir, "other"),
  };
  const kernels = path.join(dir, "kernels");

  beforeAll(async () => {
    const one = ["--filter", "seq_len=64,d=32", "-q"];
    for (const out of [runs.first, runs.second]) {
      expect((await runMain([SWEEP, "--out", out, ...one])).code).toBe(0);
    }
    expect((await runMain([KERNELS, "--out", kernels, "--filter", "seq_len=128", "-q"])).code).toBe(0);
    const { bin, args } = otherRuntime();
    await new Promise<void>((resolve, reject) =>
      execFile(
        bin,
        [...args, SWEEP, "--out", runs.other, ...one],
        { cwd: ROOT },
        (error, _out, stderr) => error ? reject(new Error(`${bin} failed: ${stderr}`)) : resolve(),
      )
    );
  }, 180_000);

  test("the same header across two runs, on Deno and Bun, and for another spec with the same plugins", () => {
    const first = header(runs.first);
    expect(header(runs.second)).toEqual(first);
    expect(header(runs.other)).toEqual(first);
    expect(header(kernels)).toEqual(first);
    const runtimes = [runs.first, runs.other].map((d) => readRows(d)[0][first.indexOf("runtime")]);
    expect(runtimes.sort()).toEqual(["bun", "deno"]);
  });

  test("identity, parameters, status and quality, metrics, error: snake_case and no column twice", () => {
    const columns = header(runs.first);
    expect(columns.slice(0, 6)).toEqual([
      "config_hash",
      "runtime",
      "runtime_version",
      "kernel",
      "kernel_version",
      "role",
    ]);
    for (const name of columns) expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(new Set(columns).size).toBe(columns.length);
    const sources = metadata(runs.first).tableSchema.columns.map((c) => c["dc:source"]);
    const firstMetric = columns.indexOf("quality") + 1;
    const parameters = sources.flatMap((s, i) => s === "parameter" ? [i] : []);
    expect(Math.min(...parameters)).toBe(6);
    expect(Math.max(...parameters)).toBeLessThan(columns.indexOf("status"));
    expect(columns.indexOf("quality")).toBe(columns.indexOf("status") + 1);
    for (const i of sources.flatMap((s, i) => s.startsWith("plugin ") ? [i] : [])) {
      expect(i).toBeGreaterThan(firstMetric);
    }
    expect(columns.at(-1)).toBe("error");
    // `samples` and `calls` are the core's; the latency plugin no longer repeats them.
    expect(columns.filter((c) => /(^|_)(n|samples|calls|calls_per_sample)$/.test(c))).toEqual([
      "samples",
      "calls",
    ]);
  });

  test("results.csv-metadata.json describes every column, in order, and each cell fits its column's type", () => {
    for (const run of [runs.first, runs.other, kernels]) {
      const described = metadata(run).tableSchema.columns;
      const columns = header(run);
      expect(described.map((c) => c.name)).toEqual(columns);
      const shapes: Record<string, RegExp> = {
        double: /^-?(\d+\.\d+([eE][-+]?\d+)?|\d+(\.\d+)?[eE][-+]?\d+)$/,
        integer: /^-?\d+$/,
        boolean: /^(true|false)$/,
        string: /^/,
      };
      const rows = readRows(run);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        described.forEach((c, i) => {
          if (row[i] !== "") {
            expect(`${c.name}=${row[i]}`).toMatch(
              new RegExp(`^${c.name}=${shapes[c.datatype].source.slice(1)}`),
            );
          }
        });
      }
    }
  });

  test("the seal covers the description, and a double that happens to be whole is still written as one", () => {
    const seal = JSON.parse(fs.readFileSync(path.join(runs.first, "seal.json"), "utf8"));
    expect(Object.keys(seal.files)).toContain("results.csv-metadata.json");
    const columns = header(runs.first);
    const [row] = readRows(runs.first);
    // load_avg_1m and the shares are doubles: 0 is written 0.0 wherever /proc gives a value.
    for (const name of ["other_cpu_share", "steal_share", "iowait_share"]) {
      const cell = row[columns.indexOf(name)];
      if (cell !== "") expect(cell).toMatch(/\./);
    }
  });
});
