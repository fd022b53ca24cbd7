import type { ObjectKey } from "../api/index.js";
import type { StepEvent } from "../controllers/contract.js";
import type { PoolStats } from "../remote/pool.js";
import type { OperatorMetrics } from "./metrics.js";

/** What metrics read of a controller manager beyond its own instruments: its steps. */
export interface Instrumented {
  onStep(listener: (kind: ObjectKey["kind"], event: StepEvent) => void): void;
}

/** Count failed steps by reason and drift repairs by kind. */
export function countSteps(manager: Instrumented, metrics: OperatorMetrics): void {
  manager.onStep((kind, event) => {
    if (event.result === "failed")
      metrics.stepFailures.inc({ kind, reason: event.reason ?? "CommandFailed" });
    if (event.result === "done" && event.drift) metrics.driftRepaired.inc({ kind });
  });
}

/** Gauges read at scrape time: the SSH pool's counters. */
export function samplePool(pool: () => PoolStats, metrics: OperatorMetrics): void {
  const stats = pool();
  metrics.sshOpenConnections.reset();
  metrics.sshRoundTrips.reset();
  for (const [host, s] of Object.entries(stats.hosts)) {
    metrics.sshOpenConnections.set({ host }, s.open ? 1 : 0);
    for (const kind of ["exec", "observe", "sftp", "stream"] as const)
      metrics.sshRoundTrips.set({ host, kind }, s[kind]);
  }
}
