import type { LibvirtNetwork, TripleOUndercloud } from "../api/index.js";
import type { LoadedObject } from "./decode.js";
import type { ManifestError } from "./errors.js";

/** A loaded object of one kind. */
export type Loaded<T> = LoadedObject & { object: T };

/** One error about `at`'s field `path`, formatted like a schema error. */
export function errorAt(at: LoadedObject, path: string, message: string): ManifestError {
  const { kind, metadata } = at.object;
  const key = { kind, namespace: metadata.namespace, name: metadata.name };
  return { source: at.source, key, kind, name: metadata.name, path, message };
}

export function quoted(s: string): string {
  return JSON.stringify(s);
}

/** The objects of one kind declared on one Manager, grouped by namespace/managerRef. */
export function byManager<T extends LibvirtNetwork | TripleOUndercloud>(
  items: Loaded<T>[],
): Map<string, Loaded<T>[]> {
  const groups = new Map<string, Loaded<T>[]>();
  for (const item of items) {
    const key = `${item.object.metadata.namespace}/${item.object.spec.managerRef.name}`;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return groups;
}
