import type { Command } from "commander";
import { withLabObjectOptions, type LabObjectOptions } from "../lab-object-options.js";
import { runRsync, runSsh } from "../spawn-ssh.js";
import { ipmitoolCall, openstackCall, sshCall, vbmcCall, virshCall } from "../ssh-shortcuts.js";

interface WorkspaceOption {
  workspace: string;
}

/** A terminal for the remote tool only when we have one (`virsh console`, podman-bash). */
export const interactive = () => Boolean(process.stdin.isTTY && process.stdout.isTTY);

/**
 * A pass-through subcommand: labctl's options (and -h/--help) come before the first
 * argument; from there on every word belongs to the remote tool, `--help` included.
 */
export function passThrough(program: Command, name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .option("--workspace <dir>", "workspace directory (ssh.config, keys, known_hosts)", "workspace")
    .passThroughOptions()
    .allowUnknownOption()
    .addHelpText(
      "after",
      `\nlabctl's options go before the arguments; after the first one, every word (--help too) is the remote tool's.`,
    );
}

/**
 * What a shortcut needs to find its alias in the lab's objects (manifests, saved state, the
 * schemas): loaded when such a shortcut runs, so other commands start without it.
 */
async function lab() {
  const [objects, targets, api, content] = await Promise.all([
    import("../lab-objects.js"),
    import("../lab-targets.js"),
    import("../../api/index.js"),
    import("../../steps/labmanager/content.js"),
  ]);
  return { ...objects, ...targets, managerRootAlias: api.managerRootAlias, vbmcLinks: content.vbmcLinks };
}

/** A shortcut that finds its alias in the lab's objects (-f, --state-dir, --manager). */
function labShortcut(program: Command, name: string, description: string): Command {
  return withLabObjectOptions(passThrough(program, name, description));
}

export function registerSsh(program: Command): void {
  passThrough(
    program,
    "ssh",
    "ssh to a workspace alias (a Manager's <name>-root and <name>, a VM's domain name), optionally running a command",
  )
    .argument("<alias>", "ssh.config alias, e.g. lab-root, lab, tripleo for the example lab")
    .argument("[command...]", "remote command, as with ssh")
    .action((alias: string, command: string[], opts: WorkspaceOption) =>
      runSsh(opts.workspace, sshCall(alias, command)),
    );
  passThrough(program, "rsync", "rsync over the workspace's ssh.config (e.g. labctl rsync lab:/etc/fstab .)")
    .argument("<args...>", "rsync's arguments; remote paths as ALIAS:PATH")
    .action((args: string[], opts: WorkspaceOption) => runRsync(opts.workspace, args));
  labShortcut(program, "virsh", "virsh as root on the Manager")
    .argument("[args...]", "virsh's arguments, e.g. net-list")
    .action(async (args: string[], opts: LabObjectOptions) => {
      const { managerRootAliasIn, loadLabObjects } = await lab();
      const alias = managerRootAliasIn(await loadLabObjects(opts), opts.manager);
      await runSsh(opts.workspace, virshCall(alias, args, interactive()));
    });
  labShortcut(program, "vbmc", "VirtualBMC as root on the Manager")
    .argument("[args...]", "vbmc's arguments, e.g. list")
    .action(async (args: string[], opts: LabObjectOptions) => {
      const { chooseManager, loadLabObjects, managerRootAlias, vbmcLinks } = await lab();
      const m = chooseManager(await loadLabObjects(opts), opts.manager);
      const vbmc = vbmcLinks(m.spec.virtualBMC)[1];
      await runSsh(opts.workspace, vbmcCall(managerRootAlias(m), args, interactive(), vbmc));
    });
  labShortcut(program, "openstack", "the undercloud's openstack client (stackrc sourced)")
    .option("--undercloud <name>", "the TripleOUndercloud, when the lab has several")
    .argument("[args...]", "openstack's arguments, e.g. network list")
    .action(async (args: string[], opts: LabObjectOptions & { undercloud?: string }) => {
      const { chooseUndercloud, loadLabObjects, undercloudAlias } = await lab();
      const uc = chooseUndercloud(await loadLabObjects(opts), opts);
      await runSsh(opts.workspace, openstackCall(undercloudAlias(uc), args, interactive()));
    });
  labShortcut(
    program,
    "ipmitool",
    "ipmitool against a VM's or overcloud node's VirtualBMC, run on its Manager, with the workspace's BMC password (never in argv)",
  )
    .argument(
      "<vm>",
      "the VM: TripleOUndercloud name or domain name (e.g. tripleo), or an overcloud node (e.g. overcloud-controller-0)",
    )
    .argument("[args...]", "ipmitool's command, e.g. power status")
    .action(async (vm: string, args: string[], opts: LabObjectOptions) => {
      const { bmcTargetOf, bmcPasswordOf, loadLabObjects } = await lab();
      const { owner, target } = bmcTargetOf(await loadLabObjects(opts), vm, opts.manager);
      const password = await bmcPasswordOf(opts.workspace, owner);
      await runSsh(opts.workspace, ipmitoolCall(target, password, args));
    });
}
