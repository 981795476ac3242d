import { beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { writeSeal } from "../src/integrity/seal.ts";
import { generateKeyPair, loadSigningKey } from "../src/integrity/signing.ts";
import { manifestRecordSha256 } from "../src/output/manifest.ts";
import { readManifest } from "../src/output/run_folder.ts";
import { bundleRoot } from "../src/witness/chain.ts";
import { runMain } from "./support/cli_process.ts";
import { STUDY_SPEC } from "./support/specs.ts";
import { smallSpec, tempDir, writeSpec } from "./support/temp.ts";

let study = "";
let signed = "";
let keys = { key: "", pub: "" };

/** A copy of a run folder to tamper with. */
function copyOf(dir: string): string {
  const copy = path.join(tempDir(), "copy");
  fs.cpSync(dir, copy, { recursive: true });
  return copy;
}

function edit(file: string, change: (text: string) => string): void {
  const before = fs.readFileSync(file, "utf8");
  const after = change(before);
  expect(after).not.toBe(before);
  fs.writeFileSync(file, after);
}

/** Re-binds a tampered folder as a forger would: the witness bundle, then seal.json (unsigned). */
async function forgeBindings(dir: string): Promise<void> {
  const manifest = readManifest(dir);
  const bundleFile = path.join(dir, "witness", "bundle.json");
  if (fs.existsSync(bundleFile)) {
    const bundle = JSON.parse(fs.readFileSync(bundleFile, "utf8"));
    bundle.manifest_sha256 = await manifestRecordSha256(manifest);
    bundle.root = await bundleRoot(bundle);
    fs.writeFileSync(bundleFile, JSON.stringify(bundle, null, 2) + "\n");
  }
  await writeSeal(dir, manifest);
}

beforeAll(async () => {
  const dir = tempDir();
  const run = await runMain([writeSpec(dir, STUDY_SPEC), "--out", path.join(dir, "study"), "-q"]);
  expect(run.code).toBe(0);
  study = path.join(dir, "study");

  keys = { key: path.join(dir, "lab.key"), pub: path.join(dir, "lab.pub") };
  expect((await runMain(["keygen", path.join(dir, "lab")])).code).toBe(0);
  const small = writeSpec(dir, smallSpec("plugins: [latency, memory]\n"), "small.yaml");
  const signedRun = await runMain([small, "--out", path.join(dir, "signed"), "--sign", keys.key, "-q"]);
  expect(signedRun.code).toBe(0);
  expect(signedRun.stdout).toMatch(
    /^sealed: seal\.json covers 7 files, root [0-9a-f]{12}… \(signed with Ed25519 key [0-9a-f]{16}\)/m,
  );
  signed = path.join(dir, "signed");
}, 120_000);

describe("seal.json binds every file the run wrote", () => {
  test("an untouched study folder passes: files, no signature, witness re-run", async () => {
    const { code, stdout } = await runMain(["verify", study]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^files: PASS \(\d+ files match seal\.json, root [0-9a-f]{12}…\)$/m);
    expect(stdout).toMatch(
      /^signature: none \(the hashes show the folder is consistent, but anyone who edits it/m,
    );
    expect(stdout).toMatch(/^witness reproducible: PASS /m);
    const seal = JSON.parse(fs.readFileSync(path.join(study, "seal.json"), "utf8"));
    const manifest = readManifest(study);
    const written = [
      "manifest.json",
      "results.csv",
      "results.csv-metadata.json",
      ...manifest.files,
      ...manifest.cases.flatMap((c) => c.files),
    ];
    expect(Object.keys(seal.files).sort()).toEqual([...new Set(written)].sort());
    expect(fs.existsSync(path.join(study, "cases.jsonl"))).toBe(false);
  });

  const edits: [string, string, (text: string) => string][] = [
    ["results.csv (a latency median)", "results.csv", (t) => t.replace(/,ok,/, ",ok,9")],
    ["csv/results.csv (accuracy 0 → 1)", "csv/results.csv", (t) => t.replace(/,0,([0-9a-f]{64})/, ",1,$1")],
    ["a witness line", "witness/mincut_l0.5_t2.jsonl", (t) => t.replace(/"cut_cost":[^,]+/, '"cut_cost":0')],
    [
      "the manifest's status",
      "manifest.json",
      (t) => t.replace('"status": "complete"', '"status": "interrupted"'),
    ],
    ["the manifest's warnings", "manifest.json", (t) => t.replace('"warnings": []', '"warnings": ["fine"]')],
  ];
  for (const [what, file, change] of edits) {
    test(`an edit to ${what} fails verify, naming ${file}`, async () => {
      const dir = copyOf(study);
      edit(path.join(dir, file), change);
      const { code, stdout } = await runMain(["verify", dir]);
      expect(code).toBe(1);
      expect(stdout).toContain(`files: FAIL (${file} differs from what the run wrote (SHA-256 `);
      expect(stdout).not.toContain("witness reproducible");
    });
  }

  test("an edit to a per-case table fails verify, naming it", async () => {
    const dir = copyOf(study);
    const table = readManifest(dir).cases.find((c) => c.files.length > 0)!.files[0];
    edit(path.join(dir, table), (t) => t.replace(/\n(\d)/, "\n9$1"));
    const { code, stdout } = await runMain(["verify", dir]);
    expect(code).toBe(1);
    expect(stdout).toContain(`files: FAIL (${table} differs from what the run wrote`);
  });

  test("a deleted file fails verify; a file added later is named but does not fail it", async () => {
    const dir = copyOf(study);
    fs.rmSync(path.join(dir, "csv", "baseline.csv"));
    expect((await runMain(["verify", dir])).stdout).toContain("files: FAIL (csv/baseline.csv is missing");
    const other = copyOf(study);
    fs.writeFileSync(path.join(other, "notes.txt"), "mine\n");
    const { code, stdout } = await runMain(["verify", other]);
    expect(code).toBe(0);
    expect(stdout).toContain("note: not covered by seal.json (written after the run): notes.txt");
  });

  test(
    "report.html and figures/, made after the seal, are named as the report's and do not fail verify",
    async () => {
      const dir = copyOf(study);
      expect(fs.existsSync(path.join(dir, "report.html"))).toBe(true);
      expect((await runMain(["report", dir, "--figures"])).code).toBe(0);
      const { code, stdout } = await runMain(["verify", dir]);
      expect(code).toBe(0);
      expect(stdout).toMatch(
        /note: report\.html and figures\/ \(\d+ files\): made by attnbench report from the sealed files, so not sealed/,
      );
      expect(stdout).not.toContain("written after the run");
    },
    60_000,
  );

  test("a case journal planted beside a finished run is never read, and fails verify", async () => {
    const dir = copyOf(study);
    const record = readManifest(dir).cases[0];
    fs.writeFileSync(
      path.join(dir, "cases.jsonl"),
      JSON.stringify({ case: { ...record, median_us: 0.001 }, ran: 1 }) + "\n",
    );
    expect(readManifest(dir).cases[0].median_us).toBe(record.median_us);
    const { code, stdout } = await runMain(["verify", dir]);
    expect(code).toBe(1);
    expect(stdout).toContain("files: FAIL (cases.jsonl lies beside a finished run");
  });

  test("a malformed seal.json is a FAIL, not a crash", async () => {
    const dir = copyOf(study);
    const seal = JSON.parse(fs.readFileSync(path.join(dir, "seal.json"), "utf8"));
    fs.writeFileSync(path.join(dir, "seal.json"), JSON.stringify({ ...seal, files: null }));
    const { code, stdout } = await runMain(["verify", dir]);
    expect(code).toBe(1);
    expect(stdout).toContain("files: FAIL (seal.json is malformed");
  });

  test("a finished run that lost its seal (killed while sealing) is sealed by --resume", async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, smallSpec());
    const out = path.join(dir, "out");
    expect((await runMain([spec, "--out", out, "-q"])).code).toBe(0);
    fs.rmSync(path.join(out, "seal.json"));
    expect((await runMain(["verify", out])).stdout).toContain("files: FAIL (seal.json is missing");
    const resumed = await runMain([spec, "--out", out, "--resume"]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain("its run ended before seal.json was written");
    expect((await runMain(["verify", out])).code).toBe(0);
  });

  test("without a key, a forger who recomputes every hash gets a PASS that says it is unsigned", async () => {
    const dir = copyOf(study);
    edit(path.join(dir, "csv", "results.csv"), (t) => t.replace(/,0,([0-9a-f]{64})/, ",1,$1"));
    await forgeBindings(dir);
    const { code, stdout } = await runMain(["verify", dir]);
    expect(code).toBe(0);
    expect(stdout).toContain("signature: none");
  });
});

describe("signed runs", () => {
  test("keygen writes a private key only its owner can read, and never overwrites one", async () => {
    expect(fs.statSync(keys.key).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(keys.key, "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(fs.readFileSync(keys.pub, "utf8")).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const again = await runMain(["keygen", keys.key.replace(/\.key$/, "")]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/lab\.key already exists; keygen never overwrites a key/);
  });

  test("verify --key passes a signed run; without --key it says the signature was not checked", async () => {
    const checked = await runMain(["verify", signed, "--key", keys.pub]);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toMatch(/^signature: PASS \(valid Ed25519 signature by key [0-9a-f]{16}\)$/m);
    const unchecked = await runMain(["verify", signed]);
    expect(unchecked.code).toBe(0);
    expect(unchecked.stdout).toMatch(/^signature: not checked \(signed by key [0-9a-f]{16}; pass --key/m);
  });

  test("a forged seal fails against the key: unsigned, old signature kept, or signed by another key", async () => {
    const forgeries: [string, (dir: string) => Promise<void>, RegExp][] = [
      [
        "recomputed, unsigned",
        (dir) => forgeBindings(dir),
        /seal\.json is not signed, but --key [0-9a-f]{16} asks/,
      ],
      ["recomputed, old signature kept", async (dir) => {
        const old = JSON.parse(fs.readFileSync(path.join(dir, "seal.json"), "utf8")).signature;
        await forgeBindings(dir);
        const seal = JSON.parse(fs.readFileSync(path.join(dir, "seal.json"), "utf8"));
        fs.writeFileSync(path.join(dir, "seal.json"), JSON.stringify({ ...seal, signature: old }));
      }, /the signature does not match its root/],
      ["signed by another key", async (dir) => {
        const other = await loadSigningKey((await generateKeyPair()).privatePem, "other");
        await writeSeal(dir, readManifest(dir), other);
      }, /seal\.json is signed by key [0-9a-f]{16}, not by the key given with --key/],
    ];
    for (const [what, forge, message] of forgeries) {
      const dir = copyOf(signed);
      edit(path.join(dir, "results.csv"), (t) => t.replace(/,ok,/, ",ok,9"));
      await forge(dir);
      const { code, stdout } = await runMain(["verify", dir, "--key", keys.pub]);
      expect({ what, code }).toEqual({ what, code: 1 });
      expect(stdout).toMatch(/^files: FAIL \(the signature does not hold/m);
      expect(stdout).toMatch(message);
    }
  });

  test("a bad key is one line and exit 2 before anything runs", async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, smallSpec());
    fs.writeFileSync(path.join(dir, "bad.key"), "not a key\n");
    const bad = await runMain([spec, "--out", path.join(dir, "out"), "--sign", path.join(dir, "bad.key")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^error: --sign .*bad\.key holds no PEM block; expected "-----BEGIN PRIVATE KEY-----"/,
    );
    expect(fs.existsSync(path.join(dir, "out"))).toBe(false);
    const missing = await runMain(["verify", signed, "--key", path.join(dir, "nope.pub")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.pub \(no such file\); expected a public key/);
  });
});

describe("verify runs no code named by a results folder", () => {
  /** A study folder whose manifest names a plugin and (optionally) a kernel file that leave a mark when imported. */
  async function hostileFolder(withKernel: boolean): Promise<{ dir: string; mark: string }> {
    const dir = copyOf(study);
    const mark = path.join(tempDir(), "imported");
    const evil = `import fs from "node:fs";\nfs.writeFileSync(${
      JSON.stringify(mark)
    }, "ran");\nexport default {};\n`;
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    fs.writeFileSync(path.join(manifest.spec.dir, "evil_plugin.ts"), evil);
    fs.writeFileSync(path.join(manifest.spec.dir, "evil_kernel.ts"), evil);
    manifest.spec.resolved.plugins.push("./evil_plugin.ts");
    if (withKernel) manifest.spec.resolved.kernel = "./evil_kernel.ts";
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
    await forgeBindings(dir);
    return { dir, mark };
  }

  test("a plugin path in the manifest is never imported; the witness is still re-run", async () => {
    const { dir, mark } = await hostileFolder(false);
    const { code, stdout } = await runMain(["verify", dir, "--trust"]);
    expect(stdout).toMatch(/^witness reproducible: PASS /m);
    expect(code).toBe(0);
    expect(fs.existsSync(mark)).toBe(false);
  });

  test("a results folder's spec is held to a run's bounds: a 10⁹-case grid is refused in under a second", async () => {
    const dir = copyOf(study);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    const axis = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    Object.assign(manifest.spec.resolved.params, {
      seq_len: axis(1000),
      lambda: axis(1000),
      tau: axis(1000),
    });
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
    await forgeBindings(dir);
    const started = performance.now();
    const { code, stderr } = await runMain(["verify", dir]);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /cannot rebuild the run from manifest\.json: .*the grid makes [\d,]+ cases .*expected at most 10,000/,
    );
  });

  test("a kernel path is refused with exit 2, naming the file, unless --trust", async () => {
    const { dir, mark } = await hostileFolder(true);
    const refused = await runMain(["verify", dir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^error: re-checking the witness would import and run kernel code that the results folder names: \.\/evil_kernel\.ts \(.*evil_kernel\.ts\); verify runs only built-in kernels unless you pass --trust/m,
    );
    expect(fs.existsSync(mark)).toBe(false);
    await runMain(["verify", dir, "--trust"]);
    expect(fs.existsSync(mark)).toBe(true);
  });
});
