import type { LibvirtNetwork } from "../api/index.js";
import { errorAt, type Loaded } from "./crosscheck.js";
import type { ManifestError } from "./errors.js";
import { formatSubnet, parseIpv4, subnetContains, subnetOf, type Subnet } from "./ipv4.js";

/** Addresses inside one network: DHCP ranges and static hosts within its subnet, no duplicates. */
export function checkNetworkAddresses(net: Loaded<LibvirtNetwork>): ManifestError[] {
  const { spec } = net.object;
  if (!spec.ipv4) return [];
  if (spec.mode === "bridge") {
    const message = "must be omitted in bridge mode: libvirt manages no addresses on a host bridge";
    return [errorAt(net, "spec.ipv4", message)];
  }
  const subnet = subnetOf(spec.ipv4.address);
  return [...checkRanges(net, subnet), ...checkHosts(net, subnet)];
}

function outside(address: string, subnet: Subnet): string {
  return `${address} is outside the network's subnet ${formatSubnet(subnet)}`;
}

function checkRanges(net: Loaded<LibvirtNetwork>, subnet: Subnet): ManifestError[] {
  const ranges = net.object.spec.ipv4?.dhcp?.ranges ?? [];
  return ranges.flatMap((range, i) => {
    const path = `spec.ipv4.dhcp.ranges[${i}]`;
    const errors: ManifestError[] = [];
    for (const end of ["start", "end"] as const) {
      if (!subnetContains(subnet, parseIpv4(range[end]))) {
        errors.push(errorAt(net, `${path}.${end}`, outside(range[end], subnet)));
      }
    }
    if (parseIpv4(range.start) > parseIpv4(range.end)) {
      errors.push(errorAt(net, path, `start ${range.start} is after end ${range.end}`));
    }
    return errors;
  });
}

function checkHosts(net: Loaded<LibvirtNetwork>, subnet: Subnet): ManifestError[] {
  const hosts = net.object.spec.ipv4?.dhcp?.hosts ?? [];
  const errors: ManifestError[] = [];
  const firstByIp = new Map<string, number>();
  const firstByMac = new Map<string, number>();
  hosts.forEach((host, i) => {
    const path = `spec.ipv4.dhcp.hosts[${i}]`;
    if (!subnetContains(subnet, parseIpv4(host.ip)))
      errors.push(errorAt(net, `${path}.ip`, outside(host.ip, subnet)));
    const ipOwner = firstByIp.get(host.ip);
    if (ipOwner !== undefined) {
      errors.push(errorAt(net, `${path}.ip`, `${host.ip} is already assigned to hosts[${ipOwner}]`));
    } else firstByIp.set(host.ip, i);
    const macOwner = firstByMac.get(host.mac);
    if (macOwner !== undefined) {
      errors.push(errorAt(net, `${path}.mac`, `${host.mac} is already listed in hosts[${macOwner}]`));
    } else firstByMac.set(host.mac, i);
  });
  return errors;
}
