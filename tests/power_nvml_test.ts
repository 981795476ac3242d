import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type NvmlOptions, type NvmlPowerSource, nvmlSource } from "../plugins/power/sources/nvml.ts";
import { tempDir } from "./support/temp.ts";

const FIXTURES = fileURLToPath(new URL("./fixtures/power/", import.meta.url));
const scratch = tempDir();
/** The fake NVML with the energy counter (Volta and newer) and without it (NOT_SUPPORTED). */
const WITH_ENERGY = join(scratch, "energy", "libnvidia-ml.so.1");
const WITHOUT_ENERGY = join(scratch, "no-energy", "libnvidia-ml.so.1");
const NVIDIA_SMI = join(scratch, "bin", "nvidia-smi");
const MISSING_LIBRARY = join(scratch, "absent", "libnvidia-ml.so.1");

const hasGcc = spawnSync("gcc", ["--version"]).status === 0;
if (!hasGcc) {
  console.log("skipped the fake libnvidia-ml tests: gcc is not installed, so the fake cannot be built");
}

function compileFake(output: string, ...defines: string[]): void {
  mkdirSync(join(output, ".."), { recursive: true });
  execFileSync("gcc", ["-shared", "-fPIC", ...defines, "-o", output, join(FIXTURES, "fake_nvml.c")]);
}

beforeAll(() => {
  if (hasGcc) {
    compileFake(WITH_ENERGY);
    compileFake(WITHOUT_ENERGY, "-DFAKE_NVML_NO_ENERGY");
  }
  mkdirSync(join(scratch, "bin"));
  copyFileSync(join(FIXTURES, "fake_nvidia_smi.sh"), NVIDIA_SMI);
  execFileSync("chmod", ["755", NVIDIA_SMI]);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Detects a source, hands it to `body` and always closes it. */
async function withSource(
  options: NvmlOptions,
  body: (source: NvmlPowerSource, detected: true | string) => unknown,
): Promise<void> {
  const source = nvmlSource({ nvidiaSmiPath: NVIDIA_SMI, ...options });
  try {
    await body(source, await source.detect());
  } finally {
    source.close();
  }
}

describe("NVML over FFI (fake libnvidia-ml.so.1)", () => {
  test.if(hasGcc)("energy counter preferred: mJ since detect as joules, and watts from mW", async () => {
    await withSource({ libraryPath: WITH_ENERGY }, async (gpu, detected) => {
      expect(detected).toBe(true);
      expect(gpu.backend()).toBe("nvml");
      expect(await gpu.readEnergyJoules!()).toBe(1.5);
      expect(await gpu.readEnergyJoules!()).toBe(3);
      expect(await gpu.readWatts!()).toBe(123.456);
    });
  });

  test.if(hasGcc)(
    "the device option picks the GPU (the fake refuses handles it did not give out)",
    async () => {
      await withSource({ libraryPath: WITH_ENERGY, device: 1 }, async (gpu, detected) => {
        expect(detected).toBe(true);
        expect(await gpu.readEnergyJoules!()).toBe(3);
        expect(await gpu.readEnergyJoules!()).toBe(6);
        expect(await gpu.readWatts!()).toBe(124.456);
      });
    },
  );

  test.if(hasGcc)("energy NOT_SUPPORTED (pre-Volta, vGPU): watts only", async () => {
    await withSource({ libraryPath: WITHOUT_ENERGY }, async (gpu, detected) => {
      expect(detected).toBe(true);
      expect(gpu.backend()).toBe("nvml");
      expect(gpu.readEnergyJoules).toBeUndefined();
      expect(await gpu.readWatts!()).toBe(123.456);
    });
  });

  test.if(hasGcc)("a GPU index NVML does not know is reported with both attempts", async () => {
    await withSource({ libraryPath: WITH_ENERGY, device: 5 }, (gpu, detected) => {
      expect(detected).toBe(
        `NVML (${WITH_ENERGY}, GPU 5): nvmlDeviceGetHandleByIndex_v2(5) returned NVML_ERROR_INVALID_ARGUMENT (2); ` +
          `expected NVML_SUCCESS (0); nvidia-smi fallback: ${NVIDIA_SMI} exited with code 6: No devices were found`,
      );
      expect(gpu.backend()).toBeUndefined();
      expect(gpu.readWatts).toBeUndefined();
    });
  });

  test.if(hasGcc)(
    "close removes the readers, a kept reader throws instead of calling into NVML, detect reopens",
    async () => {
      const gpu = nvmlSource({ libraryPath: WITH_ENERGY });
      expect(await gpu.detect()).toBe(true);
      const kept = gpu.readEnergyJoules!;
      gpu.close();
      gpu.close();
      expect(gpu.readEnergyJoules).toBeUndefined();
      expect(gpu.backend()).toBeUndefined();
      expect(() => kept()).toThrow("NVML source for GPU 0 is closed; expected detect() before reading");
      expect(await gpu.detect()).toBe(true);
      expect(await gpu.readEnergyJoules!()).toBe(1.5);
      gpu.close();
    },
  );
});

describe("nvidia-smi fallback (fake nvidia-smi)", () => {
  test("a library that cannot be loaded falls back to nvidia-smi power.draw", async () => {
    await withSource({ libraryPath: MISSING_LIBRARY }, async (gpu, detected) => {
      expect(detected).toBe(true);
      expect(gpu.backend()).toBe("nvidia-smi");
      expect(gpu.readEnergyJoules).toBeUndefined();
      expect(await gpu.readWatts!()).toBe(71.23);
    });
  });

  test("[N/A] power is unavailable, with what NVML and nvidia-smi each said", async () => {
    await withSource({ libraryPath: MISSING_LIBRARY, device: 1 }, (_gpu, detected) => {
      expect(detected).toContain(`NVML (${MISSING_LIBRARY}, GPU 1): cannot load ${MISSING_LIBRARY}: `);
      expect(detected).toContain(
        `; nvidia-smi fallback: ${NVIDIA_SMI} printed "[N/A]" for power.draw of GPU 1; expected watts`,
      );
    });
  });

  test("no nvidia-smi either", async () => {
    const absent = join(scratch, "absent", "nvidia-smi");
    await withSource({ libraryPath: MISSING_LIBRARY, nvidiaSmiPath: absent }, (_gpu, detected) => {
      expect(detected).toContain(
        `nvidia-smi fallback: ${absent} not found; expected the NVIDIA driver's nvidia-smi (install the driver or pass its path)`,
      );
    });
  });

  test("a device index that is not a 32-bit unsigned integer is refused", () => {
    expect(() => nvmlSource({ device: -1 })).toThrow(
      "NVML device index is -1; expected an integer from 0 to 4294967295",
    );
    expect(() => nvmlSource({ device: 0.5 })).toThrow("NVML device index is 0.5");
  });
});
