/**
 * Misspelt definitions fail where they load, named, with the key they most likely meant: a
 * kernel's or plugin's definition at validate time (exit 2, located), a plugin's hooks when it is
 * created (the run reports it and exits 1), a power source's keys when it is opened.
 */
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import * as v from "valibot";
import { powerOptions } from "../plugins/power/options.ts";
import { resolveSource } from "../plugins/power/sources/mod.ts";
import { PowerSampler } from "../plugins/power/sampler.ts";
import { readManifest } from "../src/output/run_folder.ts";
import { cliCommand, runMain } from "./support/cli_process.ts";
import { ROOT, smallSpec, tempDir, writeSpec } from "./support/temp.ts";

const fixtures = path.join(ROOT, "tests", "fixtures");

describe("definitions are checked where they load", () => {
  test("a kernel definition with a stray key is refused at validate, located, with the key it meant", async () => {
    const dir = tempDir();
    const kernel = path.join(fixtures, "kernels", "typo_kernel.ts");
    const spec = writeSpec(dir, smallSpec().replace("kernel: softmax", `kernel: ${kernel}`));
    const { code, stderr } = await runMain(["validate", spec]);
    expect(code).toBe(2);
    expect(stderr.trim()).toMatch(
      /^error: .*spec\.yaml:3:\d+: ".*typo_kernel\.ts" is not a kernel: unknown key "flop" \(did you mean "flops"\?\); expected only name, version/,
    );
  });

  test("a plugin definition with a stray key is refused at validate: detcet → detect", async () => {
    const dir = tempDir();
    const plugin = path.join(fixtures, "plugins", "typo_definition.ts");
    const { code, stderr } = await runMain(["validate", writeSpec(dir, smallSpec(`plugins: [${plugin}]\n`))]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /spec\.yaml:\d+:\d+: plugin ".*typo_definition\.ts" has unknown key "detcet" \(did you mean "detect"\?\)/,
    );
  });

  for (
    const [fixture, hook, meant] of [["typo_hook.ts", "stpo", "stop"], [
      "typo_teardown.ts",
      "teardwon",
      "teardown",
    ]]
  ) {
    test(`a plugin whose create returns "${hook}" fails at setup, named, and the run exits 1`, async () => {
      const dir = tempDir();
      const plugin = path.join(fixtures, "plugins", fixture);
      const out = path.join(dir, "out");
      const { code, stderr } = await runMain([
        writeSpec(dir, smallSpec(`plugins: [latency, ${plugin}]\n`)),
        "--out",
        out,
      ]);
      expect(code).toBe(1);
      const message = new RegExp(
        `create failed: returned unknown hook "${hook}" \\(did you mean "${meant}"\\?\\)`,
      );
      expect(stderr).toMatch(message);
      const manifest = readManifest(out);
      const status = manifest.plugins.find((p) => p.name !== "latency")!;
      expect(status.status).toBe("failed");
      expect(status.reason).toMatch(message);
    }, 60_000);
  }

  test("a power source with a stray key fails to open, naming it: readWats → readWatts", async () => {
    const ref = resolveSource(path.join(fixtures, "power", "typo_meter.ts"), ROOT);
    await expect(PowerSampler.open(ref, v.parse(powerOptions, {}))).rejects.toThrow(
      /power source ".*typo_meter\.ts" has unknown key "readWats" \(did you mean "readWatts"\?\)/,
    );
  });
});

describe("a module that does not parse", () => {
  test("is reported with file:line:column on this runtime, at validate (exit 2)", async () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, "broken.ts"),
      'export default {\n  name: "broken",\n  apiVersion: 1,\n  create: () => ({ stop: () => ({}) ),\n};\n',
    );
    const { code, stderr } = await runMain([
      "validate",
      writeSpec(dir, smallSpec("plugins: [./broken.ts]\n")),
    ]);
    expect(code).toBe(2);
    expect(stderr.trim()).toMatch(
      /^error: .*spec\.yaml:\d+:\d+: cannot load plugin "\.\/broken\.ts": .*broken\.ts:4:37: .*(Expected|Unexpected)/,
    );
  });
});

describe("a plugin writes only its own tables", () => {
  test(
    "a table named after another plugin fails that plugin's case, named; the other's CSVs stay its own",
    async () => {
      const dir = tempDir();
      const echo = path.join(fixtures, "plugins", "echo.ts");
      const out = path.join(dir, "out");
      const spec = writeSpec(dir, smallSpec(`plugins:\n  - latency\n  - ${echo}: { table_name: latency }\n`));
      const { code } = await runMain([spec, "--out", out, "-q"]);
      expect(code).toBe(1);
      for (const c of readManifest(out).cases) {
        expect(c.status).toBe("failed");
        expect(c.error).toMatch(
          /\[profiler echo\] tables returned a table named "latency"; expected "echo" or a name starting with "echo-"/,
        );
      }
    },
    60_000,
  );
});

describe("where a plugin package is looked up", () => {
  test(
    "beside the spec, above the working directory, then where attnbench is installed; a miss lists every folder",
    () => {
      // The spec and the working directory are outside the repository: only attnbench's own
      // node_modules holds "valibot", so finding it (it is no profiler) proves the last step.
      const dir = tempDir();
      const [command, args] = cliCommand([
        "validate",
        writeSpec(dir, smallSpec("plugins: [valibot, no-such-plugin-xyz]\n")),
      ]);
      const first = spawnSync(command, args, { cwd: dir, encoding: "utf8" });
      expect(first.status).toBe(2);
      expect(first.stderr).toMatch(/plugin "valibot" does not export a profiler/);
      const second = spawnSync(command, [
        ...args.slice(0, -1),
        writeSpec(dir, smallSpec("plugins: [no-such-plugin-xyz]\n"), "b.yaml"),
      ], {
        cwd: dir,
        encoding: "utf8",
      });
      expect(second.status).toBe(2);
      const searched = /searched (.*)\)/.exec(second.stderr)?.[1].split(", ") ?? [];
      expect(searched).toContain(path.join(dir, "node_modules"));
      expect(searched).toContain(path.join(ROOT, "node_modules"));
    },
    60_000,
  );
});
