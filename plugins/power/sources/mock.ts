/**
 * Mock power sources for tests and for machines without a meter: a constant draw (75 W by
 * default, like the reference `MockPowerSource`) and a scripted piecewise-linear trace. Both
 * offer watts and an energy counter that is the exact integral of the trace, read on an
 * injectable clock, so integration can be checked to the last bit.
 *
 * @example
 * ```ts
 * import { constantPowerSource, tracePowerSource } from "./mock.ts";
 *
 * constantPowerSource().readWatts(); // 75
 * let now = 0;
 * const ramp = tracePowerSource([{ at_s: 0, watts: 0 }, { at_s: 1, watts: 200 }], { clock: () => now });
 * now = 1;
 * ramp.readEnergyJoules(); // 100
 * ```
 * @module
 */
import { definePowerSource, type PowerSource } from "../../../plugin_kit.ts";

/**
 * One point of a power trace: `watts` at `at_s` seconds on the source's clock.
 *
 * @example
 * ```ts
 * const idle: TracePoint = { at_s: 0, watts: 40 };
 * ```
 */
export interface TracePoint {
  at_s: number;
  watts: number;
}

/**
 * Options of the mock sources.
 *
 * @example
 * ```ts
 * let now = 0;
 * const options: MockOptions = { clock: () => now }; // advance `now` by hand in a test
 * ```
 */
export interface MockOptions {
  /** Current time in seconds; defaults to seconds since the source was created (monotonic). */
  clock?: () => number;
}

/**
 * A mock source: both readers always exist and are synchronous.
 *
 * @example
 * ```ts
 * const source: MockPowerSource = constantPowerSource(100);
 * source.readWatts(); // 100
 * ```
 */
export interface MockPowerSource extends PowerSource {
  /** Watts of the trace at the clock's current time. */
  readWatts(): number;
  /** Exact integral of the trace from clock time 0 to now, joules. */
  readEnergyJoules(): number;
}

/**
 * A source following a piecewise-linear trace: linear between points, holding the first point's
 * watts before it and the last point's after it. Throws a `RangeError` for an empty trace, times
 * that do not strictly increase, or watts that are negative or not finite.
 *
 * @example
 * ```ts
 * let now = 0;
 * const source = tracePowerSource(
 *   [{ at_s: 0, watts: 50 }, { at_s: 2, watts: 150 }, { at_s: 3, watts: 150 }, { at_s: 5, watts: 50 }],
 *   { clock: () => now },
 * );
 * now = 5;
 * source.readEnergyJoules(); // 550 = 200 + 150 + 200
 * ```
 */
export function tracePowerSource(points: readonly TracePoint[], options: MockOptions = {}): MockPowerSource {
  const trace = validTrace(points);
  const clock = options.clock ?? secondsSinceNow();
  return definePowerSource({
    name: "mock",
    detect: () => true as const,
    readWatts: () => wattsAt(trace, clock()),
    readEnergyJoules: () => joulesUntil(trace, clock()) - joulesUntil(trace, 0),
  });
}

/**
 * A source drawing `watts` all the time (default 75 W, the reference mock's value).
 *
 * @example
 * ```ts
 * constantPowerSource().readWatts(); // 75
 * ```
 */
export function constantPowerSource(watts = 75, options: MockOptions = {}): MockPowerSource {
  return tracePowerSource([{ at_s: 0, watts }], options);
}

function validTrace(points: readonly TracePoint[]): readonly TracePoint[] {
  if (points.length === 0) throw new RangeError("power trace is empty; expected at least one point");
  points.forEach((point, i) => {
    if (!Number.isFinite(point.at_s) || !Number.isFinite(point.watts) || point.watts < 0) {
      throw new RangeError(
        `power trace point ${i} is ${JSON.stringify(point)}; expected a finite time and finite watts >= 0`,
      );
    }
    if (i > 0 && !(point.at_s > points[i - 1].at_s)) {
      throw new RangeError(
        `power trace point ${i} is at ${point.at_s} s, point ${i - 1} at ${points[i - 1].at_s} s; ` +
          "expected strictly increasing times",
      );
    }
  });
  return points.map((point) => ({ ...point }));
}

/** Index of the last point at or before `t`, or -1 when `t` is before the trace. */
function segmentAt(trace: readonly TracePoint[], t: number): number {
  let i = -1;
  while (i + 1 < trace.length && trace[i + 1].at_s <= t) i++;
  return i;
}

function wattsAt(trace: readonly TracePoint[], t: number): number {
  const i = segmentAt(trace, t);
  if (i < 0) return trace[0].watts;
  if (i === trace.length - 1) return trace[i].watts;
  const a = trace[i], b = trace[i + 1];
  return a.watts + (b.watts - a.watts) * (t - a.at_s) / (b.at_s - a.at_s);
}

/** An antiderivative of the trace: joules from the first point's time to `t` (negative before it). */
function joulesUntil(trace: readonly TracePoint[], t: number): number {
  const i = segmentAt(trace, t);
  if (i < 0) return trace[0].watts * (t - trace[0].at_s);
  let joules = 0;
  for (let k = 1; k <= i; k++) joules += trapezoid(trace[k - 1], trace[k]);
  return joules + trapezoid(trace[i], { at_s: t, watts: wattsAt(trace, t) });
}

function trapezoid(a: TracePoint, b: TracePoint): number {
  return (a.watts + b.watts) / 2 * (b.at_s - a.at_s);
}

function secondsSinceNow(): () => number {
  const start = performance.now();
  return () => (performance.now() - start) / 1000;
}
