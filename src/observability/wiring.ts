import type { ControllerManager } from "../runtime/manager.js";
import type { PoolStats } from "../remote/pool.js";
import type { OperatorMetrics } from "./metrics.js";

/** Count every reconcile of the manager by kind and result, with its duration. */
export function countReconciles(manager: ControllerManager, metrics: OperatorMetrics): void {
  manager.onReconciled((key, outcome, durationMs) => {
    metrics.reconcileTotal.inc({ controller: key.kind, result: outcome });
    metrics.reconcileSeconds.observe({ controller: key.kind }, durationMs / 1000);
  });
  manager.onStep((kind, event) => {
    if (event.result === "failed")
      metrics.stepFailures.inc({ kind, reason: event.reason ?? "CommandFailed" });
    if (event.result === "done" && event.drift) metrics.driftRepaired.inc({ kind });
  });
}

/** Gauges read at scrape time: queue depth and the SSH pool's counters. */
export function sampleGauges(
  manager: ControllerManager,
  pool: () => PoolStats,
  metrics: OperatorMetrics,
): void {
  metrics.queueDepth.set(manager.queue.length);
  const stats = pool();
  metrics.sshOpenConnections.reset();
  metrics.sshRoundTrips.reset();
  for (const [host, s] of Object.entries(stats.hosts)) {
    metrics.sshOpenConnections.set({ host }, s.open ? 1 : 0);
    for (const kind of ["exec", "observe", "sftp", "stream"] as const)
      metrics.sshRoundTrips.set({ host, kind }, s[kind]);
  }
}
