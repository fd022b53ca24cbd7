/**
 * Benchmark: a libvirt network destroyed by hand → active again, with `labctl run`
 * watching the Manager's libvirt events (event-driven drift repair). Boots a prebaked
 * sandbox Manager, converges a Manager without VirtualBMC plus one NAT network, then
 * destroys the network `repetitions` times and times each repair as seen from the Manager.
 * Needs root (systemd-nspawn).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { labctl, RunningLabctl } from "../test/e2e/support/labctl.js";
import { renderManagerManifest } from "../test/e2e/support/manifests.js";
import { sshRun, startSandbox, stopSandbox, type Sandbox } from "../test/e2e/support/sandbox.js";
import { summarize, type Summary } from "./stats.js";

const NETWORK = {
  apiVersion: "openstacklab.io/v1alpha1",
  kind: "LibvirtNetwork",
  metadata: { name: "hypervisor-control-plane" },
  spec: {
    managerRef: { name: "manager" },
    mode: "nat",
    bridge: "hypervisor",
    ipv4: {
      address: "192.168.122.1/24",
      dhcp: { ranges: [{ start: "192.168.122.2", end: "192.168.122.254" }] },
    },
  },
};

export async function benchDriftLatency(
  repetitions = 5,
): Promise<{ repetitions: number; repairMs: Summary }> {
  let sandbox: Sandbox | undefined;
  const dir = await mkdtemp(join(tmpdir(), "bench-drift-"));
  const mf = join(dir, "manifests");
  const ws = ["--workspace", join(dir, "workspace")];
  try {
    sandbox = await startSandbox({ count: 1, variant: "prebaked", prefix: "bdrift" });
    const manager = sandbox.managers[0]!;
    await renderManagerManifest(sandbox, manager, mf, (spec) => (spec.virtualBMC = { enabled: false }));
    await writeFile(join(mf, "network.yaml"), stringify(NETWORK));
    const applied = await labctl(["apply", "-f", mf, ...ws]);
    if (applied.code !== 0) throw new Error(`apply failed: ${applied.stderr.slice(-2000)}`);
    const op = new RunningLabctl(["run", "-f", mf, ...ws, "--metrics-address", "off"]);
    const samples: number[] = [];
    try {
      await op.waitForLog((l) => l.msg === "operator running", 60_000);
      await waitActive(sandbox, 60_000); // the watcher starts after the first reconcile
      for (let i = 0; i < repetitions; i++) {
        await sshRun(sandbox, manager, ["virsh", "net-destroy", NETWORK.metadata.name]);
        const t0 = performance.now();
        await waitActive(sandbox, 120_000);
        samples.push(performance.now() - t0);
      }
    } finally {
      await op.stop("SIGTERM");
    }
    return { repetitions, repairMs: summarize(samples) };
  } finally {
    await stopSandbox(sandbox);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Poll the Manager (one ssh per poll, ~0.3 s apiece) until the network is active. */
async function waitActive(sandbox: Sandbox, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await sshRun(sandbox, sandbox.managers[0]!, [
      "virsh",
      "net-info",
      NETWORK.metadata.name,
    ]).catch(() => "");
    if (/Active:\s+yes/.test(info)) return;
    if (Date.now() > deadline) throw new Error(`network not active again within ${timeoutMs} ms`);
  }
}
