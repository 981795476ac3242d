/**
 * Runs `cli.ts` as a child process of the runtime running the tests (Deno with `-A`, or Bun), the
 * way a user does, for tests of exit codes, signals and what is printed.
 *
 * @example
 * ```ts
 * import { runCli, startCli } from "./cli_process.ts";
 * const { code, stderr } = await runCli([spec, "--out", out]);
 * const run = startCli([spec, "--out", out]);
 * await run.waitFor(/\[1\/3\] .* ok /);
 * process.kill(run.pid, "SIGINT");
 * const { code } = await run.done;
 * ```
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import "../../builtins.ts";
import { main } from "../../src/cli/main.ts";
import { runtimeName } from "../../src/runtime.ts";
import { ROOT } from "./temp.ts";

/** The arguments before `cli.ts` for this runtime. */
export const RUNTIME_ARGS: string[] = runtimeName() === "deno" ? ["run", "-A"] : [];

/** The command line that runs cli.ts with `args`. */
export function cliCommand(args: string[]): [string, string[]] {
  return [process.execPath, [...RUNTIME_ARGS, path.join(ROOT, "cli.ts"), ...args]];
}

/**
 * The command line that runs cli.ts with `args`, quoted for `sh`.
 *
 * @example
 * ```ts
 * cliShellCommand(["validate", "a b.yaml"]); // "'/…/deno' 'run' '-A' '/…/cli.ts' 'validate' 'a b.yaml'"
 * ```
 */
export function cliShellCommand(args: string[]): string {
  const [command, argv] = cliCommand(args);
  return [command, ...argv].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
}

/** How a CLI process ended. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A CLI process still running. */
export interface RunningCli {
  pid: number;
  /** Resolves when stderr so far matches `pattern` (rejects after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<CliResult>;
}

/**
 * Starts cli.ts with `args` in the repository root, with `env` added to this process's environment.
 *
 * @example
 * ```ts
 * const run = startCli(["specs/x.yaml"]);
 * const hidden = startCli(["specs/webgpu.yaml"], { DENO_WEBGPU_BACKEND: "metal" });
 * ```
 */
export function startCli(args: string[], env: Record<string, string> = {}): RunningCli {
  const [command, argv] = cliCommand(args);
  const child = spawn(command, argv, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let stdout = "";
  let stderr = "";
  const waiters: { pattern: RegExp; resolve(): void }[] = [];
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
    for (const w of waiters.splice(0)) {
      if (w.pattern.test(stderr)) w.resolve();
      else waiters.push(w);
    }
  });
  const done = new Promise<CliResult>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  );
  return {
    pid: child.pid!,
    done,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(stderr)) return resolve();
        const timer = setTimeout(
          () =>
            reject(new Error(`no ${pattern} on stderr within ${timeoutMs} ms; stderr so far:\n${stderr}`)),
          timeoutMs,
        );
        waiters.push({ pattern, resolve: () => (clearTimeout(timer), resolve()) });
        void done.then(() => reject(new Error(`exited before ${pattern} appeared; stderr:\n${stderr}`)));
      }),
  };
}

/**
 * Runs cli.ts with `args` to the end.
 *
 * @example
 * ```ts
 * const { code } = await runCli(["validate", "specs/softmax-sweep.yaml"]);
 * const { stdout } = await runCli(["specs/webgpu.yaml"], { VK_ICD_FILENAMES: "/none.json" });
 * ```
 */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

/**
 * Runs cli.ts under `unshare -rm` (a user and mount namespace, so no root is needed) after a
 * shell `setup` that mounts something, e.g. a read-only bind mount or a small tmpfs; `after` runs
 * in the same namespace once the CLI has exited (to copy out what it wrote), and the CLI's exit
 * code is returned.
 *
 * @example
 * ```ts
 * runCliInNamespace(`mount -t tmpfs -o size=64k tmpfs ${dir}`, [spec, "--out", dir], `cp -r ${dir} ${copy}`);
 * ```
 */
export function runCliInNamespace(setup: string, args: string[], after = "true"): CliResult {
  const script = `${setup} || exit 99; ${cliShellCommand(args)}; code=$?; ${after}; exit $code`;
  const result = spawnSync("unshare", [...namespaceFlags(), "sh", "-c", script], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (result.status === 99) throw new Error(`could not set up the mount for this test: ${result.stderr}`);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `-rm` (user + mount namespace, no privilege needed), or `-m` for root where user namespaces are off. */
function namespaceFlags(): string[] {
  for (const flags of [["-rm"], ["-m"]]) {
    if (spawnSync("unshare", [...flags, "true"]).status === 0) return flags;
  }
  throw new Error(
    "this test needs a mount namespace: `unshare -rm true` (util-linux, user namespaces enabled) or `unshare -m true` as root",
  );
}

/**
 * Pids of live processes whose command line contains `needle` (Linux /proc).
 *
 * @example
 * ```ts
 * processesWith("/tmp/attnbench-test-x/out"); // [] once the run and its workers are gone
 * ```
 */
export function processesWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      const state = /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${entry}/status`, "utf8"))?.[1];
      if (cmdline.includes(needle) && state !== "Z") pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * Runs cli.ts where `dir` is not writable to it: as root (who writes anywhere) as the user
 * `nobody` through `setpriv`, with `dir` and `readable` left root-owned but world-readable;
 * otherwise with `dir` made read-only for its owner.
 *
 * @example
 * ```ts
 * runCliWithoutWriteAccess(dir, [specDir], [spec, "--out", path.join(dir, "out")]);
 * ```
 */
export function runCliWithoutWriteAccess(dir: string, readable: string[], args: string[]): CliResult {
  const [command, argv] = cliCommand(args);
  if (process.getuid?.() !== 0) {
    fs.chmodSync(dir, 0o555);
    const result = spawnSync(command, argv, { cwd: ROOT, encoding: "utf8" });
    fs.chmodSync(dir, 0o755);
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }
  for (const folder of [dir, ...readable]) fs.chmodSync(folder, 0o755);
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), "attnbench-nobody-"));
  fs.chmodSync(cache, 0o777);
  const env = { ...process.env, HOME: cache, DENO_DIR: cache, BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" };
  const result = spawnSync(
    "setpriv",
    ["--reuid=65534", "--regid=65534", "--clear-groups", command, ...argv],
    { cwd: ROOT, encoding: "utf8", env },
  );
  if (result.error) {
    throw new Error(`setpriv (util-linux) is needed for this test as root: ${result.error.message}`);
  }
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs the CLI's `main()` in this process (fast; no signals, no exit): its exit code and what it
 * printed.
 *
 * @example
 * ```ts
 * const { code, stdout } = await runMain(["validate", "specs/softmax-sweep.yaml"]);
 * ```
 */
export async function runMain(args: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: (s) => (stdout += s + "\n"),
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}
