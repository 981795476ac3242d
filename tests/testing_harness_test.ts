import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import {
  defineKernel,
  definePowerSource,
  defineProfiler,
  type KernelDefinition,
  type ProfilerDefinition,
} from "../mod.ts";
import { assertConformant, checkKernel, checkPowerSource, checkProfiler } from "../testing.ts";
import { builtinProfilers } from "../plugins/mod.ts";
import { constantPowerSource } from "../plugins/power/sources/mock.ts";
import softmax from "../kernels/softmax.ts";
import flash from "../kernels/flash.ts";

/** A plugin with every hook, options and a table: what a good third-party plugin looks like. */
const good = defineProfiler({
  name: "good",
  apiVersion: 1,
  options: v.object({ scale: v.optional(v.number(), 2) }),
  detect: () => true,
  create(options) {
    let calls = 0;
    return {
      setup() {},
      start() {},
      stop: (_ctx, m) => ({
        scaled: (calls = m.total_calls) * options.scale,
        label: "ok",
        flag: true,
        nothing: null,
      }),
      tables: () => [{ name: "good", columns: ["calls"], rows: [[calls]] }],
      report: () => "done",
      teardown() {},
    };
  },
});

/** A profiler that is `good` except for what `change` replaces in its instance. */
// deno-lint-ignore no-explicit-any
function brokenInstance(name: string, change: Record<string, unknown>): ProfilerDefinition<any, any> {
  return {
    ...good,
    name,
    create: (options: { scale: number }, ctx) => ({ ...good.create(options, ctx), ...change }),
  } as ProfilerDefinition<{ scale: number }>;
}

describe("checkProfiler", () => {
  test("a good plugin passes, with the hooks in the host's order", async () => {
    const report = await checkProfiler(good);
    expect(report.problems).toEqual([]);
    expect(report.available).toBe(true);
    const normal = [
      "create",
      "setup",
      "start",
      "stop",
      "tables",
      "start",
      "stop",
      "tables",
      "report",
      "teardown",
    ];
    expect(report.calls).toEqual([...normal, "create", "setup", "start", "teardown"]);
    expect(() => assertConformant(report)).not.toThrow();
  });

  test("the built-in profilers pass (power on its mock source)", async () => {
    for (
      const [name, options] of [["latency", {}], ["memory", { allocation_calls: 2 }], ["power", {
        source: "mock",
      }]] as const
    ) {
      const report = await checkProfiler(builtinProfilers[name], { options });
      expect({ name, problems: report.problems }).toEqual({ name, problems: [] });
    }
  });

  test("an unavailable plugin is reported as such, not as broken", async () => {
    const report = await checkProfiler({ ...good, name: "absent", detect: () => "no frobnicator here" });
    expect(report).toEqual({
      subject: "profiler absent",
      available: false,
      reason: "no frobnicator here",
      calls: [],
      problems: [],
    });
  });

  const broken: [string, ProfilerDefinition, RegExp][] = [
    [
      "nested metrics",
      brokenInstance("nested", { stop: () => ({ stats: { p50: 1 } }) }),
      /^\[profiler nested\] stop failed: metric "stats" is object; expected a number, string, boolean or null$/m,
    ],
    [
      "a NaN metric",
      brokenInstance("nan", { stop: () => ({ ratio: NaN }) }),
      /\[profiler nan\] stop returned ratio = NaN; expected a finite number/,
    ],
    [
      "a string thrown instead of an Error",
      brokenInstance("stringly", {
        stop: () => {
          throw "sensor gone";
        },
      }),
      /stop threw "sensor gone" \(not an Error\); expected an Error whose message says what went wrong/,
    ],
    [
      "a table row of the wrong length",
      brokenInstance("ragged", { tables: () => [{ name: "ragged", columns: ["a", "b"], rows: [[1]] }] }),
      /table "ragged": row 0 has 1 cells; expected 2, one per column/,
    ],
    [
      "a table that writes config_hash itself",
      brokenInstance("hashy", { tables: () => [{ name: "hashy", columns: ["config_hash"], rows: [["x"]] }] }),
      /columns config_hash repeat a name or include config_hash/,
    ],
    [
      "a teardown that fails when a case failed",
      {
        ...good,
        name: "fragile",
        create() {
          let stopped = false;
          return {
            stop: () => ((stopped = true), {}),
            teardown() {
              if (!stopped) throw new Error("cannot tear down before a stop");
            },
          };
        },
      },
      /after a case failed: \[profiler fragile\] teardown failed: cannot tear down before a stop; expected teardown to succeed/,
    ],
    [
      "detect returning a number",
      { ...good, name: "numeric", detect: () => 0 as unknown as true },
      /detect returned 0; expected true, a non-empty reason string or \{ available: true, note: "..." \}/,
    ],
    ["detect throwing", {
      ...good,
      name: "thrower",
      detect: () => {
        throw new Error("boom");
      },
    }, /detect threw \(boom\); expected it to return the reason instead/],
    ["apiVersion 2", { ...good, name: "future", apiVersion: 2 as 1 }, /apiVersion is 2; expected 1/],
    [
      "a name with a space",
      { ...good, name: "my plugin" },
      /name is "my plugin"; expected letters, digits, _ or -/,
    ],
    [
      "options its schema rejects",
      { ...good, name: "strict", options: v.object({ need: v.string() }) },
      /options \{\} were rejected by the plugin's schema/,
    ],
    [
      "create returning nothing",
      { ...good, name: "hollow", create: () => undefined as never },
      /create returned undefined; expected an object with at least a stop/,
    ],
    [
      "create returning {}",
      { ...good, name: "empty", create: () => ({}) as never },
      /create returned hooks \[\] without stop; expected at least a stop\(ctx, measurement\) hook/,
    ],
    [
      "a misspelt hook",
      { ...good, name: "typo", create: () => ({ stpo: () => ({}) }) as never },
      /create returned unknown hook "stpo" \(did you mean "stop"\?\)/,
    ],
    [
      "a misspelt definition key",
      { ...good, name: "typo-def", detcet: () => true } as never,
      /the plugin has unknown key "detcet" \(did you mean "detect"\?\)/,
    ],
  ];
  for (const [what, plugin, expected] of broken) {
    test(`catches ${what}`, async () => {
      const report = await checkProfiler(plugin);
      expect(report.problems.join("\n")).toMatch(expected);
      expect(() => assertConformant(report)).toThrow(`${report.subject} breaks the contract:`);
    });
  }
});

describe("checkPowerSource", () => {
  test("a good source passes; an unavailable one is reported with its reason", async () => {
    expect((await checkPowerSource(constantPowerSource(30))).problems).toEqual([]);
    const absent = await checkPowerSource(
      definePowerSource({ name: "wall", detect: () => "no meter on /dev/ttyUSB0" }),
    );
    expect(absent).toEqual({
      subject: "power source wall",
      available: false,
      reason: "no meter on /dev/ttyUSB0",
      calls: [],
      problems: [],
    });
  });

  const broken: [string, () => ReturnType<typeof definePowerSource>, RegExp][] = [
    ["a counter that goes down", () => {
      let j = 100;
      return definePowerSource({ name: "down", detect: () => true, readEnergyJoules: () => (j -= 1) });
    }, /readEnergyJoules\(\) went from 99 J to 98 J; expected a counter that never decreases/],
    [
      "negative watts",
      () => definePowerSource({ name: "neg", detect: () => true, readWatts: () => -3 }),
      /readWatts\(\) returned -3; expected finite watts ≥ 0/,
    ],
    [
      "no reader after detect",
      () => definePowerSource({ name: "mute", detect: () => true }),
      /neither readEnergyJoules nor readWatts; expected at least one/,
    ],
    [
      "detect returning undefined",
      () =>
        definePowerSource({ name: "vague", detect: () => undefined as unknown as true, readWatts: () => 1 }),
      /detect\(\) returned undefined; expected true or a non-empty reason string/,
    ],
    ["close throwing the second time", () => {
      let open = true;
      return definePowerSource({
        name: "once",
        detect: () => ((open = true), true),
        readWatts: () => 1,
        close: () => {
          if (!open) throw new Error("already closed");
          open = false;
        },
      });
    }, /close\(\) before detect\(\) threw \(already closed\)|a second close\(\) threw \(already closed\)/],
    [
      "no name",
      () => ({ detect: () => true, readWatts: () => 1 }) as never,
      /expected an object with a non-empty name and detect\(\)/,
    ],
  ];
  for (const [what, make, expected] of broken) {
    test(`catches ${what}`, async () => {
      const report = await checkPowerSource(make(), { reads: 3, gap_ms: 1 });
      expect(report.problems.join("\n")).toMatch(expected);
    });
  }
});

describe("checkKernel", () => {
  test("softmax and flash pass", async () => {
    expect((await checkKernel(softmax, { seq_len: 48, d: 8 })).problems).toEqual([]);
    expect(
      (await checkKernel(flash, { seq_len: 48, d: 8, tile: 16 }, { maxAllocatedBytesPerCall: 48 * 48 }))
        .problems,
    ).toEqual([]);
  });

  const params = v.object({ seq_len: v.number(), d: v.number() });
  const base = {
    version: "1",
    params,
    shape: (p: { seq_len: number; d: number }) => ({ seq_len: p.seq_len, q_width: p.d, kv_width: p.d }),
  };
  const copyKernel = (
    name: string,
    run: (out: Float32Array, v: Float32Array) => void,
    extra: Partial<KernelDefinition<{ seq_len: number; d: number }>> = {},
  ) =>
    defineKernel({
      ...base,
      name,
      prepare: (p, inputs) => {
        const output = new Float32Array(p.seq_len * p.d);
        return { output, run: () => run(output, inputs.v) };
      },
      ...extra,
    });

  test("a good copy kernel passes", async () => {
    expect((await checkKernel(copyKernel("copy", (out, v) => out.set(v)), { seq_len: 16, d: 4 })).problems)
      .toEqual([]);
  });

  const broken: [string, KernelDefinition<{ seq_len: number; d: number }>, RegExp][] = [
    [
      "an allocating hot path",
      copyKernel("alloc", (out, v) => out.set(new Float32Array(4096).subarray(0, v.length))),
      /run\(\) allocates \d+(\.\d+)? bytes per call \(.*\); expected at most 64: allocate in prepare\(\)/,
    ],
    [
      "an output of the wrong length",
      defineKernel({
        ...base,
        name: "short",
        prepare: (p) => ({ output: new Float32Array(p.seq_len), run() {} }),
      }),
      /output has 16 values; expected seq_len × q_width = 64/,
    ],
    [
      "a run that throws",
      copyKernel("throws", () => {
        throw new RangeError("bad tile");
      }),
      /run\(\) threw \(bad tile\); expected it to compute the output/,
    ],
    [
      "NaN in the output",
      copyKernel("nan", (out) => out.fill(NaN)),
      /output\[0\] is NaN after run\(\); expected finite values/,
    ],
    [
      "a run that writes into V",
      copyKernel("vandal", (_out, v) => v.fill(0)),
      /run\(\) changed the input V; expected inputs left as they were/,
    ],
    [
      "negative flops",
      copyKernel("neg", (out, v) => out.set(v), { flops: () => -1 }),
      /flops\(\) returned -1; expected a finite number ≥ 0/,
    ],
    [
      "memory() missing a field",
      copyKernel("mem", (out, v) => out.set(v), {
        memory: () => ({ kv_cache_bytes: 1, activation_bytes: 2 }) as never,
      }),
      /memory\(\)\.temp_buffer_bytes is undefined; expected a whole number of bytes ≥ 0/,
    ],
    [
      "a shape that is not integral",
      defineKernel({
        ...base,
        name: "halves",
        shape: () => ({ seq_len: 2.5, q_width: 1, kv_width: 1 }),
        prepare: () => ({ output: new Float32Array(1), run() {} }),
      }),
      /shape\(\) returned .*; expected positive integers/,
    ],
    [
      "params its schema rejects",
      copyKernel("typed", (out, v) => out.set(v)),
      /params \{"seq_len":"long","d":4\} were rejected/,
    ],
  ];
  for (const [what, kernel, expected] of broken) {
    test(`catches ${what}`, async () => {
      const p = what === "params its schema rejects" ? { seq_len: "long", d: 4 } : { seq_len: 16, d: 4 };
      const report = await checkKernel(kernel, p, { allocation: { warmup_ms: 20 } });
      expect(report.problems.join("\n")).toMatch(expected);
    });
  }
});

describe("the harness names a misspelt key of a kernel or a power source", () => {
  test("checkKernel: flop → flops", async () => {
    const report = await checkKernel({ ...softmax, flop: softmax.flops } as never, { seq_len: 8, d: 4 });
    expect(report.problems.join("\n")).toMatch(
      /the kernel has unknown key "flop" \(did you mean "flops"\?\)/,
    );
  });

  test("checkPowerSource: readWats → readWatts", async () => {
    const report = await checkPowerSource({ name: "typo", detect: () => true, readWats: () => 1 } as never);
    expect(report.problems.join("\n")).toMatch(
      /the source has unknown key "readWats" \(did you mean "readWatts"\?\)/,
    );
  });
});
