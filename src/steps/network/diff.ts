import { element } from "../../render/xml.js";
import type { DhcpHostFact, DhcpRangeFact, DnsHostFact, NetworkConfig } from "./facts.js";

/** A change libvirt applies to a running network without restarting it (`virsh net-update`). */
export interface LiveUpdate {
  command: "add" | "delete" | "modify";
  section: "ip-dhcp-host" | "ip-dhcp-range" | "dns-host";
  /** The element libvirt adds, modifies or matches for deletion. */
  xml: string;
  description: string;
}

/** How the observed definition differs from the desired one. */
export interface NetworkDiff {
  /** Differences only a redefine plus restart can apply (forward mode, bridge, addresses). */
  restart: string[];
  /** Differences net-update applies live; deletions first so re-used addresses never collide. */
  live: LiveUpdate[];
}

function rangeXml(r: DhcpRangeFact): string {
  return element("range", { start: r.start, end: r.end });
}
function hostXml(h: DhcpHostFact): string {
  return element("host", { mac: h.mac, name: h.name, ip: h.ip });
}
function dnsHostXml(h: DnsHostFact): string {
  return element(
    "host",
    { ip: h.ip },
    h.hostnames.map((n) => element("hostname", {}, [], n)),
  );
}

function restartDifferences(want: NetworkConfig, have: NetworkConfig): string[] {
  const out: string[] = [];
  const field = (what: string, w: string | undefined, h: string | undefined) => {
    if (w !== h) out.push(`${what} ${h ?? "none"} → ${w ?? "none"}`);
  };
  field("forward mode", want.forwardMode, have.forwardMode);
  field("bridge", want.bridge, have.bridge);
  field("IPv4 address", want.ipv4?.address, have.ipv4?.address);
  field("IPv6 address", want.ipv6?.address, have.ipv6?.address);
  if (want.ipv4 && have.ipv4 && want.ipv4.dhcp !== have.ipv4.dhcp) {
    out.push(want.ipv4.dhcp ? "DHCP enabled" : "DHCP disabled");
  }
  return out;
}

function rangeUpdates(want: DhcpRangeFact[], have: DhcpRangeFact[]): LiveUpdate[] {
  const key = (r: DhcpRangeFact) => `${r.start}-${r.end}`;
  const wanted = new Set(want.map(key));
  const present = new Set(have.map(key));
  // libvirt cannot modify a range: a changed range is a delete plus an add.
  return [
    ...have
      .filter((r) => !wanted.has(key(r)))
      .map((r) => update("delete", "ip-dhcp-range", rangeXml(r), `remove DHCP range ${key(r)}`)),
    ...want
      .filter((r) => !present.has(key(r)))
      .map((r) => update("add", "ip-dhcp-range", rangeXml(r), `add DHCP range ${key(r)}`)),
  ];
}

function hostUpdates(want: DhcpHostFact[], have: DhcpHostFact[]): LiveUpdate[] {
  const byMac = new Map(have.map((h) => [h.mac, h]));
  const wantedMacs = new Set(want.map((h) => h.mac));
  const label = (h: DhcpHostFact) => `${h.mac} → ${h.ip}${h.name ? ` (${h.name})` : ""}`;
  const deletes = have
    .filter((h) => !wantedMacs.has(h.mac))
    .map((h) => update("delete", "ip-dhcp-host", hostXml(h), `remove DHCP host ${label(h)}`));
  const modifies: LiveUpdate[] = [];
  const adds: LiveUpdate[] = [];
  for (const h of want) {
    const cur = byMac.get(h.mac);
    if (!cur) adds.push(update("add", "ip-dhcp-host", hostXml(h), `add DHCP host ${label(h)}`));
    else if (cur.ip !== h.ip || (cur.name ?? "") !== (h.name ?? "")) {
      modifies.push(
        update("modify", "ip-dhcp-host", hostXml(h), `change DHCP host ${label(cur)} to ${label(h)}`),
      );
    }
  }
  return [...deletes, ...modifies, ...adds];
}

function dnsUpdates(want: DnsHostFact[], have: DnsHostFact[]): LiveUpdate[] {
  const key = (h: DnsHostFact) => `${h.ip} ${[...h.hostnames].sort().join(",")}`;
  const wanted = new Set(want.map(key));
  const present = new Set(have.map(key));
  return [
    ...have
      .filter((h) => !wanted.has(key(h)))
      .map((h) => update("delete", "dns-host", dnsHostXml(h), `remove DNS host ${key(h)}`)),
    ...want
      .filter((h) => !present.has(key(h)))
      .map((h) => update("add", "dns-host", dnsHostXml(h), `add DNS host ${key(h)}`)),
  ];
}

function update(
  command: LiveUpdate["command"],
  section: LiveUpdate["section"],
  xml: string,
  description: string,
): LiveUpdate {
  return { command, section, xml, description };
}

/** Compare the managed fields; pure. */
export function diffNetwork(want: NetworkConfig, have: NetworkConfig): NetworkDiff {
  const live = [
    ...rangeUpdates(want.ipv4?.ranges ?? [], have.ipv4?.ranges ?? []),
    ...hostUpdates(want.ipv4?.hosts ?? [], have.ipv4?.hosts ?? []),
    ...dnsUpdates(want.dnsHosts, have.dnsHosts),
  ];
  const removes = live.filter((u) => u.command === "delete");
  return {
    restart: restartDifferences(want, have),
    live: [...removes, ...live.filter((u) => u.command !== "delete")],
  };
}
