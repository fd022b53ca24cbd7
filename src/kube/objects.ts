import { API_VERSION, type Kind } from "../api/index.js";
import { isConflict, isNotFound, kindResource, MERGE_PATCH, type KubeClients } from "./client.js";

/** What the store needs of a live custom resource. */
export interface LiveObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    generation?: number;
    finalizers?: string[];
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
  };
  status?: Record<string, unknown>;
}

export interface ObjectId {
  kind: Kind;
  namespace: string;
  name: string;
}

/** The live object, or undefined once it is gone. */
export async function getObject(clients: KubeClients, id: ObjectId): Promise<LiveObject | undefined> {
  try {
    return (await clients.custom.getNamespacedCustomObject({
      ...kindResource(id.kind),
      ...id,
    })) as LiveObject;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Change metadata.finalizers with a merge patch guarded by resourceVersion (a merge patch
 * replaces the whole list, so a concurrent change must fail rather than be lost); on a
 * conflict, read again and retry. Returns false when the object is gone.
 */
export async function updateFinalizers(
  clients: KubeClients,
  id: ObjectId,
  change: (finalizers: string[]) => string[],
  attempts = 5,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const live = await getObject(clients, id);
    if (!live) return false;
    const before = live.metadata.finalizers ?? [];
    const after = change(before);
    if (after.length === before.length && after.every((f, i) => f === before[i])) return true;
    const body = { metadata: { finalizers: after, resourceVersion: live.metadata.resourceVersion } };
    try {
      await clients.custom.patchNamespacedCustomObject(
        { ...kindResource(id.kind), ...id, body },
        MERGE_PATCH,
      );
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      if (!isConflict(err) || attempt >= attempts) throw err;
    }
  }
}

/**
 * Write status through the status subresource with a merge patch. Fields the live status
 * has and the new one lacks are set to null, so the result equals `status`.
 */
export async function patchStatus(
  clients: KubeClients,
  id: ObjectId,
  live: LiveObject,
  status: Record<string, unknown>,
): Promise<boolean> {
  const patch: Record<string, unknown> = { ...status };
  for (const field of Object.keys(live.status ?? {})) if (!(field in status)) patch[field] = null;
  try {
    const body = { status: patch };
    await clients.custom.patchNamespacedCustomObjectStatus(
      { ...kindResource(id.kind), ...id, body },
      MERGE_PATCH,
    );
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** An owner reference to the live object, so the garbage collector removes what hangs off it. */
export function ownerReference(id: ObjectId, live: LiveObject) {
  return { apiVersion: API_VERSION, kind: id.kind, name: id.name, uid: live.metadata.uid, controller: true };
}

export function isDeleting(live: LiveObject): boolean {
  return Boolean(live.metadata.deletionTimestamp);
}

/** A JSON merge patch of an object (spec or metadata), as `kubectl patch --type merge` does. */
export async function patchObject(
  clients: KubeClients,
  id: ObjectId,
  body: Record<string, unknown>,
): Promise<void> {
  await clients.custom.patchNamespacedCustomObject({ ...kindResource(id.kind), ...id, body }, MERGE_PATCH);
}
