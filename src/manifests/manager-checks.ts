import { canonicalIpv6, isIpv6, type LabManager, type LibvirtNetwork } from "../api/index.js";
import { errorAt, quoted, type Loaded } from "./crosscheck.js";
import type { ManifestError } from "./errors.js";
import { formatSubnet, subnetOf, subnetsOverlap } from "./ipv4.js";

type Manager = Loaded<LabManager>;

/** One Manager's bridges: each declared once, each NIC in one bridge only, addresses apart. */
export function checkManagerBridges(m: Manager): ManifestError[] {
  const errors: ManifestError[] = [];
  const bridgeAt = new Map<string, number>();
  const nicAt = new Map<string, { bridge: number; nic: number }>();
  const subnets: { subnet: ReturnType<typeof subnetOf>; path: string; bridge: string }[] = [];
  const names = new Set(m.object.spec.bridges.map((b) => b.name));
  m.object.spec.bridges.forEach((bridge, b) => {
    const first = bridgeAt.get(bridge.name);
    if (first !== undefined) {
      const message = `bridge ${quoted(bridge.name)} is declared twice (first at spec.bridges[${first}])`;
      errors.push(errorAt(m, `spec.bridges[${b}].name`, message));
    } else bridgeAt.set(bridge.name, b);
    bridge.interfaces.forEach((nic, n) => {
      const path = `spec.bridges[${b}].interfaces[${n}]`;
      if (names.has(nic)) {
        errors.push(
          errorAt(m, path, `${quoted(nic)} is a bridge of this Manager, not a NIC to move into one`),
        );
        return;
      }
      const owner = nicAt.get(nic);
      if (!owner) {
        nicAt.set(nic, { bridge: b, nic: n });
        return;
      }
      const where = `spec.bridges[${owner.bridge}].interfaces[${owner.nic}]`;
      const message =
        owner.bridge === b
          ? `NIC ${quoted(nic)} is listed twice in bridge ${quoted(bridge.name)} (first at ${where})`
          : `NIC ${quoted(nic)} is already in bridge ${quoted(m.object.spec.bridges[owner.bridge]!.name)} (${where}): a NIC can join one bridge only`;
      errors.push(errorAt(m, path, message));
    });
    bridge.addresses.forEach((address, a) => {
      const path = `spec.bridges[${b}].addresses[${a}]`;
      const subnet = subnetOf(address);
      const other = subnets.find((s) => subnetsOverlap(s.subnet, subnet));
      if (other) {
        const message = `subnet ${formatSubnet(subnet)} overlaps ${formatSubnet(other.subnet)} of bridge ${quoted(other.bridge)} (${other.path})`;
        errors.push(errorAt(m, path, message));
      }
      subnets.push({ subnet, path, bridge: bridge.name });
    });
  });
  return errors;
}

/** A NAT or isolated network's subnet must not overlap an address of one of its Manager's host bridges. */
export function checkNetworkAgainstBridges(net: Loaded<LibvirtNetwork>, m: Manager): ManifestError[] {
  const address = net.object.spec.ipv4?.address;
  if (!address || net.object.spec.mode === "bridge") return [];
  const subnet = subnetOf(address);
  return m.object.spec.bridges.flatMap((bridge) =>
    bridge.addresses.flatMap((cidr) => {
      if (!subnetsOverlap(subnet, subnetOf(cidr))) return [];
      const message = `subnet ${formatSubnet(subnet)} overlaps ${cidr} of host bridge ${quoted(bridge.name)} of LabManager ${quoted(m.object.metadata.name)}: the host would route it two ways`;
      return [errorAt(net, "spec.ipv4.address", message)];
    }),
  );
}

/** How a host address is compared: DNS names case- and trailing-dot-blind, IPv6 written out. */
function canonicalAddress(address: string): string {
  if (address.includes(":") && isIpv6(address)) return canonicalIpv6(address);
  return address.toLowerCase().replace(/\.$/, "");
}

/**
 * Two LabManagers on one address and SSH port would converge one host from two specs (and
 * each would tear down what the other made). Both are refused, each naming the other, in
 * any namespace: the host is the same.
 */
export function checkManagerAddresses(managers: readonly Manager[]): ManifestError[] {
  const byEndpoint = new Map<string, Manager[]>();
  for (const m of managers) {
    const id = `${canonicalAddress(m.object.spec.address)}|${m.object.spec.ssh.port}`;
    byEndpoint.set(id, [...(byEndpoint.get(id) ?? []), m]);
  }
  const errors: ManifestError[] = [];
  for (const group of byEndpoint.values()) {
    if (group.length < 2) continue;
    for (const m of group) {
      const others = group
        .filter((o) => o !== m)
        .map((o) => {
          const ns =
            o.object.metadata.namespace === m.object.metadata.namespace
              ? ""
              : ` in namespace ${quoted(o.object.metadata.namespace)}`;
          return `LabManager ${quoted(o.object.metadata.name)}${ns}`;
        });
      const endpoint = `${m.object.spec.address} port ${m.object.spec.ssh.port}`;
      const message = `${endpoint} is also the host of ${others.join(", ")}: one host, one LabManager`;
      errors.push(errorAt(m, "spec.address", message));
    }
  }
  return errors;
}
