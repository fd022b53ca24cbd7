import { keyString, type LabObject, type ObjectKey } from "../api/index.js";
import { objectKey } from "./cache.js";

/**
 * The order `labctl delete` removes objects in: the reverse of the dependency order, in
 * waves. Each wave holds the objects no object still standing depends on (the VMs first,
 * then the networks they were attached to, the Managers last), so nothing is torn down
 * under something that uses it. Dependencies outside `objects` are not waited for; objects
 * caught in a cycle (which validation refuses) come last, together.
 */
export function teardownWaves(
  objects: readonly LabObject[],
  dependsOn: (object: LabObject) => ObjectKey[],
): ObjectKey[][] {
  const byId = new Map(objects.map((o) => [keyString(objectKey(o)), o]));
  /** For each object, the objects in the set that depend on it (its users). */
  const users = new Map<string, Set<string>>([...byId.keys()].map((id) => [id, new Set<string>()]));
  for (const [id, object] of byId)
    for (const dep of dependsOn(object)) {
      const target = keyString(dep);
      if (target !== id) users.get(target)?.add(id);
    }
  const waves: ObjectKey[][] = [];
  const left = new Set(byId.keys());
  while (left.size > 0) {
    const wave = [...left].filter((id) => ![...users.get(id)!].some((u) => left.has(u))).sort();
    const taken = wave.length > 0 ? wave : [...left].sort();
    for (const id of taken) left.delete(id);
    waves.push(taken.map((id) => objectKey(byId.get(id)!)));
  }
  return waves;
}
