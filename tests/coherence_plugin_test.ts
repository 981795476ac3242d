import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { runSpec } from "../mod.ts";
import { tempDir, writeSpec } from "./support/temp.ts";

const spec = (extra: string) =>
  `version: 1
name: coherence-test
kernel: mincut
baseline: softmax
params: { seq_len: 4, d: 3, lambda: 0.5, tau: 2, eps: 0.01 }
inputs: { generator: identity${extra} }
bench: { min_samples: 2, max_samples: 10, min_time_ms: 1, max_time_ms: 50, warmup: 1 }
plugins: [coherence]
`;

describe("coherence plugin", () => {
  test("make_qkv(4, 3): mincut against softmax gives the reference quality and delta (ruvector.md §1.4)", async () => {
    const dir = tempDir();
    const { outputDir, manifest } = await runSpec(writeSpec(dir, spec("")), {
      outputDir: path.join(dir, "out"),
    });
    const rows: Record<string, string>[] = parse(
      fs.readFileSync(path.join(outputDir, "results.csv"), "utf8"),
      { columns: true },
    );
    const gated = rows.find((r) => r.role === "kernel")!;
    expect(Math.abs(Number(gated.coherence_mean_coherence_delta) - -0.2351453277395914)).toBeLessThan(1e-6);
    expect(gated.coherence_pass_rate).toBe("0.0");
    expect(gated.coherence_n_samples).toBe("1");
    const kernelCase = manifest.cases.find((c) => c.role === "kernel")!;
    const samples: Record<string, string>[] = parse(
      fs.readFileSync(path.join(outputDir, "coherence", `${kernelCase.config_hash}.csv`), "utf8"),
      { columns: true },
    );
    expect(Math.abs(Number(samples[0].cosine) - 0.7648546722604086)).toBeLessThan(1e-6);
    expect(Math.abs(Number(samples[0].l2) - 12.02981063033466)).toBeLessThan(1e-5);
    expect(samples[0].decision_flips).toBe("0");
    expect(samples[0].passes).toBe("false");
  });

  test("the coherence columns stay blank without a baseline: no figures are made up", async () => {
    const dir = tempDir();
    const text = spec("").replace("baseline: softmax\n", "");
    const { outputDir } = await runSpec(writeSpec(dir, text), { outputDir: path.join(dir, "out") });
    const rows: Record<string, string>[] = parse(
      fs.readFileSync(path.join(outputDir, "results.csv"), "utf8"),
      { columns: true },
    );
    const columns = Object.keys(rows[0]).filter((k) => k.startsWith("coherence_"));
    expect(columns).toContain("coherence_mean_coherence_delta");
    for (const row of rows) expect(columns.map((c) => row[c]).every((cell) => cell === "")).toBe(true);
  });
});
