import { z } from "zod";
import { baseStatus } from "./conditions.js";
import {
  absolutePath,
  checkedSecretRef as secretRef,
  duration,
  ipv4,
  mac,
  posixUserName,
  unprivilegedPort,
} from "./fields.js";
import { API_VERSION, deletionPolicy, driftPolicy, localRef, objectMeta, suspend } from "./meta.js";

/** A disk size in whole GiB or TiB, so Ironic's `disk` (GiB) is exact. */
const diskSize = z
  .string()
  .regex(/^[1-9]\d{0,5}[GT]$/, "must be a size in G or T like 50G")
  .describe("Size of a blank qcow2 disk, e.g. 50G (allocated as the guest writes).");

export const overcloudNic = z
  .object({
    networkRef: localRef.describe("The LibvirtNetwork this NIC is attached to, on the same Manager."),
    model: z.enum(["virtio", "e1000"]).default("virtio").describe("The NIC model the guest sees."),
  })
  .describe("One NIC of every node of a role.");

export const overcloudRole = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,23}$/, "must be a role name like controller (lowercase, at most 24 chars)")
      .describe("Role name: part of each node's domain name and its Ironic profile by default."),
    count: z
      .number()
      .int()
      .min(0)
      .max(64)
      .describe("How many nodes of this role exist (indexes 0..count-1)."),
    vcpus: z.number().int().min(1).max(64).default(2).describe("vCPUs of each node of this role."),
    memoryMiB: z.number().int().min(512).max(1048576).default(8192).describe("Memory of each node in MiB."),
    disks: z
      .array(diskSize)
      .min(1, "needs at least the root disk")
      .max(8)
      .default(["50G"])
      .describe("Blank disks of each node in order; the first is the root disk Ironic deploys onto."),
    nics: z
      .array(overcloudNic)
      .min(1, "needs at least one NIC: the first is the PXE (provisioning) network")
      .max(8)
      .describe("NICs of each node in order; the first is the PXE (provisioning) network."),
    profile: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,62}$/, "must be a profile name like control")
      .optional()
      .describe("The Ironic capability profile (profile:<name>); defaults to the role name."),
  })
  .describe("A group of identical nodes.");
export type OvercloudRole = z.infer<typeof overcloudRole>;

export const portRange = z
  .object({
    start: unprivilegedPort.describe("First port that may be allocated."),
    end: unprivilegedPort.describe("Last port that may be allocated (inclusive)."),
  })
  .refine((r) => r.end >= r.start, { message: "end must not be below start", path: ["end"] })
  .describe("Ports allocated to the nodes' BMC endpoints, one per node, kept once allocated.");

export const overcloudBmc = z
  .object({
    type: z
      .enum(["ipmi", "redfish"])
      .default("ipmi")
      .describe("ipmi: a VirtualBMC entry per node (UDP); redfish: a sushy-tools emulator per node (HTTP)."),
    address: ipv4
      .default("192.168.122.1")
      .describe("Address the BMC endpoints listen on: the Manager on a network the undercloud reaches."),
    portRange: portRange.default({ start: 6231, end: 6299 }),
    username: posixUserName.default("admin").describe("BMC user name of every node."),
    passwordRef: secretRef
      .optional()
      .describe(
        "One password for every node; by default each node gets a generated one (workspace or Secret).",
      ),
  })
  .describe("The emulated BMC of every node: how Ironic powers and boots it.");

export const sushyToolsSpec = z
  .object({
    version: z
      .string()
      .max(64)
      .regex(/^[0-9][0-9A-Za-z.+-]*$/, "must be a version like 2.2.0")
      .default("2.2.0")
      .describe("The sushy-tools release pip installs into the Manager's venv for redfish BMCs."),
  })
  .describe("The Redfish emulator software, used only when bmc.type is redfish.");

export const overcloudNodeSetSpec = z.object({
  managerRef: localRef.describe("The LabManager the nodes run on."),
  undercloudRef: localRef
    .optional()
    .describe("A TripleOUndercloud on the same Manager: instackenv.json is uploaded to its user's home."),
  domainPrefix: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,30}$/, "must be a name prefix like overcloud (lowercase, at most 31 chars)")
    .optional()
    .describe("Nodes are named <prefix>-<role>-<index>; defaults to metadata.name."),
  imagesDir: absolutePath
    .default("/var/lib/libvirt/images")
    .describe("Directory on the Manager holding the nodes' disks."),
  virtType: z
    .enum(["auto", "kvm", "qemu"])
    .default("auto")
    .describe("auto: KVM when a guest with the host CPU starts on the Manager, else QEMU emulation."),
  arch: z.literal("x86_64").default("x86_64").describe("CPU architecture of the nodes."),
  roles: z.array(overcloudRole).min(1, "needs at least one role").describe("The node groups, in order."),
  bmc: overcloudBmc.default(overcloudBmc.parse({})),
  sushyTools: sushyToolsSpec.default(sushyToolsSpec.parse({})),
  import: z
    .boolean()
    .default(false)
    .describe("Run `openstack overcloud node import` on the undercloud once instackenv.json is there."),
  introspect: z
    .boolean()
    .default(false)
    .describe("With import: also run `openstack overcloud node introspect --all-manageable --provide`."),
  driftPolicy: driftPolicy.describe("repair, detect (report only) or ignore drift of the nodes."),
  deletionPolicy: deletionPolicy.describe("Delete removes our domains, disks and BMCs; Orphan keeps them."),
  suspend,
  resyncInterval: duration.default("10m").describe("How often the nodes are observed again without events."),
});
export type OvercloudNodeSetSpec = z.infer<typeof overcloudNodeSetSpec>;

export const overcloudNodeStatus = z
  .object({
    name: z.string().describe("The node's libvirt domain name (and Ironic node name)."),
    role: z.string().describe("The role it belongs to."),
    macs: z.array(mac).describe("MAC addresses of its NICs, in order (the first is the PXE NIC)."),
    bmcPort: z.number().int().optional().describe("Port of its BMC endpoint."),
    powerState: z.string().optional().describe("libvirt's state of the domain: power belongs to Ironic."),
  })
  .describe("One node as observed on the Manager.");

export const overcloudNodeSetStatus = baseStatus.extend({
  nodes: z.array(overcloudNodeStatus).optional().describe("The nodes, by role then index."),
  instackenv: z.string().optional().describe("Where instackenv.json was written for the undercloud."),
});

export const overcloudNodeSet = z.object({
  apiVersion: z.literal(API_VERSION).describe("openstacklab.io/v1alpha1."),
  kind: z.literal("OvercloudNodeSet").describe("OvercloudNodeSet."),
  metadata: objectMeta.describe("Name, namespace, labels and annotations."),
  spec: overcloudNodeSetSpec.describe("The nodes the undercloud's Ironic takes over as bare metal."),
  status: overcloudNodeSetStatus.optional().describe("Written by the operator."),
});
export type OvercloudNodeSet = z.infer<typeof overcloudNodeSet>;

/** The prefix of the set's domain names: spec.domainPrefix, else metadata.name. */
export function nodeSetPrefix(set: Pick<OvercloudNodeSet, "metadata" | "spec">): string {
  return set.spec.domainPrefix ?? set.metadata.name;
}

/** A node's libvirt domain name, also its Ironic node name: <prefix>-<role>-<index>. */
export function overcloudNodeName(prefix: string, role: string, index: number): string {
  return `${prefix}-${role}-${index}`;
}
