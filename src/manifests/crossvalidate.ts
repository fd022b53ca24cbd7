import type { LabManager, LibvirtNetwork, OvercloudNodeSet, TripleOUndercloud } from "../api/index.js";
import { byManager, errorAt, quoted, type Declared, type Loaded } from "./crosscheck.js";
import type { LoadedObject, LoadedPreview } from "./decode.js";
import type { ManifestError } from "./errors.js";
import { checkManagerAddresses, checkManagerBridges, checkNetworkAgainstBridges } from "./manager-checks.js";
import { checkNetworkAddresses } from "./network-addresses.js";
import { checkNetworksOnManager } from "./network-conflicts.js";
import { checkNodeSet, checkNodeSetsOnManager } from "./overcloud-checks.js";
import { checkWorkspaceNames } from "./workspace-names.js";

export interface CrossValidateOptions {
  /**
   * Report references to objects that are not declared (default true). Kubernetes mode
   * passes false: objects arrive in any order there, and a missing Manager or network is a
   * dependency to wait for (WaitingForDependency), not bad input. Every conflict between
   * declared objects is reported in both modes.
   */
  missingReferences?: boolean;
}

/**
 * Checks that need more than one object (or arithmetic zod cannot express): duplicates,
 * references, subnets, DHCP ranges, bridges, BMC ports. Same one-line errors as the schemas.
 * File mode runs them over the loaded files, Kubernetes mode over the informers' objects.
 */
export function crossValidate(
  all: readonly LoadedObject[],
  previews: readonly LoadedPreview[] = [],
  opts: CrossValidateOptions = {},
): ManifestError[] {
  const missing = opts.missingReferences ?? true;
  // A second declaration is reported once, as a duplicate; the other checks see the first.
  const { duplicates, objects } = checkDuplicates([...all, ...previews]);
  const managers = objects.filter((o): o is Loaded<LabManager> => o.object.kind === "LabManager");
  const networks = objects.filter((o): o is Loaded<LibvirtNetwork> => o.object.kind === "LibvirtNetwork");
  const underclouds = objects.filter(
    (o): o is Loaded<TripleOUndercloud> => o.object.kind === "TripleOUndercloud",
  );
  const nodeSets = objects.filter((o): o is Loaded<OvercloudNodeSet> => o.object.kind === "OvercloudNodeSet");
  const managerByKey = new Map(
    managers.map((m) => [`${m.object.metadata.namespace}/${m.object.metadata.name}`, m]),
  );
  return [
    ...duplicates,
    ...(missing ? checkManagerRefs([...networks, ...underclouds, ...nodeSets], managerByKey) : []),
    ...managers.flatMap(checkManagerBridges),
    ...checkManagerAddresses(managers),
    ...networks.flatMap(checkNetworkAddresses),
    ...[...byManager(networks)].flatMap(([key, nets]) => checkNetworksOnManager(nets, managerByKey.get(key))),
    ...networks.flatMap((net) => {
      const manager = managerByKey.get(managerKey(net));
      return manager ? checkNetworkAgainstBridges(net, manager) : [];
    }),
    ...underclouds.flatMap((uc) => checkNicRefs(uc, uc.object.spec.nics, "spec.nics", networks, missing)),
    ...underclouds.flatMap(checkUndercloudNicCount),
    ...[...byManager(underclouds)].flatMap(([, ucs]) => checkUndercloudsOnManager(ucs)),
    ...checkWorkspaceNames(objects.filter((o): o is LoadedObject => o.object.kind !== "OvercloudNodeSet")),
    ...nodeSets.flatMap((set) => [
      ...set.object.spec.roles.flatMap((role, r) =>
        checkNicRefs(set, role.nics, `spec.roles[${r}].nics`, networks, missing),
      ),
      ...checkNodeSet(set, networks, underclouds, missing),
    ]),
    ...[...byManager(nodeSets)].flatMap(([key, sets]) =>
      checkNodeSetsOnManager(
        sets,
        underclouds.filter((u) => managerKey(u) === key),
      ),
    ),
  ];
}

function managerKey(o: Loaded<TripleOUndercloud | LibvirtNetwork>): string {
  return `${o.object.metadata.namespace}/${o.object.spec.managerRef.name}`;
}

function checkDuplicates(all: readonly Declared[]): {
  duplicates: ManifestError[];
  objects: Declared[];
} {
  const seen = new Map<string, Declared>();
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
  dependents: Loaded<LibvirtNetwork | TripleOUndercloud | OvercloudNodeSet>[],
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

/** Each NIC's LibvirtNetwork exists in the namespace and lives on the owner's Manager. */
function checkNicRefs(
  uc: Loaded<TripleOUndercloud | OvercloudNodeSet>,
  nics: readonly { networkRef: { name: string } }[],
  field: string,
  networks: Loaded<LibvirtNetwork>[],
  missing: boolean,
): ManifestError[] {
  const { namespace } = uc.object.metadata;
  const manager = uc.object.spec.managerRef.name;
  return nics.flatMap((nic, i) => {
    const ref = nic.networkRef.name;
    const path = `${field}[${i}].networkRef.name`;
    const net = networks.find(
      (n) => n.object.metadata.namespace === namespace && n.object.metadata.name === ref,
    );
    if (!net && !missing) return [];
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
