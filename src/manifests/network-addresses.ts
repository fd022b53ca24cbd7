import type { LibvirtNetwork } from "../api/index.js";
import { errorAt, type Loaded } from "./crosscheck.js";
import type { ManifestError } from "./errors.js";
import { formatIpv4, formatSubnet, parseIpv4, subnetContains, subnetOf, type Subnet } from "./ipv4.js";

/** Addresses inside one network: DHCP ranges and static hosts within its subnet, no duplicates. */
export function checkNetworkAddresses(net: Loaded<LibvirtNetwork>): ManifestError[] {
  const { spec } = net.object;
  if (!spec.ipv4) return [];
  if (spec.mode === "bridge") {
    const message = "must be omitted in bridge mode: libvirt manages no addresses on a host bridge";
    return [errorAt(net, "spec.ipv4", message)];
  }
  const subnet = subnetOf(spec.ipv4.address);
  const special = specialAddresses(spec.ipv4.address, subnet);
  return [
    ...checkRanges(net, subnet),
    ...checkRangesAvoid(net, subnet, special),
    ...checkRangeOverlaps(net),
    ...checkHosts(net, subnet),
    ...checkHostsAvoid(net, special),
  ];
}

interface Special {
  address: number;
  what: string;
}

/**
 * Addresses DHCP must never hand out: the network's own (the host's gateway address on its
 * bridge), and, below /31, the network and broadcast addresses.
 */
function specialAddresses(cidr: string, subnet: Subnet): Special[] {
  const gateway = cidr.split("/")[0] ?? "";
  const out: Special[] = [{ address: parseIpv4(gateway), what: `the gateway address ${gateway}` }];
  if (subnet.prefix < 31) {
    const broadcast = subnet.network + 2 ** (32 - subnet.prefix) - 1;
    out.push(
      { address: subnet.network, what: `the network address ${formatIpv4(subnet.network)}` },
      { address: broadcast, what: `the broadcast address ${formatIpv4(broadcast)}` },
    );
  }
  return out;
}

/** Ranges inside the subnet (the others are reported as outside it) must skip the special addresses. */
function checkRangesAvoid(net: Loaded<LibvirtNetwork>, subnet: Subnet, special: Special[]): ManifestError[] {
  const ranges = net.object.spec.ipv4?.dhcp?.ranges ?? [];
  return ranges.flatMap((range, i) => {
    const start = parseIpv4(range.start);
    const end = parseIpv4(range.end);
    if (!subnetContains(subnet, start) || !subnetContains(subnet, end)) return [];
    return special
      .filter((s) => s.address >= start && s.address <= end)
      .map((s) =>
        errorAt(
          net,
          `spec.ipv4.dhcp.ranges[${i}]`,
          `${range.start}-${range.end} includes ${s.what}, which DHCP must not lease`,
        ),
      );
  });
}

function checkRangeOverlaps(net: Loaded<LibvirtNetwork>): ManifestError[] {
  const ranges = net.object.spec.ipv4?.dhcp?.ranges ?? [];
  return ranges.flatMap((range, i) => {
    const start = parseIpv4(range.start);
    const end = parseIpv4(range.end);
    const j = ranges
      .slice(0, i)
      .findIndex((other) => parseIpv4(other.start) <= end && parseIpv4(other.end) >= start);
    if (j < 0) return [];
    const other = ranges[j]!;
    const message = `${range.start}-${range.end} overlaps ranges[${j}] ${other.start}-${other.end}`;
    return [errorAt(net, `spec.ipv4.dhcp.ranges[${i}]`, message)];
  });
}

function checkHostsAvoid(net: Loaded<LibvirtNetwork>, special: Special[]): ManifestError[] {
  const hosts = net.object.spec.ipv4?.dhcp?.hosts ?? [];
  return hosts.flatMap((host, i) =>
    special
      .filter((s) => s.address === parseIpv4(host.ip))
      .map((s) =>
        errorAt(net, `spec.ipv4.dhcp.hosts[${i}].ip`, `${host.ip} is ${s.what}, which DHCP must not lease`),
      ),
  );
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
