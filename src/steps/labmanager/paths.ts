import type { LabManagerSpec } from "../../api/labmanager.js";
import { vbmcConfPath } from "./content.js";

/** Where the Manager's converged state lives; one place so observe, plan and cleanup agree. */
export const VENV = "/opt/lab-operator/virtualbmc";
export const VBMCD_UNIT = "/etc/systemd/system/vbmcd.service";
export const NETWORK_HOOK = "/etc/libvirt/hooks/network";
export const NETWORKD_DIR = "/etc/systemd/network";
export const NM_DIR = "/etc/NetworkManager/system-connections";

export type Family = "debian" | "el";

/** Debian's qemu-bridge-helper reads /etc/qemu; RHEL's qemu-kvm build reads /etc/qemu-kvm. */
export function qemuBridgeConf(family: Family): string {
  return family === "debian" ? "/etc/qemu/bridge.conf" : "/etc/qemu-kvm/bridge.conf";
}

/** sudo skips sudoers.d files whose name contains a dot, so the user name is safe here. */
export function sudoersPath(user: string): string {
  return `/etc/sudoers.d/lab-operator-${user}`;
}

export function networkdNetdev(bridge: string): string {
  return `${NETWORKD_DIR}/50-lab-${bridge}.netdev`;
}
export function networkdNetwork(bridge: string): string {
  return `${NETWORKD_DIR}/50-lab-${bridge}.network`;
}
/**
 * networkd applies the first .network file (by name) that matches a link: a member's must
 * sort before the NIC's own (an installer's or a hand-written 10-/20-*.network), or the NIC
 * never joins the bridge. Deleting ours gives the NIC back to its own file.
 */
export function networkdMember(bridge: string, nic: string): string {
  return `${NETWORKD_DIR}/${NETWORKD_MEMBER_PREFIX}${bridge}-${nic}.network`;
}
export const NETWORKD_MEMBER_PREFIX = "00-lab-";
/** Where member files were written before 00-lab-: still ours (found, cleaned up, replaced). */
export const NETWORKD_OLD_MEMBER_PREFIX = "50-lab-";
export function nmBridge(bridge: string): string {
  return `${NM_DIR}/lab-${bridge}.nmconnection`;
}
export function nmMember(bridge: string, nic: string): string {
  return `${NM_DIR}/lab-${bridge}-${nic}.nmconnection`;
}

/** Every file the plan compares by hash, for observe to report. */
export function watchedFiles(spec: LabManagerSpec): string[] {
  const out = [vbmcConfPath(spec.virtualBMC), VBMCD_UNIT, NETWORK_HOOK, sudoersPath(spec.user.name)];
  for (const b of spec.bridges) {
    out.push(networkdNetdev(b.name), networkdNetwork(b.name), nmBridge(b.name));
    for (const nic of b.interfaces) out.push(networkdMember(b.name, nic), nmMember(b.name, nic));
  }
  return out;
}
