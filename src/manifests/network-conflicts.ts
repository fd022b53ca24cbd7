import type { LabManager, LibvirtNetwork } from "../api/index.js";
import { errorAt, quoted, type Loaded } from "./crosscheck.js";
import type { ManifestError } from "./errors.js";
import { formatSubnet, subnetOf, subnetsOverlap } from "./ipv4.js";

type Net = Loaded<LibvirtNetwork>;

function on(net: Net): string {
  return `on LabManager ${quoted(net.object.spec.managerRef.name)}`;
}

function named(net: Net): string {
  return `LibvirtNetwork ${quoted(net.object.metadata.name)}`;
}

/** Conflicts between the networks of one Manager, and with the Manager's host bridges. */
export function checkNetworksOnManager(
  nets: Net[],
  manager: Loaded<LabManager> | undefined,
): ManifestError[] {
  return [
    ...checkLibvirtNames(nets),
    ...checkSharedBridges(nets),
    ...checkSubnetOverlaps(nets),
    ...(manager ? nets.flatMap((n) => checkHostBridge(n, manager)) : []),
  ];
}

function checkLibvirtNames(nets: Net[]): ManifestError[] {
  const owners = new Map<string, Net>();
  return nets.flatMap((net) => {
    const name = net.object.spec.networkName ?? net.object.metadata.name;
    const owner = owners.get(name);
    if (!owner) {
      owners.set(name, net);
      return [];
    }
    const path = net.object.spec.networkName ? "spec.networkName" : "metadata.name";
    return [
      errorAt(net, path, `libvirt network ${quoted(name)} is already declared by ${named(owner)} ${on(net)}`),
    ];
  });
}

function checkSharedBridges(nets: Net[]): ManifestError[] {
  const owners = new Map<string, Net>();
  return nets.flatMap((net) => {
    const bridge = net.object.spec.bridge;
    const owner = owners.get(bridge);
    if (!owner) {
      owners.set(bridge, net);
      return [];
    }
    return [errorAt(net, "spec.bridge", `${quoted(bridge)} is already used by ${named(owner)} ${on(net)}`)];
  });
}

function checkSubnetOverlaps(nets: Net[]): ManifestError[] {
  const seen: { net: Net; subnet: ReturnType<typeof subnetOf> }[] = [];
  return nets.flatMap((net) => {
    const address = net.object.spec.ipv4?.address;
    if (!address || net.object.spec.mode === "bridge") return [];
    const subnet = subnetOf(address);
    const other = seen.find((s) => subnetsOverlap(s.subnet, subnet));
    seen.push({ net, subnet });
    if (!other) return [];
    const message = `subnet ${formatSubnet(subnet)} overlaps ${formatSubnet(other.subnet)} of ${named(other.net)} ${on(net)}`;
    return [errorAt(net, "spec.ipv4.address", message)];
  });
}

/** bridge mode needs one of the Manager's host bridges; nat/isolated need a bridge of their own. */
function checkHostBridge(net: Net, manager: Loaded<LabManager>): ManifestError[] {
  const declared = manager.object.spec.bridges.map((b) => b.name);
  const { bridge, mode } = net.object.spec;
  const managerName = quoted(manager.object.metadata.name);
  if (mode === "bridge" && !declared.includes(bridge)) {
    const list = declared.length > 0 ? declared.join(", ") : "none";
    const message = `${quoted(bridge)} is not a host bridge of LabManager ${managerName} (declared: ${list})`;
    return [errorAt(net, "spec.bridge", message)];
  }
  if (mode !== "bridge" && declared.includes(bridge)) {
    const message = `${quoted(bridge)} is a host bridge of LabManager ${managerName}; a ${mode} network needs a bridge of its own`;
    return [errorAt(net, "spec.bridge", message)];
  }
  return [];
}
