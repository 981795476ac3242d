import { describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { main } from "../src/cli/main.ts";
import { runtimeName } from "../src/runtime.ts";
import { ROOT, smallSpec, tempDir, writeSpec } from "./support/temp.ts";

async function cli(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: (s) => (stdout += s + "\n"),
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

const runtimeArgs = runtimeName() === "deno" ? ["run", "-A"] : [];

/** Runs cli.ts in a child process of the runtime running this test. */
function spawnCli(args: string[]) {
  const result = spawnSync(process.execPath, [...runtimeArgs, path.join(ROOT, "cli.ts"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("cli", () => {
  test("--help lists the commands and examples", async () => {
    const { code, stdout } = await cli(["--help"]);
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
    expect(stderr).toMatch(
      /\[1\/2\] softmax seq_len=4 d=4 \[[0-9a-f]{8}\] ok median .* GFLOP\/s \(.*elapsed .*ETA/,
    );
    expect(fs.existsSync(path.join(dir, "out", "results.csv"))).toBe(true);
  });

  test("Ctrl-C: the run stops after the current case, keeps what finished and exits 130", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out");
    const spec = writeSpec(
      dir,
      smallSpec("", "params:\n  seq_len: [8, 16, 32, 64]\n  d: 4\n").replace(
        "max_time_ms: 200",
        "max_time_ms: 400",
      )
        .replace("min_time_ms: 1", "min_time_ms: 300"),
    );
    const child = spawn(process.execPath, [...runtimeArgs, path.join(ROOT, "cli.ts"), spec, "--out", out], {
      cwd: ROOT,
    });
    let stderr = "";
    let interrupted = false;
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      if (interrupted || !/\[1\/4\] .* ok /.test(stderr)) return;
      interrupted = true;
      // Not child.kill(): Deno's child_process would then report the signal, not the exit code.
      process.kill(child.pid!, "SIGINT");
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(130);
    expect(stderr).toContain(
      "interrupt (SIGINT): stopping after the current case (Ctrl-C again to stop at once)",
    );
    const finished = Number(
      /error: interrupted after ([12]) of 4 cases; the finished ones are in /.exec(stderr)?.[1],
    );
    expect(stderr).not.toContain("    at ");
    const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
    expect(manifest.status).toBe("interrupted");
    expect(manifest.summary).toEqual({ total: 4, ok: finished, failed: 0, pending: 4 - finished });
    const rows = fs.readFileSync(path.join(out, "results.csv"), "utf8").trim().split("\n");
    expect(rows).toHaveLength(1 + finished);
  });

  test("a mistake as a child process: one line, exit code 2, no stack trace", () => {
    const dir = tempDir();
    const { code, stderr } = spawnCli([writeSpec(dir, smallSpec().replace("d: 4", "d: -1"))]);
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
