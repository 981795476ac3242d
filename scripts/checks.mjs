// A small harness for the check scripts .ci/run runs besides the test suites
// (check_package.mjs, check_report_browser.mjs): named checks that print one line each, and a
// JUnit XML file for .ci/run's count.
//
//   import { Checks } from "./checks.mjs";
//   const checks = new Checks("package");
//   checks.check("npm pack builds the package", () => { ... });
//   checks.finish(junitPath); // prints "package checks: N passed, N failed", exits 1 on a failure
import fs from "node:fs";
import path from "node:path";

/** Throws `message` unless `condition` holds. */
export function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/** Named checks, run one after the other; a failure is recorded and the next check runs. */
export class Checks {
  constructor(suite) {
    this.suite = suite;
    this.results = [];
  }

  /** Runs `body` (sync or async) and records whether it threw. */
  async check(name, body) {
    try {
      await body();
      this.results.push({ name });
      console.log(`ok: ${name}`);
    } catch (error) {
      const message = `${error.message}${error.stderr ? `\n${String(error.stderr).slice(-2000)}` : ""}`;
      this.results.push({ name, message });
      console.log(`FAIL: ${name}\n  ${message.replace(/\n/g, "\n  ")}`);
    }
  }

  /** Writes the JUnit file (if a path is given), prints the count, exits 1 if any check failed. */
  finish(junit) {
    if (junit) {
      const escape = (text) =>
        text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]);
      const cases = this.results.map((r) =>
        r.message === undefined
          ? `  <testcase name="${escape(r.name)}"/>`
          : `  <testcase name="${escape(r.name)}"><failure message="${escape(r.message.split("\n")[0])}">${
            escape(r.message)
          }</failure></testcase>`
      );
      fs.mkdirSync(path.dirname(junit), { recursive: true });
      fs.writeFileSync(
        junit,
        `<?xml version="1.0"?>\n<testsuites>\n<testsuite name="${this.suite}">\n${
          cases.join("\n")
        }\n</testsuite>\n</testsuites>\n`,
      );
    }
    const failed = this.results.filter((r) => r.message !== undefined).length;
    console.log(`${this.suite} checks: ${this.results.length - failed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
  }
}
