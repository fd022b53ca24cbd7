import type { Step } from "../types.js";
import { describeOwner, sameOwner } from "../undercloud/stamp.js";
import { removeNodeBmcs } from "./bmc.js";
import type { NodeSetDesired } from "./desired.js";
import type { NodeSetFacts } from "./facts.js";
import { removeNodeStep } from "./node-steps.js";
import { nodePaths } from "./paths.js";

const MAX_DISKS = 8;

/**
 * What deleting the OvercloudNodeSet removes: every domain stamped for this very object
 * with its BMC endpoints, and the disks of any node of ours whose owner marker is there.
 * Domains of the same names without our stamp, or another owner's, stay. The shared
 * sushy-tools venv and unit template stay too (other sets may use them), like packages.
 */
export function planNodeSetDeletion(
  d: Pick<NodeSetDesired, "owner" | "imagesDir">,
  facts: NodeSetFacts,
): Step[] {
  const mine = `${describeOwner(d.owner)}\n`;
  const ours = facts.stamped.filter((dom) => sameOwner(dom.stamp.owner, d.owner)).map((dom) => dom.name);
  const marked = facts.markers
    .filter((m) => m.content === mine)
    .flatMap((m) => /\/\.(.+)\.lab-operator$/.exec(m.path)?.[1] ?? [])
    .filter((name) => !ours.includes(name));
  return [
    ...ours.flatMap((name) => [
      ...removeNodeBmcs(name, facts),
      removeNodeStep(name, nodePaths(d.imagesDir, name, MAX_DISKS), d.owner),
    ]),
    ...marked.map((name) => removeNodeStep(name, nodePaths(d.imagesDir, name, MAX_DISKS), d.owner)),
  ];
}
