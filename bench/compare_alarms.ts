/**
 * How often `compare` cries wolf, and how small a slowdown it catches, on this machine, at its
 * default settings (±10 % noise band, α = 0.05; ±5 % and ±15 % beside it) and with the spec's default budget:
 *
 * - **false alarms (A/A)**: `runs` identical runs of a 10-case spec, every pair of them compared;
 *   the share of case comparisons classed regressed or improved — with full confidence (what
 *   `--fail-on` counts), and at all;
 * - **power**: one more run per slowdown level (ATTNBENCH_TEST_SLOWDOWN, outside the
 *   configuration, so the config hashes match), compared with the first A run; the share of cases
 *   classed regressed.
 *
 *   deno run -A bench/compare_alarms.ts [runs=5]
 *   bun bench/compare_alarms.ts [runs=5]
 *
 * @module
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import "../builtins.ts";
import { compareRuns, DEFAULT_COMPARE_OPTIONS } from "../src/compare/compare.ts";
import { readRunSide } from "../src/compare/run_side.ts";
import { main } from "../src/cli/main.ts";

const runs = Number(process.argv[2] ?? 5);
const levels = [0.05, 0.1, 0.15, 0.2, 0.3];
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "attnbench-alarms-"));
const kernel = path.resolve(new URL("../tests/fixtures/kernels/slowable.ts", import.meta.url).pathname);
const spec = path.join(scratch, "spec.yaml");
fs.writeFileSync(
  spec,
  `version: 1\nname: alarms\nkernel: ${kernel}\nparams:\n  seq_len: [16, 32, 64, 128, 256]\n  d: [16, 32]\nplugins: [latency]\n`,
);
const quiet = { stdout: () => {}, stderr: { write: () => true } };

async function measure(name: string, slowdown: number): Promise<string> {
  const out = path.join(scratch, name);
  process.env.ATTNBENCH_TEST_SLOWDOWN = String(slowdown);
  const code = await main([spec, "--out", out, "-q"], quiet);
  delete process.env.ATTNBENCH_TEST_SLOWDOWN;
  if (code !== 0) throw new Error(`run ${name} exited ${code}`);
  process.stderr.write(`measured ${name}\n`);
  return out;
}

const same: string[] = [];
for (let i = 0; i < runs; i++) same.push(await measure(`aa-${i}`, 0));
const bands = [0.05, 0.1, 0.15];
const share = (n: number, of: number) => `${n}/${of} = ${((100 * n) / of).toFixed(1)} %`;
console.log(
  `runtime: ${
    process.versions.bun ? `bun ${process.versions.bun}` : `deno ${process.versions.deno ?? "?"}`
  }, ${runs} A/A runs of 10 cases, every pair compared; default noise band ±${
    DEFAULT_COMPARE_OPTIONS.noise * 100
  } %`,
);
for (const noise of bands) {
  const options = { ...DEFAULT_COMPARE_OPTIONS, noise };
  let cases = 0;
  let alarms = 0;
  let gated = 0;
  for (let i = 0; i < same.length; i++) {
    for (let j = i + 1; j < same.length; j++) {
      const report = compareRuns(await readRunSide(same[i]), await readRunSide(same[j]), options);
      for (const pair of report.pairs) {
        const time = pair.metrics[0];
        cases++;
        if (time.class === "regressed" || time.class === "improved") {
          alarms++;
          if (time.confidence === "full") gated++;
        }
      }
    }
  }
  console.log(
    `band ±${(noise * 100).toFixed(1)} %: false alarms ${
      share(gated, cases)
    } with full confidence (what --fail-on counts), ${share(alarms, cases)} at any confidence`,
  );
}
for (const level of levels) {
  const slowed = await measure(`slow-${level}`, level);
  const cells = [];
  for (const noise of bands) {
    const report = compareRuns(await readRunSide(same[0]), await readRunSide(slowed), {
      ...DEFAULT_COMPARE_OPTIONS,
      noise,
    });
    const regressed = report.pairs.filter((p) => p.metrics[0].class === "regressed");
    const full = regressed.filter((p) => p.metrics[0].confidence === "full").length;
    cells.push(
      `±${(noise * 100).toFixed(1)} %: ${share(regressed.length, report.pairs.length)} (${full} full)`,
    );
    if (noise === bands[0]) {
      cells.unshift(
        `median measured change ${(100 * median(report.pairs.map((p) => p.metrics[0].change))).toFixed(1)} %`,
      );
    }
  }
  console.log(`slowdown ${(level * 100).toFixed(0)} %: regressed at ${cells.join("; ")}`);
}
fs.rmSync(scratch, { recursive: true, force: true });

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
