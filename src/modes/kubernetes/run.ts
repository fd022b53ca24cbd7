import type { Logger } from "../../log.js";
import { createHostAccess } from "../../runtime/host-access.js";
import type { WorkerLimits } from "../../runtime/queues.js";
import { runUntilSignal } from "../../runtime/runner.js";
import { serveMetrics } from "../../runtime/serve-metrics.js";
import { reconcilersFor } from "../../controllers/index.js";
import { kubernetesRuntime, LeaderElectedOperator, type RunKubernetesOptions } from "./operator.js";
import { secretStore } from "./secret-store.js";

/**
 * `labctl run --kubernetes`: serve the custom resources of a cluster. Only the lease holder
 * reconciles; the others wait to take over. Keys, passwords and pinned host keys live in
 * Secrets owned by the objects: no workspace. /metrics, /healthz and /readyz on every
 * interface (the kubelet probes the pod's address).
 */
export async function runKubernetesMode(
  opts: RunKubernetesOptions & {
    workers?: WorkerLimits;
    healthPort: number;
    allowPasswordOnFirstUse?: boolean;
  },
  log: Logger,
): Promise<void> {
  const runtime = await kubernetesRuntime(opts);
  const store = await secretStore(runtime.clients, { allowPasswordOnFirstUse: opts.allowPasswordOnFirstUse });
  const hosts = createHostAccess(store, log);
  const operator = new LeaderElectedOperator({
    ...runtime,
    reconcilers: reconcilersFor(hosts),
    hosts,
    log,
    workers: opts.workers,
  });
  const address = opts.healthPort ? `0.0.0.0:${opts.healthPort}` : undefined;
  const http = await serveMetrics(
    address,
    { ready: () => operator.ready, manager: () => operator.manager, pool: () => hosts.stats() },
    log,
  );
  if (http) operator.onTerm((manager) => http.instrument(manager));
  operator.start();
  log.info(
    { identity: operator.elector.identity, namespaces: runtime.namespaces },
    "waiting for the leader lease",
  );
  await runUntilSignal(log, async () => {
    await operator.stop();
    http?.close();
    await hosts.close();
  });
  log.info("operator stopped; lease released");
}
