import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { runSpec } from "../mod.ts";
import {
  cliShellCommand,
  runCli,
  runCliInNamespace,
  runCliWithoutWriteAccess,
  runMain,
  startCli,
} from "./support/cli_process.ts";
import { SLOW_SPEC } from "./support/specs.ts";
import { smallSpec, tempDir, writeSpec } from "./support/temp.ts";
import { readManifest as readRunManifest } from "../src/output/run_folder.ts";

const RUN_ID = /^\d{8}T\d{6}Z-[0-9a-f]{8}(-\d+)?$/;

/** The run's manifest as readers see it: manifest.json with the case journal of an unfinished run. */
function manifestOf(dir: string) {
  return readRunManifest(dir) as ReturnType<typeof JSON.parse>;
}

describe("results folders", () => {
  test("without --out every run gets its own folder, and latest points at the newest", async () => {
    const dir = tempDir();
    const base = path.join(dir, "results");
    const spec = writeSpec(dir, smallSpec(`output:\n  dir: ${base}\n`));
    const first = await runSpec(spec);
    const second = await runSpec(spec);
    expect(path.dirname(first.outputDir)).toBe(base);
    expect(path.basename(first.outputDir)).toMatch(RUN_ID);
    expect(second.outputDir).not.toBe(first.outputDir);
    const runs = fs.readdirSync(base).filter((name) => name !== "latest").sort();
    expect(runs).toEqual([path.basename(first.outputDir), path.basename(second.outputDir)]);
    expect(fs.realpathSync(path.join(base, "latest"))).toBe(fs.realpathSync(second.outputDir));
    expect(manifestOf(first.outputDir).status).toBe("complete");

    // Readers take the spec's folder and follow latest.
    const verify = await runMain(["verify", base]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^files: PASS \(\d+ files match seal\.json, root [0-9a-f]{12}…\)$/m);
    const resume = await runMain([spec, "--resume"]);
    expect(resume.code).toBe(0);
    expect(resume.stderr).toContain(`nothing to resume in ${second.outputDir}: all 2 cases are ok`);
  });

  test("--out into a folder holding a run is refused; --force replaces the run's own files", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out");
    const spec = writeSpec(dir, smallSpec());
    const first = await runCli([spec, "--out", out, "--filter", "seq_len=4", "-q"]);
    expect(first.code).toBe(0);
    const oldFiles = manifestOf(out).cases[0].files;

    const refused = await runCli([spec, "--out", out, "--filter", "seq_len=8"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^error: .*out holds an earlier run \(complete: 1 of 1 cases ok, started .*\); use --resume to continue it or --force to replace it\n$/,
    );
    expect(manifestOf(out).cases[0].params.seq_len).toBe(4);

    const forced = await runCli([spec, "--out", out, "--filter", "seq_len=8", "--force", "-q"]);
    expect(forced.code).toBe(0);
    const manifest = manifestOf(out);
    expect(manifest.cases.map((c: { params: { seq_len: number } }) => c.params.seq_len)).toEqual([8]);
    expect(fs.existsSync(path.join(out, oldFiles[0]))).toBe(false);
    expect(fs.readdirSync(path.join(out, "latency"))).toEqual([`${manifest.cases[0].config_hash}.csv`]);

    fs.writeFileSync(path.join(out, "notes.txt"), "mine");
    const foreign = await runCli([spec, "--out", out, "--force"]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toMatch(
      /--force replaces only an earlier run's own files, but .* also holds notes\.txt/,
    );
    expect(fs.readFileSync(path.join(out, "notes.txt"), "utf8")).toBe("mine");
    expect(fs.existsSync(path.join(out, "manifest.json"))).toBe(true);
  }, 60_000);

  test("--out into a folder that is not empty, or is a file, is refused before anything is written", async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, smallSpec());
    const busy = path.join(dir, "busy");
    fs.mkdirSync(busy);
    fs.writeFileSync(path.join(busy, "thesis.tex"), "");
    const notEmpty = await runMain([spec, "--out", busy]);
    expect(notEmpty.code).toBe(2);
    expect(notEmpty.stderr).toBe(
      `error: ${busy} is not empty and holds no attnbench run (thesis.tex); choose a new or empty folder\n`,
    );
    const file = path.join(dir, "file");
    fs.writeFileSync(file, "");
    const isFile = await runMain([spec, "--out", file]);
    expect(isFile.code).toBe(2);
    expect(isFile.stderr).toBe(`error: --out ${file} is a file; expected a folder (missing or empty)\n`);
    const under = await runMain([spec, "--out", path.join(file, "out")]);
    expect(under.code).toBe(2);
    expect(under.stderr).toMatch(/is a file; choose another --out\n$/);
    expect(fs.readdirSync(busy)).toEqual(["thesis.tex"]);
  });

  test("two runs into one folder at once: the second is refused, the first completes whole", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out");
    const spec = writeSpec(dir, SLOW_SPEC);
    const first = startCli([spec, "--out", out]);
    await first.waitFor(/\[1\/4\] .* ok /);
    const second = await runCli([spec, "--out", out]);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(
      new RegExp(
        `^error: ${out} is in use by another attnbench run \\(pid ${first.pid} on .*, started .*\\); wait for it to finish or choose another --out\\n$`,
      ),
    );
    const resumeToo = await runCli([spec, "--out", out, "--resume"]);
    expect(resumeToo.code).toBe(2);
    const { code } = await first.done;
    expect(code).toBe(0);
    expect(manifestOf(out).summary).toEqual({ total: 4, ok: 4, failed: 0, skipped: 0, pending: 0 });
    expect(fs.existsSync(path.join(out, ".attnbench.lock"))).toBe(false);
  }, 60_000);

  test("a stale lock (its process is gone) is taken over with a warning", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out");
    fs.mkdirSync(out);
    const gone = spawnSync("true").pid!;
    const lock = { pid: gone, host: os.hostname(), started_at: "2026-01-01T00:00:00.000Z" };
    fs.writeFileSync(path.join(out, ".attnbench.lock"), JSON.stringify(lock));
    const { code, stderr } = await runMain([writeSpec(dir, smallSpec()), "--out", out]);
    expect(code).toBe(0);
    expect(stderr).toContain(
      `warning: took over the lock of ${out} left by pid ${gone} (started 2026-01-01T00:00:00.000Z), which is no longer running`,
    );
    expect(fs.existsSync(path.join(out, ".attnbench.lock"))).toBe(false);
  });

  test("a read-only output folder: one line, exit 2, nothing written", () => {
    const dir = tempDir();
    const ro = path.join(dir, "ro");
    fs.mkdirSync(ro);
    const spec = writeSpec(dir, smallSpec());
    const { code, stdout, stderr } = runCliInNamespace(
      `mount --bind ${ro} ${ro} && mount -o remount,bind,ro ${ro}`,
      [spec, "--out", path.join(ro, "out")],
    );
    expect(stdout).toBe("");
    expect(stderr).toBe(
      `error: cannot write to ${path.join(ro, "out")}: the file system is read-only; choose another --out\n`,
    );
    expect(code).toBe(2);
    expect(fs.readdirSync(ro)).toEqual([]);
  });

  test("an output folder without write permission: one line, exit 2, nothing written", () => {
    const dir = tempDir();
    const locked = path.join(dir, "locked");
    fs.mkdirSync(locked);
    const spec = writeSpec(dir, smallSpec());
    fs.chmodSync(spec, 0o644);
    const { code, stdout, stderr } = runCliWithoutWriteAccess(locked, [dir], [
      spec,
      "--out",
      path.join(locked, "out"),
    ]);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      `error: cannot write to ${
        path.join(locked, "out")
      }: permission denied; make it writable or choose another --out\n`,
    );
    expect(code).toBe(2);
    expect(fs.readdirSync(locked)).toEqual([]);
  });

  test("a disk already full: exit 2, no new run folder, latest still points at the last run", () => {
    const dir = tempDir();
    const base = path.join(dir, "results");
    fs.mkdirSync(base);
    const spec = writeSpec(dir, smallSpec(`output:\n  dir: ${base}\n`));
    const { code, stderr } = runCliInNamespace(
      `mount -t tmpfs -o size=128k tmpfs ${base} && ${
        cliShellCommand([spec, "-q", "--no-report"])
      } >/dev/null &&
       { cat /dev/zero > ${base}/filler 2>/dev/null; true; }`,
      [spec, "-q"],
      `ls ${base} > ${dir}/listing.txt; readlink ${base}/latest > ${dir}/latest.txt`,
    );
    expect(stderr).toMatch(
      /^error: cannot write to .*: no space left on the device; free some space or choose another --out\n$/,
    );
    expect(code).toBe(2);
    const listing = fs.readFileSync(path.join(dir, "listing.txt"), "utf8").trim().split("\n");
    const runs = listing.filter((name) => RUN_ID.test(name));
    expect(runs).toHaveLength(1);
    expect(listing.sort()).toEqual(["filler", "latest", runs[0]].sort());
    expect(fs.readFileSync(path.join(dir, "latest.txt"), "utf8").trim()).toBe(runs[0]);
  }, 60_000);

  test("a disk that fills mid-run: one line, exit 1, results.csv and the manifest agree", () => {
    const dir = tempDir();
    const full = path.join(dir, "full");
    const copy = path.join(dir, "copy");
    fs.mkdirSync(full);
    const lengths = Array.from({ length: 16 }, (_, i) => 4 * (i + 1)).join(", ");
    const spec = writeSpec(dir, smallSpec("", `params:\n  seq_len: [${lengths}]\n  d: 4\n`));
    const { code, stderr } = runCliInNamespace(
      `mount -t tmpfs -o size=48k tmpfs ${full}`,
      [spec, "--out", path.join(full, "out"), "-q"],
      `cp -r ${full}/out ${copy}`,
    );
    expect(stderr).toBe(
      `error: cannot write to ${
        path.join(full, "out")
      }: no space left on the device; free some space and finish the run with --resume\n`,
    );
    expect(code).toBe(1);
    const manifest = manifestOf(copy);
    const rows = parse(fs.readFileSync(path.join(copy, "results.csv"), "utf8"), { columns: true }) as {
      config_hash: string;
    }[];
    expect(manifest.summary.ok).toBeGreaterThan(0);
    expect(manifest.summary.ok).toBeLessThan(16);
    expect(rows.map((r) => r.config_hash)).toEqual(
      manifest.cases.filter((c: { status: string }) => c.status === "ok").map((c: { config_hash: string }) =>
        c.config_hash
      ),
    );
  }, 60_000);
});

describe("output.dir", () => {
  test("an empty or root output.dir is a located spec error", async () => {
    const dir = tempDir();
    const empty = await runMain(["validate", writeSpec(dir, smallSpec('output:\n  dir: ""\n'))]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(
      /spec\.yaml:14:8: output\.dir: expected a folder path, such as results\/my-study, found ""\n$/,
    );
    const root = await runMain(["validate", writeSpec(dir, smallSpec("output:\n  dir: /\n"), "root.yaml")]);
    expect(root.code).toBe(2);
    expect(root.stderr).toMatch(
      /root\.yaml:14:8: output\.dir: expected a folder other than the root, found "\/"\n$/,
    );
  });

  test("an output.dir outside both the working directory and the spec's folder is warned about", async () => {
    const dir = tempDir();
    const elsewhere = path.join(tempDir(), "results");
    const { code, stderr } = await runMain([
      "validate",
      writeSpec(dir, smallSpec(`output:\n  dir: ${elsewhere}\n`)),
    ]);
    expect(code).toBe(0);
    expect(stderr).toMatch(
      new RegExp(
        `warning: .*spec\\.yaml:14:8: output\\.dir resolves to ${elsewhere}, outside both the working directory`,
      ),
    );
  });
});
