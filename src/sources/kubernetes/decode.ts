import type { Kind, LabObject, ObjectKey } from "../../api/index.js";
import { decodeDocument } from "../../manifests/index.js";
import { trustBoundaryErrors } from "./trust.js";
import type { RawObject } from "./watcher.js";

/** Lets a person drop our finalizer without cleanup: the object is forgotten as if Orphan. */
export const DETACH_ANNOTATION = "openstacklab.io/detach";

export type Decoded = { ok: true; object: LabObject } | { ok: false; errors: string[] };

export function keyOfRaw(kind: Kind, raw: RawObject): ObjectKey {
  return { kind, namespace: raw.metadata.namespace ?? "default", name: raw.metadata.name };
}

/**
 * Validate an object from the API server with its kind's zod schema, which checks more
 * than the CRD's structural schema can. status is ours, not input: it is never validated.
 * Errors are one line each: `field.path: reason`.
 */
export function decodeRaw(kind: Kind, raw: RawObject): Decoded {
  const { status: _status, ...input } = raw;
  const result = decodeDocument(
    { ...input, kind, metadata: pickMetadata(raw.metadata) },
    { file: "", doc: 0 },
  );
  if (result.ok === true) {
    const refused = trustBoundaryErrors(result.loaded.object);
    return refused.length ? { ok: false, errors: refused } : { ok: true, object: result.loaded.object };
  }
  if (result.ok === "foreign") return { ok: false, errors: [`apiVersion ${result.apiVersion} is not ours`] };
  if (result.ok === "preview") return { ok: false, errors: [`kind ${kind} is not reconciled yet`] };
  return { ok: false, errors: result.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)) };
}

/** The metadata our schema models (managedFields and the like are the API server's). */
function pickMetadata(meta: RawObject["metadata"]): Record<string, unknown> {
  const m = meta as unknown as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const field of [
    "name",
    "namespace",
    "labels",
    "annotations",
    "generation",
    "resourceVersion",
    "uid",
    "finalizers",
    "deletionTimestamp",
    "creationTimestamp",
  ]) {
    if (m[field] !== undefined && m[field] !== null) picked[field] = m[field];
  }
  return picked;
}

/** Detached objects are released as if their deletionPolicy were Orphan. */
export function withDetach(object: LabObject, raw: RawObject): LabObject {
  if (!isDetached(raw)) return object;
  return { ...object, spec: { ...object.spec, deletionPolicy: "Orphan" } } as LabObject;
}

export function isDetached(raw: RawObject): boolean {
  return raw.metadata.annotations?.[DETACH_ANNOTATION] === "true";
}
