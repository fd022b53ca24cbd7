import { readFile } from "node:fs/promises";
import type { LabManager } from "../api/index.js";
import type { HostAccess, ManagerCredentials } from "../controllers/hostaccess.js";
import type { Logger } from "../log.js";
import { ensureKeyAuthorized } from "../remote/bootstrap.js";
import { fingerprintOf, KnownHosts } from "../remote/hostkeys.js";
import { promptPassword, readPasswordFile } from "../remote/password-prompt.js";
import { HostPool, type PoolStats } from "../remote/pool.js";
import type { RemoteHost } from "../remote/types.js";
import { Workspace } from "../workspace/workspace.js";
import { workspaceUndercloudAccess } from "./undercloud-hosts.js";

export interface WorkspaceHosts extends HostAccess {
  readonly workspace: Workspace;
  stats(): PoolStats;
  close(): Promise<void>;
}

/**
 * File mode's HostAccess: keys, passwords and pinned host keys in the workspace, one pooled
 * connection per Manager, and a one-time password bootstrap where the spec allows it.
 */
export function createWorkspaceHosts(dir: string, log: Logger): WorkspaceHosts {
  const workspace = new Workspace(dir);
  const pool = new HostPool({ knownHostsPath: workspace.knownHostsPath, log });
  const knownHosts = new KnownHosts(workspace.knownHostsPath);
  const bootstrapped = new Map<string, Promise<void>>();
  const fingerprints = new Map<string, string>();

  async function rootKey(m: LabManager): Promise<{ privateKey: Buffer; publicKey: string }> {
    const ref = m.spec.ssh.privateKeyRef?.file;
    if (ref)
      return {
        privateKey: await readFile(ref),
        publicKey: (await readFile(`${ref}.pub`, "utf8").catch(() => "")).trim(),
      };
    const pair = await workspace.ensureKeyPair(`${m.spec.ssh.user}@${m.metadata.name}`);
    return { privateKey: await readFile(pair.privateKeyPath), publicKey: pair.publicKey };
  }

  async function bootstrap(m: LabManager, key: { privateKey: Buffer; publicKey: string }): Promise<void> {
    const target = {
      host: m.spec.address,
      port: m.spec.ssh.port,
      user: m.spec.ssh.user,
      hostKey: { fingerprint: m.spec.ssh.hostKeyFingerprint, trustOnFirstUse: m.spec.ssh.trustOnFirstUse },
    };
    const passwordFile = m.spec.ssh.passwordRef?.file;
    await ensureKeyAuthorized({
      target,
      privateKey: key.privateKey,
      publicKey: key.publicKey,
      password: () =>
        passwordFile
          ? readPasswordFile(passwordFile)
          : promptPassword(
              `${m.spec.ssh.user}@${m.spec.address}'s password (asked once, to authorize our key): `,
            ),
      pool: { knownHostsPath: workspace.knownHostsPath, log },
      log,
    });
  }

  async function manager(m: LabManager): Promise<RemoteHost> {
    const key = await rootKey(m);
    const id = `${m.spec.ssh.user}@${m.spec.address}:${m.spec.ssh.port}`;
    if (!bootstrapped.has(id))
      bootstrapped.set(
        id,
        bootstrap(m, key).catch((err) => {
          bootstrapped.delete(id);
          throw err;
        }),
      );
    await bootstrapped.get(id);
    await writeSshConfig(m);
    const entries = await knownHosts.lookup(m.spec.address, m.spec.ssh.port);
    if (entries[0]) fingerprints.set(m.metadata.name, fingerprintOf(entries[0].keyBlob));
    return pool.host({
      host: m.spec.address,
      port: m.spec.ssh.port,
      user: m.spec.ssh.user,
      privateKey: key.privateKey,
      hostKey: { fingerprint: m.spec.ssh.hostKeyFingerprint, trustOnFirstUse: m.spec.ssh.trustOnFirstUse },
    });
  }

  async function writeSshConfig(m: LabManager): Promise<void> {
    const identity =
      m.spec.ssh.privateKeyRef?.file ?? workspace.privateKeyPath(`${m.spec.ssh.user}@${m.metadata.name}`);
    const common = { hostName: m.spec.address, port: m.spec.ssh.port };
    await workspace.setSshConfigHost({
      alias: `${m.metadata.name}-root`,
      user: m.spec.ssh.user,
      identityFile: identity,
      ...common,
    });
    const login = `${m.spec.user.name}@${m.metadata.name}`;
    await workspace.setSshConfigHost({
      alias: m.metadata.name,
      user: m.spec.user.name,
      identityFile: workspace.privateKeyPath(login),
      ...common,
    });
  }

  async function credentials(m: LabManager): Promise<ManagerCredentials> {
    const login = `${m.spec.user.name}@${m.metadata.name}`;
    const pair = await workspace.ensureKeyPair(login);
    return { managerPublicKey: pair.publicKey, managerPassword: await workspace.ensurePassword(login) };
  }

  return {
    workspace,
    manager,
    credentials,
    fingerprint: (m) => fingerprints.get(m.metadata.name),
    undercloud: workspaceUndercloudAccess(workspace, pool, manager),
    stats: () => pool.stats(),
    close: async () => pool.close(),
  };
}
