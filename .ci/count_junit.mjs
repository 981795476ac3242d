// Sums passed and failed test cases over JUnit XML files written by `bun test` and `deno test`,
// and prints "N passed, N failed". Deno also lists each describe() group as a test case: a case
// whose name is the "<name> > " prefix of another is a group and is not counted. Each
// "--failed-check NAME" argument adds one failure for a check that is not a test (lint).
import fs from "node:fs";

let passed = 0;
let failed = 0;
const args = process.argv.slice(2);
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--failed-check") {
    console.log(`${args[++i]}: failed`);
    failed += 1;
  } else files.push(args[i]);
}
for (const file of files) {
  if (!fs.existsSync(file)) {
    console.error(`${file}: missing (the runner did not finish)`);
    failed += 1;
    continue;
  }
  const xml = fs.readFileSync(file, "utf8");
  const cases = [...xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)].map((m) => ({
    name: (/\bname="([^"]*)"/.exec(m[1]) ?? [])[1] ?? "",
    body: m[3] ?? "",
  }));
  const names = cases.map((c) => c.name);
  for (const c of cases) {
    if (names.some((n) => n.startsWith(`${c.name} &gt; `))) continue;
    if (/<skipped/.test(c.body)) continue;
    if (/<(failure|error)\b/.test(c.body)) failed += 1;
    else passed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
