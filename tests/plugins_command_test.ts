import "../builtins.ts";
import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import { main } from "../src/cli/main.ts";
import { builtinProfilers } from "../plugins/mod.ts";
import { builtinPowerSources } from "../plugins/power/sources/mod.ts";

async function cli(args: string[]) {
  let stdout = "";
  const code = await main(args, { stdout: (s) => (stdout += s + "\n"), stderr: { write: () => true } });
  return { code, stdout };
}

describe("attnbench plugins", () => {
  test("lists every built-in profiler and power source, with options and availability here", async () => {
    const { code, stdout } = await cli(["plugins"]);
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    const entry = (name: string) =>
      lines.find((l) => new RegExp(`^  ${name}\\s{2,}(available|unavailable: )`).test(l));
    for (const name of [...Object.keys(builtinProfilers), ...Object.keys(builtinPowerSources)]) {
      expect({ name, line: entry(name) !== undefined }).toEqual({ name, line: true });
    }
    expect(entry("latency")).toMatch(/^ {2}latency\s+available$/);
    expect(entry("mock")).toMatch(/^ {2}mock\s+available$/);
    expect(stdout).toContain("options: samples (boolean, default true)");
    expect(stdout).toContain("options: gc (boolean, default true), allocation_calls (number, default 0)");
    expect(stdout).toContain(
      'source (string, default "rapl"), fallback (string), source_options (object), interval_ms (number, default 10)',
    );
    expect(stdout).toContain(
      'options (under power:): rapl.root (string, default "/sys/class/powercap"), rapl.domains (array, default ["package"])',
    );
    expect(stdout).toContain("options (under power:): watts (number, default 75), trace (array)");
    if (!fs.existsSync("/sys/class/powercap")) {
      expect(entry("rapl")).toMatch(
        /^ {2}rapl\s+unavailable: no RAPL zones under \/sys\/class\/powercap .*the directory does not exist/,
      );
      expect(entry("power")).toMatch(/^ {2}power\s+unavailable: rapl unavailable: no RAPL zones under/);
    }
  });

  test("--help mentions it", async () => {
    expect((await cli(["--help"])).stdout).toContain("attnbench plugins ");
  });
});
