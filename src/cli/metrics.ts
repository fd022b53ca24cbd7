import type { Server } from "node:http";
import type { Logger } from "../log.js";
import { OperatorMetrics } from "../observability/metrics.js";
import { startHttpServer } from "../observability/server.js";
import { countReconciles, sampleGauges } from "../observability/wiring.js";
import type { ControllerManager } from "../runtime/manager.js";
import type { WorkspaceHosts } from "./hosts.js";

/**
 * Serve /metrics, /healthz and /readyz for a file-mode operator. A port already in use is
 * reported and the operator runs on without them: metrics never stop convergence.
 */
export async function serveMetrics(
  address: string,
  manager: ControllerManager,
  hosts: WorkspaceHosts,
  log: Logger,
): Promise<Server | undefined> {
  if (address === "off") return undefined;
  const metrics = new OperatorMetrics();
  countReconciles(manager, metrics);
  try {
    const server = await startHttpServer(address, metrics, { ready: () => manager.hasSynced }, () =>
      sampleGauges(manager, () => hosts.stats(), metrics),
    );
    const bound = server.address();
    log.info(
      { address: typeof bound === "object" && bound ? `${bound.address}:${bound.port}` : address },
      "serving metrics",
    );
    return server;
  } catch (err) {
    log.warn({ address, err: (err as Error).message }, "cannot serve metrics; running without them");
    return undefined;
  }
}
