import type { RemoteHost } from "../../remote/types.js";
import { VBMC } from "../bmc/observe.js";
import { LIBVIRT_URI, OWNERSHIP_NS } from "../undercloud/paths.js";
import type { NodeSetDesired } from "./desired.js";
import { nodeSetFacts, rawNodeSetFacts, type NodeSetFacts } from "./facts.js";
import { OBSERVE_NODE_SET } from "./observe-script.js";
import { SUSHY_CONF_DIR, SUSHY_UNIT_TEMPLATE, SUSHY_VENV } from "./paths.js";

/**
 * Everything the plan needs to know about the set's nodes, in one round trip. The
 * expected BMC passwords go on stdin and are compared on the Manager.
 */
export async function observeNodeSet(host: RemoteHost, desired: NodeSetDesired): Promise<NodeSetFacts> {
  const args = [
    LIBVIRT_URI,
    OWNERSHIP_NS,
    desired.imagesDir,
    desired.prefix,
    VBMC,
    desired.vbmcConfigDir,
    desired.bmc.type,
    SUSHY_VENV,
    SUSHY_CONF_DIR,
    SUSHY_UNIT_TEMPLATE,
    desired.nodes.flatMap((n) => n.paths.disks).join("\n"),
  ];
  const stdin = Object.entries(desired.bmc.passwords)
    .map(([node, password]) => `${node} ${Buffer.from(password).toString("base64")}\n`)
    .join("");
  const raw = await host.observe(OBSERVE_NODE_SET, args, {
    purpose: `observe the nodes of ${desired.owner.namespace}/${desired.owner.name}`,
    sudo: true,
    stdin,
    timeoutMs: 120_000,
  });
  return nodeSetFacts(rawNodeSetFacts.parse(raw));
}
