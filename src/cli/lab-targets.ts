import {
  domainNameOf,
  managerRefOf,
  nodeSetPrefix,
  overcloudNodeName,
  managerRootAlias,
  sshAliasesOf,
  type LabManager,
  type LabObject,
  type OvercloudNodeSet,
  type TripleOUndercloud,
} from "../api/index.js";
import type { BmcTarget } from "./ssh-shortcuts.js";

/** The lab's objects a shortcut works from, and where they were read (for errors). */
export interface LabObjects {
  objects: LabObject[];
  /** e.g. "the manifests manifests/" or "the state directory workspace/state". */
  from: string;
  /**
   * BMC ports the operator allocated to overcloud nodes, by "namespace/set/node", as its
   * saved status records them (ports are chosen at converge time, not in the spec).
   */
  nodeBmcPorts?: Map<string, number>;
}

/** The key of LabObjects.nodeBmcPorts. */
export const nodePortKey = (set: OvercloudNodeSet, node: string) =>
  `${set.metadata.namespace}/${set.metadata.name}/${node}`;

const nameOf = (o: LabObject) =>
  o.metadata.namespace === "default" ? o.metadata.name : `${o.metadata.namespace}/${o.metadata.name}`;

/** NAME or NAMESPACE/NAME, as `nameOf` prints it. */
const named = (o: LabObject, name: string) =>
  nameOf(o) === name || `${o.metadata.namespace}/${o.metadata.name}` === name;

function managersOf(lab: LabObjects): LabManager[] {
  return lab.objects.filter((o): o is LabManager => o.kind === "LabManager");
}

/**
 * The Manager a shortcut talks to: the one named by --manager, else the only one; several
 * without --manager, or none, is an error that lists them and says what to do.
 */
export function chooseManager(lab: LabObjects, name: string | undefined): LabManager {
  const managers = managersOf(lab);
  const list = managers.map(nameOf).join(", ");
  if (name !== undefined) {
    const found = managers.find((m) => named(m, name));
    if (!found)
      throw new Error(
        `--manager ${name}: no LabManager of that name in ${lab.from}` +
          (managers.length ? ` (there: ${list})` : ""),
      );
    return found;
  }
  if (managers.length === 1) return managers[0]!;
  if (managers.length === 0)
    throw new Error(
      `no LabManager in ${lab.from}: give the lab's manifests with -f DIR, or converge them first (labctl apply -f DIR)`,
    );
  throw new Error(`${managers.length} LabManagers in ${lab.from} (${list}): choose one with --manager NAME`);
}

/** The Manager an object lives on, among the objects read. */
function managerOf(lab: LabObjects, object: LabObject): LabManager {
  const ref = managerRefOf(object);
  const found = managersOf(lab).find(
    (m) => m.metadata.namespace === ref.namespace && m.metadata.name === ref.name,
  );
  if (!found)
    throw new Error(
      `${object.kind}/${nameOf(object)}: its LabManager ${ref.name} (spec.managerRef) is not in ${lab.from}`,
    );
  return found;
}

function undercloudsOf(lab: LabObjects, manager?: LabManager): TripleOUndercloud[] {
  return lab.objects.filter(
    (o): o is TripleOUndercloud =>
      o.kind === "TripleOUndercloud" &&
      (!manager ||
        (managerRefOf(o).namespace === manager.metadata.namespace &&
          managerRefOf(o).name === manager.metadata.name)),
  );
}

/** `<name>-root` of the chosen Manager (src/api/refs.ts writes the ssh.config blocks so). */
export function managerRootAliasIn(lab: LabObjects, manager: string | undefined): string {
  return managerRootAlias(chooseManager(lab, manager));
}

/**
 * The undercloud VM `labctl openstack` talks to: the one named by --undercloud (object or
 * domain name), else the only one (on the --manager when given).
 */
export function chooseUndercloud(
  lab: LabObjects,
  opts: { manager?: string; undercloud?: string },
): TripleOUndercloud {
  const manager = opts.manager !== undefined ? chooseManager(lab, opts.manager) : undefined;
  const vms = undercloudsOf(lab, manager);
  const list = vms.map(nameOf).join(", ");
  if (opts.undercloud !== undefined) {
    const found = vms.find((v) => named(v, opts.undercloud!) || domainNameOf(v) === opts.undercloud);
    if (!found)
      throw new Error(
        `--undercloud ${opts.undercloud}: no TripleOUndercloud of that name in ${lab.from}` +
          (vms.length ? ` (there: ${list})` : ""),
      );
    return found;
  }
  if (vms.length === 1) return vms[0]!;
  if (vms.length === 0)
    throw new Error(`no TripleOUndercloud in ${lab.from}${manager ? ` on ${nameOf(manager)}` : ""}`);
  throw new Error(
    `${vms.length} TripleOUndercloud objects in ${lab.from} (${list}): choose one with --undercloud NAME`,
  );
}

/** The ssh.config alias of an undercloud VM. */
export function undercloudAlias(uc: TripleOUndercloud): string {
  return sshAliasesOf(uc)[0]!.alias;
}

/** Whose BMC password unlocks a target: an undercloud VM's, or one node of a set. */
export type BmcOwner =
  | { kind: "TripleOUndercloud"; undercloud: TripleOUndercloud }
  | { kind: "OvercloudNodeSet"; set: OvercloudNodeSet; node: string };

interface BmcCandidate {
  names: string[];
  /** The object whose Manager runs the BMC (its spec.managerRef). */
  object: LabObject;
  resolve: () => { owner: BmcOwner; target: BmcTarget };
}

const onManager = (object: LabObject, manager: LabManager) =>
  managerRefOf(object).namespace === manager.metadata.namespace &&
  managerRefOf(object).name === manager.metadata.name;

/**
 * `labctl ipmitool NAME`: an undercloud VM (object name, domain name or its ssh alias) or an
 * overcloud node (its domain name) with a BMC, its endpoint as its Manager sees it, and the
 * Manager's root alias to run ipmitool from.
 */
export function bmcTargetOf(
  lab: LabObjects,
  name: string,
  manager: string | undefined,
): { owner: BmcOwner; target: BmcTarget } {
  const on = manager !== undefined ? chooseManager(lab, manager) : undefined;
  const candidates = [...undercloudBmcs(lab), ...nodeBmcs(lab)].filter((c) => !on || onManager(c.object, on));
  const matches = candidates.filter((c) => c.names.includes(name));
  if (matches.length === 0) {
    const list = candidates.map((c) => c.names[0]).join(", ");
    throw new Error(`no VM or overcloud node ${name} in ${lab.from}${list ? ` (there: ${list})` : ""}`);
  }
  if (matches.length > 1)
    throw new Error(
      `${name} is on several Managers in ${lab.from} (${matches.map((c) => managerRefOf(c.object).name).join(", ")}): choose one with --manager NAME`,
    );
  return matches[0]!.resolve();
}

function undercloudBmcs(lab: LabObjects): BmcCandidate[] {
  return undercloudsOf(lab).map((undercloud) => ({
    names: [nameOf(undercloud), domainNameOf(undercloud), undercloudAlias(undercloud)],
    object: undercloud,
    resolve: () => {
      const bmc = undercloud.spec.bmc;
      if (!bmc)
        throw new Error(
          `TripleOUndercloud/${nameOf(undercloud)} has no BMC (spec.bmc is not set) in ${lab.from}`,
        );
      return {
        owner: { kind: "TripleOUndercloud", undercloud },
        target: {
          managerRoot: managerRootAlias(managerOf(lab, undercloud)),
          address: bmc.address,
          port: bmc.port,
          username: bmc.username,
        },
      };
    },
  }));
}

function nodeBmcs(lab: LabObjects): BmcCandidate[] {
  const sets = lab.objects.filter((o): o is OvercloudNodeSet => o.kind === "OvercloudNodeSet");
  return sets.flatMap((set) => {
    const prefix = nodeSetPrefix(set);
    return set.spec.roles.flatMap((role) =>
      Array.from({ length: role.count }, (_, index): BmcCandidate => {
        const node = overcloudNodeName(prefix, role.name, index);
        return { names: [node], object: set, resolve: () => nodeTarget(lab, set, node) };
      }),
    );
  });
}

function nodeTarget(
  lab: LabObjects,
  set: OvercloudNodeSet,
  node: string,
): { owner: BmcOwner; target: BmcTarget } {
  const { bmc } = set.spec;
  if (bmc.type !== "ipmi")
    throw new Error(
      `OvercloudNodeSet/${nameOf(set)}: ${node} has a ${bmc.type} BMC (spec.bmc.type), not IPMI: ipmitool cannot reach it`,
    );
  const port = lab.nodeBmcPorts?.get(nodePortKey(set, node));
  if (port === undefined)
    throw new Error(
      `OvercloudNodeSet/${nameOf(set)}: no BMC port of ${node} in the saved status yet: converge it first (labctl apply)`,
    );
  return {
    owner: { kind: "OvercloudNodeSet", set, node },
    target: {
      managerRoot: managerRootAlias(managerOf(lab, set)),
      address: bmc.address,
      port,
      username: bmc.username,
    },
  };
}

/** What fetch-results takes from each kind of host, as the seed fetched it (`~/` is the login's home). */
export interface ResultSource {
  alias: string;
  paths: string[];
}

const MANAGER_RESULTS = ["/var/log/libvirt/qemu", "/var/log/virtualbmc", "/etc/virtualbmc"];

/** A path of the undercloud spec: relative ones are under the guest user's home. */
const inHome = (path: string) => (path.startsWith("/") ? path : `~/${path}`);

/**
 * fetch-results' sources: the chosen Manager's root login (libvirt and VirtualBMC logs and
 * configuration) and each undercloud VM on it (install log, undercloud.conf, the generated
 * passwords and container image list where spec.tripleo.undercloudConf puts them, the
 * containers' logs).
 */
export function resultSourcesOf(lab: LabObjects, manager: string | undefined): ResultSource[] {
  const m = chooseManager(lab, manager);
  const vms = undercloudsOf(lab, m).map((uc) => {
    const conf = uc.spec.tripleo.undercloudConf;
    return {
      alias: undercloudAlias(uc),
      paths: [
        "~/install-undercloud.log",
        "~/undercloud.conf",
        "~/containers-prepare-parameter.yaml",
        `${inHome(conf.outputDir)}/undercloud-passwords.conf`,
        inHome(conf.containerImagesFile),
        "~/tripleo-deploy/undercloud/tripleo-undercloud-passwords.yaml",
        "/var/log/containers",
      ],
    };
  });
  return [{ alias: managerRootAlias(m), paths: MANAGER_RESULTS }, ...vms];
}
