import type { LabObject, ObjectKey } from "../api/index.js";
import type { ObjectCache } from "./cache.js";
import { objectKey } from "./cache.js";

/** The objects an object waits for: its Manager, and for an undercloud its networks. */
export function dependenciesOf(object: LabObject): ObjectKey[] {
  const namespace = object.metadata.namespace;
  switch (object.kind) {
    case "LabManager":
      return [];
    case "LibvirtNetwork":
      return [{ kind: "LabManager", namespace, name: object.spec.managerRef.name }];
    case "TripleOUndercloud":
      return [
        { kind: "LabManager", namespace, name: object.spec.managerRef.name },
        ...object.spec.nics.map((nic) => ({
          kind: "LibvirtNetwork" as const,
          namespace,
          name: nic.networkRef.name,
        })),
      ];
  }
}

/** The objects that wait for key: re-queued when it changes. */
export function dependentsOf(cache: ObjectCache, key: ObjectKey): ObjectKey[] {
  return cache
    .list()
    .map((entry) => entry.object)
    .filter((object) =>
      dependenciesOf(object).some(
        (dep) => dep.kind === key.kind && dep.namespace === key.namespace && dep.name === key.name,
      ),
    )
    .map(objectKey);
}

/**
 * The objects whose desired state reads this one, re-queued whenever it is added, changed
 * or gone: a LabManager allows its networks' bridges in qemu's bridge.conf.
 */
export function readersOf(object: LabObject): ObjectKey[] {
  if (object.kind !== "LibvirtNetwork") return [];
  return [{ kind: "LabManager", namespace: object.metadata.namespace, name: object.spec.managerRef.name }];
}

/** The Manager an object lives on (itself for a LabManager): the unit of write serialization. */
export function managerOf(object: LabObject): string {
  const name = object.kind === "LabManager" ? object.metadata.name : object.spec.managerRef.name;
  return `${object.metadata.namespace}/${name}`;
}
