import { PlanBlocked, type Step } from "../types.js";
import type { DomainInput } from "../undercloud/domain-xml.js";
import { describeOwner, sameOwner, type Stamp } from "../undercloud/stamp.js";
import { chooseVirtType } from "../undercloud/virt-type.js";
import { allocateBmcPorts, planBmcSoftware, planNodeBmc, removeNodeBmcs } from "./bmc.js";
import type { NodeDesired, NodeSetDesired } from "./desired.js";
import type { NodeDomain, NodeSetFacts } from "./facts.js";
import { chooseMacs, uuidFor } from "./identity.js";
import {
  defineNodeStep,
  diskStep,
  markerStep,
  redefineNodeStep,
  removeNodeStep,
  stampStep,
} from "./node-steps.js";
import { nodePaths } from "./paths.js";

/** Nodes boot from the network first (Ironic's PXE), then from their first disk. */
export const BOOT_ORDER: ("network" | "hd")[] = ["network", "hd"];
/** Orphaned files of a node are looked for under every disk name a role may have. */
const MAX_DISKS = 8;

/** Our stamped domains, by name; a desired name held by anything else blocks the plan. */
export function ownNodes(d: NodeSetDesired, facts: NodeSetFacts): Map<string, NodeDomain> {
  const wanted = new Set(d.nodes.map((n) => n.name));
  for (const name of facts.unstamped.filter((n) => wanted.has(n)))
    throw new PlanBlocked(
      "Conflict",
      `A domain named ${name} exists on the Manager without our ownership stamp: remove it or choose another spec.domainPrefix.`,
    );
  const ours = new Map<string, NodeDomain>();
  for (const dom of facts.stamped) {
    if (sameOwner(dom.stamp.owner, d.owner)) ours.set(dom.name, dom);
    else if (wanted.has(dom.name))
      throw new PlanBlocked(
        "Conflict",
        `Domain ${dom.name} belongs to ${describeOwner(dom.stamp.owner)}: choose another spec.domainPrefix.`,
      );
  }
  return ours;
}

/**
 * From the observed nodes to the desired ones (pure). Nodes no longer counted (the highest
 * indexes after a scale down, or a role removed) go first, with their BMCs and disks; new
 * ones are created powered off with their BMC; existing ones are rewritten only when their
 * definition differs. Power state is Ironic's: never planned.
 */
export function planNodeSet(d: NodeSetDesired, facts: NodeSetFacts, now: () => string = isoNow): Step[] {
  const ours = ownNodes(d, facts);
  const wanted = new Set(d.nodes.map((n) => n.name));
  const steps: Step[] = [];
  for (const dom of ours.values()) {
    if (wanted.has(dom.name)) continue;
    steps.push(...removeNodeBmcs(dom.name, facts), removeNodeStep(dom.name, ourFiles(d, dom.name), d.owner));
  }
  steps.push(...orphanedFiles(d, facts, ours));
  steps.push(...planBmcSoftware(d, facts));
  const defs = nodeDefinitions(d, facts, ours);
  for (const node of d.nodes) {
    const dom = ours.get(node.name);
    const input = defs.get(node.name) as DomainInput;
    steps.push(...(dom ? planExisting(node, input, dom, facts) : planNew(d, node, input, facts, now)));
    steps.push(...planNodeBmc(d, node.name, input.uuid ?? "", input.stamp.node?.bmcPort ?? 0, facts));
  }
  return steps;
}

/**
 * Each desired node's full definition as the plan wants it (pure): existing MACs, UUID and
 * virtualization kept, new ones chosen once, the BMC port allocated or kept.
 */
export function nodeDefinitions(
  d: NodeSetDesired,
  facts: NodeSetFacts,
  ours: Map<string, NodeDomain> = ownNodes(d, facts),
): Map<string, DomainInput> {
  const ports = allocateBmcPorts(d, ours, facts);
  const virtType = chooseNodeVirtType(d, facts, ours);
  const macsInUse = new Set(facts.macsInUse);
  const defs = new Map<string, DomainInput>();
  for (const node of d.nodes) {
    const dom = ours.get(node.name);
    const own = dom?.virtType === "kvm" || dom?.virtType === "qemu" ? dom.virtType : virtType;
    const uuid = dom?.uuid || uuidFor(d.seed, node.name);
    const port = ports.get(node.name) as number;
    defs.set(node.name, domainInput(d, node, { uuid, port, virtType: own, dom, macsInUse }));
  }
  return defs;
}

function isoNow(): string {
  return new Date().toISOString();
}

/** Every file name we may have made for a node (only removed while our marker is there). */
function ourFiles(d: NodeSetDesired, name: string) {
  return nodePaths(d.imagesDir, name, MAX_DISKS);
}

/** Files of a node whose domain never got defined (a crash midway) and that is no longer wanted. */
function orphanedFiles(d: NodeSetDesired, facts: NodeSetFacts, ours: Map<string, NodeDomain>): Step[] {
  const mine = `${describeOwner(d.owner)}\n`;
  return facts.markers.flatMap((m) => {
    const name = /\/\.(.+)\.lab-operator$/.exec(m.path)?.[1];
    if (!name || m.content !== mine || ours.has(name) || d.nodes.some((n) => n.name === name)) return [];
    return [removeNodeStep(name, ourFiles(d, name), d.owner)];
  });
}

/** auto keeps the type of the nodes already there, so a set never mixes KVM and emulation. */
function chooseNodeVirtType(
  d: NodeSetDesired,
  facts: NodeSetFacts,
  ours: Map<string, NodeDomain>,
): "kvm" | "qemu" {
  const existing = [...ours.values()][0]?.virtType;
  if (d.virtType === "auto" && (existing === "kvm" || existing === "qemu")) return existing;
  return chooseVirtType(d.virtType, { usable: facts.kvm, detail: facts.kvmDetail }).virtType;
}

interface NodeChoices {
  uuid: string;
  port: number;
  virtType: "kvm" | "qemu";
  dom: NodeDomain | undefined;
  macsInUse: Set<string>;
}

/** The node's full definition: existing MACs kept, new NICs get fresh ones. */
function domainInput(d: NodeSetDesired, node: NodeDesired, c: NodeChoices): DomainInput {
  const kept = c.dom?.nics.map((n) => n.mac) ?? [];
  const fresh = chooseMacs(d.seed, node.name, kept.length, node.nics.length, c.macsInUse);
  const macs = [...kept, ...fresh].slice(0, node.nics.length);
  const stamp: Stamp = {
    owner: d.owner,
    journal: [],
    node: { role: node.role, index: node.index, bmcPort: c.port },
  };
  const [disk, ...extraDisks] = node.paths.disks;
  return {
    name: node.name,
    uuid: c.uuid,
    virtType: c.virtType,
    vcpus: node.vcpus,
    memoryMiB: node.memoryMiB,
    disk: disk as string,
    extraDisks,
    boot: BOOT_ORDER,
    nics: node.nics.map((n, i) => ({ ...n, mac: macs[i] as string })),
    stamp,
    serialLog: node.paths.serialLog,
  };
}

function planNew(
  d: NodeSetDesired,
  node: NodeDesired,
  input: DomainInput,
  facts: NodeSetFacts,
  now: () => string,
): Step[] {
  const marked = facts.markers.some(
    (m) => m.path === node.paths.marker && m.content === `${describeOwner(d.owner)}\n`,
  );
  const steps: Step[] = [];
  if (!marked) {
    const other = facts.markers.find((m) => m.path === node.paths.marker);
    if (other)
      throw new PlanBlocked(
        "Conflict",
        `${other.path} says the files of ${node.name} belong to ${other.content.split("\n")[0] || "someone else"}: choose another spec.imagesDir or node names.`,
      );
    const foreign = node.paths.disks.find((p) => facts.existing.has(p));
    if (foreign)
      throw new PlanBlocked(
        "Conflict",
        `${foreign} exists on the Manager but is not ours: remove it or choose another spec.imagesDir.`,
      );
    steps.push(markerStep(node.name, node.paths, d.owner));
  }
  node.paths.disks.forEach((path, i) => {
    if (!facts.existing.has(path)) steps.push(diskStep(node.name, path, i, node.diskGiB[i] ?? 0));
  });
  steps.push(defineNodeStep(input, now));
  return steps;
}

/** What differs between the saved definition and the desired one, in words. */
function differences(input: DomainInput, dom: NodeDomain): string[] {
  const out: string[] = [];
  if (dom.vcpus !== input.vcpus) out.push(`vCPUs ${dom.vcpus} → ${input.vcpus}`);
  if (dom.memoryMiB !== input.memoryMiB) out.push(`memory ${dom.memoryMiB} → ${input.memoryMiB} MiB`);
  const nics = (list: { network: string; model: string }[]) =>
    list.map((n) => `${n.network}/${n.model}`).join(",");
  if (nics(dom.nics) !== nics(input.nics)) out.push(`NICs ${nics(dom.nics)} → ${nics(input.nics)}`);
  const disks = [input.disk, ...(input.extraDisks ?? [])];
  if (dom.disks.join(",") !== disks.join(",")) out.push(`disks ${dom.disks.length} → ${disks.length}`);
  if (dom.boot.join(",") !== BOOT_ORDER.join(","))
    out.push(`boot order ${dom.boot.join(",") || "none"} → network,hd`);
  return out;
}

function planExisting(node: NodeDesired, input: DomainInput, dom: NodeDomain, facts: NodeSetFacts): Step[] {
  const steps: Step[] = [];
  const diff = differences(input, dom);
  if (diff.length > 0) {
    node.paths.disks.forEach((path, i) => {
      if (!facts.existing.has(path)) steps.push(diskStep(node.name, path, i, node.diskGiB[i] ?? 0));
    });
    steps.push(redefineNodeStep(input, diff.join("; ")));
  }
  const rec = dom.stamp.node;
  const want = input.stamp.node;
  const same = rec?.bmcPort === want?.bmcPort && rec?.role === want?.role && rec?.index === want?.index;
  // A redefinition carries the new stamp already.
  if (diff.length === 0 && want && !same)
    steps.push(stampStep(node.name, input.stamp, `BMC port ${want.bmcPort}`));
  return steps;
}
