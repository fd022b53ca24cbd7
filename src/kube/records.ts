import type { V1ConfigMap } from "@kubernetes/client-node";
import { KINDS, type Kind } from "../api/index.js";
import { isAlreadyExists, isNotFound, type KubeClients } from "./client.js";
import { ownerReference, type LiveObject, type ObjectId } from "./objects.js";

/**
 * The operator's private record of an object (steps journal, owned resources, lifecycle
 * snapshot, last good spec) lives in a ConfigMap owned by the object: the CRD's status
 * schema is structural and would prune those fields, an annotation would re-trigger
 * watches on every checkpoint and is capped at 256 kB, and an owned ConfigMap is removed
 * by the garbage collector with its object. It never holds secret values.
 */
export const RECORD_LABEL_KIND = "openstacklab.io/state-of-kind";
export const RECORD_LABEL_NAME = "openstacklab.io/state-of-name";
const DATA_KEY = "state.json";

export function recordName(id: ObjectId): string {
  return `labstate-${id.kind.toLowerCase()}-${id.name}`;
}

export async function readRecord(clients: KubeClients, id: ObjectId): Promise<string | undefined> {
  try {
    const cm = await clients.core.readNamespacedConfigMap({ namespace: id.namespace, name: recordName(id) });
    return cm.data?.[DATA_KEY];
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Write the record: a replace when it is known to exist, else a create (a new object's
 * first write: one call, not a replace answered 404 and then a create). Either falls back
 * to the other when the guess was wrong.
 */
export async function writeRecord(
  clients: KubeClients,
  id: ObjectId,
  live: LiveObject,
  json: string,
  known: boolean,
): Promise<void> {
  const body: V1ConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: recordName(id),
      namespace: id.namespace,
      labels: { [RECORD_LABEL_KIND]: id.kind, [RECORD_LABEL_NAME]: id.name },
      ownerReferences: [ownerReference(id, live)],
    },
    data: { [DATA_KEY]: json },
  };
  const replace = () =>
    clients.core.replaceNamespacedConfigMap({ namespace: id.namespace, name: recordName(id), body });
  const create = () => clients.core.createNamespacedConfigMap({ namespace: id.namespace, body });
  if (known) {
    try {
      await replace();
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  try {
    await create();
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    await replace();
  }
}

export async function deleteRecord(clients: KubeClients, id: ObjectId): Promise<void> {
  try {
    await clients.core.deleteNamespacedConfigMap({ namespace: id.namespace, name: recordName(id) });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export interface StoredRecord {
  id: ObjectId;
  json: string;
  /** uid of the object the record was written for. */
  ownerUid?: string;
}

/** Every record in the given namespaces (or all), as raw JSON with the object it belongs to. */
export async function listRecords(clients: KubeClients, namespaces: string[]): Promise<StoredRecord[]> {
  const labelSelector = RECORD_LABEL_KIND;
  const lists = namespaces.length
    ? await Promise.all(
        namespaces.map((namespace) => clients.core.listNamespacedConfigMap({ namespace, labelSelector })),
      )
    : [await clients.core.listConfigMapForAllNamespaces({ labelSelector })];
  const out: StoredRecord[] = [];
  for (const cm of lists.flatMap((l) => l.items)) {
    const kind = cm.metadata?.labels?.[RECORD_LABEL_KIND];
    const name = cm.metadata?.labels?.[RECORD_LABEL_NAME];
    const json = cm.data?.[DATA_KEY];
    if (!isKind(kind) || !name || !json) continue;
    const ownerUid = cm.metadata?.ownerReferences?.[0]?.uid;
    out.push({ id: { kind, namespace: cm.metadata?.namespace ?? "default", name }, json, ownerUid });
  }
  return out;
}

function isKind(k: string | undefined): k is Kind {
  return (KINDS as readonly (string | undefined)[]).includes(k);
}
