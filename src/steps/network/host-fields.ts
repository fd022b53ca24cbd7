import type { HostField } from "../types.js";
import type { DhcpHostFact, DhcpRangeFact, DnsHostFact, NetworkConfig } from "./facts.js";

const ranges = (r: DhcpRangeFact[]) => r.map((x) => `${x.start}-${x.end}`);
const hosts = (h: DhcpHostFact[]) => h.map((x) => `${x.mac} ${x.ip}${x.name ? ` ${x.name}` : ""}`);
const dnsHosts = (h: DnsHostFact[]) => h.map((x) => `${x.ip} ${[...x.hostnames].sort().join(",")}`);

/**
 * The spec fields in which libvirt's definition differs from the wanted one, with what the
 * host has (`labctl diff`). Lists compare as sets, as the live updates apply them. Pure.
 */
export function networkFields(want: NetworkConfig, have: NetworkConfig): HostField[] {
  const out: HostField[] = [];
  const one = (path: string, w: string | undefined, h: string | undefined) => {
    if (w !== h) out.push({ path, host: h ?? "none", wanted: w ?? "none" });
  };
  const list = (path: string, w: string[], h: string[]) => {
    const sorted = (l: string[]) => [...l].sort().join(", ") || "none";
    if (sorted(w) !== sorted(h)) out.push({ path, host: sorted(h), wanted: sorted(w) });
  };
  one("spec.mode", want.forwardMode, have.forwardMode);
  one("spec.bridge", want.bridge, have.bridge);
  one("spec.ipv4.address", want.ipv4?.address, have.ipv4?.address);
  one("spec.ipv6.address", want.ipv6?.address, have.ipv6?.address);
  list("spec.ipv4.dhcp.ranges", ranges(want.ipv4?.ranges ?? []), ranges(have.ipv4?.ranges ?? []));
  list("spec.ipv4.dhcp.hosts", hosts(want.ipv4?.hosts ?? []), hosts(have.ipv4?.hosts ?? []));
  list("spec.dnsHosts", dnsHosts(want.dnsHosts), dnsHosts(have.dnsHosts));
  return out;
}
