import { join, resolve } from "node:path";
import { quoteArgv } from "../remote/quote.js";

/**
 * The seed's shortcuts as argv for /usr/bin/ssh (and rsync) with the workspace's ssh.config.
 * Pure: the aliases come from the lab's objects (lab-targets.ts), never from a fixed name.
 */
export interface SshInvocation {
  alias: string;
  /** One remote command line, already quoted; undefined for an interactive login. */
  remoteCommand?: string;
  /** Allocate a terminal (interactive use, e.g. `virsh console`). */
  tty: boolean;
  /**
   * A first line written to the remote command's stdin before ours is forwarded (a secret
   * the remote side reads: never in any argv, local or remote).
   */
  stdinLine?: string;
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

/** `labctl ssh ALIAS [COMMAND...]`: the words joined as ssh joins them (the remote shell parses them). */
export function sshCall(alias: string, command: readonly string[]): SshInvocation {
  if (alias.startsWith("-"))
    throw new Error(
      `labctl ssh: "${alias}" is not an ssh.config alias (ssh options go into ssh.config, or run ssh -F <workspace>/ssh.config yourself)`,
    );
  return { alias, remoteCommand: command.length ? command.join(" ") : undefined, tty: false };
}

/** `labctl virsh ARGS` → virsh as root on the Manager (alias `<manager>-root`). */
export function virshCall(managerRoot: string, args: readonly string[], tty: boolean): SshInvocation {
  return { alias: managerRoot, remoteCommand: quoteArgv(["virsh", ...args]), tty };
}

/**
 * `labctl vbmc ARGS` → VirtualBMC as root on the Manager: the vbmc the LabManager linked
 * beside spec.virtualBMC.executable (a custom path need not be on ssh's PATH).
 */
export function vbmcCall(
  managerRoot: string,
  args: readonly string[],
  tty: boolean,
  vbmc = "vbmc",
): SshInvocation {
  return { alias: managerRoot, remoteCommand: quoteArgv([vbmc, ...args]), tty };
}

/** `labctl openstack ARGS` → the undercloud client with stackrc sourced, arguments kept verbatim. */
export function openstackCall(undercloud: string, args: readonly string[], tty: boolean): SshInvocation {
  const script = 'source ~/stackrc && exec openstack "$@"';
  return {
    alias: undercloud,
    remoteCommand: quoteArgv(["bash", "-c", script, "openstack", ...args]),
    tty,
  };
}

/**
 * `labctl podman HOST [ARGS]` → podman as root on HOST (the undercloud's containers run as
 * root); without arguments the containers are listed (`podman ps`), as the seed's shortcut did.
 */
export function podmanCall(alias: string, args: readonly string[], tty: boolean): SshInvocation {
  const rest = args.length ? args : ["ps"];
  return { alias, remoteCommand: quoteArgv(["sudo", "-n", "podman", ...rest]), tty };
}

/** Without a container name, podman-bash and podman-restart list the names to choose from. */
function containerNames(alias: string): SshInvocation {
  return {
    alias,
    remoteCommand: quoteArgv(["sudo", "-n", "podman", "ps", "--format", "{{.Names}}"]),
    tty: false,
  };
}

/**
 * `labctl podman-bash HOST CONTAINER` → bash inside the container (podman exec, not ssh:
 * the containers run no sshd); a terminal only when we have one.
 */
export function podmanBashCall(alias: string, container: string | undefined, tty: boolean): SshInvocation {
  if (container === undefined) return containerNames(alias);
  const flags = tty ? ["--interactive", "--tty"] : ["--interactive"];
  return {
    alias,
    remoteCommand: quoteArgv(["sudo", "-n", "podman", "exec", ...flags, container, "bash"]),
    tty,
  };
}

/** `labctl podman-restart HOST CONTAINER` → podman restart CONTAINER as root. */
export function podmanRestartCall(alias: string, container: string | undefined): SshInvocation {
  if (container === undefined) return containerNames(alias);
  return { alias, remoteCommand: quoteArgv(["sudo", "-n", "podman", "restart", container]), tty: false };
}

/** A VM's IPMI endpoint as its Manager sees it, and the Manager's root alias to run ipmitool from. */
export interface BmcTarget {
  managerRoot: string;
  address: string;
  port: number;
  username: string;
}

/** Reads the password from the first stdin line into IPMI_PASSWORD, for `ipmitool -E`. */
const IPMITOOL_SCRIPT =
  'IFS= read -r IPMI_PASSWORD || exit 2; export IPMI_PASSWORD; exec ipmitool -I lanplus -H "$1" -p "$2" -U "$3" -E "${@:4}"';

/**
 * `labctl ipmitool VM ARGS` → ipmitool on the VM's Manager (vbmc listens on the Manager's
 * address on the VMs' network, as the seed ran it), IPMI 2.0 (lanplus). The password goes
 * through stdin into IPMI_PASSWORD (`-E`): it is in no argv, local or remote. No terminal:
 * a remote pty would echo the password line.
 */
export function ipmitoolCall(bmc: BmcTarget, password: string, args: readonly string[]): SshInvocation {
  if (/[\r\n]/.test(password)) throw new Error("the BMC password holds a line break: IPMI cannot take it");
  const argv = [
    "bash",
    "-c",
    IPMITOOL_SCRIPT,
    "ipmitool",
    bmc.address,
    String(bmc.port),
    bmc.username,
    ...args,
  ];
  return { alias: bmc.managerRoot, remoteCommand: quoteArgv(argv), tty: false, stdinLine: password };
}

/**
 * `labctl rsync ARGS` → rsync whose remote shell is ssh with our config, so `ALIAS:PATH`
 * works for every alias of ssh.config. rsync splits -e on spaces and honours quotes (no
 * backslashes): the config path is quoted so that a workspace path with spaces works.
 */
export function rsyncArgv(configPath: string, args: readonly string[]): string[] {
  const quote = configPath.includes("'") ? '"' : "'";
  if (configPath.includes("'") && configPath.includes('"'))
    throw new Error(
      `labctl rsync: the workspace path ${configPath} holds both kinds of quotes: rsync -e cannot take it`,
    );
  return ["-e", `/usr/bin/ssh -F ${quote}${configPath}${quote}`, ...args];
}
