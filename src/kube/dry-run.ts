import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { LabObject } from "../api/index.js";
import { kindResource, type KubeClients } from "./client.js";
import { getObject } from "./objects.js";

const APPLY = setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply);

/** The live custom resource and what the API server would store after applying `object`. */
export interface DryRunResult {
  live?: { spec?: unknown };
  applied: { spec?: unknown };
}

/**
 * A server-side apply with dryRun=All: the server defaults and validates the object as
 * `kubectl apply --server-side --dry-run=server` would, and stores nothing.
 */
export async function serverDryRun(clients: KubeClients, object: LabObject): Promise<DryRunResult> {
  const id = { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
  const live = (await getObject(clients, id)) as { spec?: unknown } | undefined;
  const { metadata } = object;
  const body = {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      ...(metadata.labels ? { labels: metadata.labels } : {}),
      ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
    },
    spec: object.spec,
  };
  const applied = (await clients.custom.patchNamespacedCustomObject(
    { ...kindResource(object.kind), ...id, body, dryRun: "All", fieldManager: "labctl-diff", force: true },
    APPLY,
  )) as { spec?: unknown };
  return { ...(live ? { live } : {}), applied };
}
