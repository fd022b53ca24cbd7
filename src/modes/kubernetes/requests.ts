import { RECONCILE_REQUESTED_AT, type ObjectKey } from "../../api/index.js";
import type { ObjectState } from "../../controllers/state.js";
import { getObject, patchObject } from "../../kube/objects.js";
import { kubernetesRuntime } from "./operator.js";

/**
 * `labctl suspend|resume|reconcile --kubernetes`: a merge patch of spec.suspend or of the
 * reconcile-requested-at annotation, as `kubectl patch` would; the leader reconciles.
 */
export async function kubernetesRequests(opts: { kubeconfig?: string; context?: string }) {
  const { clients } = await kubernetesRuntime({
    kubeconfig: opts.kubeconfig,
    context: opts.context,
    namespaces: [],
    allNamespaces: true,
  });
  return {
    suspend: (key: ObjectKey, suspend: boolean) => patchObject(clients, key, { spec: { suspend } }),
    reconcile: async (key: ObjectKey): Promise<string> => {
      const at = new Date().toISOString();
      await patchObject(clients, key, { metadata: { annotations: { [RECONCILE_REQUESTED_AT]: at } } });
      return at;
    },
    state: async (key: ObjectKey): Promise<ObjectState | undefined> => {
      const live = await getObject(clients, key);
      if (!live) return undefined;
      const status = (live.status ?? {}) as ObjectState["status"];
      return {
        ...key,
        generation: live.metadata.generation ?? 0,
        specHash: "",
        status: { ...status, conditions: status.conditions ?? [] },
        owned: [],
        steps: [],
        events: [],
      };
    },
  };
}
