import { keyString, managerOf, type LabManager, type LabObject } from "../api/index.js";
import type { HostAccess } from "../controllers/hostaccess.js";
import { KIND_CONTROLLERS } from "../controllers/index.js";
import type { HostWatch } from "../controllers/kind.js";
import { isTrue } from "../machines/conditions.js";
import type { StateStore } from "../controllers/state.js";
import type { Logger } from "../log.js";
import { EventWatcher } from "../remote/event-watcher.js";
import type { HostStreamOptions } from "../remote/streams.js";
import type { ControllerManager } from "./manager.js";

export interface HostWatches {
  /** Stop every stream; resolves once they have ended. */
  stop(): Promise<void>;
}

interface Watching {
  /** The kinds of the candidates its lines are matched against. */
  kinds: readonly LabObject["kind"][];
  watcher: EventWatcher<LabObject>;
}

/**
 * Event-driven drift: once a LabManager is Ready, open the streams every kind declares on it
 * (systemd units, libvirt networks, ...), so a change by hand re-queues the objects it
 * concerns at once; close them when the Manager goes away or is no longer Ready.
 */
export function watchHosts(
  manager: ControllerManager,
  states: StateStore,
  hosts: HostAccess,
  log: Logger,
  opts: HostStreamOptions = {},
): HostWatches {
  const watching: Watching[] = Object.values(KIND_CONTROLLERS).flatMap((kind) =>
    ((kind.watches ?? []) as readonly HostWatch<LabObject>[]).map((w) => ({
      kinds: w.kinds ?? [kind.kind],
      watcher: new EventWatcher<LabObject>(w, { ...opts, log, component: `${w.name}-events` }),
    })),
  );
  // Reconciles still finishing after stop() must not open streams again.
  let stopped = false;
  const stopAll = (id?: string) => Promise.all(watching.map((w) => w.watcher.stop(id)));
  manager.onReconciled((key) => {
    if (key.kind !== "LabManager" || stopped) return;
    void (async () => {
      const entry = manager.cache.get(key);
      const state = await states.load(key.kind, key.namespace, key.name);
      const id = `${key.namespace}/${key.name}`;
      if (!entry || entry.deleting || !isTrue(state?.status.conditions, "Ready"))
        return void (await stopAll(id));
      if (stopped) return;
      const lm = entry.object as LabManager;
      const host = () => hosts.manager(lm);
      for (const { kinds, watcher } of watching) {
        const onManager = () =>
          kinds.flatMap((kind) =>
            manager.cache
              .list(kind)
              .map((e) => e.object)
              .filter((o) => managerOf(o) === id),
          );
        watcher.start(id, host, onManager, (k) => manager.enqueue(k));
      }
    })().catch((err: Error) =>
      log.warn({ err: err.message, manager: keyString(key) }, "Manager event watchers"),
    );
  });
  return {
    stop: async () => {
      stopped = true;
      await stopAll();
    },
  };
}
