import type { Kind, LabObject } from "../api/index.js";
import type { ObjectState } from "../controllers/state.js";

/** What a drawn node stands for: one of our kinds, or a bridge on a Manager. */
export type NodeKind = Kind | "Bridge";

export interface TopologyNode {
  /** Stable across refreshes: "LabManager/default/lab", "Bridge/default/lab/br0". */
  id: string;
  kind: NodeKind;
  name: string;
  namespace: string;
  /** The Manager the node lives on (its own name for a LabManager). */
  manager: string;
  ready: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  /** One line of what the node is, e.g. "nat 192.168.122.1/24" or "host bridge". */
  detail: string;
}

export interface TopologyEdge {
  from: string;
  to: string;
}

export interface Topology {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
}

/** The inputs of a topology: desired objects and whatever state was saved for them. */
export interface TopologyInput {
  objects: LabObject[];
  states: ObjectState[];
}

type Readiness = Pick<TopologyNode, "ready" | "reason" | "message">;

const UNKNOWN: Readiness = { ready: "Unknown", reason: "NotReconciled", message: "not reconciled yet" };

/**
 * The lab drawn as layers: Manager → bridges → LibvirtNetworks → undercloud VMs and
 * overcloud node sets (their nodes and power states in the detail). A host
 * bridge takes its Manager's readiness, a bridge libvirt creates takes its network's.
 * Pure: the same input always gives the same, sorted output.
 */
export function buildTopology(input: TopologyInput): Topology {
  const states = new Map(input.states.map((s) => [objectId(s.kind, s.namespace, s.name), s]));
  const readiness = (kind: Kind, ns: string, name: string) =>
    readinessOf(states.get(objectId(kind, ns, name)));
  const nodes = new Map<string, TopologyNode>();
  const edges: TopologyEdge[] = [];
  const objects = [...input.objects].sort(byKindThenName);
  for (const o of objects) {
    const ns = o.metadata.namespace;
    const id = objectId(o.kind, ns, o.metadata.name);
    if (o.kind === "LabManager") {
      const r = readiness(o.kind, ns, o.metadata.name);
      nodes.set(id, node(id, o, o.metadata.name, r, o.spec.address));
      for (const b of o.spec.bridges) {
        const bid = bridgeId(ns, o.metadata.name, b.name);
        const addresses = b.addresses.length ? ` ${b.addresses.join(" ")}` : "";
        nodes.set(bid, bridgeNode(bid, ns, o.metadata.name, b.name, r, `host bridge${addresses}`));
        edges.push({ from: id, to: bid });
      }
    } else if (o.kind === "LibvirtNetwork") {
      const mgr = o.spec.managerRef.name;
      const r = readiness(o.kind, ns, o.metadata.name);
      const addr = o.spec.ipv4?.address ? ` ${o.spec.ipv4.address}` : "";
      nodes.set(id, node(id, o, mgr, r, `${o.spec.mode}${addr}`));
      const bid = bridgeId(ns, mgr, o.spec.bridge);
      if (!nodes.has(bid)) {
        // nat/isolated: libvirt creates the bridge; bridge mode names a host bridge we do not know.
        const detail = o.spec.mode === "bridge" ? "bridge not declared by the Manager" : "created by libvirt";
        nodes.set(bid, bridgeNode(bid, ns, mgr, o.spec.bridge, r, detail));
        edges.push({ from: objectId("LabManager", ns, mgr), to: bid });
      }
      edges.push({ from: bid, to: id });
    } else if (o.kind === "OvercloudNodeSet") {
      const mgr = o.spec.managerRef.name;
      const r = readiness(o.kind, ns, o.metadata.name);
      nodes.set(id, node(id, o, mgr, r, nodeSetDetail(o, states.get(id))));
      const nets = new Set(o.spec.roles.flatMap((role) => role.nics.map((n) => n.networkRef.name)));
      for (const net of [...nets].sort()) edges.push({ from: objectId("LibvirtNetwork", ns, net), to: id });
    } else {
      const mgr = o.spec.managerRef.name;
      const r = readiness(o.kind, ns, o.metadata.name);
      const detail = `VM ${o.spec.domainName ?? o.metadata.name}, ${o.spec.vcpus} vCPU, ${o.spec.memoryMiB} MiB`;
      nodes.set(id, node(id, o, mgr, r, detail));
      for (const nic of o.spec.nics)
        edges.push({ from: objectId("LibvirtNetwork", ns, nic.networkRef.name), to: id });
    }
  }
  return { nodes: [...nodes.values()], edges: edges.filter((e) => nodes.has(e.from) && nodes.has(e.to)) };
}

export function objectId(kind: NodeKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

function bridgeId(namespace: string, manager: string, bridge: string): string {
  return objectId("Bridge", namespace, `${manager}/${bridge}`);
}

/** The Ready condition of saved state, or Unknown before the first reconcile. */
export function readinessOf(state: ObjectState | undefined): Readiness {
  const c = state?.status.conditions.find((x) => x.type === "Ready");
  return c ? { ready: c.status, reason: c.reason, message: c.message } : UNKNOWN;
}

function node(id: string, o: LabObject, manager: string, r: Readiness, detail: string): TopologyNode {
  return { id, kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace, manager, ...r, detail };
}

function bridgeNode(
  id: string,
  namespace: string,
  manager: string,
  name: string,
  r: Readiness,
  detail: string,
): TopologyNode {
  return { id, kind: "Bridge", name, namespace, manager, ...r, detail };
}

const KIND_ORDER: Record<Kind, number> = {
  LabManager: 0,
  LibvirtNetwork: 1,
  TripleOUndercloud: 2,
  OvercloudNodeSet: 3,
};

/** "3 nodes (ipmi): overcloud-controller-0 shut off, ..." from status.nodes, else the counts asked for. */
function nodeSetDetail(set: Extract<LabObject, { kind: "OvercloudNodeSet" }>, state?: ObjectState): string {
  const seen = state?.status.nodes as { name: string; powerState?: string }[] | undefined;
  const wanted = set.spec.roles.map((r) => `${r.count} ${r.name}`).join(", ");
  if (!seen?.length) return `nodes (${set.spec.bmc.type}): ${wanted}`;
  const list = seen.map((n) => `${n.name} ${n.powerState ?? "unknown"}`).join(", ");
  return `${seen.length} nodes (${set.spec.bmc.type}): ${list}`;
}

/** Managers first (their bridges exist before a network looks for them), then by name. */
function byKindThenName(a: LabObject, b: LabObject): number {
  return (
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    a.metadata.namespace.localeCompare(b.metadata.namespace) ||
    a.metadata.name.localeCompare(b.metadata.name)
  );
}
