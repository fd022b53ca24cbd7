/**
 * Benchmark: a no-op reconcile of the sandbox lab (a converged LabManager and its NAT
 * LibvirtNetwork on one prebaked sandbox Manager). Our operator's full pass (both objects,
 * pooled connection, one observe script per object) against the baseline: the same checks
 * run the tutorial's way, one fresh `ssh` process per check, sequentially. Ratios are taken
 * in one run on one machine. Needs root (systemd-nspawn).
 */
import { execFile } from "node:child_process";
import { loadavg } from "node:os";
import { promisify } from "node:util";
import type { LabManager, LibvirtNetwork } from "../src/api/index.js";
import { loadManifests } from "../src/manifests/load.js";
import { libvirtNetworkName } from "../src/render/libvirt-network.js";
import { sshArgv, sshRun, type Sandbox } from "../test/e2e/support/sandbox.js";
import { managerChecks, networkChecks } from "./baseline-checks.js";
import { runPasses, type PassResult } from "./operator-pass.js";
import { startBenchLab } from "./sandbox-lab.js";
import { round, summarize, type Summary } from "./stats.js";

const run = promisify(execFile);

export interface NoopResult {
  repetitions: number;
  convergeMs: number;
  operator: PassResult;
  baseline: { checks: number; passMs: Summary; perCheckMs: number };
  /** Baseline median pass / operator median pass. */
  speedup: number;
  /** Round trips per kind per Manager in a no-op pass (goal 1). */
  roundTripsPerKindPerManager: number;
  loadAverage: number[];
}

async function baselineChecks(sandbox: Sandbox, manifests: string): Promise<string[][]> {
  const objects = (await loadManifests([manifests])).objects.map((o) => o.object);
  const lm = objects.find((o) => o.kind === "LabManager") as LabManager;
  const net = objects.find((o) => o.kind === "LibvirtNetwork") as LibvirtNetwork;
  const m = sandbox.managers[0]!;
  const lines = async (argv: string[]) => (await sshRun(sandbox, m, argv)).split("\n").filter(Boolean);
  const name = libvirtNetworkName(net);
  const others = (await lines(["virsh", "-q", "net-list", "--name"])).filter((n) => n !== name);
  const domains = await lines(["virsh", "-q", "list", "--all", "--name"]);
  return [...managerChecks(lm.spec), ...networkChecks(name, others, domains)];
}

/** One baseline pass: every check as its own ssh process; a check's exit status is data, not failure. */
async function baselinePass(sandbox: Sandbox, checks: string[][]): Promise<number> {
  const t0 = performance.now();
  for (const argv of checks)
    await run("ssh", sshArgv(sandbox, sandbox.managers[0]!, argv), { timeout: 60_000 }).catch(
      (err: { code?: unknown }) => {
        if (typeof err.code !== "number") throw err as Error; // ssh itself failed to run
      },
    );
  return performance.now() - t0;
}

export async function benchNoopReconcile(repetitions = 5): Promise<NoopResult> {
  const lab = await startBenchLab({ count: 1, prefix: "bnoop", virtualBMC: true, resyncInterval: "1h" });
  try {
    const operator = await runPasses({
      manifests: lab.manifests,
      workspace: lab.workspace,
      mutate: true,
      passes: repetitions,
    });
    if (operator.errors > 0) throw new Error(`${operator.errors} reconciles failed during the passes`);
    const checks = await baselineChecks(lab.sandbox, lab.manifests);
    const samples: number[] = [];
    for (let i = 0; i < repetitions; i++) samples.push(await baselinePass(lab.sandbox, checks));
    const baseline = summarize(samples);
    return {
      repetitions,
      convergeMs: lab.convergeMs,
      operator,
      baseline: {
        checks: checks.length,
        passMs: baseline,
        perCheckMs: round(baseline.median / checks.length),
      },
      speedup: round(baseline.median / operator.passMs.median),
      roundTripsPerKindPerManager: operator.roundTripsPerPass.median / 2,
      loadAverage: loadavg().map((x) => round(x, 2)),
    };
  } finally {
    await lab.close();
  }
}
