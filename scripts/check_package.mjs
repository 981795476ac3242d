// Checks the npm package the way a user gets it: `npm pack`, then in an empty folder
// `npm install` of the tarball and of the example plugin's own tarball, and then
//   - the tarball holds the built JavaScript, its types and the .wasm kernels, and no tests;
//   - `attnbench --version` through the installed bin;
//   - a spec (latency, power with the mock source in its sampler worker, and the example plugin
//     by package name) run by the bin under Node and by Bun, with the same config hashes as the
//     repository's own cli.ts under Deno;
//   - a webgpu spec run by the bin under Node, Bun and Deno, each through its own WebGPU (the
//     optional packages `webgpu` and `bun-webgpu`, Deno's navigator.gpu);
//   - a TypeScript file importing `defineProfiler` from "attnbench" type-checks with
//     `tsc --strict --module nodenext`.
// Prints one line per check, writes them as JUnit XML (for .ci/run's count) to the path given with
// --junit, and exits 1 if any failed.
//
//   node scripts/check_package.mjs [--junit .tmp/junit/package.xml]
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Checks, expect } from "./checks.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const junitAt = process.argv.indexOf("--junit");
const junit = junitAt > 0 ? process.argv[junitAt + 1] : undefined;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "attnbench-package-"));
const checks = new Checks("package");
const check = (name, body) => checks.check(name, body);

function run(command, args, cwd) {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function hashes(dir) {
  const [header, ...rows] = fs.readFileSync(path.join(dir, "results.csv"), "utf8").trim().split("\n");
  const at = header.split(",").indexOf("config_hash");
  return rows.map((row) => row.split(",")[at]);
}

const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;
const packs = path.join(scratch, "packs");
fs.mkdirSync(packs);
let tarball;
let example;
await check("npm pack builds the package", () => {
  run("npm", ["pack", "--silent", "--pack-destination", packs], root);
  tarball = path.join(packs, `attnbench-${version}.tgz`);
  expect(fs.existsSync(tarball), `no ${tarball}`);
  run(
    "npm",
    ["pack", "--silent", "--pack-destination", packs],
    path.join(root, "examples", "attnbench-plugin-throughput"),
  );
  example = fs.readdirSync(packs).map((f) => path.join(packs, f)).find((f) =>
    f.includes("plugin-throughput")
  );
  expect(example, "the example plugin did not pack");
});

await check("the tarball holds dist/ with types and the .wasm kernels, and no tests", () => {
  const files = run("tar", ["-tzf", tarball]).trim().split("\n");
  for (
    const needed of [
      "cli.js",
      "worker.js",
      "witness_worker.js",
      "mod.js",
      "mod.d.ts",
      "plugin_kit.js",
      "plugin_kit.d.ts",
      "testing.js",
      "testing.d.ts",
      "kernels/wasm/build/attention.wasm",
    ]
  ) {
    expect(files.includes(`package/dist/${needed}`), `package/dist/${needed} is missing`);
  }
  const tests = files.filter((f) => f.startsWith("package/tests/") || /_test\.(ts|js)$/.test(f));
  expect(tests.length === 0, `tests packed: ${tests.slice(0, 3).join(", ")}`);
  expect(!files.some((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")), "TypeScript sources packed");
});

const consumer = path.join(scratch, "consumer");
fs.mkdirSync(consumer);
fs.writeFileSync(
  path.join(consumer, "package.json"),
  JSON.stringify({ name: "consumer", private: true, type: "module" }),
);
await check(
  "npm install of the tarball, the example plugin's tarball (and @types/node, for Deno), in an empty folder",
  () => {
    // @types/node: Deno type-checks `node:` imports (a plugin test's node:test) against it.
    run("npm", ["install", "--no-audit", "--no-fund", tarball, example, "@types/node@24.10.1"], consumer);
  },
);

await check(
  "the example plugin alone installs with plain npm install (attnbench is an optional peer)",
  () => {
    const alone = path.join(scratch, "alone");
    fs.mkdirSync(alone);
    fs.writeFileSync(path.join(alone, "package.json"), JSON.stringify({ name: "alone", private: true }));
    run("npm", ["install", "--no-audit", "--no-fund", example], alone);
    expect(
      fs.existsSync(path.join(alone, "node_modules", "attnbench-plugin-throughput", "package.json")),
      "not installed",
    );
  },
);

await check("npx attnbench --version", () => {
  const out = run("npx", ["--no-install", "attnbench", "--version"], consumer).trim();
  expect(out === `attnbench ${version}`, `printed ${JSON.stringify(out)}`);
});

const spec = path.join(consumer, "spec.yaml");
fs.writeFileSync(
  spec,
  `version: 1
name: package-check
kernel: softmax
params:
  seq_len: [8, 16]
  d: 4
bench: { min_samples: 3, max_samples: 20, min_time_ms: 1, max_time_ms: 200, warmup: 1 }
plugins:
  - latency
  - power: { source: mock }
  - attnbench-plugin-throughput: { percentile: 95 }
`,
);
const out = (name) => path.join(consumer, `out-${name}`);
/** The installed package's CLI under each runtime: [runtime, command, arguments before the spec]. */
const installedClis = [
  ["Node", "npx", ["--no-install", "attnbench"]],
  ["Bun", bin("bun"), [path.join(consumer, "node_modules", "attnbench", "dist", "cli.js")]],
  ["Deno", bin("deno"), ["run", "-A", path.join(consumer, "node_modules", "attnbench", "dist", "cli.js")]],
];
await check("the repository's cli.ts runs the spec under Deno (the reference hashes)", () => {
  run(bin("deno"), ["run", "-A", path.join(root, "cli.ts"), spec, "--out", out("deno"), "-q"], consumer);
});
for (const [runtime, command, args] of installedClis) {
  await check(
    `the installed attnbench runs the spec under ${runtime}: same config hashes, plugin columns filled`,
    () => {
      const dir = out(`${runtime.toLowerCase()}-package`);
      run(command, [...args, spec, "--out", dir, "-q"], consumer);
      const reference = hashes(out("deno"));
      expect(reference.length === 2, `Deno's results.csv has ${reference.length} rows`);
      expect(JSON.stringify(hashes(dir)) === JSON.stringify(reference), `${hashes(dir)} ≠ ${reference}`);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
      expect(
        manifest.environment.runtime === runtime.toLowerCase(),
        `runtime ${manifest.environment.runtime}`,
      );
      for (const plugin of manifest.plugins) {
        expect(plugin.status === "active", `${plugin.name}: ${plugin.status} ${plugin.reason ?? ""}`);
      }
      for (const c of manifest.cases) {
        expect(c.status === "ok", `case ${c.config_hash.slice(0, 8)}: ${c.error}`);
        expect(c.metrics.power.source === "mock", "no power figures from the sampler worker");
        expect(c.metrics.throughput.tokens_per_s > 0, "no throughput figures");
      }
    },
  );
}

const webgpuSpec = path.join(consumer, "webgpu.yaml");
fs.writeFileSync(
  webgpuSpec,
  `version: 1
name: package-webgpu
kernel: [softmax, flash, multihead]
params: { backend: webgpu, seq_len: 33, d: 8, tile: 16, heads: 2, kv_heads: 1, head_dim: 4 }
bench: { min_samples: 3, max_samples: 10, min_time_ms: 1, max_time_ms: 200, warmup: 1 }
plugins: [latency]
`,
);
// With ATTNBENCH_REQUIRE_WEBGPU=1 (.ci/run, after installing lavapipe) every case must run on the
// adapter; elsewhere a case may instead be skipped with its reason, and the run still exits 0.
const gpuRequired = process.env.ATTNBENCH_REQUIRE_WEBGPU === "1";
for (const [runtime, command, args] of installedClis) {
  await check(
    `the installed attnbench runs backend webgpu under ${runtime} (its optional WebGPU package): ` +
      (gpuRequired ? "every case on the adapter" : "each case on an adapter or skipped with its reason"),
    () => {
      const dir = out(`${runtime.toLowerCase()}-webgpu`);
      run(command, [...args, webgpuSpec, "--out", dir, "-q", "--no-report"], consumer);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
      for (const c of manifest.cases) {
        const allowed = gpuRequired ? ["ok"] : ["ok", "skipped"];
        expect(allowed.includes(c.status), `${c.kernel.name}: ${c.status} ${c.error ?? ""}`);
        if (c.status === "ok") expect(c.device?.api === "webgpu", `${c.kernel.name}: no device recorded`);
        else expect(/WebGPU/.test(c.error ?? ""), `${c.kernel.name}: skipped without a reason`);
      }
    },
  );
}

await check(
  "the installed attnbench wrote report.html after each run, and report --figures works under Node, Bun and Deno",
  () => {
    for (
      const [runtime, command, args] of [
        ["node", "npx", ["--no-install", "attnbench"]],
        ["bun", bin("bun"), [path.join(consumer, "node_modules", "attnbench", "dist", "cli.js")]],
        ["deno", bin("deno"), [
          "run",
          "-A",
          path.join(consumer, "node_modules", "attnbench", "dist", "cli.js"),
        ]],
      ]
    ) {
      const dir = out(`${runtime}-package`);
      const page = fs.readFileSync(path.join(dir, "report.html"), "utf8");
      expect(/<section class="plot" id="latency"/.test(page), `${runtime}: no latency plot in report.html`);
      fs.rmSync(path.join(dir, "figures"), { recursive: true, force: true });
      run(command, [...args, "report", dir, "--figures"], consumer);
      const png = fs.readFileSync(path.join(dir, "figures", "latency.png"));
      expect(png.subarray(1, 4).toString() === "PNG", `${runtime}: figures/latency.png is not a PNG`);
      expect(
        !fs.readFileSync(path.join(dir, "figures", "latency.svg"), "utf8").includes("<text"),
        "text left in SVG",
      );
    }
  },
);

await check("under Node, a plugin that does not parse is reported with file:line:column (exit 2)", () => {
  fs.writeFileSync(
    path.join(consumer, "broken.js"),
    'export default {\n  name: "broken",\n  create: () => ({ stop: () => ({}) ),\n};\n',
  );
  const text = fs.readFileSync(spec, "utf8").replace(/plugins:[\s\S]*$/, "plugins: [./broken.js]\n");
  fs.writeFileSync(path.join(consumer, "broken.yaml"), text);
  let stderr = "";
  try {
    run("npx", ["--no-install", "attnbench", "validate", "broken.yaml"], consumer);
  } catch (error) {
    expect(error.status === 2, `exit ${error.status}`);
    stderr = String(error.stderr);
  }
  expect(/broken\.js:3:37: SyntaxError: Unexpected token/.test(stderr), `stderr: ${stderr}`);
});

await check(
  "a plugin's test written with node:test and attnbench/testing passes under node --test, bun test and deno test",
  () => {
    fs.writeFileSync(
      path.join(consumer, "calls_plugin.js"),
      `export default {
  name: "calls",
  apiVersion: 1,
  metrics: { total: { type: "integer", description: "calls in the timed loop" } },
  create: () => ({ stop: (_ctx, m) => ({ total: m.total_calls }) }),
};
`,
    );
    fs.writeFileSync(
      path.join(consumer, "calls_plugin.test.js"),
      `import { test } from "node:test";
import assert from "node:assert/strict";
import { checkProfiler } from "attnbench/testing";
import calls from "./calls_plugin.js";

test("the calls plugin keeps the profiler contract", async () => {
  const report = await checkProfiler(calls);
  assert.deepEqual(report.problems, []);
});
`,
    );
    run(process.execPath, ["--test", "calls_plugin.test.js"], consumer);
    run(bin("bun"), ["test", "./calls_plugin.test.js"], consumer);
    run(bin("deno"), ["test", "-A", "calls_plugin.test.js"], consumer);
  },
);

await check(
  "a TypeScript file importing defineProfiler from attnbench type-checks (tsc --strict --module nodenext)",
  () => {
    fs.writeFileSync(
      path.join(consumer, "calls.ts"),
      `import { defineProfiler, type Measurement } from "attnbench";
export default defineProfiler({
  name: "calls",
  apiVersion: 1,
  metrics: { total: { type: "integer", description: "calls" } },
  create: () => ({ stop: (_ctx, m: Measurement) => ({ total: m.total_calls }) }),
});
`,
    );
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    run(process.execPath, [
      tsc,
      "--strict",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--noEmit",
      "calls.ts",
    ], consumer);
  },
);

fs.rmSync(scratch, { recursive: true, force: true });
checks.finish(junit);
