import { z } from "zod";
import { formatSubnet, subnetOf } from "../../manifests/ipv4.js";
import { child, children, localName, namespaceOf, parseXml, type XmlElement } from "./xml.js";

/** The XML namespace of our ownership stamp in a network's <metadata> (configuration/libvirt/network.xml). */
export const OWNERSHIP_NS = "https://openstacklab.io/ownership";

/** Who defined a libvirt object: the stamp our renderer writes into <metadata>. */
export interface OwnerStamp {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

export interface DhcpRangeFact {
  start: string;
  end: string;
}
export interface DhcpHostFact {
  mac: string;
  ip: string;
  name?: string;
}
export interface DnsHostFact {
  ip: string;
  hostnames: string[];
}

/** The parts of a network definition the spec manages, read from its persistent XML. */
export interface NetworkConfig {
  /** libvirt's forward mode; "isolated" when there is no <forward>. */
  forwardMode: string;
  bridge: string;
  ipv4?: {
    address: string;
    /** Has DHCP ranges or hosts. */ dhcp: boolean;
    ranges: DhcpRangeFact[];
    hosts: DhcpHostFact[];
  };
  ipv6?: { address: string };
  dnsHosts: DnsHostFact[];
}

/** One domain NIC: which domain, its type (network, bridge...) and source. */
export interface DomainIface {
  domain: string;
  type: string;
  source: string;
}

/** The raw JSON OBSERVE_NETWORK prints. */
export const rawNetworkFacts = z.object({
  exists: z.boolean(),
  active: z.boolean(),
  autostart: z.boolean(),
  persistent: z.boolean(),
  uuid: z.string(),
  xml: z.string(),
  ifaces: z.array(z.string()),
  otherActive: z.array(z.string()).default([]),
  hookInstalled: z.boolean(),
  hookConfig: z.string().nullable(),
  natRules: z.array(z.string()).nullable(),
});
export type RawNetworkFacts = z.infer<typeof rawNetworkFacts>;

/** What observeNetwork learns about one libvirt network in one round trip. */
export interface NetworkFacts {
  name: string;
  exists: boolean;
  active: boolean;
  autostart: boolean;
  persistent: boolean;
  uuid: string;
  /** The persistent definition (`net-dumpxml --inactive`), "" when the network does not exist. */
  xml: string;
  owner?: OwnerStamp;
  config?: NetworkConfig;
  /** Domains with a NIC on this network or on its bridge, sorted. */
  domains: string[];
  /** The other active networks: what a start of this one could clash with, and whose stamp they carry. */
  otherActive: Array<{ name: string; config: NetworkConfig; owner?: OwnerStamp }>;
  /** Whether the LabManager's libvirt network hook script is installed. */
  hookInstalled: boolean;
  /** The whole hook config file (every network's lines), null when absent. */
  hookConfig: string | null;
  /** The subnets the hook config lists for this network, as written. */
  hookSubnets: string[];
  /** Subnets (network form) with this network's MASQUERADE rule in nat POSTROUTING; null without iptables. */
  masquerading: string[] | null;
}

const NETMASK_BITS: Record<string, number> = {
  "255": 8,
  "254": 7,
  "252": 6,
  "248": 5,
  "240": 4,
  "224": 3,
  "192": 2,
  "128": 1,
  "0": 0,
};

export function netmaskToPrefix(mask: string): number {
  const bits = mask.split(".").map((o) => NETMASK_BITS[o]);
  if (bits.length !== 4 || bits.some((b) => b === undefined)) throw new Error(`not a netmask: ${mask}`);
  return (bits as number[]).reduce((a, b) => a + b, 0);
}

function ipAddress(ip: XmlElement): string {
  const addr = ip.attrs.address ?? "";
  if (ip.attrs.prefix !== undefined) return `${addr}/${ip.attrs.prefix}`;
  if (ip.attrs.netmask !== undefined) return `${addr}/${netmaskToPrefix(ip.attrs.netmask)}`;
  return `${addr}/${ip.attrs.family === "ipv6" ? 64 : 24}`;
}

function ipv4Of(ip: XmlElement): NonNullable<NetworkConfig["ipv4"]> {
  const dhcp = child(ip, "dhcp");
  const ranges = children(dhcp, "range").map((r) => ({ start: r.attrs.start ?? "", end: r.attrs.end ?? "" }));
  const hosts = children(dhcp, "host").map((h) => ({
    mac: (h.attrs.mac ?? "").toLowerCase(),
    ip: h.attrs.ip ?? "",
    ...(h.attrs.name !== undefined ? { name: h.attrs.name } : {}),
  }));
  // An empty <dhcp/> (left by deleting the last entry live) serves nothing: same as none.
  return { address: ipAddress(ip), dhcp: ranges.length + hosts.length > 0, ranges, hosts };
}

/** The managed fields of a network definition. */
export function parseNetworkConfig(doc: XmlElement): NetworkConfig {
  const forward = child(doc, "forward");
  const ips = children(doc, "ip");
  const v4 = ips.find((ip) => (ip.attrs.family ?? "ipv4") === "ipv4");
  const v6 = ips.find((ip) => ip.attrs.family === "ipv6");
  return {
    forwardMode: forward ? (forward.attrs.mode ?? "nat") : "isolated",
    bridge: child(doc, "bridge")?.attrs.name ?? "",
    ...(v4 ? { ipv4: ipv4Of(v4) } : {}),
    ...(v6 ? { ipv6: { address: ipAddress(v6) } } : {}),
    dnsHosts: children(child(doc, "dns"), "host").map((h) => ({
      ip: h.attrs.ip ?? "",
      hostnames: children(h, "hostname").map((n) => n.text.trim()),
    })),
  };
}

/** Our stamp in <metadata>, matched by namespace URI (the prefix is free). */
export function parseOwnerStamp(doc: XmlElement): OwnerStamp | undefined {
  const stamp = child(doc, "metadata")?.children.find(
    (c) => localName(c.name) === "owner" && namespaceOf(c) === OWNERSHIP_NS,
  );
  if (!stamp) return undefined;
  const { kind = "", namespace = "", name = "", uid = "" } = stamp.attrs;
  return { kind, namespace, name, uid };
}

/** "dom\ttype\tsource" lines → the domains using this network or its bridge. */
export function attachedDomains(lines: string[], network: string, bridge: string): string[] {
  const out = new Set<string>();
  for (const line of lines) {
    const [domain = "", type = "", source = ""] = line.split("\t");
    if (
      (type === "network" && source === network) ||
      (bridge !== "" && type === "bridge" && source === bridge)
    )
      out.add(domain);
  }
  return [...out].sort();
}

/** The hook's rule, as `iptables -S` prints it: `-s X ! -d X -m comment --comment "lab-operator:NET" -j MASQUERADE`. */
const HOOK_RULE =
  /^-A POSTROUTING -s (\S+) ! -d (\S+) -m comment --comment "?lab-operator:([^"\s]+)"? -j MASQUERADE$/;

/** The subnets the network hook masquerades for this network. */
export function masqueradedSubnets(rules: string[], network: string): string[] {
  const out: string[] = [];
  for (const r of rules) {
    const m = HOOK_RULE.exec(r.trim());
    if (m && m[1] === m[2] && m[3] === network) out.push(m[1] as string);
  }
  return out;
}

/** The network form of a subnet ("10.0.2.1/24" → "10.0.2.0/24"), as iptables prints it. */
export function normalizeSubnet(cidr: string): string {
  return formatSubnet(subnetOf(cidr.includes("/") ? cidr : `${cidr}/32`));
}

/** "NETWORK SUBNET" lines of the hook config → this network's subnets. */
export function hookSubnetsOf(config: string | null, network: string): string[] {
  if (config === null) return [];
  const out: string[] = [];
  for (const line of config.split("\n")) {
    const [name, subnet] = line.trim().split(/\s+/);
    if (name === network && subnet) out.push(subnet);
  }
  return out;
}

export function networkFacts(name: string, raw: RawNetworkFacts): NetworkFacts {
  const doc = raw.exists && raw.xml.trim() ? parseXml(raw.xml) : undefined;
  const config = doc ? parseNetworkConfig(doc) : undefined;
  const owner = doc ? parseOwnerStamp(doc) : undefined;
  return {
    name,
    exists: raw.exists,
    active: raw.active,
    autostart: raw.autostart,
    persistent: raw.persistent,
    uuid: raw.uuid,
    xml: raw.exists ? raw.xml : "",
    ...(owner ? { owner } : {}),
    ...(config ? { config } : {}),
    domains: attachedDomains(raw.ifaces, name, config?.bridge ?? ""),
    otherActive: raw.otherActive.flatMap((xml) => {
      if (!xml.trim()) return []; // stopped between listing and dumping
      const other = parseXml(xml);
      const stamp = parseOwnerStamp(other);
      const otherName = child(other, "name")?.text.trim() ?? "";
      return [{ name: otherName, config: parseNetworkConfig(other), ...(stamp ? { owner: stamp } : {}) }];
    }),
    hookInstalled: raw.hookInstalled,
    hookConfig: raw.hookConfig,
    hookSubnets: hookSubnetsOf(raw.hookConfig, name),
    masquerading: raw.natRules ? masqueradedSubnets(raw.natRules, name) : null,
  };
}
