import type { Step } from "../types.js";
import type { UndercloudFacts } from "./facts.js";
import type { UndercloudPaths } from "./paths.js";
import { describeOwner, sameOwner, type Owner } from "./stamp.js";
import { removeVmStep } from "./steps.js";

export interface DeletionPlan {
  steps: Step[];
  /** Set when something of that name exists but is not ours: left alone, said why. */
  leftAlone?: string;
  /** The domain of that name is not ours: nothing of the VM (its BMC entry included) is touched. */
  foreignDomain?: boolean;
}

/**
 * What deleting the TripleOUndercloud removes: the domain only when it carries our stamp
 * for this very object, and the disk / seed / seed inputs only when the owner marker names
 * this very object (REMOVE_VM checks both again on the Manager, just before removing). The
 * shared base image stays (other VMs may be copies of it).
 */
export function planUndercloudDeletion(
  domain: string,
  owner: Owner,
  paths: UndercloudPaths,
  facts: UndercloudFacts,
): DeletionPlan {
  const stamp = facts.domain?.stamp;
  if (facts.domain && !stamp) {
    return {
      steps: [],
      foreignDomain: true,
      leftAlone: `Domain ${domain} carries no ownership stamp: it was left in place.`,
    };
  }
  if (stamp && !sameOwner(stamp.owner, owner)) {
    return {
      steps: [],
      foreignDomain: true,
      leftAlone: `Domain ${domain} belongs to ${describeOwner(stamp.owner)}: it was left in place.`,
    };
  }
  const marker = facts.ownerMarker;
  const markerOurs = marker === describeOwner(owner);
  const files =
    marker === undefined || markerOurs
      ? undefined
      : `${paths.ownerMarker} names ${marker || "no owner"}: the files of ${domain} were left in place.`;
  if (!facts.domain && !markerOurs) return { steps: [], ...(files ? { leftAlone: files } : {}) };
  return { steps: [removeVmStep(domain, paths, owner)], ...(files ? { leftAlone: files } : {}) };
}
