import { nodeSetPrefix, overcloudNodeName, type OvercloudNodeSet } from "../../api/overcloudnodeset.js";
import type { DomainNic } from "../undercloud/domain-xml.js";
import type { Owner } from "../undercloud/stamp.js";
import { nodePaths, type NodePaths } from "./paths.js";

/** One node as the spec wants it. */
export interface NodeDesired {
  name: string;
  role: string;
  index: number;
  profile: string;
  vcpus: number;
  memoryMiB: number;
  /** Disk sizes in GiB, in order; the first is the root disk. */
  diskGiB: number[];
  /** libvirt network names, in order; the first is the PXE network. */
  nics: Omit<DomainNic, "mac">[];
  paths: NodePaths;
}

export interface BmcSettings {
  type: "ipmi" | "redfish";
  address: string;
  range: { start: number; end: number };
  username: string;
  /** Per node name; only ever sent on stdin. */
  passwords: Record<string, string>;
}

/** The set as the spec wants it, references resolved by the caller (the controller). */
export interface NodeSetDesired {
  owner: Owner;
  /** What MACs and UUIDs derive from: the object's uid, else namespace/name. */
  seed: string;
  prefix: string;
  imagesDir: string;
  virtType: "auto" | "kvm" | "qemu";
  arch: "x86_64";
  nodes: NodeDesired[];
  bmc: BmcSettings;
  sushyVersion: string;
  /** VirtualBMC's config directory on the Manager (the LabManager's spec.virtualBMC.configDir). */
  vbmcConfigDir: string;
}

/** What the controller resolves for the plan: network names by LibvirtNetwork name, passwords. */
export interface NodeSetInputs {
  networkNames: Record<string, string>;
  passwords: Record<string, string>;
  vbmcConfigDir: string;
}

export function nodeSetOwner(set: OvercloudNodeSet): Owner {
  return { kind: "OvercloudNodeSet", namespace: set.metadata.namespace, name: set.metadata.name };
}

export function diskGiB(size: string): number {
  const n = Number(size.slice(0, -1));
  return size.endsWith("T") ? n * 1024 : n;
}

/** Every node the counts ask for, by role then index (pure). */
export function desiredNodes(set: OvercloudNodeSet, networkNames: Record<string, string>): NodeDesired[] {
  const prefix = nodeSetPrefix(set);
  return set.spec.roles.flatMap((role) =>
    Array.from({ length: role.count }, (_, index): NodeDesired => {
      const name = overcloudNodeName(prefix, role.name, index);
      return {
        name,
        role: role.name,
        index,
        profile: role.profile ?? role.name,
        vcpus: role.vcpus,
        memoryMiB: role.memoryMiB,
        diskGiB: role.disks.map(diskGiB),
        nics: role.nics.map((n) => ({
          network: networkNames[n.networkRef.name] ?? n.networkRef.name,
          model: n.model,
        })),
        paths: nodePaths(set.spec.imagesDir, name, role.disks.length),
      };
    }),
  );
}

export function desiredNodeSet(set: OvercloudNodeSet, inputs: NodeSetInputs): NodeSetDesired {
  const { bmc } = set.spec;
  return {
    owner: nodeSetOwner(set),
    seed: set.metadata.uid ?? `${set.metadata.namespace}/${set.metadata.name}`,
    prefix: nodeSetPrefix(set),
    imagesDir: set.spec.imagesDir,
    virtType: set.spec.virtType,
    arch: set.spec.arch,
    nodes: desiredNodes(set, inputs.networkNames),
    bmc: {
      type: bmc.type,
      address: bmc.address,
      range: bmc.portRange,
      username: bmc.username,
      passwords: inputs.passwords,
    },
    sushyVersion: set.spec.sushyTools.version,
    vbmcConfigDir: inputs.vbmcConfigDir,
  };
}
