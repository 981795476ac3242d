/**
 * Example profiler plugin, `cpu-time`: the CPU time this process spent during each case's timed
 * window, beside its wall time. A ratio above 1 means other threads worked too (the JIT, the GC,
 * a power sampler); well below 1 means the kernel waited. It shows every part of the contract a
 * plugin usually needs: options with defaults (valibot), `detect`, `setup`, `start`/`stop`, a
 * per-case table and a `report` at the end of the run. Docs: docs/plugins.md.
 *
 * @example
 * ```yaml
 * # examples/cpu_time/spec.yaml
 * plugins:
 *   - ./cpu_time.ts: { system: true }
 * ```
 * @module
 */
import process from "node:process";
import * as v from "valibot";
import { defineProfiler, type ProfilerDefinition } from "../../mod.ts";

const options = v.strictObject({
  /** Count kernel-mode (system) time too, not only user time. */
  system: v.optional(v.boolean("system must be true or false"), true),
});

/**
 * Options of the cpu-time plugin.
 *
 * @example
 * ```ts
 * const options: CpuTimeOptions = { system: false }; // user time only
 * ```
 */
export type CpuTimeOptions = v.InferOutput<typeof options>;

/**
 * The cpu-time profiler.
 *
 * @example
 * ```ts
 * import cpuTime from "./cpu_time.ts";
 * import { checkProfiler } from "../../testing.ts";
 * (await checkProfiler(cpuTime)).problems; // []
 * ```
 */
const cpuTime: ProfilerDefinition<CpuTimeOptions> = defineProfiler({
  name: "cpu-time",
  apiVersion: 1,
  description: "CPU time of the process during each timed window, and its ratio to the wall time",
  options,
  metrics: {
    cpu_us: { type: "integer", unit: "us", description: "CPU time of this process during the timed window" },
    wall_us: { type: "integer", unit: "us", description: "wall time of the timed window" },
    cpu_per_wall: {
      type: "double",
      unit: "ratio",
      description: "cpu_us / wall_us (above 1: other threads worked too)",
    },
  },
  detect: () => typeof process.cpuUsage === "function" ? true : "this runtime has no process.cpuUsage()",
  create(opts) {
    const usage = (since?: NodeJS.CpuUsage): number => {
      const used = process.cpuUsage(since);
      return used.user + (opts.system ? used.system : 0);
    };
    let run = { cpu: process.cpuUsage(), wall: 0 };
    let begin = { cpu: process.cpuUsage(), wall: 0 };
    let row: number[] = [];
    return {
      setup() {
        run = { cpu: process.cpuUsage(), wall: performance.now() };
      },
      start() {
        begin = { cpu: process.cpuUsage(), wall: performance.now() };
      },
      stop() {
        const wall_us = Math.round((performance.now() - begin.wall) * 1000);
        const used = process.cpuUsage(begin.cpu);
        const cpu_us = used.user + (opts.system ? used.system : 0);
        row = [used.user, opts.system ? used.system : 0, wall_us];
        return { cpu_us, wall_us, cpu_per_wall: wall_us > 0 ? cpu_us / wall_us : null };
      },
      tables: () => [{ name: "cpu-time", columns: ["user_us", "system_us", "wall_us"], rows: [row] }],
      report(_ctx, cases) {
        const seconds = (usage(run.cpu) / 1e6).toFixed(2);
        const wall = ((performance.now() - run.wall) / 1000).toFixed(2);
        return `cpu-time: ${seconds} s of CPU in ${wall} s over ${cases.length} cases`;
      },
    };
  },
});

export default cpuTime;
