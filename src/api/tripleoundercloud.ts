import { z } from "zod";
import { baseStatus } from "./conditions.js";
import { API_VERSION, deletionPolicy, driftPolicy, localRef, objectMeta, secretRef } from "./meta.js";
import { cidr, duration, hostName, ianaTimezone, ifaceName, ipv4, posixUserName } from "./fields.js";

const size = z.string().regex(/^[1-9]\d*[MGT]$/, "must be a size like 80G");

export const baseImage = z.object({
  url: z
    .string()
    .regex(/^(https?|file):\/\/\S+$|^\/\S+$/, "must be an http(s):// or file:// URL, or an absolute path"),
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
  address: ipv4.default("192.168.122.1"),
  port: z.number().int().min(1024).max(65535).default(6230),
  username: posixUserName.default("admin"),
  passwordRef: secretRef.optional().describe("Defaults to a generated password in the workspace."),
});

export const undercloudConf = z.object({
  localInterface: ifaceName.default("eth1"),
  localIp: cidr.default("192.168.24.1/24"),
  undercloudNameservers: z.array(ipv4).default(["8.8.8.8"]),
  debug: z.boolean().default(true),
  updatePackages: z.boolean().default(false),
  extra: z
    .record(z.string().regex(/^[a-z_][a-z0-9_]*$/), z.union([z.string(), z.number(), z.boolean()]))
    .default({})
    .describe("Further [DEFAULT] settings, e.g. enabled_hardware_types."),
});

export const tripleoSpec = z.object({
  release: z.string().regex(/^[a-z]+$/, "must be a release name like train").default("train"),
  profile: z
    .string()
    .regex(/^[a-z0-9-]+$/)
    .default("centos-tripleo")
    .describe("The in-guest command set in configuration/guest-profiles/."),
  undercloudConf: undercloudConf.default(undercloudConf.parse({})),
  containerImageTags: z
    .object({ tag: z.string().optional(), cephTag: z.string().optional() })
    .default({}),
  install: z.boolean().default(true).describe("Run `openstack undercloud install`."),
});

export const tripleoUndercloudSpec = z.object({
  managerRef: localRef,
  domainName: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/)
    .optional()
    .describe("libvirt domain name; defaults to metadata.name."),
  baseImage,
  imagesDir: z.string().startsWith("/").default("/var/lib/libvirt/images"),
  diskSize: size.default("80G"),
  vcpus: z.number().int().min(1).max(256).default(4),
  memoryMiB: z.number().int().min(128).max(1048576).default(16000),
  virtType: z.enum(["auto", "kvm", "qemu"]).default("auto"),
  osVariant: z.string().default("centos7.0"),
  nics: z.array(undercloudNic).min(1),
  cloudInit: z
    .object({
      user: posixUserName.default("tripleo"),
      hostname: hostName.optional(),
      fqdn: hostName.optional(),
      nameserver: ipv4.default("8.8.8.8"),
      timezone: ianaTimezone.default("America/Chicago"),
    })
    .default({ user: "tripleo", nameserver: "8.8.8.8", timezone: "America/Chicago" }),
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
