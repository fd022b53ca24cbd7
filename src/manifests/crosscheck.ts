import {
  KINDS,
  type Kind,
  type LibvirtNetwork,
  type OvercloudNodeSet,
  type TripleOUndercloud,
} from "../api/index.js";
import type { LoadedObject, LoadedPreview } from "./decode.js";
import type { ManifestError } from "./errors.js";

/** Any declared object: one the runtime reconciles, or one of a preview kind. */
export type Declared = LoadedObject | LoadedPreview;

/** A loaded object of one kind. */
export type Loaded<T> = Declared & { object: T };

function isKind(kind: string): kind is Kind {
  return (KINDS as readonly string[]).includes(kind);
}

/** One error about `at`'s field `path`, formatted like a schema error. */
export function errorAt(at: Declared, path: string, message: string): ManifestError {
  const { kind, metadata } = at.object;
  const key = isKind(kind) ? { key: { kind, namespace: metadata.namespace, name: metadata.name } } : {};
  return {
    source: at.source,
    ...key,
    kind,
    name: metadata.name,
    namespace: metadata.namespace,
    path,
    message,
  };
}

export function quoted(s: string): string {
  return JSON.stringify(s);
}

/** The objects of one kind declared on one Manager, grouped by namespace/managerRef. */
export function byManager<T extends LibvirtNetwork | TripleOUndercloud | OvercloudNodeSet>(
  items: Loaded<T>[],
): Map<string, Loaded<T>[]> {
  const groups = new Map<string, Loaded<T>[]>();
  for (const item of items) {
    const key = `${item.object.metadata.namespace}/${item.object.spec.managerRef.name}`;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return groups;
}
