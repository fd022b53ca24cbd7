import type { Server } from "node:http";
import type { Logger } from "../log.js";
import { OperatorMetrics } from "../observability/metrics.js";
import { startHttpServer } from "../observability/server.js";
import { countSteps, samplePool } from "../observability/wiring.js";
import type { PoolStats } from "../remote/pool.js";
import type { ControllerManager } from "./manager.js";

export interface MetricsSource {
  /** Ready: sources synced (in Kubernetes mode: the API answers, and leading or standing by). */
  ready(): boolean;
  /** The manager running now (none while a Kubernetes replica stands by). */
  manager(): ControllerManager | undefined;
  pool(): PoolStats;
}

export interface MetricsServer {
  /** Count a (new) manager's reconciles and steps. */
  instrument(manager: ControllerManager): void;
  close(): void;
}

/**
 * Serve /metrics, /healthz and /readyz, in every mode. A port already in use is reported
 * and the operator runs on without them: metrics never stop convergence.
 */
export async function serveMetrics(
  address: string | undefined,
  source: MetricsSource,
  log: Logger,
): Promise<MetricsServer | undefined> {
  if (!address) return undefined;
  const metrics = new OperatorMetrics();
  metrics.readConditionsFrom(() => source.manager()?.objectConditions() ?? []);
  let server: Server;
  try {
    server = await startHttpServer(address, metrics, { ready: () => source.ready() }, () => {
      source.manager()?.sampleInstruments();
      samplePool(() => source.pool(), metrics);
    });
  } catch (err) {
    log.warn({ address, err: (err as Error).message }, "cannot serve metrics; running without them");
    return undefined;
  }
  const bound = server.address();
  log.info(
    { address: typeof bound === "object" && bound ? `${bound.address}:${bound.port}` : address },
    "serving metrics",
  );
  const instrument = (manager: ControllerManager) => {
    manager.instrument(metrics);
    countSteps(manager, metrics);
  };
  return { instrument, close: () => server.close() };
}
