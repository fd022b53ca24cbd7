import type { Step } from "../types.js";
import type { UndercloudFacts } from "./facts.js";
import type { UndercloudPaths } from "./paths.js";
import { describeOwner, sameOwner, type Owner } from "./stamp.js";
import { removeVmStep } from "./steps.js";

export interface DeletionPlan {
  steps: Step[];
  /** Set when something of that name exists but is not ours: left alone, said why. */
  leftAlone?: string;
}

/**
 * What deleting the TripleOUndercloud removes: the domain only when it carries our stamp
 * for this very object, and the disk / seed / seed inputs only when our owner marker is
 * there. The shared base image stays (other VMs may be copies of it).
 */
export function planUndercloudDeletion(
  domain: string,
  owner: Owner,
  paths: UndercloudPaths,
  facts: UndercloudFacts,
): DeletionPlan {
  const stamp = facts.domain?.stamp;
  if (facts.domain && !stamp) {
    return { steps: [], leftAlone: `Domain ${domain} carries no ownership stamp: it was left in place.` };
  }
  if (stamp && !sameOwner(stamp.owner, owner)) {
    return {
      steps: [],
      leftAlone: `Domain ${domain} belongs to ${describeOwner(stamp.owner)}: it was left in place.`,
    };
  }
  if (!facts.domain && !facts.ownerMarker) return { steps: [] };
  return { steps: [removeVmStep(domain, paths)] };
}
