/**
 * Grid expansion: a scalar parameter is fixed, a list is an axis; the grid is the cartesian
 * product (first axis varying slowest), minus the points an `exclude` entry matches.
 *
 * @example
 * ```ts
 * import { expandGrid } from "./grid.ts";
 * expandGrid({ n: [1, 2], d: 4 }, [{ n: 2 }]); // { points: [{ n: 1, d: 4 }], unusedExcludes: [] }
 * ```
 * @module
 */
import type { ParamValue } from "./spec/schema.ts";

/** One grid point: parameter name → value. */
export type Point = Record<string, ParamValue>;

/** An exclude entry: each key must match (a list matches any of its values). */
export type ExcludeRule = Record<string, ParamValue | ParamValue[]>;

/** The expanded grid and the exclude entries that matched nothing (worth a warning). */
export interface Grid {
  points: Point[];
  unusedExcludes: number[];
}

/**
 * Expands `params` into points and drops excluded ones.
 *
 * @example
 * ```ts
 * expandGrid({ a: [1, 2], b: ["x", "y"] }, []).points.length; // 4
 * ```
 */
export function expandGrid(params: Record<string, ParamValue | ParamValue[]>, exclude: ExcludeRule[]): Grid {
  let points: Point[] = [{}];
  for (const [name, value] of Object.entries(params)) {
    const values = Array.isArray(value) ? value : [value];
    points = points.flatMap((point) => values.map((x) => ({ ...point, [name]: x })));
  }
  const used = new Set<number>();
  const kept = points.filter((point) => {
    const hit = exclude.findIndex((rule) => matches(rule, point));
    if (hit >= 0) used.add(hit);
    return hit < 0;
  });
  return { points: kept, unusedExcludes: exclude.map((_, i) => i).filter((i) => !used.has(i)) };
}

/**
 * Whether every key of the rule matches the point.
 *
 * @example
 * ```ts
 * matches({ n: [1, 2] }, { n: 2, d: 4 }); // true
 * ```
 */
export function matches(rule: ExcludeRule, point: Point): boolean {
  return Object.entries(rule).every(([name, want]) =>
    Array.isArray(want) ? want.includes(point[name]) : point[name] === want
  );
}
