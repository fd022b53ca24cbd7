/**
 * Benchmark: what each observe script costs on the Manager itself (issue 19: "a cheap
 * observe"). The sandbox lab is converged once (a LabManager with VirtualBMC and its NAT
 * LibvirtNetwork on one prebaked sandbox Manager) and a small undercloud domain is defined
 * (never started: its observe takes the existing-domain path, no KVM probe). Each script is
 * then run exactly as the controllers run it (`bash -c SCRIPT bash ARGS...`, the arguments
 * captured from the real observe functions), wrapped in bash's `time`: wall, user and system
 * CPU on the Manager, children included. Needs root (systemd-nspawn).
 */
import { execFile } from "node:child_process";
import { loadavg } from "node:os";
import { promisify } from "node:util";
import type { LabManager, LibvirtNetwork } from "../src/api/index.js";
import { loadManifests } from "../src/manifests/load.js";
import type { RemoteHost } from "../src/remote/types.js";
import { libvirtNetworkName } from "../src/render/libvirt-network.js";
import { observeManager } from "../src/steps/labmanager/observe.js";
import { observeNetwork } from "../src/steps/network/observe.js";
import { observeUndercloud } from "../src/steps/undercloud/observe.js";
import { undercloudPaths } from "../src/steps/undercloud/paths.js";
import { sshArgv, sshRun } from "../test/e2e/support/sandbox.js";
import { startBenchLab } from "./sandbox-lab.js";
import { round, summarize, type Summary } from "./stats.js";

const run = promisify(execFile);

export interface ScriptCost {
  /** Wall time of the script on the Manager (not the SSH round trip). */
  wallMs: Summary;
  /** User + system CPU of the script and its children on the Manager. */
  cpuMs: Summary;
}

export interface ObserveCostResult {
  repetitions: number;
  scripts: Record<"LabManager" | "LibvirtNetwork" | "TripleOUndercloud", ScriptCost>;
  loadAverage: number[];
}

/** The script and arguments an observe function sends (it never gets an answer here). */
async function captured(observe: (host: RemoteHost) => Promise<unknown>): Promise<[string, string[]]> {
  let call: [string, string[]] | undefined;
  const host = {
    observe: async (script: string, args: readonly string[]) => {
      call = [script, [...args]];
      throw new Error("captured");
    },
  } as unknown as RemoteHost;
  await observe(host).catch(() => undefined);
  if (!call) throw new Error("the observe function sent no script");
  return call;
}

/** bash's `time` around the script as the controllers run it; its JSON goes to /dev/null. */
const TIMED = 'TIMEFORMAT="%3R %3U %3S"; { time bash -c "$0" bash "$@" >/dev/null; } 2>&1 | tail -n1';

export async function benchObserveCost(repetitions = 10): Promise<ObserveCostResult> {
  const lab = await startBenchLab({ count: 1, prefix: "bobs", virtualBMC: true, resyncInterval: "1h" });
  try {
    const m = lab.sandbox.managers[0]!;
    const objects = (await loadManifests([lab.manifests])).objects.map((o) => o.object);
    const lm = objects.find((o) => o.kind === "LabManager") as LabManager;
    const net = objects.find((o) => o.kind === "LibvirtNetwork") as LibvirtNetwork;
    const domain = "bench-undercloud";
    await sshRun(lab.sandbox, m, [
      "bash",
      "-c",
      `virsh define /dev/stdin >/dev/null <<'EOF'
<domain type="qemu"><name>${domain}</name><memory unit="MiB">64</memory><os><type arch="x86_64">hvm</type></os>
<devices><interface type="network"><source network="${libvirtNetworkName(net)}"/></interface></devices></domain>
EOF`,
    ]);
    const paths = undercloudPaths("/var/lib/libvirt/images", domain, "file:///srv/lab-images/guest.qcow2");
    const calls = {
      LabManager: await captured((h) => observeManager(h, lm.spec)),
      LibvirtNetwork: await captured((h) => observeNetwork(h, libvirtNetworkName(net))),
      TripleOUndercloud: await captured((h) => observeUndercloud(h, domain, paths)),
    };
    const scripts = {} as ObserveCostResult["scripts"];
    for (const [kind, [script, args]] of Object.entries(calls) as [
      keyof typeof calls,
      [string, string[]],
    ][]) {
      const wall: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < repetitions; i++) {
        const argv = sshArgv(lab.sandbox, m, ["bash", "-c", TIMED, script, ...args]);
        const { stdout } = await run("ssh", argv, { timeout: 120_000, maxBuffer: 1 << 20 });
        const [r, u, s] = stdout.trim().split(/\s+/).map(Number);
        if ([r, u, s].some((x) => x === undefined || Number.isNaN(x)))
          throw new Error(`${kind}: no timing in ${JSON.stringify(stdout)}`);
        wall.push(round(r! * 1000));
        cpu.push(round((u! + s!) * 1000));
      }
      scripts[kind] = { wallMs: summarize(wall), cpuMs: summarize(cpu) };
    }
    return { repetitions, scripts, loadAverage: loadavg().map((x) => round(x, 2)) };
  } finally {
    await lab.close();
  }
}
