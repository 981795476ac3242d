/**
 * The part of `bun:test` this project's tests use, built on `node:test` and `node:assert`, so the
 * same test files run under `deno test` (deno.json maps `bun:test` here). Named without `_test`
 * so that no runner collects it as a test file.
 *
 * @example
 * ```ts
 * import { expect, test } from "bun:test"; // under Deno this module
 * test("adds", () => expect(1 + 1).toBe(2));
 * ```
 * @module
 */
import { after, afterEach, before, beforeEach, describe as nodeDescribe, it } from "node:test";
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";

type Body = () => unknown | Promise<unknown>;

/** Registers a test. */
export function test(name: string, body: Body, timeoutMs?: number): void {
  it(name, { timeout: timeoutMs ?? 120_000 }, async () => {
    await body();
  });
}
test.skip = (name: string, _body: Body): void => {
  it.skip(name, () => {});
};
test.if = (condition: boolean) => condition ? test : test.skip;
test.skipIf = (condition: boolean) => condition ? test.skip : test;

/** Groups tests. */
export function describe(name: string, body: () => void): void {
  nodeDescribe(name, body);
}

export { test as it };
/** Runs once before a file's tests; `timeoutMs` (Bun's hook timeout) is accepted and not needed here. */
export const beforeAll = (fn: Body, _timeoutMs?: number): void => void before(async () => void (await fn()));
export const afterAll = (fn: Body): void => void after(async () => void (await fn()));
export { afterEach, beforeEach };

interface Matchers {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toStrictEqual(expected: unknown): void;
  toBeCloseTo(expected: number, digits?: number): void;
  toBeTruthy(): void;
  toBeFalsy(): void;
  toBeNull(): void;
  toBeUndefined(): void;
  toBeDefined(): void;
  toBeNaN(): void;
  toBeGreaterThan(n: number): void;
  toBeGreaterThanOrEqual(n: number): void;
  toBeLessThan(n: number): void;
  toBeLessThanOrEqual(n: number): void;
  toContain(item: unknown): void;
  toMatch(pattern: RegExp | string): void;
  toHaveLength(n: number): void;
  toHaveProperty(key: string, value?: unknown): void;
  toMatchObject(subset: Record<string, unknown>): void;
  toBeInstanceOf(cls: abstract new (...args: never[]) => unknown): void;
  toThrow(expected?: RegExp | string): void;
}

interface Expectation extends Matchers {
  not: Matchers;
  resolves: AsyncMatchers;
  rejects: AsyncMatchers;
}
type AsyncMatchers = { [K in keyof Matchers]: (...args: Parameters<Matchers[K]>) => Promise<void> };

function checks(actual: unknown): Record<keyof Matchers, (...args: never[]) => [boolean, string]> {
  const show = (x: unknown) => {
    try {
      return typeof x === "string" ? JSON.stringify(x) : String(JSON.stringify(x) ?? x);
    } catch {
      return String(x);
    }
  };
  const deepEqual = (a: unknown, b: unknown) => {
    try {
      assert.deepStrictEqual(a, b);
      return true;
    } catch {
      return false;
    }
  };
  return {
    toBe: (e: unknown) => [Object.is(actual, e), `expected ${show(actual)} to be ${show(e)}`],
    toEqual: (e: unknown) => [deepEqual(actual, e), `expected ${show(actual)} to equal ${show(e)}`],
    toStrictEqual: (
      e: unknown,
    ) => [deepEqual(actual, e), `expected ${show(actual)} to strictly equal ${show(e)}`],
    toBeCloseTo: (e: number, digits = 2) => [
      Math.abs((actual as number) - e) < 10 ** -digits / 2,
      `expected ${actual} to be close to ${e} (${digits} digits)`,
    ],
    toBeTruthy: () => [Boolean(actual), `expected ${show(actual)} to be truthy`],
    toBeFalsy: () => [!actual, `expected ${show(actual)} to be falsy`],
    toBeNull: () => [actual === null, `expected ${show(actual)} to be null`],
    toBeUndefined: () => [actual === undefined, `expected ${show(actual)} to be undefined`],
    toBeDefined: () => [actual !== undefined, `expected value to be defined`],
    toBeNaN: () => [Number.isNaN(actual), `expected ${show(actual)} to be NaN`],
    toBeGreaterThan: (n: number) => [(actual as number) > n, `expected ${actual} > ${n}`],
    toBeGreaterThanOrEqual: (n: number) => [(actual as number) >= n, `expected ${actual} >= ${n}`],
    toBeLessThan: (n: number) => [(actual as number) < n, `expected ${actual} < ${n}`],
    toBeLessThanOrEqual: (n: number) => [(actual as number) <= n, `expected ${actual} <= ${n}`],
    toContain: (item: unknown) => [
      typeof actual === "string" ? actual.includes(item as string) : (actual as unknown[]).includes(item),
      `expected ${show(actual)} to contain ${show(item)}`,
    ],
    toMatch: (p: RegExp | string) => [
      typeof p === "string" ? String(actual).includes(p) : p.test(String(actual)),
      `expected ${show(actual)} to match ${p}`,
    ],
    toHaveLength: (
      n: number,
    ) => [
      (actual as { length: number }).length === n,
      `expected length ${n}, got ${(actual as { length: number })?.length}`,
    ],
    toHaveProperty: (key: string, ...value: unknown[]) => {
      const has = actual !== null && actual !== undefined && key in Object(actual);
      const ok = has && (value.length === 0 || deepEqual((actual as Record<string, unknown>)[key], value[0]));
      return [ok, `expected ${show(actual)} to have property ${key}`];
    },
    toMatchObject: (subset: Record<string, unknown>) => [
      matchesSubset(actual, subset),
      `expected ${show(actual)} to match ${show(subset)}`,
    ],
    toBeInstanceOf: (
      cls: abstract new (...args: never[]) => unknown,
    ) => [actual instanceof cls, `expected instance of ${cls.name}`],
    toThrow: (e?: RegExp | string) => {
      let thrown: unknown;
      let didThrow = false;
      if (typeof actual === "function") {
        try {
          (actual as () => unknown)();
        } catch (err) {
          didThrow = true;
          thrown = err;
        }
      } else {
        didThrow = actual !== undefined;
        thrown = actual;
      }
      const message = thrown instanceof Error ? thrown.message : String(thrown);
      const ok = didThrow &&
        (e === undefined || (typeof e === "string" ? message.includes(e) : e.test(message)));
      return [ok, didThrow ? `expected error matching ${e}, got "${message}"` : "expected function to throw"];
    },
  };
}

/** Bun's toMatchObject: every key of `subset` is in `actual`, objects compared the same way, the rest equal. */
function matchesSubset(actual: unknown, subset: unknown): boolean {
  if (subset === null || typeof subset !== "object" || Array.isArray(subset)) {
    return isDeepStrictEqual(actual, subset);
  }
  if (actual === null || typeof actual !== "object") return false;
  return Object.entries(subset).every(([key, value]) =>
    key in actual && matchesSubset((actual as Record<string, unknown>)[key], value)
  );
}

function matchers(actual: unknown, negate: boolean): Matchers {
  const table = checks(actual);
  return Object.fromEntries(
    Object.entries(table).map(([name, check]) => [name, (...args: never[]) => {
      const [ok, message] = check(...args);
      if (ok === negate) throw new assert.AssertionError({ message: negate ? `not: ${message}` : message });
    }]),
  ) as unknown as Matchers;
}

function asyncMatchers(promise: unknown, mode: "resolves" | "rejects"): AsyncMatchers {
  return Object.fromEntries(
    Object.keys(checks(undefined)).map((name) => [name, async (...args: never[]) => {
      let settled: unknown;
      try {
        settled = await promise;
        if (mode === "rejects") throw new assert.AssertionError({ message: "expected promise to reject" });
      } catch (err) {
        if (mode === "resolves" || err instanceof assert.AssertionError) throw err;
        settled = err;
      }
      (matchers(settled, false) as unknown as Record<string, (...a: never[]) => void>)[name](...args);
    }]),
  ) as unknown as AsyncMatchers;
}

/** Jest-style assertions. */
export function expect(actual: unknown): Expectation {
  return Object.assign(matchers(actual, false), {
    not: matchers(actual, true),
    resolves: asyncMatchers(actual, "resolves"),
    rejects: asyncMatchers(actual, "rejects"),
  });
}
