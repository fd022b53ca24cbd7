import { z } from "zod";
import { baseStatus } from "./conditions.js";
import { API_VERSION, deletionPolicy, driftPolicy, localRef, objectMeta } from "./meta.js";
import { cidr, duration, hostName, ifaceName, ipv4, ipv6Cidr, mac } from "./fields.js";

export const dhcpRange = z.object({ start: ipv4, end: ipv4 });
export const dhcpHost = z.object({
  mac,
  ip: ipv4,
  name: hostName.optional(),
});

export const ipv4Config = z.object({
  address: cidr.describe("The network's own address on its bridge, e.g. 192.168.122.1/24."),
  dhcp: z
    .object({
      ranges: z.array(dhcpRange).default([]),
      hosts: z.array(dhcpHost).default([]),
    })
    .optional(),
});

export const libvirtNetworkSpec = z.object({
  managerRef: localRef.describe("The LabManager this network lives on."),
  networkName: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, "must be a libvirt network name")
    .optional()
    .describe("Name of the libvirt network; defaults to metadata.name."),
  mode: z.enum(["nat", "bridge", "isolated"]).describe("nat: NAT+DHCP; bridge: forward onto a host bridge."),
  bridge: ifaceName.describe("Bridge device: created by libvirt (nat/isolated) or a LabManager host bridge."),
  ipv4: ipv4Config.optional(),
  ipv6: z.object({ address: ipv6Cidr }).optional(),
  dnsHosts: z.array(z.object({ ip: ipv4, hostnames: z.array(hostName).min(1) })).default([]),
  masquerade: z
    .array(cidr)
    .default([])
    .describe(
      "Subnets NATed by the libvirt network hook while this network runs (the seed's public network).",
    ),
  autostart: z.boolean().default(true),
  updatePolicy: z
    .enum(["Restart", "Manual"])
    .default("Manual")
    .describe("Restart: redefine and restart for changes libvirt cannot apply live."),
  adopt: z
    .boolean()
    .default(false)
    .describe("Take over an existing network of the same name we did not create."),
  driftPolicy,
  deletionPolicy,
  resyncInterval: duration.default("5m"),
});
export type LibvirtNetworkSpec = z.infer<typeof libvirtNetworkSpec>;

export const libvirtNetworkStatus = baseStatus.extend({
  phase: z.string().optional(),
  active: z.boolean().optional(),
  autostart: z.boolean().optional(),
  uuid: z.string().optional(),
  affectedDomains: z.array(z.string()).optional(),
});

export const libvirtNetwork = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal("LibvirtNetwork"),
  metadata: objectMeta,
  spec: libvirtNetworkSpec,
  status: libvirtNetworkStatus.optional(),
});
export type LibvirtNetwork = z.infer<typeof libvirtNetwork>;
