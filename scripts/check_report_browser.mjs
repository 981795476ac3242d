// Checks report.html in a real browser: headless Chromium (Debian's `chromium`, driven by
// playwright-core; no browser is downloaded) loads the reports of short runs of
// specs/softmax-sweep.yaml, specs/memory.yaml and specs/mincut.yaml (grids cut down, budgets
// tiny, plugins as shipped), and for each:
//   - no console error, no page error, no request for anything but the page itself;
//   - every plot's SVG has a non-zero size, with scripts on and with scripts off;
//   - it prints: Chromium makes a PDF of it.
// With --screenshot FILE RUN, it instead saves the first screen of RUN's report.html (the
// picture in the README comes from the study's report, made so).
//
//   node scripts/check_report_browser.mjs [--junit .tmp/junit/browser.xml]
//   node scripts/check_report_browser.mjs --screenshot docs/report-study.png results/mincut/latest
// CHROMIUM=/path/to/chromium overrides /usr/bin/chromium.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { parse, stringify } from "yaml";
import { Checks, expect } from "./checks.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const argAfter = (
  flag,
) => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : undefined);

if (!fs.existsSync(executablePath)) {
  console.error(
    `error: no Chromium at ${executablePath}; install Debian's chromium (apt-get install chromium) or set CHROMIUM`,
  );
  process.exit(1);
}
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });

const screenshot = argAfter("--screenshot");
if (screenshot) {
  const run = process.argv.at(-1);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(`file://${path.resolve(fs.realpathSync(run), "report.html")}`);
  await page.screenshot({ path: screenshot });
  await browser.close();
  console.log(`wrote ${screenshot}`);
  process.exit(0);
}

const checks = new Checks("browser");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "attnbench-browser-"));
const BUDGET = { min_samples: 3, max_samples: 30, min_time_ms: 1, max_time_ms: 40, warmup: 1 };
const RUNS = {
  "softmax-sweep": { params: { seq_len: [16, 32, 64], d: [8, 16] }, plots: ["latency", "distributions"] },
  memory: { params: { seq_len: [64, 128, 256] }, plots: ["latency", "distributions", "memory"] },
  mincut: {
    params: { seq_len: [16, 32], d: 8 },
    inputs: { generator: "normal", samples: 2 },
    plots: ["latency", "distributions", "memory", "energy", "study-grid"],
  },
};

for (const [name, setup] of Object.entries(RUNS)) {
  const out = path.join(scratch, name);
  await checks.check(`${name}: a short run writes report.html`, () => {
    const spec = parse(fs.readFileSync(path.join(root, "specs", `${name}.yaml`), "utf8"));
    Object.assign(spec.params, setup.params);
    Object.assign(spec, { bench: BUDGET, output: undefined }, setup.inputs ? { inputs: setup.inputs } : {});
    const file = path.join(scratch, `${name}.yaml`);
    fs.writeFileSync(file, stringify(spec));
    execFileSync(path.join(root, "node_modules", ".bin", "deno"), [
      "run",
      "-A",
      "cli.ts",
      file,
      "--out",
      out,
      "-q",
    ], {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
    });
    expect(fs.existsSync(path.join(out, "report.html")), "no report.html");
  });
  const url = `file://${path.join(out, "report.html")}`;
  for (const javaScriptEnabled of [true, false]) {
    await checks.check(
      `${name}: Chromium loads it (scripts ${
        javaScriptEnabled ? "on" : "off"
      }): no error, no request, every plot drawn`,
      async () => {
        const context = await browser.newContext({
          javaScriptEnabled,
          viewport: { width: 1280, height: 900 },
        });
        const page = await context.newPage();
        const problems = [];
        page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
        page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
        page.on("request", (r) => r.url() !== url && problems.push(`request: ${r.url()}`));
        await page.goto(url, { waitUntil: "load" });
        const sizes = await page.$$eval("section.plot", (sections) =>
          sections.map((s) => {
            const box = s.querySelector("figure svg")?.getBoundingClientRect();
            return { plot: s.dataset.plot, width: box?.width ?? 0, height: box?.height ?? 0 };
          }));
        await context.close();
        expect(problems.length === 0, problems.join("; "));
        expect(
          JSON.stringify(sizes.map((s) => s.plot)) === JSON.stringify(setup.plots),
          `plots ${sizes.map((s) => s.plot)}, expected ${setup.plots}`,
        );
        for (const s of sizes) expect(s.width > 100 && s.height > 50, `${s.plot}: ${s.width}×${s.height}`);
      },
    );
  }
  await checks.check(`${name}: it prints (Chromium makes a PDF of it)`, async () => {
    const page = await browser.newPage();
    await page.goto(url);
    const pdf = await page.pdf({ format: "A4" });
    await page.close();
    expect(pdf.subarray(0, 5).toString() === "%PDF-" && pdf.length > 10_000, `PDF of ${pdf.length} bytes`);
  });
}

await browser.close();
fs.rmSync(scratch, { recursive: true, force: true });
checks.finish(argAfter("--junit"));
