import type { LabManager, LibvirtNetwork, TripleOUndercloud } from "../api/index.js";
import { byManager, errorAt, quoted, type Loaded } from "./crosscheck.js";
import type { LoadedObject } from "./decode.js";
import type { ManifestError } from "./errors.js";
import { checkNetworkAddresses } from "./network-addresses.js";
import { checkNetworksOnManager } from "./network-conflicts.js";

/**
 * Checks that need more than one object (or arithmetic zod cannot express): duplicates,
 * references, subnets, DHCP ranges, bridges, BMC ports. Same one-line errors as the schemas.
 */
export function crossValidate(all: readonly LoadedObject[]): ManifestError[] {
  // A second declaration is reported once, as a duplicate; the other checks see the first.
  const { duplicates, objects } = checkDuplicates(all);
  const managers = objects.filter((o): o is Loaded<LabManager> => o.object.kind === "LabManager");
  const networks = objects.filter((o): o is Loaded<LibvirtNetwork> => o.object.kind === "LibvirtNetwork");
  const underclouds = objects.filter(
    (o): o is Loaded<TripleOUndercloud> => o.object.kind === "TripleOUndercloud",
  );
  const managerByKey = new Map(
    managers.map((m) => [`${m.object.metadata.namespace}/${m.object.metadata.name}`, m]),
  );
  return [
    ...duplicates,
    ...checkManagerRefs([...networks, ...underclouds], managerByKey),
    ...networks.flatMap(checkNetworkAddresses),
    ...[...byManager(networks)].flatMap(([key, nets]) => checkNetworksOnManager(nets, managerByKey.get(key))),
    ...underclouds.flatMap((uc) => checkNicRefs(uc, networks)),
    ...underclouds.flatMap(checkUndercloudNicCount),
    ...[...byManager(underclouds)].flatMap(([, ucs]) => checkUndercloudsOnManager(ucs)),
  ];
}

function checkDuplicates(all: readonly LoadedObject[]): {
  duplicates: ManifestError[];
  objects: LoadedObject[];
} {
  const seen = new Map<string, LoadedObject>();
  const duplicates: ManifestError[] = [];
  for (const o of all) {
    const { kind, metadata } = o.object;
    const id = `${kind}/${metadata.namespace}/${metadata.name}`;
    const first = seen.get(id);
    if (!first) seen.set(id, o);
    else {
      const where = `${first.source.file}:${first.source.doc}`;
      const message = `duplicate ${kind} ${quoted(metadata.name)} in namespace ${quoted(metadata.namespace)} (first declared at ${where})`;
      duplicates.push(errorAt(o, "metadata.name", message));
    }
  }
  return { duplicates, objects: [...seen.values()] };
}

function checkManagerRefs(
  dependents: Loaded<LibvirtNetwork | TripleOUndercloud>[],
  managerByKey: Map<string, Loaded<LabManager>>,
): ManifestError[] {
  return dependents.flatMap((d) => {
    const { namespace } = d.object.metadata;
    const ref = d.object.spec.managerRef.name;
    if (managerByKey.has(`${namespace}/${ref}`)) return [];
    const message = `LabManager ${quoted(ref)} not found in namespace ${quoted(namespace)}`;
    return [errorAt(d, "spec.managerRef.name", message)];
  });
}

function checkNicRefs(uc: Loaded<TripleOUndercloud>, networks: Loaded<LibvirtNetwork>[]): ManifestError[] {
  const { namespace } = uc.object.metadata;
  const manager = uc.object.spec.managerRef.name;
  return uc.object.spec.nics.flatMap((nic, i) => {
    const ref = nic.networkRef.name;
    const path = `spec.nics[${i}].networkRef.name`;
    const net = networks.find(
      (n) => n.object.metadata.namespace === namespace && n.object.metadata.name === ref,
    );
    if (!net)
      return [errorAt(uc, path, `LibvirtNetwork ${quoted(ref)} not found in namespace ${quoted(namespace)}`)];
    const netManager = net.object.spec.managerRef.name;
    if (netManager === manager) return [];
    const message = `LibvirtNetwork ${quoted(ref)} is on LabManager ${quoted(netManager)}, not ${quoted(manager)}`;
    return [errorAt(uc, path, message)];
  });
}

/** TripleO takes NIC 2 as its local_interface (PXE); NIC 1 is how we reach the VM. */
function checkUndercloudNicCount(uc: Loaded<TripleOUndercloud>): ManifestError[] {
  const { nics, tripleo } = uc.object.spec;
  if (!tripleo.install || nics.length >= 2) return [];
  const local = tripleo.undercloudConf.localInterface;
  const message = `needs a second NIC for the undercloud's local_interface ${local} (the OpenStack control plane)`;
  return [errorAt(uc, "spec.nics", message)];
}

/** BMC ports and libvirt domain names must be unique on one Manager. */
function checkUndercloudsOnManager(ucs: Loaded<TripleOUndercloud>[]): ManifestError[] {
  const errors: ManifestError[] = [];
  const ports = new Map<number, Loaded<TripleOUndercloud>>();
  const domains = new Map<string, Loaded<TripleOUndercloud>>();
  for (const uc of ucs) {
    const { spec, metadata } = uc.object;
    const on = `on LabManager ${quoted(spec.managerRef.name)}`;
    const port = spec.bmc?.port;
    const portOwner = port === undefined ? undefined : ports.get(port);
    if (portOwner) {
      const message = `${port} is already used by the BMC of TripleOUndercloud ${quoted(portOwner.object.metadata.name)} ${on}`;
      errors.push(errorAt(uc, "spec.bmc.port", message));
    } else if (port !== undefined) ports.set(port, uc);
    const domain = spec.domainName ?? metadata.name;
    const domainOwner = domains.get(domain);
    if (domainOwner) {
      const path = spec.domainName ? "spec.domainName" : "metadata.name";
      const message = `libvirt domain ${quoted(domain)} is already declared by TripleOUndercloud ${quoted(domainOwner.object.metadata.name)} ${on}`;
      errors.push(errorAt(uc, path, message));
    } else domains.set(domain, uc);
  }
  return errors;
}
