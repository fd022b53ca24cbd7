import { mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { LabManager, TripleOUndercloud } from "../api/index.js";
import type { UndercloudAccess, UndercloudCredentials } from "../controllers/hostaccess.js";
import type { SshTarget } from "../remote/connection.js";
import { readPasswordFile } from "../remote/password-prompt.js";
import type { HostPool } from "../remote/pool.js";
import type { SshHost } from "../remote/host.js";
import type { RemoteHost } from "../remote/types.js";
import { writeFileAtomic } from "../workspace/atomic.js";
import type { Workspace } from "../workspace/workspace.js";

const IPMI_PASSWORD_MAX = 20;

/** The libvirt domain of an undercloud (spec.domainName or metadata.name). */
function domainOf(uc: TripleOUndercloud): string {
  return uc.spec.domainName ?? uc.metadata.name;
}

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
    const domain = domainOf(uc);
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
      ...(bmc ? { bmcPassword: await bmcPassword(bmc.passwordRef?.file, domain) } : {}),
    };
  }

  /** IPMI 2.0 passwords are at most 20 bytes: the generated one is cut to that (about 119 bits). */
  async function bmcPassword(file: string | undefined, domain: string): Promise<string> {
    if (!file) return (await workspace.ensurePassword(`bmc@${domain}`)).slice(0, IPMI_PASSWORD_MAX);
    const password = await readPasswordFile(file);
    if (Buffer.byteLength(password) > IPMI_PASSWORD_MAX)
      throw new Error(`${file}: spec.bmc.passwordRef: IPMI allows at most ${IPMI_PASSWORD_MAX} bytes`);
    return password;
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

  async function saveResults(name: string, files: { path: string; content: Buffer }[]): Promise<string> {
    const dir = join(workspace.resultsDir, name);
    for (const f of files) {
      const path = join(dir, f.path.replace(/^\/+/, "").replaceAll("..", "_"));
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await writeFileAtomic(path, f.content, 0o600);
    }
    return dir;
  }

  return { credentials, guest, saveResults };
}
