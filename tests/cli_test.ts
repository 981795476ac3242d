import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { runCli, runMain } from "./support/cli_process.ts";
import { ROOT, smallSpec, tempDir, writeSpec } from "./support/temp.ts";

describe("cli", () => {
  test("--help lists the commands and examples", async () => {
    const { code, stdout } = await runMain(["--help"]);
    expect(code).toBe(0);
    for (
      const word of [
        "validate",
        "schema",
        "--dry-run",
        "--out",
        "--filter",
        "deno run -A cli.ts specs/mincut.yaml",
        "bun cli.ts",
      ]
    ) {
      expect(stdout).toContain(word);
    }
  });

  test("schema prints a JSON Schema generated from the spec schema", async () => {
    const { code, stdout } = await runMain(["schema"]);
    expect(code).toBe(0);
    const schema = JSON.parse(stdout);
    expect(schema.type).toBe("object");
    expect(schema.required).toEqual(["version", "name", "kernel", "params"]);
    expect(Object.keys(schema.properties)).toContain("plugins");
    expect(schema.additionalProperties).toBe(false);
  });

  test("validate says how many cases a valid spec has", async () => {
    const { code, stdout } = await runMain(["validate", path.join(ROOT, "specs", "softmax-sweep.yaml")]);
    expect(code).toBe(0);
    expect(stdout).toContain("valid, 8 cases");
  });

  test("--dry-run lists cases and hashes, numbered as progress numbers them, writes nothing", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out");
    const { code, stdout } = await runMain([writeSpec(dir, smallSpec()), "--dry-run", "--out", out]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^1\s+kernel\s+softmax\s+seq_len=4 d=4 causal=false\s+[0-9a-f]{64}$/m);
    expect(stdout).toMatch(/^2\s+kernel\s+softmax\s+seq_len=8 d=4 causal=false\s+[0-9a-f]{64}$/m);
    expect(stdout).toContain("2 cases");
    expect(fs.existsSync(out)).toBe(false);
  });

  test("a run as a child process: exit 0, summary on stdout, progress on stderr", async () => {
    const dir = tempDir();
    const { code, stdout, stderr } = await runCli([
      writeSpec(dir, smallSpec()),
      "--out",
      path.join(dir, "out"),
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain("2 of 2 cases measured");
    expect(stderr).toMatch(
      /\[1\/2\] softmax seq_len=4 d=4 \[[0-9a-f]{8}\] ok median .* \(IQR .*\), .* GFLOP\/s( \[[a-z_;]+\])? \(.*elapsed .*ETA/,
    );
    expect(fs.existsSync(path.join(dir, "out", "results.csv"))).toBe(true);
  });

  test("a mistake as a child process: one line, exit code 2, no stack trace", async () => {
    const dir = tempDir();
    const { code, stderr } = await runCli([writeSpec(dir, smallSpec().replace("d: 4", "d: -1"))]);
    expect(code).toBe(2);
    expect(stderr.trim()).toMatch(
      /^error: .*spec\.yaml:6:6: params\.d: expected a positive integer for d, found -1$/,
    );
  });
});

describe("cli on Deno without permissions", () => {
  const deno = path.join(ROOT, "node_modules", ".bin", "deno");

  test("a run without the permissions it needs: one line naming the missing flags, exit 2", () => {
    const dir = tempDir();
    const spec = writeSpec(dir, smallSpec());
    const none = spawnSync(deno, ["run", path.join(ROOT, "cli.ts"), spec, "--out", path.join(dir, "a")], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(none.status).toBe(2);
    expect(none.stderr).toBe(
      `error: Deno was not given the permissions attnbench run needs (missing: --allow-read --allow-write --allow-env --allow-sys --allow-run); run it as deno run -A cli.ts ${spec} --out ${
        path.join(dir, "a")
      }\n`,
    );
    const some = spawnSync(
      deno,
      [
        "run",
        "--allow-read",
        "--allow-env",
        "--allow-sys",
        path.join(ROOT, "cli.ts"),
        spec,
        "--out",
        path.join(dir, "b"),
      ],
      { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    expect(some.status).toBe(2);
    expect(some.stderr).toMatch(/\(missing: --allow-write --allow-run\)/);
    expect(fs.existsSync(path.join(dir, "a"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "b"))).toBe(false);
  });
});
