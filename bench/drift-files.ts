/**
 * Benchmark: a Manager file changed by hand → as the spec wants again. `labctl run` serves
 * the sandbox lab with spec.resyncInterval = RESYNC (far longer than any sample), so what
 * repairs it is the inotify watch on the Manager (src/steps/labmanager/file-events.ts)
 * re-queueing the LabManager. Each repetition times change → file back (its sha256 as
 * converged), as seen from the Manager (one `ssh sha256sum` per poll, included). Needs root.
 */
import { runOperator } from "../test/e2e/support/labctl.js";
import { loadavg } from "node:os";
import { sshRun } from "../test/e2e/support/sandbox.js";
import { startBenchLab } from "./sandbox-lab.js";
import { pollUntil } from "./poll.js";
import { summarize, type Summary } from "./stats.js";

const RESYNC = "10m";
const SUDOERS = "/etc/sudoers.d/lab-operator-manager";
const BRIDGE_FILE = "/etc/systemd/network/50-lab-labbr0.network";

const FAULTS = {
  "sudoers deleted": { file: SUDOERS, change: ["rm", "-f", SUDOERS] },
  "bridge file edited": {
    file: BRIDGE_FILE,
    change: ["sed", "-i", "s/^\\[Match\\]$/[Match]\\n# edited by hand/", BRIDGE_FILE],
  },
} as const;

type Fault = keyof typeof FAULTS;

export async function benchDriftFiles(repetitions = 5): Promise<{
  resyncInterval: string;
  repetitions: number;
  repairMs: Record<Fault, Summary>;
  loadAverage: number[];
}> {
  const lab = await startBenchLab({ count: 1, prefix: "bdfile", virtualBMC: false, resyncInterval: RESYNC });
  const on = (argv: readonly string[]) => sshRun(lab.sandbox, lab.sandbox.managers[0]!, [...argv]);
  const op = runOperator(lab.manifests, lab.workspace);
  try {
    await op.waitForLog((l) => l.msg === "operator running", 60_000);
    await pollUntil(() => on(["pgrep", "-f", "inotify_add_watch"]).then(() => true), 120_000, "the watcher");
    const repairMs = {} as Record<Fault, Summary>;
    for (const [name, fault] of Object.entries(FAULTS) as [Fault, (typeof FAULTS)[Fault]][]) {
      const converged = await on(["sha256sum", fault.file]);
      const samples: number[] = [];
      for (let i = 0; i < repetitions; i++) {
        await on(fault.change);
        const t0 = performance.now();
        await pollUntil(async () => (await on(["sha256sum", fault.file])) === converged, 60_000, name);
        samples.push(performance.now() - t0);
        // The repair's own late events settle before the next sample.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      repairMs[name] = summarize(samples);
    }
    return {
      resyncInterval: RESYNC,
      repetitions,
      repairMs,
      loadAverage: loadavg().map((l) => +l.toFixed(2)),
    };
  } finally {
    await op.stop("SIGTERM");
    await lab.close();
  }
}
