import type { InstackNode } from "../../render/instackenv.js";
import { sameOwner } from "../undercloud/stamp.js";
import type { NodeSetDesired } from "./desired.js";
import type { NodeSetFacts } from "./facts.js";

/** One node as status reports it. */
export interface NodeStatus {
  name: string;
  role: string;
  macs: string[];
  bmcPort?: number;
  powerState: string;
}

/** The set's nodes as observed, in the spec's order (nodes being removed last). */
export function nodeStatuses(d: NodeSetDesired, facts: NodeSetFacts): NodeStatus[] {
  const ours = facts.stamped.filter((dom) => sameOwner(dom.stamp.owner, d.owner));
  const order = (name: string) => {
    const i = d.nodes.findIndex((n) => n.name === name);
    return i < 0 ? d.nodes.length : i;
  };
  return ours
    .sort((a, b) => order(a.name) - order(b.name) || a.name.localeCompare(b.name))
    .map((dom) => ({
      name: dom.name,
      role: dom.stamp.node?.role ?? "",
      macs: dom.nics.map((n) => n.mac),
      ...(dom.stamp.node?.bmcPort ? { bmcPort: dom.stamp.node.bmcPort } : {}),
      powerState: dom.state,
    }));
}

/**
 * instackenv.json's nodes from what is on the Manager (the saved definitions and the
 * recorded BMC ports), for every desired node that exists: the file tells Ironic what is
 * really there. The PXE NIC's MAC is the one Ironic needs to recognise a booting node.
 */
export function instackNodes(d: NodeSetDesired, facts: NodeSetFacts): InstackNode[] {
  const ours = new Map(
    facts.stamped.filter((dom) => sameOwner(dom.stamp.owner, d.owner)).map((dom) => [dom.name, dom]),
  );
  return d.nodes.flatMap((node) => {
    const dom = ours.get(node.name);
    const port = dom?.stamp.node?.bmcPort;
    const password = d.bmc.passwords[node.name];
    const pxe = dom?.nics[0]?.mac;
    if (!dom || port === undefined || password === undefined || !pxe) return [];
    return [
      {
        name: node.name,
        profile: node.profile,
        macs: [pxe],
        bmc: { type: d.bmc.type, address: d.bmc.address, port, user: d.bmc.username, password },
        ...(d.bmc.type === "redfish" ? { systemId: dom.uuid } : {}),
        cpu: dom.vcpus,
        memoryMiB: dom.memoryMiB,
        diskGiB: node.diskGiB[0] ?? 0,
        arch: d.arch,
      },
    ];
  });
}
