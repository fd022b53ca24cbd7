import { Workspace } from "../../workspace/workspace.js";
import type { CommonOptions } from "./sandbox.js";
import {
  byIndex,
  parseRecord,
  readRecord,
  runSandboxScript,
  type SandboxRecord,
  sshAliasFor,
} from "./sandbox-scripts.js";

/** What `labctl sandbox` does once its flags are parsed (loaded on use, see ./sandbox.ts). */

/** The workspace key pair the containers authorize. */
const LOGIN = "root@manager";

export interface UpOptions extends CommonOptions {
  count: number;
  variant: string;
  prefix?: string;
  bridge?: string;
  subnet?: string;
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

export async function up(opts: UpOptions): Promise<void> {
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

export async function down(opts: CommonOptions & { name?: string }): Promise<void> {
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

export async function control(
  verb: "stop" | "start" | "reboot",
  name: string,
  opts: CommonOptions,
): Promise<void> {
  process.stdout.write(await runSandboxScript("ctl.sh", ["--state-dir", opts.stateDir, verb, name]));
}
