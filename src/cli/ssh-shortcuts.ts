import { join, resolve } from "node:path";
import { quoteArgv } from "../remote/quote.js";

/** ssh.config aliases written by the controllers (as in the original workspace). */
export const MANAGER_ROOT_ALIAS = "manager-root";
export const UNDERCLOUD_ALIAS = "tripleo";

export interface SshInvocation {
  alias: string;
  /** One remote command line, already quoted; undefined for an interactive login. */
  remoteCommand?: string;
  /** Allocate a terminal (interactive use, e.g. `virsh console`). */
  tty: boolean;
}

export function sshConfigPathOf(workspaceDir: string): string {
  return join(resolve(workspaceDir), "ssh.config");
}

/** argv for /usr/bin/ssh with our config: plain ssh, our keys, our known_hosts, strict checking. */
export function sshArgv(configPath: string, call: SshInvocation): string[] {
  const argv = ["-F", configPath];
  if (call.tty) argv.push("-t");
  argv.push("--", call.alias);
  if (call.remoteCommand !== undefined) argv.push(call.remoteCommand);
  return argv;
}

/** `labctl virsh ARGS` → virsh as root on the Manager. */
export function virshCall(args: readonly string[], tty: boolean): SshInvocation {
  return { alias: MANAGER_ROOT_ALIAS, remoteCommand: quoteArgv(["virsh", ...args]), tty };
}

/** `labctl vbmc ARGS` → VirtualBMC as root on the Manager. */
export function vbmcCall(args: readonly string[], tty: boolean): SshInvocation {
  return { alias: MANAGER_ROOT_ALIAS, remoteCommand: quoteArgv(["vbmc", ...args]), tty };
}

/** `labctl openstack ARGS` → the undercloud client with stackrc sourced, arguments kept verbatim. */
export function openstackCall(args: readonly string[], tty: boolean): SshInvocation {
  const script = 'source ~/stackrc && exec openstack "$@"';
  return {
    alias: UNDERCLOUD_ALIAS,
    remoteCommand: quoteArgv(["bash", "-c", script, "openstack", ...args]),
    tty,
  };
}

/** `labctl podman HOST ARGS` → podman as root on HOST (containers of the undercloud run as root). */
export function podmanCall(alias: string, args: readonly string[], tty: boolean): SshInvocation {
  return { alias, remoteCommand: quoteArgv(["sudo", "-n", "podman", ...args]), tty };
}
