import type { LabManager } from "../api/index.js";
import type { HostAccess } from "../controllers/hostaccess.js";
import { LibvirtEventWatcher, networksOnManager } from "../controllers/libvirt-events.js";
import type { Logger } from "../log.js";
import { isTrue } from "../runtime/conditions.js";
import { managerOf } from "../runtime/dependencies.js";
import type { ControllerManager } from "../runtime/manager.js";
import type { StateStore } from "../runtime/state.js";

/**
 * Event-driven drift: once a LabManager is Ready, stream its libvirt events so a network
 * destroyed or undefined by hand is re-queued at once; stop when the Manager goes away.
 */
export function watchLibvirtEvents(
  manager: ControllerManager,
  states: StateStore,
  hosts: HostAccess,
  log: Logger,
): LibvirtEventWatcher {
  const watcher = new LibvirtEventWatcher({ log });
  manager.onReconciled((key) => {
    if (key.kind !== "LabManager") return;
    const id = `${key.namespace}/${key.name}`;
    void (async () => {
      const entry = manager.cache.get(key);
      const state = await states.load(key.kind, key.namespace, key.name);
      const wanted = entry && !entry.deleting && isTrue(state?.status.conditions, "Ready");
      if (!wanted) return watcher.stop(id);
      if (watcher.watching(id)) return;
      const lm = entry.object as LabManager;
      watcher.start(
        managerOf(lm),
        () => hosts.manager(lm),
        () => networksOnManager(manager.cache, managerOf(lm)),
        (k) => manager.enqueue(k),
      );
    })().catch((err: Error) => log.warn({ err: err.message }, "libvirt event watcher"));
  });
  return watcher;
}
