import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  managerRootAlias,
  sshAliasesOf,
  type LabManager,
  type OvercloudNodeSet,
  type SshAlias,
  type TripleOUndercloud,
} from "../../api/index.js";
import type { ManagerCredentials, UndercloudCredentials } from "../../controllers/hostaccess.js";
import { domainName } from "../../controllers/undercloud/desired.js";
import { promptPassword, readPasswordFile } from "../../remote/password-prompt.js";
import type { CredentialStore, GuestLoginRequest, LoginKey } from "../../runtime/host-access.js";
import { bmcPassword } from "../../steps/bmc/password.js";
import { readFileCached } from "../../util/cached-read.js";
import { writeResults } from "../../workspace/results.js";
import type { SecretOwner } from "../../workspace/types.js";
import type { Workspace } from "../../workspace/workspace.js";
import { readOnlySecrets, writingSecrets, type WorkspaceSecrets } from "./workspace-secrets.js";

/**
 * File mode's credentials, in the workspace: keys/ and passwords/<Kind>/<namespace>/<name>/
 * <role> (a Manager's login and manager user, a VM's guest user, its pre-generated host key
 * and BMC password; a file a passwordRef or privateKeyRef names wins), pinned host keys in
 * known_hosts, and an ssh.config block per login, so `ssh -F workspace/ssh.config <alias>`
 * works with the same pinned keys. An OvercloudNodeSet's node passwords are
 * passwords/OvercloudNodeSet/<namespace>/<name>/bmc-<node>, its instackenv.json
 * results/<name>/instackenv.json (0600; <namespace>.<name> outside the default namespace).
 *
 * readOnly (`labctl plan`): the same answers without writing anything: existing secrets or
 * stand-ins in memory, a private copy of known_hosts, no ssh.config, no results.
 */
export function workspaceStore(workspace: Workspace, opts: { readOnly?: boolean } = {}): CredentialStore {
  const secrets = opts.readOnly ? readOnlySecrets(workspace) : writingSecrets(workspace);
  const knownHosts = opts.readOnly ? privateCopy(workspace.knownHostsPath) : undefined;
  const write = <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
    opts.readOnly ? async () => undefined : fn;
  return {
    knownHostsPath: knownHosts?.path ?? workspace.knownHostsPath,
    readOnly: opts.readOnly ?? false,
    loginKey: (m) => loginKey(secrets, m),
    bootstrapPassword(m: LabManager): Promise<string> {
      const file = m.spec.ssh.passwordRef?.file;
      if (file) return readPasswordFile(file);
      const why = opts.readOnly ? "for this plan only" : "asked once, to authorize our key";
      return promptPassword(`${m.spec.ssh.user}@${m.spec.address}'s password (${why}): `);
    },
    // The pool pins into the workspace's known_hosts itself: only ssh.config is left to write.
    connected: write((m: LabManager) => writeManagerSshConfig(workspace, m)),
    async managerCredentials(m: LabManager): Promise<ManagerCredentials> {
      const legacy = `${m.spec.user.name}@${m.metadata.name}`;
      const pair = await secrets.keyPair(ownerOf(m), "user", legacy);
      const file = m.spec.user.passwordRef?.file;
      return {
        managerPublicKey: pair!.publicKey,
        managerPassword: file
          ? await readPasswordFile(file)
          : await secrets.password(ownerOf(m), "user", legacy),
      };
    },
    undercloudCredentials: (uc) => undercloudCredentials(secrets, uc),
    overcloudPasswords: (set, nodes) => overcloudPasswords(secrets, set, nodes),
    saveInstackenv: opts.readOnly
      ? async () => undefined
      : (set, content) => saveInstackenv(workspace, set, content),
    guestPinned: write((m: LabManager, vm: GuestLoginRequest) => writeGuestSshConfig(workspace, m, vm)),
    saveResults: opts.readOnly
      ? async () => "(plan: nothing saved)"
      : (name, files) => writeResults(join(workspace.resultsDir, name), files),
    forget: write(async (object, { keepSecrets }: { keepSecrets: boolean }) => {
      if (object.kind === "LibvirtNetwork") return;
      for (const { alias } of sshAliasesOf(object)) {
        await workspace.removeSshConfigHost(alias);
        await workspace.unpinHostKey(alias, 22);
      }
      if (object.kind === "LabManager")
        await workspace.unpinHostKey(object.spec.address, object.spec.ssh.port);
      if (keepSecrets) return;
      await workspace.forgetSecrets(ownerOf(object));
      if (object.kind === "OvercloudNodeSet") await rm(instackenvPath(workspace, object), { force: true });
    }),
    close: async () => knownHosts?.remove(),
  };
}

async function loginKey(secrets: WorkspaceSecrets, m: LabManager): Promise<LoginKey | undefined> {
  const ref = m.spec.ssh.privateKeyRef?.file;
  if (ref)
    return {
      privateKey: await readFileCached(ref),
      publicKey: (await readFileCached(`${ref}.pub`).catch(() => "")).toString().trim(),
    };
  return secrets.keyPair(ownerOf(m), "login", `${m.spec.ssh.user}@${m.metadata.name}`);
}

/** A private copy of known_hosts: what a plan trusts on first use is forgotten with it. */
function privateCopy(path: string): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "labctl-plan-"));
  const copy = join(dir, "known_hosts");
  if (existsSync(path)) copyFileSync(path, copy);
  return { path: copy, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function writeManagerSshConfig(workspace: Workspace, m: LabManager): Promise<void> {
  const [root, user] = sshAliasesOf(m) as [SshAlias, SshAlias];
  const login = m.spec.ssh.privateKeyRef?.file ?? workspace.keyPathFor(ownerOf(m), "login");
  const common = { hostName: m.spec.address, port: m.spec.ssh.port };
  await workspace.setSshConfigHost({
    alias: root.alias,
    user: m.spec.ssh.user,
    identityFile: login,
    ...common,
  });
  await workspace.setSshConfigHost({
    alias: user.alias,
    user: m.spec.user.name,
    identityFile: workspace.keyPathFor(ownerOf(m), "user"),
    ...common,
  });
}

/**
 * `ssh -F workspace/ssh.config <alias>` checks the VM's key under its alias: lease addresses
 * repeat from one Manager to the next, aliases never do.
 */
async function writeGuestSshConfig(
  workspace: Workspace,
  m: LabManager,
  vm: GuestLoginRequest,
): Promise<void> {
  await workspace.pinHostKey(vm.alias, 22, vm.hostKeyLine);
  await workspace.setSshConfigHost({
    alias: vm.alias,
    hostName: vm.target.host,
    user: vm.target.user,
    identityFile: workspace.keyPathFor(ownerOf(vm.undercloud), "guest"),
    proxyJump: managerRootAlias(m),
    hostKeyAlias: vm.alias,
  });
}

/** One BMC password per node: passwords/.../bmc-<node>, created once; a passwordRef file wins. */
async function overcloudPasswords(
  secrets: WorkspaceSecrets,
  set: OvercloudNodeSet,
  nodes: readonly string[],
): Promise<Record<string, string>> {
  const file = set.spec.bmc.passwordRef?.file;
  const given = file ? await readPasswordFile(file) : undefined;
  const where = file ?? `OvercloudNodeSet ${set.metadata.name}`;
  const passwords: Record<string, string> = {};
  for (const node of nodes) {
    const generated = given === undefined ? await secrets.password(ownerOf(set), `bmc-${node}`) : "";
    passwords[node] = bmcPassword(given, () => generated, where);
  }
  return passwords;
}

function instackenvPath(workspace: Workspace, set: OvercloudNodeSet): string {
  const ns = set.metadata.namespace;
  const dir = ns === "default" ? set.metadata.name : `${ns}.${set.metadata.name}`;
  return join(workspace.resultsDir, dir, "instackenv.json");
}

/** Written (0600, atomically) only when its content changed. */
async function saveInstackenv(workspace: Workspace, set: OvercloudNodeSet, content: string): Promise<void> {
  const path = instackenvPath(workspace, set);
  if ((await readFile(path, "utf8").catch(() => undefined)) === content) return;
  await writeResults(dirname(path), [{ path: "instackenv.json", content: Buffer.from(content, "utf8") }]);
}

function ownerOf(o: LabManager | TripleOUndercloud | OvercloudNodeSet): SecretOwner {
  return { kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name };
}

/** The guest login, its password, the VM's host key and the BMC password (a passwordRef file wins). */
async function undercloudCredentials(
  secrets: WorkspaceSecrets,
  uc: TripleOUndercloud,
): Promise<UndercloudCredentials> {
  const domain = domainName(uc);
  const owner = ownerOf(uc);
  const legacy = `${uc.spec.cloudInit.user}@${domain}`;
  const guest = (await secrets.keyPair(owner, "guest", legacy))!;
  const host = (await secrets.keyPair(owner, "host", `host@${domain}`))!;
  const passwordFile = uc.spec.cloudInit.passwordRef?.file;
  const bmc = uc.spec.bmc;
  const bmcFile = bmc?.passwordRef?.file;
  const given = bmcFile ? await readPasswordFile(bmcFile) : undefined;
  const generated = bmc && given === undefined ? await secrets.password(owner, "bmc", `bmc@${domain}`) : "";
  return {
    privateKey: guest.privateKey,
    publicKey: guest.publicKey,
    password: passwordFile
      ? await readPasswordFile(passwordFile)
      : await secrets.password(owner, "guest", legacy),
    hostKey: { privateKey: host.privateKey.toString("utf8"), publicKey: host.publicKey },
    ...(bmc ? { bmcPassword: bmcPassword(given, () => generated, bmcFile ?? domain) } : {}),
  };
}
