/**
 * Benchmark: drift that no libvirt event reports, repaired by the next resync: libvirtd
 * stopped by hand (service and its sockets: an idle socket-activated libvirtd is not drift)
 * and vbmcd stopped by hand. `labctl run` serves the sandbox lab with VirtualBMC and
 * spec.resyncInterval = RESYNC; each repetition times break → running again as seen from
 * the Manager (one `ssh systemctl is-active` per poll, ~0.3-0.6 s each, included). Each
 * break comes at a random phase of the resync cycle, so the expected figure is about half
 * the resync interval plus the repair itself. Needs root.
 */
import { RunningLabctl } from "../test/e2e/support/labctl.js";
import { sshRun, type Sandbox } from "../test/e2e/support/sandbox.js";
import { startBenchLab } from "./sandbox-lab.js";
import { summarize, type Summary } from "./stats.js";

const RESYNC = "10s";
const RESYNC_MS = 10_000;

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

export async function benchDriftResync(
  repetitions = 5,
): Promise<{ resyncInterval: string; repetitions: number; repairMs: Record<keyof typeof FAULTS, Summary> }> {
  const lab = await startBenchLab({ count: 1, prefix: "bdres", virtualBMC: true, resyncInterval: RESYNC });
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
        // Break at a random phase of the resync cycle: right after a repair the next resync
        // is a whole interval away, which would bias every sample to the maximum.
        await new Promise((r) => setTimeout(r, Math.random() * RESYNC_MS));
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
