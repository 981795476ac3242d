/**
 * Plugins that declare their metrics: fixed, typed columns (blank where nothing was returned),
 * described in results.csv-metadata.json; an undeclared metric or a value of another type fails
 * the case, naming both.
 */
import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { runSpec } from "../mod.ts";
import { readCsv } from "./support/csv.ts";
import { ROOT, smallSpec, tempDir, writeSpec } from "./support/temp.ts";

const plugin = path.join(ROOT, "tests", "fixtures", "plugins", "declared.ts");

async function run(metrics: string) {
  const dir = tempDir();
  const file = writeSpec(dir, smallSpec(`plugins:\n  - ${plugin}: { metrics: ${metrics} }\n`));
  const { manifest, outputDir } = await runSpec(file, { outputDir: path.join(dir, "out") });
  const rows = readCsv(path.join(outputDir, "results.csv"));
  const metadata = JSON.parse(fs.readFileSync(path.join(outputDir, "results.csv-metadata.json"), "utf8"));
  return { manifest, rows, metadata };
}

describe("declared metrics", () => {
  test(
    "every declared column is written in declaration order, typed, and described, returned or not",
    async () => {
      const { rows, metadata } = await run("{ rate: 1, count: 3 }");
      const header = Object.keys(rows[0]);
      const own = header.filter((c) => c.startsWith("declared_"));
      expect(own).toEqual(["declared_count", "declared_rate", "declared_label"]);
      for (const row of rows) {
        expect(row.declared_count).toBe("3");
        expect(row.declared_rate).toBe("1.0");
        expect(row.declared_label).toBe("");
      }
      const described = metadata.tableSchema.columns.find((c: { name: string }) =>
        c.name === "declared_rate"
      );
      expect(described).toEqual({
        name: "declared_rate",
        titles: "declared_rate",
        datatype: "double",
        "dc:description": "a rate",
        "dc:source": "plugin declared",
        "schema:unitText": "ratio",
      });
    },
    60_000,
  );

  test("a metric the declaration does not list fails the case, naming it and what is declared", async () => {
    const { manifest } = await run("{ extra: 1 }");
    for (const c of manifest.cases) {
      expect(c.status).toBe("failed");
      expect(c.error).toMatch(
        /\[profiler declared\].*returned metric "extra", which its metrics declaration does not list; expected one of: count, rate, label/,
      );
    }
  }, 60_000);

  test("a value of another type than declared fails the case", async () => {
    const { manifest } = await run("{ count: 2.5 }");
    for (const c of manifest.cases) {
      expect(c.status).toBe("failed");
      expect(c.error).toMatch(/returned count = 2\.5; its metrics declaration says integer/);
    }
  }, 60_000);
});
