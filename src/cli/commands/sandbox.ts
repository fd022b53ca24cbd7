import type { Command } from "commander";
import { join } from "node:path";
import { Workspace } from "../../workspace/workspace.js";
import {
  byIndex,
  parseRecord,
  readRecord,
  runSandboxScript,
  type SandboxRecord,
  sshAliasFor,
} from "./sandbox-scripts.js";

/**
 * labctl sandbox: a real Manager on this machine for trying labctl out and for e2e tests,
 * as Debian system containers booted with systemd-nspawn (root needed). The workspace gets
 * the key pair root@manager, the containers' pinned host keys and `manager-root` blocks.
 */
const LOGIN = "root@manager";

interface CommonOptions {
  workspace: string;
  stateDir: string;
}

function defaultStateDir(): string {
  return join(process.env.LAB_STATE_DIR ?? "/var/lib/lab-operator", "sandbox");
}

function withCommonOptions(cmd: Command): Command {
  return cmd
    .option("--workspace <dir>", "the Orchestrator's workspace", "./workspace")
    .option("--state-dir <dir>", "where the containers and their record live", defaultStateDir());
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive integer: ${value}`);
  return n;
}

/** Pin every container's host key and give each an ssh.config block; returns the aliases. */
async function wireWorkspace(ws: Workspace, record: SandboxRecord, identityFile: string): Promise<string[]> {
  const aliases: string[] = [];
  for (const c of byIndex(record)) {
    await ws.pinHostKey(c.address, 22, c.hostKeyLine);
    const alias = sshAliasFor(c);
    await ws.setSshConfigHost({ alias, hostName: c.address, user: "root", identityFile });
    aliases.push(alias);
  }
  return aliases;
}

interface UpOptions extends CommonOptions {
  count: number;
  variant: string;
  prefix?: string;
  bridge?: string;
  subnet?: string;
}

async function up(opts: UpOptions): Promise<void> {
  const ws = new Workspace(opts.workspace);
  const keys = await ws.ensureKeyPair(LOGIN);
  const args = ["--count", String(opts.count), "--variant", opts.variant, "--state-dir", opts.stateDir];
  if (opts.prefix) args.push("--prefix", opts.prefix);
  if (opts.bridge) args.push("--bridge", opts.bridge);
  if (opts.subnet) args.push("--subnet", opts.subnet);
  args.push("--authorized-key", keys.publicKeyPath, "--identity", keys.privateKeyPath);
  const record = parseRecord(await runSandboxScript("up.sh", args));
  const aliases = await wireWorkspace(ws, record, keys.privateKeyPath);
  const managers = byIndex(record).map((c, i) => ({
    name: c.name,
    address: c.address,
    ssh: aliases[i],
    fingerprint: c.fingerprint,
    systemState: c.systemState,
  }));
  console.log(JSON.stringify({ sshConfig: ws.sshConfigPath, managers }, null, 2));
}

async function down(opts: CommonOptions & { name?: string }): Promise<void> {
  const record = await readRecord(opts.stateDir);
  const args = ["--state-dir", opts.stateDir];
  if (opts.name) args.push("--name", opts.name);
  await runSandboxScript("down.sh", args);
  if (!record) return;
  const ws = new Workspace(opts.workspace);
  for (const c of record.containers) {
    if (!opts.name || opts.name === c.name) await ws.removeSshConfigHost(sshAliasFor(c));
  }
}

async function control(verb: "stop" | "start" | "reboot", name: string, opts: CommonOptions): Promise<void> {
  process.stdout.write(await runSandboxScript("ctl.sh", ["--state-dir", opts.stateDir, verb, name]));
}

export function registerSandbox(program: Command): void {
  const sandbox = program
    .command("sandbox")
    .description("a real Manager on this machine: Debian system containers under systemd-nspawn (root)");

  withCommonOptions(sandbox.command("up"))
    .description("boot N sandbox Managers (adds to an existing sandbox) and wire them into the workspace")
    .option("--count <n>", "how many containers the sandbox should have", positiveInt, 1)
    .option("--variant <variant>", "bare, or prebaked (libvirt and qemu installed)", "bare")
    .option("--prefix <name>", "container names are <prefix>-<i> (default labmgr)")
    .option("--bridge <name>", "host bridge of a new sandbox (default labsbx0)")
    .option("--subnet <a.b.c>", "its /24, gateway .1, containers from .11 (default 10.77.0)")
    .action((opts: UpOptions) => up(opts));

  withCommonOptions(sandbox.command("down"))
    .description("power off and remove the sandbox (or one container) and everything it created")
    .option("--name <name>", "only this container")
    .action((opts: CommonOptions & { name?: string }) => down(opts));

  withCommonOptions(sandbox.command("status"))
    .description("each container: running, reachable over ssh, systemd's state")
    .action(async (opts: CommonOptions) => {
      process.stdout.write(await runSandboxScript("status.sh", ["--state-dir", opts.stateDir]));
    });

  for (const verb of ["stop", "start", "reboot"] as const) {
    withCommonOptions(sandbox.command(`${verb} <name>`))
      .description(`${verb} one sandbox container (its copy and host key are kept)`)
      .action((name: string, opts: CommonOptions) => control(verb, name, opts));
  }
}
