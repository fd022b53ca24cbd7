import type { ObjectKey } from "../../api/index.js";
import type { ObjectState } from "../../controllers/state.js";
import { FileStateStore } from "./filestate.js";
import { marksOf } from "./operator.js";

/**
 * `labctl suspend|resume|reconcile` in file mode: a mark in the state directory, honoured
 * at once by a running `labctl run` (and by the next apply); the manifests are not edited.
 */
export function fileRequests(stateDir: string) {
  const marks = marksOf(stateDir);
  const states = new FileStateStore(stateDir);
  return {
    suspend: async (key: ObjectKey, suspend: boolean): Promise<void> => {
      await marks.update(key, (m) => ({ ...m, suspend }));
    },
    /** Ask for a reconcile now; returns the request's value (echoed in status.lastHandledReconcileAt). */
    reconcile: async (key: ObjectKey): Promise<string> => {
      const at = new Date().toISOString();
      await marks.update(key, (m) => ({ ...m, reconcileRequestedAt: at }));
      return at;
    },
    state: (key: ObjectKey): Promise<ObjectState | undefined> =>
      states.load(key.kind, key.namespace, key.name),
  };
}
