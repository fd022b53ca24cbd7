/**
 * Benchmark: a Manager service stopped by hand → running again. `labctl run` serves the
 * sandbox lab with VirtualBMC and spec.resyncInterval = RESYNC (far longer than any sample),
 * so what repairs it is PID 1's journal line about the unit (src/controllers/unit-events.ts)
 * re-queueing the LabManager. Each repetition times break → running again as seen from the
 * Manager (one `ssh systemctl is-active` per poll, ~0.3-0.6 s each, included). Needs root.
 */
import { RunningLabctl } from "../test/e2e/support/labctl.js";
import { sshRun, type Sandbox } from "../test/e2e/support/sandbox.js";
import { startBenchLab } from "./sandbox-lab.js";
import { summarize, type Summary } from "./stats.js";

const RESYNC = "10m";

const FAULTS = {
  libvirtd: {
    stop: [
      "systemctl",
      "stop",
      "libvirtd.service",
      "libvirtd.socket",
      "libvirtd-ro.socket",
      "libvirtd-admin.socket",
    ],
    unit: "libvirtd.socket",
  },
  vbmcd: { stop: ["systemctl", "stop", "vbmcd.service"], unit: "vbmcd.service" },
} as const;

export async function benchDriftServices(
  repetitions = 5,
): Promise<{ resyncInterval: string; repetitions: number; repairMs: Record<keyof typeof FAULTS, Summary> }> {
  const lab = await startBenchLab({ count: 1, prefix: "bdsvc", virtualBMC: true, resyncInterval: RESYNC });
  const args = ["run", "-f", lab.manifests, "--workspace", lab.workspace, "--metrics-address", "off"];
  const op = new RunningLabctl(args);
  try {
    await op.waitForLog((l) => l.msg === "operator running", 60_000);
    const repairMs = {} as Record<keyof typeof FAULTS, Summary>;
    for (const [name, fault] of Object.entries(FAULTS) as Array<
      [keyof typeof FAULTS, (typeof FAULTS)["vbmcd"]]
    >) {
      const samples: number[] = [];
      for (let i = 0; i < repetitions; i++) {
        await waitActive(lab.sandbox, fault.unit, 120_000);
        await sshRun(lab.sandbox, lab.sandbox.managers[0]!, fault.stop);
        const t0 = performance.now();
        await waitActive(lab.sandbox, fault.unit, 120_000);
        samples.push(performance.now() - t0);
      }
      repairMs[name] = summarize(samples);
    }
    return { resyncInterval: RESYNC, repetitions, repairMs };
  } finally {
    await op.stop("SIGTERM");
    await lab.close();
  }
}

async function waitActive(sandbox: Sandbox, unit: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await sshRun(sandbox, sandbox.managers[0]!, ["systemctl", "is-active", unit]).catch(
      () => "",
    );
    if (state.trim() === "active") return;
    if (Date.now() > deadline) throw new Error(`${unit} not active again within ${timeoutMs} ms`);
  }
}
