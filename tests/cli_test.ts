import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { main } from "../src/cli/main.ts";
import { runtimeName } from "../src/runtime.ts";
import { ROOT, smallSpec, tempDir, writeSpec } from "./support/temp.ts";

async function cli(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { stdout: (s) => (stdout += s + "\n"), stderr: { write: (s: string) => (stderr += s) } });
  return { code, stdout, stderr };
}

/** Runs cli.ts in a child process of the runtime running this test. */
function spawnCli(args: string[]) {
  const prefix = runtimeName() === "deno" ? ["run", "-A"] : [];
  const result = spawnSync(process.execPath, [...prefix, path.join(ROOT, "cli.ts"), ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("cli", () => {
  test("--help lists the commands and examples", async () => {
    const { code, stdout } = await cli(["--help"]);
    expect(code).toBe(0);
    for (const word of ["validate", "schema", "--dry-run", "--out", "--filter", "deno run -A cli.ts specs/mincut.yaml", "bun cli.ts"]) {
      expect(stdout).toContain(word);
    }
  });

  test("schema prints a JSON Schema generated from the spec schema", async () => {
    const { code, stdout } = await cli(["schema"]);
    expect(code).toBe(0);
    const schema = JSON.parse(stdout);
    expect(schema.type).toBe("object");
    expect(schema.required).toEqual(["version", "name", "kernel", "params"]);
    expect(Object.keys(schema.properties)).toContain("plugins");
    expect(schema.additionalProperties).toBe(false);
  });

  test("validate says how many cases a valid spec has", async () => {
    const { code, stdout } = await cli(["validate", path.join(ROOT, "specs", "softmax-sweep.yaml")]);
    expect(code).toBe(0);
    expect(stdout).toContain("valid, 8 cases");
  });

  test("--dry-run lists cases and hashes, writes nothing", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out");
    const { code, stdout } = await cli([writeSpec(dir, smallSpec()), "--dry-run", "--out", out]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/0\s+kernel\s+softmax\s+seq_len=4 d=4 causal=false\s+[0-9a-f]{64}/);
    expect(stdout).toContain("2 cases");
    expect(fs.existsSync(out)).toBe(false);
  });

  test("a run as a child process: exit 0, summary on stdout, progress on stderr", () => {
    const dir = tempDir();
    const { code, stdout, stderr } = spawnCli([writeSpec(dir, smallSpec()), "--out", path.join(dir, "out")]);
    expect(code).toBe(0);
    expect(stdout).toContain("2 of 2 cases measured");
    expect(stderr).toMatch(/\[1\/2\] softmax seq_len=4 d=4 \[[0-9a-f]{8}\] ok median .* GFLOP\/s \(.*elapsed .*ETA/);
    expect(fs.existsSync(path.join(dir, "out", "results.csv"))).toBe(true);
  });

  test("a mistake as a child process: one line, exit code 2, no stack trace", () => {
    const dir = tempDir();
    const { code, stderr } = spawnCli([writeSpec(dir, smallSpec().replace("d: 4", "d: -1"))]);
    expect(code).toBe(2);
    expect(stderr.trim()).toMatch(/^error: .*spec\.yaml:6:6: params\.d: expected a positive integer for d, found -1$/);
  });
});
