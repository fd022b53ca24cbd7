import type { Command } from "commander";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fetchResults, RESULT_PATHS } from "../fetch-results.js";
import {
  openstackCall,
  podmanCall,
  sshArgv,
  sshConfigPathOf,
  vbmcCall,
  virshCall,
  type SshInvocation,
} from "../ssh-shortcuts.js";

const SSH_BINARY = "/usr/bin/ssh";

interface WorkspaceOption {
  workspace: string;
}

/** Run /usr/bin/ssh with the workspace's ssh.config and our terminal; exit with its status. */
async function runSsh(workspaceDir: string, call: SshInvocation): Promise<void> {
  const configPath = sshConfigPathOf(workspaceDir);
  if (!existsSync(configPath)) {
    throw new Error(`${configPath} does not exist yet: converge a LabManager first (labctl run)`);
  }
  const child = spawn(SSH_BINARY, sshArgv(configPath, call), { stdio: "inherit" });
  const code = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (status, signal) => resolve(status ?? (signal ? 128 + 1 : 1)));
  });
  process.exitCode = code;
}

/** A pass-through subcommand: options after the first argument belong to the remote tool. */
function passThrough(program: Command, name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .option("--workspace <dir>", "workspace directory (ssh.config, keys, known_hosts)", "workspace")
    .passThroughOptions()
    .allowUnknownOption()
    .helpOption("--labctl-help", "help for this labctl shortcut");
}

export function registerSsh(program: Command): void {
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  passThrough(
    program,
    "ssh",
    "ssh to a workspace host alias (manager-root, manager, tripleo), optionally running a command",
  )
    .argument("<host>", "ssh.config alias")
    .argument("[command...]", "remote command, as with ssh")
    .action((host: string, command: string[], opts: WorkspaceOption) =>
      runSsh(opts.workspace, {
        alias: host,
        remoteCommand: command.length ? command.join(" ") : undefined,
        tty: false,
      }),
    );
  passThrough(program, "virsh", "virsh as root on the Manager")
    .argument("[args...]")
    .action((args: string[], opts: WorkspaceOption) => runSsh(opts.workspace, virshCall(args, interactive)));
  passThrough(program, "vbmc", "VirtualBMC as root on the Manager")
    .argument("[args...]")
    .action((args: string[], opts: WorkspaceOption) => runSsh(opts.workspace, vbmcCall(args, interactive)));
  passThrough(program, "openstack", "the undercloud's openstack client (stackrc sourced)")
    .argument("[args...]")
    .action((args: string[], opts: WorkspaceOption) =>
      runSsh(opts.workspace, openstackCall(args, interactive)),
    );
  passThrough(program, "podman", "podman as root on a workspace host")
    .argument("<host>", "ssh.config alias")
    .argument("[args...]")
    .action((host: string, args: string[], opts: WorkspaceOption) =>
      runSsh(opts.workspace, podmanCall(host, args, interactive)),
    );
  registerFetchResults(program);
}

function registerFetchResults(program: Command): void {
  program
    .command("fetch-results")
    .description("copy logs and generated configuration from the hosts into <workspace>/results/<time>/")
    .option("--workspace <dir>", "workspace directory (ssh.config, keys, known_hosts)", "workspace")
    .argument("[aliases...]", "ssh.config aliases to fetch from", Object.keys(RESULT_PATHS))
    .action(async (aliases: string[], opts: WorkspaceOption) => {
      const stamp = new Date().toISOString().replace(/[:.]/g, "-");
      for (const alias of aliases) {
        const dir = await fetchResults(opts.workspace, alias, RESULT_PATHS[alias] ?? [], stamp);
        console.log(dir ? `${alias}: ${dir}` : `${alias}: nothing to fetch`);
      }
    });
}
