/**
 * Terminal text for a plan (`--dry-run`) and for a finished run.
 *
 * @example
 * ```ts
 * import { formatCaseList } from "./run_summary.ts";
 * console.log(formatCaseList(plan, []));
 * ```
 * @module
 */
import type { DeviceInfo } from "../contracts.ts";
import { formatParams } from "../case_info.ts";
import type { RunPlan } from "../plan.ts";
import { selectRunCases, type ShardSelection } from "../shard/assign.ts";
import type { RunResult } from "../runner.ts";
import { explainQuality } from "../quality.ts";
import { formatTable } from "../text_table.ts";
import { type Seal, SEAL_FILE } from "../integrity/seal.ts";

/**
 * One line per case (its number as progress shows it, `[n/N]`, from 1; role, kernel, parameters,
 * config hash) and the count.
 *
 * @example
 * ```ts
 * formatCaseList(plan, ["seq_len=64"]);
 * ```
 */
export function formatCaseList(plan: RunPlan, filter: string[], shard?: ShardSelection): string {
  const selected = selectRunCases(plan, filter, shard);
  const rows = selected.map((c, position) => [
    String(position + 1),
    c.role,
    c.kernel.definition.name,
    formatParams(c.params),
    c.config_hash,
  ]);
  const table = formatTable(["#", "role", "kernel", "params", "config_hash"], rows);
  const count = `${selected.length} case${selected.length === 1 ? "" : "s"}${
    filter.length || shard ? ` (of ${plan.cases.length})` : ""
  }${shard ? `, shard ${shard.indices.join(",")}/${shard.count}` : ""}`;
  return [...plan.warnings.map((w) => `warning: ${w}`), table, count].join("\n");
}

/**
 * A table of the finished cases (median with its interquartile range, GFLOP/s, quality), where
 * the files are, and one warning line per flagged case saying why.
 *
 * @example
 * ```ts
 * console.log(formatSummary(await runPlan(plan)));
 * ```
 */
export function formatSummary(result: RunResult): string {
  const cases = result.manifest.cases;
  // The device's own median appears only where some case has one (a GPU kernel with timestamps).
  const deviceTimed = cases.some((c) => c.kernel_median_us !== undefined);
  const rows = cases.map((c) => [
    c.config_hash.slice(0, 12),
    c.role,
    c.kernel.name,
    formatParams(c.params),
    c.median_us === undefined ? "" : c.median_us.toFixed(2),
    c.p25_us === undefined || c.p75_us === undefined ? "" : `${c.p25_us.toFixed(2)}–${c.p75_us.toFixed(2)}`,
    ...(deviceTimed ? [c.kernel_median_us === undefined ? "" : c.kernel_median_us.toFixed(2)] : []),
    c.gflops === undefined || c.gflops === null ? "" : c.gflops.toFixed(3),
    c.status,
    c.quality ?? "",
  ]);
  const { ok, failed, total } = result.manifest.summary;
  const skipped = cases.filter((c) => c.status === "skipped");
  const skips = skipped.map((c) =>
    `skipped: ${c.kernel.name} ${formatParams(c.params)} [${c.config_hash.slice(0, 8)}]: ${c.error}`
  );
  const devices = [...new Set(cases.flatMap((c) => c.device ? [deviceLine(c.device)] : []))];
  const budget = result.manifest.spec.resolved.bench;
  const flagged = cases.filter((c) => c.quality !== undefined && c.quality !== "ok");
  const warnings = flagged.map((c) =>
    `warning: ${c.kernel.name} ${formatParams(c.params)} [${c.config_hash.slice(0, 8)}] ${
      explainQuality(c, budget)
    }`
  );
  return [
    formatTable([
      "config_hash",
      "role",
      "kernel",
      "params",
      "median_us",
      "IQR_us",
      ...(deviceTimed ? ["device_us"] : []),
      "GFLOP/s",
      "status",
      "quality",
    ], rows),
    ...warnings,
    ...skips,
    ...devices,
    `${ok} of ${total} cases measured${failed ? `, ${failed} failed` : ""}${
      skipped.length ? `, ${skipped.length} skipped` : ""
    }${flagged.length ? `, ${flagged.length} flagged (quality column)` : ""}; results in ${result.outputDir}`,
    `  results.csv (one row per case), manifest.json (spec, environment, plugins, cases)`,
  ].join("\n");
}

/**
 * One line saying how a finished run is sealed.
 *
 * @example
 * ```ts
 * formatSeal(result.seal); // "sealed: seal.json covers 9 files, root 3f2a1c0d9e8b… (unsigned); check with attnbench verify"
 * ```
 */
export function formatSeal(seal: Seal): string {
  const files = Object.keys(seal.files).length;
  const how = seal.signature ? `signed with Ed25519 key ${seal.signature.key_id}` : "unsigned";
  return `sealed: ${SEAL_FILE} covers ${files} files, root ${
    seal.root.slice(0, 12)
  }… (${how}); check with attnbench verify`;
}

/**
 * One line naming a device cases ran on, and whether its timings are a GPU's.
 *
 * @example
 * ```ts
 * deviceLine(lavapipe); // "device: webgpu llvmpipe (LLVM 15.0.6, 256 bits) via navigator.gpu (Deno) — a software adapter: its times are not a GPU's"
 * ```
 */
export function deviceLine(device: DeviceInfo): string {
  const name = device.description || [device.vendor, device.architecture].filter(Boolean).join(" ") ||
    "unnamed adapter";
  const clock = !device.timestamps
    ? "; no timestamp-query, so kernel_time_us is wall time"
    : device.timestamp_quantum_ns
    ? `; device times in steps of ${device.timestamp_quantum_ns / 1000} µs (${device.binding} rounds them)`
    : "";
  const software = device.software ? " — a software adapter: its times are not a GPU's" : "";
  return `device: ${device.api} ${name} via ${device.binding}${software}${clock}`;
}
