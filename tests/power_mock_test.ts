import { describe, expect, test } from "bun:test";
import { estimateEnergy } from "../plugins/power/energy.ts";
import { constantPowerSource, type TracePoint, tracePowerSource } from "../plugins/power/sources/mock.ts";

/** 50 W rising to 150 W over 2 s, flat for 1 s, back to 50 W over 2 s: 200 + 150 + 200 = 550 J. */
const PLATEAU: TracePoint[] = [
  { at_s: 0, watts: 50 },
  { at_s: 2, watts: 150 },
  { at_s: 3, watts: 150 },
  { at_s: 5, watts: 50 },
];

function manualClock(): { clock: () => number; set(seconds: number): void } {
  let now = 0;
  return { clock: () => now, set: (seconds) => void (now = seconds) };
}

describe("constant mock", () => {
  test("reads 75 W by default, like the reference MockPowerSource", async () => {
    const source = constantPowerSource();
    expect(source.name).toBe("mock");
    expect(await source.detect()).toBe(true);
    expect(source.readWatts()).toBe(75);
  });

  test("its energy counter is watts × elapsed seconds", () => {
    const time = manualClock();
    const source = constantPowerSource(40, { clock: time.clock });
    time.set(2.5);
    expect(source.readEnergyJoules()).toBe(100);
  });
});

describe("trace mock", () => {
  test("watts are linear between points and held outside the trace", () => {
    const time = manualClock();
    const source = tracePowerSource(PLATEAU, { clock: time.clock });
    const watts = [-1, 0, 1, 2, 2.5, 3, 4, 5, 9].map((t) => (time.set(t), source.readWatts()));
    expect(watts).toEqual([50, 50, 100, 150, 150, 150, 100, 50, 50]);
  });

  test("the energy counter is the exact integral from clock time 0", () => {
    const time = manualClock();
    const source = tracePowerSource(PLATEAU, { clock: time.clock });
    const joules = [0, 1, 2, 3, 4, 5, 7].map((t) => (time.set(t), source.readEnergyJoules()));
    expect(joules).toEqual([0, 75, 200, 350, 475, 550, 650]);
  });

  test("a trace starting later holds its first watts from time 0", () => {
    const time = manualClock();
    const source = tracePowerSource([{ at_s: 1, watts: 20 }, { at_s: 2, watts: 40 }], { clock: time.clock });
    time.set(2);
    expect(source.readEnergyJoules()).toBe(20 + 30);
  });

  test("trapezoid integration of samples taken at the breakpoints equals the counter", () => {
    const time = manualClock();
    const source = tracePowerSource(PLATEAU, { clock: time.clock });
    const samples = [0, 2, 3, 5].map((
      t,
    ) => (time.set(t), { watts: source.readWatts(), timestamp_us: t * 1e6 }));
    expect(estimateEnergy(samples).total_joules).toBe(source.readEnergyJoules());
  });

  test("a window's energy is the difference of two counter reads", () => {
    const time = manualClock();
    const source = tracePowerSource(PLATEAU, { clock: time.clock });
    time.set(1);
    const begin = source.readEnergyJoules();
    time.set(4);
    expect(source.readEnergyJoules() - begin).toBe(400);
  });

  test("the default clock advances on its own", async () => {
    const source = tracePowerSource([{ at_s: 0, watts: 1000 }]);
    const begin = source.readEnergyJoules();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(source.readEnergyJoules()).toBeGreaterThan(begin);
  });

  test("a trace that is empty, unordered or has bad watts is refused with what was found", () => {
    expect(() => tracePowerSource([])).toThrow("power trace is empty; expected at least one point");
    expect(() => tracePowerSource([{ at_s: 3, watts: 1 }, { at_s: 1, watts: 1 }]))
      .toThrow("power trace point 1 is at 1 s, point 0 at 3 s; expected strictly increasing times");
    expect(() => tracePowerSource([{ at_s: 0, watts: -5 }]))
      .toThrow('power trace point 0 is {"at_s":0,"watts":-5}; expected a finite time and finite watts >= 0');
    expect(() => constantPowerSource(NaN)).toThrow("expected a finite time and finite watts >= 0");
  });
});
