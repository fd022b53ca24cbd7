import type { HostBridge } from "../../api/labmanager.js";
import { sha256 } from "./content.js";
import { type Family, networkdMember, networkdNetdev, networkdNetwork, nmBridge, nmMember } from "./paths.js";

/** One persistent network configuration file of a bridge. */
export interface BridgeFile {
  path: string;
  content: string;
  mode: string;
}

/** First line of every bridge file we write: observe and cleanup recognise ours by it. */
export const BRIDGE_FILE_HEADER = "# Managed by lab-operator; edits are reverted.";
const HEADER = BRIDGE_FILE_HEADER;

/**
 * systemd-networkd: a .netdev for the bridge, a .network for it, one per member NIC.
 * `gateway`: the default route's, carried over from a member NIC (see carriedGateway).
 */
export function networkdFiles(b: HostBridge, gateway?: string): BridgeFile[] {
  const netdev = [HEADER, "[NetDev]", `Name=${b.name}`, "Kind=bridge", "", "[Bridge]"];
  netdev.push(`STP=${b.stp ? "yes" : "no"}`, `ForwardDelaySec=${b.forwardDelay}`, "");
  // With members: no MAC of networkd's own, so the kernel gives the bridge its (first) member's,
  // and the office router sees the NIC it knew (same MAC, same lease), as with the seed's ifcfg.
  if (b.interfaces.length) netdev.splice(4, 0, "MACAddress=none");
  const unaddressed = !b.dhcp && b.addresses.length === 0;
  const network = [HEADER, "[Match]", `Name=${b.name}`, "", "[Network]", `DHCP=${b.dhcp ? "ipv4" : "no"}`];
  for (const a of b.addresses) network.push(`Address=${a}`);
  if (gateway) network.push(`Gateway=${gateway}`);
  network.push("ConfigureWithoutCarrier=yes");
  if (unaddressed) network.push("LinkLocalAddressing=no");
  // A client id from that MAC (networkd's default derives one from the interface name, which
  // the DHCP server would take for a new client and give a new address).
  if (b.dhcp) network.push("", "[DHCPv4]", "ClientIdentifier=mac");
  network.push("", "[Link]", "RequiredForOnline=no", "");
  const files: BridgeFile[] = [
    { path: networkdNetdev(b.name), content: netdev.join("\n"), mode: "0644" },
    { path: networkdNetwork(b.name), content: network.join("\n"), mode: "0644" },
  ];
  for (const nic of b.interfaces) {
    const member = [HEADER, "[Match]", `Name=${nic}`, "", "[Network]", `Bridge=${b.name}`, ""];
    files.push({ path: networkdMember(b.name, nic), content: member.join("\n"), mode: "0644" });
  }
  return files;
}

/** A stable UUID from a name, so re-rendering a keyfile never changes it. */
export function nameUuid(name: string): string {
  const h = sha256(`lab-operator:${name}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function ipv4Section(b: HostBridge, gateway?: string): string[] {
  if (!b.dhcp && b.addresses.length === 0) return ["[ipv4]", "method=disabled"];
  const lines = ["[ipv4]", `method=${b.dhcp ? "auto" : "manual"}`];
  b.addresses.forEach((a, i) => lines.push(`address${i + 1}=${a}`));
  if (gateway) lines.push(`gateway=${gateway}`);
  return lines;
}

/** Above the default 0 of the NIC's own profile (see nmFiles). */
export const PORT_AUTOCONNECT_PRIORITY = 10;

/** NetworkManager keyfiles (mode 0600, or NM ignores them): the bridge and its ports. */
export function nmFiles(b: HostBridge, gateway?: string): BridgeFile[] {
  const id = `lab-${b.name}`;
  const bridge = [HEADER, "[connection]", `id=${id}`, `uuid=${nameUuid(id)}`, "type=bridge"];
  bridge.push(`interface-name=${b.name}`, "autoconnect=true", "", "[bridge]", `stp=${b.stp}`);
  bridge.push(
    `forward-delay=${b.forwardDelay}`,
    "",
    ...ipv4Section(b, gateway),
    "",
    "[ipv6]",
    "method=disabled",
    "",
  );
  const files: BridgeFile[] = [{ path: nmBridge(b.name), content: bridge.join("\n"), mode: "0600" }];
  for (const nic of b.interfaces) {
    const pid = `lab-${b.name}-${nic}`;
    const port = [HEADER, "[connection]", `id=${pid}`, `uuid=${nameUuid(pid)}`, "type=ethernet"];
    // The NIC usually has a profile of its own (the installer's, autoconnect, priority 0):
    // at boot NetworkManager would pick either. A higher priority makes it pick the port.
    port.push(`interface-name=${nic}`, `master=${b.name}`, "slave-type=bridge", "autoconnect=true");
    port.push(`autoconnect-priority=${PORT_AUTOCONNECT_PRIORITY}`, "");
    port.push("[bridge-port]", "");
    files.push({ path: nmMember(b.name, nic), content: port.join("\n"), mode: "0600" });
  }
  return files;
}

export function bridgeFiles(family: Family, b: HostBridge, gateway?: string): BridgeFile[] {
  return family === "debian" ? networkdFiles(b, gateway) : nmFiles(b, gateway);
}
