import type { Logger } from "../../log.js";
import type { ControllerManager } from "../../runtime/manager.js";
import type { StateStore } from "../../controllers/state.js";
import { topologyOfOperator } from "../../topology/collect.js";
import { startStatusServer, type StatusServer } from "../../web/server.js";

export { DEFAULT_WEB_ADDRESS } from "./web-address.js";

/**
 * Serve the read-only status page for a running operator and push the topology after every
 * reconcile and every step. A port in use is reported; the operator runs on without it.
 */
export async function serveStatusPage(
  address: string,
  manager: ControllerManager,
  states: StateStore,
  log: Logger,
): Promise<StatusServer | undefined> {
  try {
    const web = await startStatusServer({
      address,
      topology: () => topologyOfOperator(manager.cache, states),
      onError: (err) => log.warn({ err: err.message }, "status page"),
    });
    manager.onReconciled(() => web.publish());
    manager.onStep(() => web.publish());
    log.info({ address: web.address, url: `http://${web.address}/` }, "serving the status page");
    return web;
  } catch (err) {
    log.warn({ address, err: (err as Error).message }, "cannot serve the status page; running without it");
    return undefined;
  }
}
