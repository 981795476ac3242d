import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { readManifest } from "../src/output/run_folder.ts";
import { runMain } from "./support/cli_process.ts";
import { tempDir, writeSpec } from "./support/temp.ts";

/** A small study; `params` lines replace the grid. */
function study(params: string, extra = ""): string {
  return `version: 1
name: pairing
seed: 7
kernel: mincut
baseline: softmax
params:
${params}inputs:
  samples: 2
bench: { min_samples: 2, max_samples: 10, min_time_ms: 1, max_time_ms: 50, warmup: 1 }
plugins: [latency, coherence, mincut-study]
${extra}`;
}

const BASE = "  variant: reference\n  seq_len: [6, 12]\n  d: 4\n  lambda: 0.5\n  tau: 0\n  eps: 0.01\n";

async function runStudy(text: string, args: string[] = []) {
  const dir = tempDir();
  const out = path.join(dir, "out");
  const result = await runMain([writeSpec(dir, text), "--out", out, "-q", ...args]);
  return { ...result, out };
}

/** Each kernel case's coherence delta, by seq_len and backend. */
function deltas(out: string): Record<string, unknown> {
  const manifest = readManifest(out);
  return Object.fromEntries(
    manifest.cases.filter((c) => c.role === "kernel").map((c) => [
      `${c.params.seq_len}/${c.params.backend}`,
      c.metrics?.coherence?.mean_coherence_delta,
    ]),
  );
}

describe("the study pairs each case with its own baseline", () => {
  test(
    "with a backend axis on kernel and baseline, each mincut case gets the coherence of a single-backend run",
    async () => {
      const both = await runStudy(study(BASE + "  backend: [js, wasm]\n"));
      expect(both.code).toBe(0);
      const js = await runStudy(study(BASE + "  backend: js\n"));
      const wasm = await runStudy(study(BASE + "  backend: wasm\n"));
      const together = deltas(both.out);
      expect(Object.keys(together).sort()).toEqual(["12/js", "12/wasm", "6/js", "6/wasm"]);
      expect({ ...deltas(js.out), ...deltas(wasm.out) }).toEqual(together);
      for (const value of Object.values(together)) expect(typeof value).toBe("number");
      const manifest = readManifest(both.out);
      for (const c of manifest.cases.filter((c) => c.role === "kernel")) {
        const [baseline] = manifest.cases.filter((b) =>
          b.role === "baseline" && b.params.seq_len === c.params.seq_len &&
          b.params.backend === c.params.backend
        );
        expect(baseline).toBeDefined();
      }
      // Settings split by backend: one witness chain each, never merged.
      const settings = parse(fs.readFileSync(path.join(both.out, "csv", "results.csv"), "utf8"), {
        columns: true,
      }) as {
        setting: string;
      }[];
      expect(settings.map((s) => s.setting)).toEqual([
        "mincut_l0.5_t0_backend-js",
        "mincut_l0.5_t0_backend-wasm",
      ]);
    },
    120_000,
  );

  test("settings differ when eps differs, each chain recording its own eps", async () => {
    const { code, out } = await runStudy(study(BASE.replace("eps: 0.01", "eps: [0.01, 0.05]")));
    expect(code).toBe(0);
    const names = fs.readdirSync(path.join(out, "witness")).sort();
    expect(names).toEqual(["bundle.json", "mincut_l0.5_t0_eps-0.01.jsonl", "mincut_l0.5_t0_eps-0.05.jsonl"]);
    const line = JSON.parse(
      fs.readFileSync(path.join(out, "witness", "mincut_l0.5_t0_eps-0.05.jsonl"), "utf8").split("\n")[0],
    );
    expect(line.eps).toBe(0.05);
  }, 120_000);

  test("--filter keeps the baseline cases the selected cases are compared with", async () => {
    const { code, out, stdout } = await runStudy(study(BASE.replace("lambda: 0.5", "lambda: [0.5, 0.7]")), [
      "--filter",
      "lambda=0.5",
    ]);
    expect(code).toBe(0);
    const manifest = readManifest(out);
    expect(manifest.cases.map((c) => `${c.role}:${c.params.seq_len}`)).toEqual([
      "baseline:6",
      "baseline:12",
      "kernel:6",
      "kernel:12",
    ]);
    expect(stdout).not.toContain("nothing to report");
    expect(stdout).toMatch(
      /p95 latency within ±10\.0% of baseline \(per seq_len, geometric mean\): (PASS|FAIL)/,
    );
  }, 120_000);

  test("an axis only the baseline takes is refused: no case is compared with a guess", async () => {
    const dir = tempDir();
    const { code, stderr } = await runMain([
      "validate",
      writeSpec(dir, study(BASE + "  causal: [false, true]\n")),
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /spec\.yaml:\d+:3: params\.causal is an axis of baseline softmax but not a parameter of kernel mincut: each mincut case .* would have one baseline per causal value/,
    );
  });
});
