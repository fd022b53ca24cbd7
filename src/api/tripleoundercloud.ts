import { z } from "zod";
import { baseStatus } from "./conditions.js";
import { API_VERSION, deletionPolicy, driftPolicy, localRef, objectMeta } from "./meta.js";
import {
  absolutePath,
  checkedSecretRef as secretRef,
  cidr,
  duration,
  hostName,
  ianaTimezone,
  ifaceName,
  iniValue,
  ipv4,
  osVariant,
  packageName,
  posixUserName,
  relativeOrAbsolutePath,
  unprivilegedPort,
  url,
} from "./fields.js";
import { ironicInterfaces } from "./ironic.js";

const size = z.string().regex(/^[1-9]\d*[MGT]$/, "must be a size like 80G");

/** The seed's image: CentOS 7 GenericCloud (default login "centos"). */
export const DEFAULT_BASE_IMAGE_URL =
  "https://cloud.centos.org/centos/7/images/CentOS-7-x86_64-GenericCloud-1907.qcow2";

export const baseImage = z.object({
  url: url({
    schemes: "https?|file",
    absolute: true,
    what: "an http(s):// or file:// URL, or an absolute path",
  }),
  checksum: z
    .string()
    .regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex digits>")
    .optional(),
});

export const undercloudNic = z.object({
  networkRef: localRef.describe("A LibvirtNetwork on the same Manager."),
  model: z.enum(["virtio", "e1000"]).default("virtio"),
});

export const bmcSpec = z.object({
  address: ipv4.default("192.168.122.1").describe("Where vbmc listens: the Manager on the VMs' NAT network."),
  port: unprivilegedPort.default(6230).describe("UDP port of this VM's IPMI endpoint; unique per Manager."),
  username: posixUserName.default("admin"),
  passwordRef: secretRef.optional().describe("Defaults to a generated password in the workspace."),
});

/** Relative paths in undercloud.conf are under the guest user's home, as in the seed ($HOME/...). */
const homePath = relativeOrAbsolutePath.describe(
  "Relative paths are resolved under the guest user's home directory.",
);

export const undercloudConf = z.object({
  outputDir: homePath.default("undercloud"),
  containerImagesFile: homePath.default("undercloud/container-images.yaml"),
  localInterface: ifaceName.default("eth1"),
  localIp: cidr.default("192.168.24.1/24"),
  undercloudHostname: hostName.optional().describe("Defaults to the VM's fqdn (<name>.localdomain)."),
  undercloudNameservers: z.array(ipv4).default(["1.0.0.1"]),
  debug: z.boolean().default(true),
  updatePackages: z.boolean().default(false).describe("The seed used true; slow, so opt-in here."),
  ironic: ironicInterfaces.default(ironicInterfaces.parse({})),
  extra: z
    .record(z.string().regex(/^[a-z_][a-z0-9_]*$/, "must be an undercloud.conf option name"), iniValue)
    .default({})
    .describe("Further [DEFAULT] settings, written as key = value."),
});

export const tripleoRepositories = z.object({
  indexUrl: url({ schemes: "https?", suffix: "/", what: "an http(s):// URL ending in /" })
    .default("https://trunk.rdoproject.org/centos7/current/")
    .describe("Package index scanned for the python*-tripleo-repos package (as the seed did)."),
  packageUrl: url({ schemes: "https?", suffix: "\\.rpm", what: "an http(s):// URL of an .rpm" })
    .optional()
    .describe("Pin the tripleo-repos package instead of scanning indexUrl."),
  components: z
    .array(
      z
        .string()
        .max(63)
        .regex(/^[a-z0-9][a-z0-9-]*$/, "must be a tripleo-repos component like current"),
    )
    .default(["current", "ceph"])
    .describe("Arguments to `tripleo-repos` after the release."),
});

export const containerImageTags = z
  .object({
    tag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "must be a container image tag")
      .optional(),
    cephTag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "must be a container image tag")
      .optional(),
  })
  .describe("Pins written into the prepared container-images.yaml (tag, ceph_tag); unset keeps the default.");

export const tripleoSpec = z.object({
  release: z
    .string()
    .max(32)
    .regex(/^[a-z]+$/, "must be a release name like train")
    .default("train"),
  profile: z
    .string()
    .max(63)
    .regex(/^[a-z0-9][a-z0-9-]*$/, "must be a guest profile name like centos-tripleo")
    .default("centos-tripleo")
    .describe("The in-guest command set in configuration/guest-profiles/."),
  repositories: tripleoRepositories.default(tripleoRepositories.parse({})),
  packages: z
    .array(packageName)
    .default(["python-tripleoclient", "ceph-ansible"])
    .describe("Installed after the repositories (the seed: TripleO client and ceph-ansible)."),
  utilities: z.array(packageName).default(["bash-completion", "wget", "vim"]),
  upgrade: z.boolean().default(true).describe("Full system upgrade inside the VM before installing."),
  undercloudConf: undercloudConf.default(undercloudConf.parse({})),
  containerImageTags: containerImageTags.default({}),
  install: z.boolean().default(true).describe("Run `openstack undercloud install`."),
});

export const cloudInitSpec = z.object({
  user: posixUserName.default("tripleo"),
  groups: z.array(posixUserName).default(["wheel"]),
  passwordRef: secretRef.optional().describe("Defaults to a generated password in the workspace."),
  hostname: hostName.optional().describe("Defaults to the domain name."),
  fqdn: hostName.optional().describe("Defaults to <hostname>.localdomain."),
  nameserver: ipv4.default("1.0.0.1"),
  timezone: ianaTimezone.default("America/Chicago"),
  disableAfterFirstBoot: z.boolean().default(true).describe("Disable cloud-init services after first boot."),
});

export const tripleoUndercloudSpec = z.object({
  managerRef: localRef,
  domainName: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, "must be a libvirt domain name")
    .optional()
    .describe("libvirt domain name; defaults to metadata.name."),
  baseImage: baseImage.default({ url: DEFAULT_BASE_IMAGE_URL }),
  imagesDir: absolutePath.default("/var/lib/libvirt/images"),
  diskSize: size.default("80G"),
  vcpus: z.number().int().min(1).max(256).default(4),
  memoryMiB: z.number().int().min(128).max(1048576).default(16000),
  virtType: z.enum(["auto", "kvm", "qemu"]).default("auto"),
  osVariant: osVariant.default("centos7.0"),
  nics: z
    .array(undercloudNic)
    .min(1)
    .describe(
      "In order: NIC 1 (DHCP, hypervisor control plane), NIC 2 (left unconfigured, OpenStack control plane).",
    ),
  cloudInit: cloudInitSpec.default(cloudInitSpec.parse({})),
  tripleo: tripleoSpec.default(tripleoSpec.parse({})),
  bmc: bmcSpec.optional(),
  driftPolicy,
  deletionPolicy,
  resyncInterval: duration.default("10m"),
});
export type TripleOUndercloudSpec = z.infer<typeof tripleoUndercloudSpec>;

export const tripleoUndercloudStatus = baseStatus.extend({
  phase: z.string().optional(),
  ipAddress: z.string().optional(),
  hostKeyFingerprints: z.array(z.string()).optional(),
  journal: z.array(z.string()).optional().describe("Phases completed: created, booted, keyed, ..."),
});

export const tripleoUndercloud = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal("TripleOUndercloud"),
  metadata: objectMeta,
  spec: tripleoUndercloudSpec,
  status: tripleoUndercloudStatus.optional(),
});
export type TripleOUndercloud = z.infer<typeof tripleoUndercloud>;
