/**
 * `checkPowerSource`: a power source detected, read and closed the way the power plugin does.
 *
 * @example
 * ```ts
 * import { checkPowerSource } from "./power_source.ts";
 * (await checkPowerSource(myMeter)).problems; // []
 * ```
 * @module
 */
import type { PowerSource } from "../src/power_source.ts";
import "../builtins.ts";
import { POWER_SOURCE_KEYS, strayKeysProblem } from "../src/definition_keys.ts";
import { type ConformanceReport, guarded, show } from "./report.ts";

/**
 * Options of {@link checkPowerSource}.
 *
 * @example
 * ```ts
 * const options: PowerSourceCheckOptions = { reads: 3, gap_ms: 50 };
 * ```
 */
export interface PowerSourceCheckOptions {
  /** Reads of each reader; default 4. */
  reads?: number;
  /** Pause between reads, ms; default 20. */
  gap_ms?: number;
}

/**
 * Checks a power source against the contract: a name and `detect()`; `close()` safe before
 * `detect()` and twice; `detect()` answering `true` or a non-empty reason (an unavailable source
 * is reported, not a problem); after `true`, at least one reader, the energy counter finite and
 * never decreasing, watts finite and ≥ 0.
 *
 * @example
 * ```ts
 * const report = await checkPowerSource(myMeter, { reads: 3 });
 * report.available; // false on a machine without the meter, with report.reason saying why
 * ```
 */
export async function checkPowerSource(
  source: PowerSource,
  check: PowerSourceCheckOptions = {},
): Promise<ConformanceReport> {
  const report: ConformanceReport = {
    subject: `power source ${String(source?.name)}`,
    available: false,
    calls: [],
    problems: [],
  };
  if (
    !source || typeof source !== "object" || typeof source.name !== "string" || source.name === "" ||
    typeof source.detect !== "function"
  ) {
    report.problems.push(
      `the source is ${
        show(source)
      }; expected an object with a non-empty name and detect(), made with definePowerSource()`,
    );
    return report;
  }
  const strayInSource = strayKeysProblem(source, POWER_SOURCE_KEYS, "key");
  if (strayInSource) {
    report.problems.push(`the source has ${strayInSource}`);
    return report;
  }
  await guarded(report, "close() before detect()", () => source.close?.());
  const detected = await guarded(report, "detect()", () => source.detect());
  if (detected !== true) {
    if (typeof detected === "string" && detected.trim() !== "") report.reason = detected;
    else if (detected !== undefined || report.problems.length === 0) {
      report.problems.push(`detect() returned ${show(detected)}; expected true or a non-empty reason string`);
    }
  } else {
    report.available = true;
    await checkReadings(source, check, report);
  }
  await guarded(report, "close()", () => source.close?.());
  await guarded(report, "a second close()", () => source.close?.());
  return report;
}

async function checkReadings(
  source: PowerSource,
  check: PowerSourceCheckOptions,
  report: ConformanceReport,
): Promise<void> {
  if (!source.readEnergyJoules && !source.readWatts) {
    report.problems.push(
      "detect() returned true but the source has neither readEnergyJoules nor readWatts; expected at least one",
    );
    return;
  }
  let previous = -Infinity;
  for (let i = 0; i < (check.reads ?? 4); i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, check.gap_ms ?? 20));
    if (source.readEnergyJoules) {
      const joules = await guarded(report, "readEnergyJoules()", () => source.readEnergyJoules!());
      if (typeof joules !== "number" || !Number.isFinite(joules)) {
        report.problems.push(
          `readEnergyJoules() returned ${show(joules)}; expected a finite number of joules`,
        );
        return;
      }
      if (joules < previous) {
        report.problems.push(
          `readEnergyJoules() went from ${previous} J to ${joules} J; expected a counter that never decreases`,
        );
        return;
      }
      previous = joules;
    }
    if (source.readWatts) {
      const watts = await guarded(report, "readWatts()", () => source.readWatts!());
      if (typeof watts !== "number" || !Number.isFinite(watts) || watts < 0) {
        report.problems.push(`readWatts() returned ${show(watts)}; expected finite watts ≥ 0`);
        return;
      }
    }
  }
}
