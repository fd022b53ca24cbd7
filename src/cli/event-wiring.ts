import type { LabManager } from "../api/index.js";
import type { HostAccess } from "../controllers/hostaccess.js";
import { LibvirtEventWatcher, networksOnManager } from "../controllers/libvirt-events.js";
import { UnitEventWatcher } from "../controllers/unit-events.js";
import type { Logger } from "../log.js";
import { objectKey } from "../runtime/cache.js";
import { isTrue } from "../runtime/conditions.js";
import { managerOf } from "../runtime/dependencies.js";
import type { ControllerManager } from "../runtime/manager.js";
import type { StateStore } from "../runtime/state.js";

export interface ManagerEventWatches {
  /** Stop every stream; resolves once they have ended. */
  stop(): Promise<void>;
}

/**
 * Event-driven drift: once a LabManager is Ready, stream its libvirt network events and its
 * systemd units' state changes, so a network destroyed or a service stopped by hand is
 * re-queued at once; stop when the Manager goes away or is no longer Ready.
 */
export function watchManagerEvents(
  manager: ControllerManager,
  states: StateStore,
  hosts: HostAccess,
  log: Logger,
): ManagerEventWatches {
  const networks = new LibvirtEventWatcher({ log });
  const units = new UnitEventWatcher({ log });
  // Reconciles still finishing after stop() must not open streams again.
  let stopped = false;
  manager.onReconciled((key) => {
    if (key.kind !== "LabManager" || stopped) return;
    const id = `${key.namespace}/${key.name}`;
    void (async () => {
      const entry = manager.cache.get(key);
      const state = await states.load(key.kind, key.namespace, key.name);
      const wanted = entry && !entry.deleting && isTrue(state?.status.conditions, "Ready");
      if (!wanted) {
        await Promise.all([networks.stop(id), units.stop(id)]);
        return;
      }
      if (stopped) return;
      const lm = entry.object as LabManager;
      const host = () => hosts.manager(lm);
      const enqueue = (k: typeof key) => manager.enqueue(k);
      networks.start(managerOf(lm), host, () => networksOnManager(manager.cache, managerOf(lm)), enqueue);
      units.start(managerOf(lm), host, objectKey(lm), enqueue);
    })().catch((err: Error) => log.warn({ err: err.message }, "Manager event watchers"));
  });
  return {
    stop: async () => {
      stopped = true;
      await Promise.all([networks.stop(), units.stop()]);
    },
  };
}
