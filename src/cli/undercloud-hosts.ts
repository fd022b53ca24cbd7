import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { LabManager, TripleOUndercloud } from "../api/index.js";
import type { UndercloudAccess, UndercloudCredentials } from "../controllers/hostaccess.js";
import type { SshTarget } from "../remote/connection.js";
import { readPasswordFile } from "../remote/password-prompt.js";
import type { HostPool } from "../remote/pool.js";
import type { SshHost } from "../remote/host.js";
import type { RemoteHost } from "../remote/types.js";
import { domainName } from "../controllers/undercloud-desired.js";
import { bmcPassword } from "../steps/bmc/password.js";
import { writeResults } from "../workspace/results.js";
import type { Workspace } from "../workspace/workspace.js";

/**
 * File mode's VM access: the guest user's key and password as keys/<user>@<domain> and
 * passwords/<user>@<domain>, the VM's host key pair as keys/host@<domain>, the BMC password
 * as passwords/bmc@<domain> (files named by a passwordRef win). The VM gets an ssh.config
 * block that jumps through the Manager's root login, so `ssh -F workspace/ssh.config
 * <domain>` works with the same pinned key.
 */
export function workspaceUndercloudAccess(
  workspace: Workspace,
  pool: HostPool,
  manager: (m: LabManager) => Promise<RemoteHost>,
): UndercloudAccess {
  async function credentials(uc: TripleOUndercloud): Promise<UndercloudCredentials> {
    const domain = domainName(uc);
    const login = `${uc.spec.cloudInit.user}@${domain}`;
    const pair = await workspace.ensureKeyPair(login);
    const host = await workspace.ensureKeyPair(`host@${domain}`);
    const passwordFile = uc.spec.cloudInit.passwordRef?.file;
    const bmc = uc.spec.bmc;
    return {
      privateKey: await readFile(pair.privateKeyPath),
      publicKey: pair.publicKey,
      password: passwordFile ? await readPasswordFile(passwordFile) : await workspace.ensurePassword(login),
      hostKey: { privateKey: await readFile(host.privateKeyPath, "utf8"), publicKey: host.publicKey },
      ...(bmc ? { bmcPassword: await bmcPasswordOf(bmc.passwordRef?.file, domain) } : {}),
    };
  }

  async function bmcPasswordOf(file: string | undefined, domain: string): Promise<string> {
    const given = file ? await readPasswordFile(file) : undefined;
    const generated = given === undefined ? await workspace.ensurePassword(`bmc@${domain}`) : "";
    return bmcPassword(given, () => generated, file ?? domain);
  }

  async function guest(
    m: LabManager,
    { target, alias, hostKeyLine }: { target: SshTarget; alias: string; hostKeyLine: string },
  ): Promise<RemoteHost> {
    const gateway = await manager(m);
    await workspace.pinHostKey(target.host, target.port ?? 22, hostKeyLine);
    await workspace.setSshConfigHost({
      alias,
      hostName: target.host,
      user: target.user,
      identityFile: workspace.privateKeyPath(`${target.user}@${alias}`),
      proxyJump: `${m.metadata.name}-root`,
    });
    return pool.jump(gateway as SshHost, target);
  }

  const saveResults = (name: string, files: { path: string; content: Buffer }[]) =>
    writeResults(join(workspace.resultsDir, name), files);

  return { credentials, guest, saveResults };
}
