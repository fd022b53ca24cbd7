import { planBmc, removeBmcStep } from "../bmc/plan.js";
import { planRedfish, planSushySoftware, removeRedfishStep, type SushyLayout } from "../bmc/redfish.js";
import { PlanBlocked, type Step } from "../types.js";
import { describeOwner } from "../undercloud/stamp.js";
import type { NodeSetDesired } from "./desired.js";
import type { NodeDomain, NodeSetFacts } from "./facts.js";
import { forNode } from "./node-steps.js";
import {
  SUSHY_CONF_DIR,
  SUSHY_UNIT_TEMPLATE,
  SUSHY_VENV,
  sushyAuthPath,
  sushyConfPath,
  sushyUnit,
} from "./paths.js";

export const SUSHY_LAYOUT: SushyLayout = {
  venv: SUSHY_VENV,
  unitTemplate: SUSHY_UNIT_TEMPLATE,
  confDir: SUSHY_CONF_DIR,
  unit: sushyUnit,
  conf: sushyConfPath,
  auth: sushyAuthPath,
};

export const PORT_FIELD = "spec.bmc.portRange";

/** Ports of the BMC type's protocol something already holds on the Manager. */
function portsInUse(d: NodeSetDesired, facts: NodeSetFacts): Set<number> {
  const listening = d.bmc.type === "ipmi" ? facts.udpPorts : facts.tcpPorts;
  return new Set([...listening, ...facts.vbmc.entries.map((e) => e.port)]);
}

/**
 * Each node's BMC port: the one its stamp recorded while it is inside the range (allocated
 * once, kept across restarts and edits), else the lowest port of the range nobody holds.
 */
export function allocateBmcPorts(
  d: NodeSetDesired,
  ours: Map<string, NodeDomain>,
  facts: NodeSetFacts,
): Map<string, number> {
  const { start, end } = d.bmc.range;
  const inRange = (p: number | undefined): p is number => p !== undefined && p >= start && p <= end;
  const ports = new Map<string, number>();
  for (const node of d.nodes) {
    const recorded = ours.get(node.name)?.stamp.node?.bmcPort;
    if (inRange(recorded)) ports.set(node.name, recorded);
  }
  const taken = new Set([...portsInUse(d, facts), ...ports.values()]);
  for (const node of d.nodes) {
    if (ports.has(node.name)) continue;
    let port = start;
    while (port <= end && taken.has(port)) port++;
    if (port > end)
      throw new PlanBlocked(
        "PortConflict",
        `No free port left in ${PORT_FIELD} ${start}-${end} for the BMC of ${node.name}: the others are in use on the Manager.`,
      );
    taken.add(port);
    ports.set(node.name, port);
  }
  return ports;
}

/** The emulator software, when the set's BMCs are Redfish ones. */
export function planBmcSoftware(d: NodeSetDesired, facts: NodeSetFacts): Step[] {
  if (d.bmc.type !== "redfish" || d.nodes.length === 0) return [];
  return planSushySoftware(d.sushyVersion, { ...facts.sushy, tcpPorts: facts.tcpPorts }, SUSHY_LAYOUT);
}

function password(d: NodeSetDesired, node: string): string {
  const p = d.bmc.passwords[node];
  if (p === undefined) throw new Error(`no BMC password for node ${node}`);
  return p;
}

/** One node's BMC: its endpoint of the set's type; one of the other type of ours goes. */
export function planNodeBmc(
  d: NodeSetDesired,
  name: string,
  uuid: string,
  port: number,
  facts: NodeSetFacts,
): Step[] {
  const { bmc } = d;
  if (bmc.type === "ipmi") {
    const desired = {
      domain: name,
      address: bmc.address,
      port,
      username: bmc.username,
      password: password(d, name),
    };
    const bmcFacts = {
      entries: facts.vbmc.entries,
      username: facts.vbmc.users[name] ?? "",
      udpPorts: facts.udpPorts,
      ...(name in facts.vbmc.credentials ? { answers: facts.vbmc.credentials[name] } : {}),
    };
    return [
      ...removeRedfish(name, facts),
      ...planBmc(desired, bmcFacts, PORT_FIELD).map((s) => forNode(name, s)),
    ];
  }
  const instance = facts.sushy.instances.find((i) => i.domain === name);
  const desired = {
    domain: name,
    uuid,
    owner: describeOwner(d.owner),
    address: bmc.address,
    port,
    username: bmc.username,
    password: password(d, name),
  };
  const redfishFacts = { ...facts.sushy, tcpPorts: facts.tcpPorts, ...(instance ? { instance } : {}) };
  return [
    ...removeVbmc(name, facts),
    ...planRedfish(desired, redfishFacts, SUSHY_LAYOUT).map((s) => forNode(name, s)),
  ];
}

function removeVbmc(name: string, facts: NodeSetFacts): Step[] {
  return facts.vbmc.entries.some((e) => e.domain === name) ? [forNode(name, removeBmcStep(name))] : [];
}

function removeRedfish(name: string, facts: NodeSetFacts): Step[] {
  return facts.sushy.instances.some((i) => i.domain === name)
    ? [forNode(name, removeRedfishStep(name, SUSHY_LAYOUT))]
    : [];
}

/** Every BMC endpoint of a node of ours that goes away. */
export function removeNodeBmcs(name: string, facts: NodeSetFacts): Step[] {
  return [...removeVbmc(name, facts), ...removeRedfish(name, facts)];
}
