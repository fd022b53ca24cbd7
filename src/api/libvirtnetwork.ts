import { z } from "zod";
import { baseStatus, PHASE_DESCRIPTION, STATUS_DESCRIPTION } from "./conditions.js";
import { API_VERSION, deletionPolicy, driftPolicy, localRef, objectMeta, suspend } from "./meta.js";
import { cidr, hostName, ifaceName, ipv4, ipv6Cidr, mac, resyncInterval } from "./fields.js";

export const dhcpRange = z
  .object({
    start: ipv4.describe("First address handed out, e.g. 192.168.122.2."),
    end: ipv4.describe("Last address handed out, e.g. 192.168.122.254."),
  })
  .describe("A DHCP pool inside ipv4.address's subnet.");
export const dhcpHost = z
  .object({
    mac: mac.describe("MAC address of the VM's NIC, lowercase (52:54:00:...)."),
    ip: ipv4.describe("Address this MAC always gets, inside ipv4.address's subnet."),
    name: hostName.optional().describe("Host name dnsmasq gives the VM with its lease; default none."),
  })
  .describe("A fixed DHCP lease.");

export const ipv4Config = z
  .object({
    address: cidr.describe(
      "The network's own address on its bridge, e.g. 192.168.122.1/24 (the VMs' gateway).",
    ),
    dhcp: z
      .object({
        ranges: z
          .array(dhcpRange)
          .default([])
          .describe(
            "Address pools, e.g. the seed's 192.168.122.2-192.168.122.254; changed live with net-update.",
          ),
        hosts: z
          .array(dhcpHost)
          .default([])
          .describe("Fixed leases by MAC address; changed live with net-update."),
      })
      .optional()
      .describe("libvirt's dnsmasq serves DHCP on the network; omit for no DHCP."),
  })
  .describe("IPv4 on the network's bridge; omit for a network without an address (bridge mode).");

export const libvirtNetworkSpec = z
  .object({
    managerRef: localRef.describe("The LabManager this network lives on."),
    networkName: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, "must be a libvirt network name")
      .optional()
      .describe("Name of the libvirt network; defaults to metadata.name."),
    mode: z
      .enum(["nat", "bridge", "isolated"])
      .describe(
        "nat: libvirt's own bridge with NAT (and DHCP); bridge: forward onto a LabManager host bridge; isolated: no forwarding.",
      ),
    bridge: ifaceName.describe(
      "Bridge device, at most 15 bytes: created by libvirt (nat, isolated) or one of the LabManager's spec.bridges (bridge).",
    ),
    ipv4: ipv4Config.optional(),
    ipv6: z
      .object({
        address: ipv6Cidr.describe("The network's IPv6 address with prefix length, e.g. fd00:1::1/64."),
      })
      .optional()
      .describe("IPv6 on the network's bridge; omit for none."),
    dnsHosts: z
      .array(
        z
          .object({
            ip: ipv4.describe("Address the names resolve to."),
            hostnames: z
              .array(hostName)
              .min(1)
              .describe("One or more lowercase host names for that address."),
          })
          .describe("A static DNS entry."),
      )
      .default([])
      .describe(
        "Names libvirt's dnsmasq answers on this network; default none; changed live with net-update.",
      ),
    masquerade: z
      .array(cidr)
      .default([])
      .describe(
        "Subnets NATed by the libvirt network hook while this network runs (the seed's public network).",
      ),
    autostart: z
      .boolean()
      .default(true)
      .describe("Start the network when libvirtd starts (virsh net-autostart); default true, as the seed."),
    updatePolicy: z
      .enum(["Restart", "Manual"])
      .default("Manual")
      .describe(
        "For changes libvirt cannot apply live: Restart redefines and restarts the network (its VMs lose connectivity briefly); Manual (default) stops with RestartRequired.",
      ),
    adopt: z
      .boolean()
      .default(false)
      .describe(
        "Take over an existing libvirt network of the same name that the operator did not create; default false refuses with Conflict.",
      ),
    driftPolicy,
    deletionPolicy,
    suspend,
    resyncInterval: resyncInterval("5m"),
  })
  .describe("Desired state of one libvirt network on a Manager.");
export type LibvirtNetworkSpec = z.infer<typeof libvirtNetworkSpec>;

export const libvirtNetworkStatus = baseStatus
  .extend({
    phase: z.string().optional().describe(PHASE_DESCRIPTION),
    active: z.boolean().optional().describe("Whether libvirt reports the network running."),
    autostart: z.boolean().optional().describe("Whether libvirt starts the network with libvirtd."),
    uuid: z.string().optional().describe("libvirt's UUID of the network."),
    networkName: z
      .string()
      .optional()
      .describe(
        "The network's name in libvirt (spec.networkName, else metadata.name); after a rename, the network left under this name is removed.",
      ),
    affectedDomains: z
      .array(z.string())
      .optional()
      .describe("libvirt domains with a NIC on this network: the VMs a restart would disconnect."),
  })
  .describe(STATUS_DESCRIPTION);

export const libvirtNetwork = z
  .object({
    apiVersion: z.literal(API_VERSION).describe(`Always ${API_VERSION}.`),
    kind: z.literal("LibvirtNetwork").describe("Always LibvirtNetwork."),
    metadata: objectMeta,
    spec: libvirtNetworkSpec,
    status: libvirtNetworkStatus.optional(),
  })
  .describe("A libvirt network on a LabManager: NAT+DHCP, forward onto a host bridge, or isolated.");
export type LibvirtNetwork = z.infer<typeof libvirtNetwork>;
