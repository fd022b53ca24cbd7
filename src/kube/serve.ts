import type { Server } from "node:http";
import type { Logger } from "../log.js";
import { OperatorMetrics } from "../observability/metrics.js";
import { startHttpServer } from "../observability/server.js";
import { countReconciles, sampleGauges } from "../observability/wiring.js";
import type { PoolStats } from "../remote/pool.js";
import type { LeaderElectedOperator } from "./operator.js";

/**
 * Kubernetes mode's /metrics, /healthz and /readyz, on every interface (the kubelet probes
 * the pod's address). Ready means the API server answers and, on the leader, every object
 * was listed; a standby is ready too (it serves as soon as it wins the lease).
 */
export async function serveKubernetesMetrics(
  port: number,
  operator: LeaderElectedOperator,
  pool: () => PoolStats,
  log: Logger,
): Promise<Server | undefined> {
  if (!port) return undefined;
  const metrics = new OperatorMetrics();
  operator.onTerm((manager) => countReconciles(manager, metrics));
  const server = await startHttpServer(`0.0.0.0:${port}`, metrics, { ready: () => operator.ready }, () => {
    const manager = operator.manager;
    if (manager) sampleGauges(manager, pool, metrics);
  });
  log.info({ port }, "serving /metrics, /healthz and /readyz");
  return server;
}
