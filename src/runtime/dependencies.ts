import type { LabObject, ObjectKey } from "../api/index.js";
import type { DesiredObjects } from "../controllers/contract.js";
import { objectKey } from "./cache.js";

/** Who waits for whom, and whose desired state reads whom: the kinds' declarations. */
export interface ObjectGraph {
  dependsOn(object: LabObject): ObjectKey[];
  readers(object: LabObject): ObjectKey[];
}

const sameKey = (a: ObjectKey, b: ObjectKey) =>
  a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;

/** The objects that wait for key: re-queued when it changes. */
export function dependentsOf(graph: ObjectGraph, cache: DesiredObjects, key: ObjectKey): ObjectKey[] {
  return cache
    .list()
    .map((entry) => entry.object)
    .filter((object) => graph.dependsOn(object).some((dep) => sameKey(dep, key)))
    .map(objectKey);
}
