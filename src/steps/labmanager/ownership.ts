import { PlanBlocked, type OwnedResource, type Step } from "../types.js";

/** What this LabManager recorded as created (its stamp on the host), and spec.adopt. */
export interface Ownership {
  owned: readonly OwnedResource[];
  adopt: boolean;
}

export function isOwned(o: Ownership, r: OwnedResource): boolean {
  return o.owned.some((x) => x.kind === r.kind && x.name === r.name);
}

/**
 * A bridge, user or sudoers file that exists but this object did not create is someone
 * else's: a Conflict, and no step touches it, unless spec.adopt takes it over. Adopting is
 * a step of its own that records it as ours (the driver records `owns` before applying),
 * so deletion removes it later. Returns that step, or nothing when the thing is ours or absent.
 */
export function claim(o: Ownership, r: OwnedResource, exists: boolean, what: string, id: string): Step[] {
  if (!exists || isOwned(o, r)) return [];
  if (!o.adopt) {
    throw new PlanBlocked(
      "Conflict",
      `${what} exists on the Manager but this LabManager did not create it: remove it, rename it in the spec, or set spec.adopt: true to take it over.`,
    );
  }
  return [
    {
      id,
      description: `take over ${what} (spec.adopt): recorded as ours, so deleting the LabManager removes it`,
      owns: r,
      apply: async () => undefined,
    },
  ];
}
