/**
 * The single place that asks "Deno, Bun or Node?". Everything else uses `node:` builtins and web
 * globals, which all three provide.
 *
 * @example
 * ```ts
 * import { runtimeInfo } from "./runtime.ts";
 * const info = runtimeInfo();
 * console.log(info.runtime, info.version); // e.g. "deno 2.9.6"
 * ```
 * @module
 */
import os from "node:os";
import process from "node:process";
import { execFileSync } from "node:child_process";
import v8 from "node:v8";
import vm from "node:vm";

/** Which JavaScript runtime is executing attnbench. */
export type RuntimeName = "deno" | "bun" | "node";

/** What the environment looks like; goes into manifest.json and is handed to `detect()` hooks. */
export interface RuntimeInfo {
  runtime: RuntimeName;
  version: string;
  os: { platform: string; release: string; arch: string };
  cpu: { model: string; cores: number };
  memory_bytes: number;
  /** Whether a real garbage collector can be triggered (Bun always; V8 through `--expose-gc`, set at run time). */
  gc: "real" | "unavailable";
}

interface RuntimeGlobals {
  Deno?: { version: { deno: string } };
  Bun?: { version: string; gc(force: boolean): void };
  gc?: () => void;
}

const globals = globalThis as unknown as RuntimeGlobals;

/**
 * Name of the runtime executing this code.
 *
 * @example
 * ```ts
 * if (runtimeName() === "bun") console.log("JavaScriptCore");
 * ```
 */
export function runtimeName(): RuntimeName {
  if (globals.Deno) return "deno";
  if (globals.Bun) return "bun";
  return "node";
}

/**
 * A function that forces a full garbage collection, or `undefined` where the runtime offers none.
 * Bun has `Bun.gc`; on V8 (Deno, Node) a `gc` global from `--expose-gc` is used when present,
 * otherwise the flag is turned on at run time and V8's `gc` is taken from a fresh context, so
 * `deno run -A cli.ts` collects without extra flags. Never a fallback allocation.
 *
 * @example
 * ```ts
 * collectGarbage()?.();
 * ```
 */
export function collectGarbage(): (() => void) | undefined {
  if (globals.Bun) return () => globals.Bun!.gc(true);
  if (typeof globals.gc === "function") return () => globals.gc!();
  v8gc ??= exposeV8Gc();
  return v8gc ?? undefined;
}

let v8gc: (() => void) | null | undefined;

function exposeV8Gc(): (() => void) | null {
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc");
    return typeof gc === "function" ? () => gc() : null;
  } catch {
    return null;
  }
}

/**
 * Runtime, OS, CPU and memory of this process's machine.
 *
 * @example
 * ```ts
 * runtimeInfo().cpu.cores; // 2
 * ```
 */
export function runtimeInfo(): RuntimeInfo {
  const runtime = runtimeName();
  const version = runtime === "deno"
    ? globals.Deno!.version.deno
    : runtime === "bun"
    ? globals.Bun!.version
    : process.versions.node;
  const cpus = os.cpus();
  return {
    runtime,
    version,
    os: { platform: os.platform(), release: os.release(), arch: os.arch() },
    cpu: { model: cpus[0]?.model?.trim() ?? "unknown", cores: cpus.length },
    memory_bytes: os.totalmem(),
    gc: collectGarbage() ? "real" : "unavailable",
  };
}

/**
 * The git commit checked out in `dir`; `null` outside a repository or without git. Git is asked
 * for nothing but the commit (`rev-parse HEAD`, which reads no work tree), with hooks and
 * fsmonitor switched off and no optional locks, so a repository's configuration cannot make
 * attnbench run its commands (`core.fsmonitor`, hooks and clean filters run only for commands
 * that look at the work tree, such as `git status`, which is why there is no `-dirty` flag).
 *
 * @example
 * ```ts
 * gitCommit("."); // "3f2c1e0..." or null
 * ```
 */
export function gitCommit(dir: string): string | null {
  try {
    const head = execFileSync(
      "git",
      ["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "rev-parse", "--verify", "HEAD"],
      {
        cwd: dir,
        stdio: ["ignore", "pipe", "ignore"],
        encoding: "utf8",
        env: { ...process.env, GIT_OPTIONAL_LOCKS: "0", GIT_TERMINAL_PROMPT: "0" },
      },
    ).trim();
    return /^[0-9a-f]{40,64}$/.test(head) ? head : null;
  } catch {
    return null;
  }
}

/** How to start a worker process that runs `script` on this same runtime. */
export interface WorkerCommand {
  command: string;
  args: string[];
  /** Whether the JS heap is capped at `heapLimitMb` (V8: Deno and Node); Bun's JSC has no such cap. */
  heapCapped: boolean;
}

/**
 * The command line that runs `script` on the runtime running this code, with the same powers:
 * on Deno every permission this process holds in full (`--allow-read`, ...), on Node its own
 * `execArgv`; on V8 the JS heap is capped at `heapLimitMb` so that a runaway allocation ends in
 * V8's out-of-memory abort instead of swapping.
 *
 * @example
 * ```ts
 * const { command, args } = workerCommand("/abs/worker.ts", ["--run", "out"], 2048);
 * spawn(command, args);
 * ```
 */
export function workerCommand(script: string, scriptArgs: string[], heapLimitMb: number): WorkerCommand {
  const heap = `--max-old-space-size=${Math.max(16, Math.round(heapLimitMb))}`;
  const runtime = runtimeName();
  if (runtime === "deno") {
    const allow = DENO_PERMISSIONS.filter((name) => denoPermissionState(name) === "granted")
      .map((name) => `--allow-${name}`);
    return {
      command: process.execPath,
      args: ["run", ...allow, "--no-prompt", `--v8-flags=${heap}`, script, ...scriptArgs],
      heapCapped: true,
    };
  }
  if (runtime === "bun") {
    return { command: process.execPath, args: [script, ...scriptArgs], heapCapped: false };
  }
  return {
    command: process.execPath,
    args: [...process.execArgv, heap, script, ...scriptArgs],
    heapCapped: true,
  };
}

const DENO_PERMISSIONS = ["read", "write", "net", "env", "run", "ffi", "sys", "import"] as const;

/** A Deno permission by its flag name (`--allow-<name>`). */
export type DenoPermission = (typeof DENO_PERMISSIONS)[number];

/**
 * The Deno permissions among `needed` that this process does not hold in full (always none on
 * Bun and Node). A permission granted only for some paths counts as missing: attnbench reads and
 * writes wherever the spec points.
 *
 * @example
 * ```ts
 * missingDenoPermissions(["read", "write", "run"]); // [] under `deno run -A`
 * ```
 */
export function missingDenoPermissions(needed: readonly DenoPermission[]): DenoPermission[] {
  if (runtimeName() !== "deno") return [];
  return needed.filter((name) => denoPermissionState(name) !== "granted");
}

function denoPermissionState(name: DenoPermission): string {
  const deno = (globalThis as unknown as {
    Deno: { permissions: { querySync(p: { name: string }): { state: string } } };
  }).Deno;
  try {
    return deno.permissions.querySync({ name }).state;
  } catch {
    return "unknown";
  }
}
