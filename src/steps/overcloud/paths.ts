import { posix } from "node:path";

/** The shared venv sushy-tools is installed into (like VirtualBMC's, next to it). */
export const SUSHY_VENV = "/opt/lab-operator/sushy-tools";
/** One templated unit; each node's emulator is an instance named after its domain. */
export const SUSHY_UNIT_TEMPLATE = "/etc/systemd/system/lab-sushy@.service";
/** Per node: <domain>.conf (the emulator's Flask config) and <domain>.htpasswd (bcrypt). */
export const SUSHY_CONF_DIR = "/etc/lab-operator/sushy";

export function sushyUnit(domain: string): string {
  return `lab-sushy@${domain}.service`;
}

export function sushyConfPath(domain: string): string {
  return posix.join(SUSHY_CONF_DIR, `${domain}.conf`);
}

export function sushyAuthPath(domain: string): string {
  return posix.join(SUSHY_CONF_DIR, `${domain}.htpasswd`);
}

/** Where one node's files live on the Manager. */
export interface NodePaths {
  /** Written before the first disk: files are removed only when it is there. */
  marker: string;
  /** Blank qcow2 disks in order (vda, vdb, ...). */
  disks: string[];
  serialLog: string;
}

export function nodePaths(imagesDir: string, domain: string, diskCount: number): NodePaths {
  return {
    marker: posix.join(imagesDir, `.${domain}.lab-operator`),
    disks: Array.from({ length: diskCount }, (_, i) =>
      posix.join(imagesDir, i === 0 ? `${domain}.qcow2` : `${domain}-disk${i}.qcow2`),
    ),
    serialLog: `/var/log/libvirt/qemu/${domain}-serial.log`,
  };
}
