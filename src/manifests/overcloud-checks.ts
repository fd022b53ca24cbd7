import {
  nodeSetPrefix,
  overcloudNodeName,
  type LibvirtNetwork,
  type OvercloudNodeSet,
  type TripleOUndercloud,
} from "../api/index.js";
import { errorAt, quoted, type Loaded } from "./crosscheck.js";
import type { ManifestError } from "./errors.js";

type NodeSet = Loaded<OvercloudNodeSet>;
type Undercloud = Loaded<TripleOUndercloud>;

function named(set: NodeSet): string {
  return `OvercloudNodeSet ${quoted(set.object.metadata.name)}`;
}

function on(set: NodeSet): string {
  return `on LabManager ${quoted(set.object.spec.managerRef.name)}`;
}

function sameNamespace<T extends { object: { metadata: { namespace: string; name: string } } }>(
  items: T[],
  namespace: string,
  name: string,
): T | undefined {
  return items.find((i) => i.object.metadata.namespace === namespace && i.object.metadata.name === name);
}

/** The checks one node set needs of itself and its references. */
export function checkNodeSet(
  set: NodeSet,
  networks: Loaded<LibvirtNetwork>[],
  underclouds: Undercloud[],
  missingReferences = true,
): ManifestError[] {
  const { spec, metadata } = set.object;
  const undercloud = spec.undercloudRef
    ? sameNamespace(underclouds, metadata.namespace, spec.undercloudRef.name)
    : undefined;
  return [
    ...checkRoleNames(set),
    ...checkPortRangeSize(set),
    ...checkUndercloudRef(set, undercloud, missingReferences),
    ...spec.roles.flatMap((_, r) => checkPxeNetwork(set, r, networks, undercloud)),
  ];
}

function checkRoleNames(set: NodeSet): ManifestError[] {
  const seen = new Set<string>();
  return set.object.spec.roles.flatMap((role, r) => {
    if (!seen.has(role.name)) {
      seen.add(role.name);
      return [];
    }
    return [errorAt(set, `spec.roles[${r}].name`, `role ${quoted(role.name)} is declared twice`)];
  });
}

/** Every node needs its own port: the range must hold the sum of the counts. */
function checkPortRangeSize(set: NodeSet): ManifestError[] {
  const { roles, bmc } = set.object.spec;
  const nodes = roles.reduce((sum, r) => sum + r.count, 0);
  const size = bmc.portRange.end - bmc.portRange.start + 1;
  if (nodes <= size) return [];
  const counts = roles.map((r) => `${r.name} ${r.count}`).join(", ");
  const message = `${bmc.portRange.start}-${bmc.portRange.end} has ${size} port${size === 1 ? "" : "s"} for ${nodes} nodes (${counts})`;
  return [errorAt(set, "spec.bmc.portRange", message)];
}

function checkUndercloudRef(
  set: NodeSet,
  undercloud: Undercloud | undefined,
  missingReferences: boolean,
): ManifestError[] {
  const { spec, metadata } = set.object;
  const errors: ManifestError[] = [];
  if (spec.undercloudRef && !undercloud && missingReferences) {
    const message = `TripleOUndercloud ${quoted(spec.undercloudRef.name)} not found in namespace ${quoted(metadata.namespace)}`;
    errors.push(errorAt(set, "spec.undercloudRef.name", message));
  }
  if (undercloud && undercloud.object.spec.managerRef.name !== spec.managerRef.name) {
    const message = `TripleOUndercloud ${quoted(undercloud.object.metadata.name)} is on LabManager ${quoted(undercloud.object.spec.managerRef.name)}, not ${quoted(spec.managerRef.name)}`;
    errors.push(errorAt(set, "spec.undercloudRef.name", message));
  }
  if (spec.import && !spec.undercloudRef)
    errors.push(
      errorAt(set, "spec.import", "needs spec.undercloudRef: the undercloud that imports the nodes"),
    );
  if (spec.introspect && !spec.import)
    errors.push(
      errorAt(set, "spec.introspect", "needs spec.import: only imported nodes can be introspected"),
    );
  return errors;
}

/**
 * The first NIC of a role boots from the network (PXE), answered by the undercloud's
 * DHCP: a network where libvirt's own DHCP answers first cannot serve, and with an
 * undercloud it must be one of the undercloud's networks.
 */
function checkPxeNetwork(
  set: NodeSet,
  r: number,
  networks: Loaded<LibvirtNetwork>[],
  undercloud: Undercloud | undefined,
): ManifestError[] {
  const role = set.object.spec.roles[r];
  const ref = role?.nics[0]?.networkRef.name;
  if (!role || ref === undefined) return [];
  const net = sameNamespace(networks, set.object.metadata.namespace, ref);
  if (!net) return []; // reported by the NIC reference check
  const path = `spec.roles[${r}].nics[0].networkRef.name`;
  const dhcp = net.object.spec.ipv4?.dhcp;
  if (net.object.spec.mode !== "bridge" && dhcp && dhcp.ranges.length + dhcp.hosts.length > 0) {
    const message = `role ${quoted(role.name)} has no PXE network: LibvirtNetwork ${quoted(ref)} (its first NIC) runs libvirt's DHCP, which would answer the nodes' PXE requests instead of the undercloud`;
    return [errorAt(set, path, message)];
  }
  const ucNets = undercloud?.object.spec.nics.map((n) => n.networkRef.name) ?? [];
  if (undercloud && !ucNets.includes(ref)) {
    const message = `role ${quoted(role.name)} has no PXE network: LibvirtNetwork ${quoted(ref)} (its first NIC) is not a network of TripleOUndercloud ${quoted(undercloud.object.metadata.name)} (${ucNets.join(", ")})`;
    return [errorAt(set, path, message)];
  }
  return [];
}

/** BMC ports and domain names of the sets of one Manager against each other and the underclouds. */
export function checkNodeSetsOnManager(sets: NodeSet[], underclouds: Undercloud[]): ManifestError[] {
  return [...checkPortRanges(sets, underclouds), ...checkDomainNames(sets, underclouds)];
}

function checkPortRanges(sets: NodeSet[], underclouds: Undercloud[]): ManifestError[] {
  const errors: ManifestError[] = [];
  sets.forEach((set, i) => {
    const { type, portRange: mine } = set.object.spec.bmc;
    const inRange = (p: number) => p >= mine.start && p <= mine.end;
    for (const uc of underclouds) {
      const port = uc.object.spec.bmc?.port;
      if (type !== "ipmi" || port === undefined || !inRange(port)) continue;
      const message = `${mine.start}-${mine.end} contains ${port}, the BMC port of TripleOUndercloud ${quoted(uc.object.metadata.name)} ${on(set)}`;
      errors.push(errorAt(set, "spec.bmc.portRange", message));
    }
    for (const other of sets.slice(0, i)) {
      const theirs = other.object.spec.bmc;
      if (theirs.type !== type || theirs.portRange.end < mine.start || theirs.portRange.start > mine.end)
        continue;
      const message = `${mine.start}-${mine.end} overlaps ${theirs.portRange.start}-${theirs.portRange.end}, the BMC ports of ${named(other)} ${on(set)}`;
      errors.push(errorAt(set, "spec.bmc.portRange", message));
    }
  });
  return errors;
}

/** Node names are <prefix>-<role>-<index>: two sets (or an undercloud) must not meet there. */
function checkDomainNames(sets: NodeSet[], underclouds: Undercloud[]): ManifestError[] {
  const owners = new Map<string, string>();
  for (const uc of underclouds) {
    const name = uc.object.spec.domainName ?? uc.object.metadata.name;
    owners.set(name, `TripleOUndercloud ${quoted(uc.object.metadata.name)}`);
  }
  const errors: ManifestError[] = [];
  for (const set of sets) {
    const prefix = nodeSetPrefix(set.object);
    const path = set.object.spec.domainPrefix ? "spec.domainPrefix" : "metadata.name";
    const clash = set.object.spec.roles
      .flatMap((role) =>
        Array.from({ length: role.count }, (_, i) => overcloudNodeName(prefix, role.name, i)),
      )
      .find((name) => owners.has(name));
    if (clash) {
      const message = `node ${quoted(clash)} would take the libvirt domain name of ${owners.get(clash)} ${on(set)}`;
      errors.push(errorAt(set, path, message));
    }
    for (const role of set.object.spec.roles)
      for (let i = 0; i < role.count; i++) owners.set(overcloudNodeName(prefix, role.name, i), named(set));
  }
  return errors;
}
