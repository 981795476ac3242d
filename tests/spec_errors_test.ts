import "../builtins.ts";
import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { main } from "../src/cli/main.ts";
import { smallSpec, tempDir, writeSpec } from "./support/temp.ts";

/** Runs the CLI on a spec text and returns exit code and stderr. */
async function runCli(text: string | null, extraArgs: string[] = []) {
  const dir = tempDir();
  const file = text === null ? path.join(dir, "missing.yaml") : writeSpec(dir, text);
  const out = path.join(dir, "out");
  let stderr = "";
  let stdout = "";
  const code = await main([file, "--out", out, ...extraArgs], {
    stdout: (s) => (stdout += s),
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stderr, stdout, file, written: fs.existsSync(out) };
}

const cases: [string, string | null, RegExp][] = [
  ["invalid YAML syntax", "version: 1\nname: x\nparams: [1, 2\n", /spec\.yaml:\d+:\d+: invalid YAML/],
  [
    "unknown top-level field",
    smallSpec("colour: blue\n"),
    /spec\.yaml:13:1: unknown field "colour"; expected one of: version, name/,
  ],
  [
    "wrong type",
    smallSpec().replace("warmup: 1", "warmup: lots"),
    /spec\.yaml:12:11: bench\.warmup: expected a non-negative integer, found "lots"/,
  ],
  [
    "negative seq_len",
    smallSpec("", "params:\n  seq_len: [4, -8]\n  d: 4\n"),
    /spec\.yaml:5:16: params\.seq_len\[1\]: expected a positive integer for seq_len, found -8/,
  ],
  [
    "zero seq_len",
    smallSpec("", "params:\n  seq_len: 0\n  d: 4\n"),
    /spec\.yaml:5:12: params\.seq_len: expected a positive integer for seq_len, found 0/,
  ],
  [
    "empty grid axis",
    smallSpec("", "params:\n  seq_len: []\n  d: 4\n"),
    /spec\.yaml:5:12: params\.seq_len: expected at least one value in a grid axis/,
  ],
  [
    "grid emptied by exclude",
    smallSpec("exclude:\n  - { d: 4 }\n"),
    /spec\.yaml:14:3: exclude removes every grid point/,
  ],
  [
    "unknown kernel",
    smallSpec().replace("kernel: softmax", "kernel: sofmax"),
    /spec\.yaml:3:9: unknown kernel "sofmax" \(did you mean "softmax"\?\); expected a built-in kernel \(softmax.*or an installed package \(no installed package "sofmax"; searched .*node_modules/,
  ],
  [
    "unknown plugin",
    smallSpec("plugins:\n  - laytency\n"),
    /spec\.yaml:14:5: unknown plugin "laytency" \(did you mean "latency"\?\); expected a built-in plugin \(latency/,
  ],
  [
    "plugin path that does not exist",
    smallSpec("plugins:\n  - ./nowhere/p.ts: { every: 2 }\n"),
    /spec\.yaml:14:5: plugin path "\.\/nowhere\/p\.ts" does not exist/,
  ],
  [
    "YAML alias bomb",
    `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`,
    /spec\.yaml:2:\d+: YAML aliases expand too far/,
  ],
  ["missing spec file", null, /missing\.yaml: cannot read spec: no such file/],
  [
    "unknown parameter",
    smallSpec("", "params:\n  seq_len: 4\n  d: 4\n  heads: 2\n"),
    /spec\.yaml:7:3: "heads" is not a parameter of softmax; expected one of: seq_len, d, causal/,
  ],
  [
    "unsupported version",
    smallSpec().replace("version: 1", "version: 2"),
    /spec\.yaml:1:10: version: expected version 1, found 2/,
  ],
  [
    "missing kernel",
    smallSpec().replace("kernel: softmax\n", ""),
    /spec\.yaml:1:1: kernel: expected .*found nothing \(the field is missing\)/,
  ],
  [
    "exclude naming a parameter not in params",
    smallSpec("exclude:\n  - { heads: 4 }\n"),
    /spec\.yaml:14:7: exclude\[0\] names "heads", which is not in params/,
  ],
  [
    "min_samples above max_samples",
    smallSpec().replace("min_samples: 3", "min_samples: 50"),
    /bench: expected min_samples ≤ max_samples/,
  ],
  [
    "unknown input generator",
    smallSpec("inputs:\n  generator: gauss\n"),
    /spec\.yaml:14:14: unknown input generator "gauss"; expected one of: normal, lcg/,
  ],
  [
    "bad plugin option",
    smallSpec("plugins:\n  - latency: { samples: maybe }\n"),
    /spec\.yaml:14:\d+: plugins\[0\]\.latency\.samples: expected true or false, found "maybe"/,
  ],
];

describe("each spec mistake gets one located line, exit code 2 and no output", () => {
  for (const [name, text, pattern] of cases) {
    test(name, async () => {
      const result = await runCli(text);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(pattern);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).not.toContain("    at ");
      expect(result.written).toBe(false);
    });
  }
});

describe("command-line mistakes", () => {
  test("an unknown option is a usage error with exit code 2", async () => {
    const result = await runCli(smallSpec(), ["--colour"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: .*--colour.*see --help/);
  });
  test("a malformed --filter is rejected before anything runs", async () => {
    const result = await runCli(smallSpec(), ["--filter", "seq_len>>4"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--filter "seq_len>>4"/);
    expect(result.written).toBe(false);
  });
  test("a --filter that matches nothing is an error", async () => {
    const result = await runCli(smallSpec(), ["--filter", "seq_len=999"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/matches none of the 2 cases/);
  });
});
