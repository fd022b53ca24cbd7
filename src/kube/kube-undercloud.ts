import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LabManager, SecretRef, TripleOUndercloud } from "../api/index.js";
import type { UndercloudAccess, UndercloudCredentials } from "../controllers/hostaccess.js";
import { domainName } from "../controllers/undercloud-desired.js";
import type { KnownHosts } from "../remote/hostkeys.js";
import type { SshHost } from "../remote/host.js";
import type { HostPool } from "../remote/pool.js";
import type { RemoteHost } from "../remote/types.js";
import { bmcPassword } from "../steps/bmc/password.js";
import { generateKeyPair } from "../workspace/keys.js";
import { generatePassword } from "../workspace/password.js";
import { writeResults } from "../workspace/results.js";
import type { KubeClients } from "./client.js";
import { CredentialKey as K, ensureCredentials, type CredentialsOwner } from "./credentials.js";

/**
 * Kubernetes mode's VM access: the guest login key pair, its password, the VM's
 * pre-generated host key and the BMC password are generated once into the Secret
 * `labcreds-tripleoundercloud-<name>`, owned by the TripleOUndercloud (passwordRefs name
 * Secrets instead). The VM's host key is pinned in the pool's private known_hosts. Files
 * fetched from the VM are kept in the operator's temporary directory (an emptyDir in the
 * pod) under lab-operator-results/<name>.
 */
export function kubeUndercloudAccess(opts: {
  clients: KubeClients;
  pool: HostPool;
  knownHosts: KnownHosts;
  manager: (m: LabManager) => Promise<RemoteHost>;
  secretValue: (namespace: string, ref: SecretRef) => Promise<string>;
}): UndercloudAccess {
  const { clients, pool, knownHosts } = opts;

  async function credentials(uc: TripleOUndercloud): Promise<UndercloudCredentials> {
    const domain = domainName(uc);
    const ns = uc.metadata.namespace;
    const values = await ensureCredentials(
      clients,
      ownerOf(uc),
      [K.guestKey, K.guestPublicKey, K.guestPassword, K.vmHostKey, K.vmHostPublicKey, K.bmcPassword],
      (missing) => generate(missing, `${uc.spec.cloudInit.user}@${domain}`, `root@${domain}`),
    );
    const passwordRef = uc.spec.cloudInit.passwordRef;
    const bmc = uc.spec.bmc;
    const given = bmc?.passwordRef ? await opts.secretValue(ns, bmc.passwordRef) : undefined;
    return {
      privateKey: values[K.guestKey]!,
      publicKey: values[K.guestPublicKey]!,
      password: passwordRef ? firstLine(await opts.secretValue(ns, passwordRef)) : values[K.guestPassword]!,
      hostKey: { privateKey: values[K.vmHostKey]!, publicKey: values[K.vmHostPublicKey]! },
      ...(bmc
        ? {
            bmcPassword: bmcPassword(
              given === undefined ? undefined : firstLine(given),
              () => values[K.bmcPassword]!,
              `TripleOUndercloud ${uc.metadata.name}`,
            ),
          }
        : {}),
    };
  }

  async function guest(
    m: LabManager,
    vm: { target: Parameters<HostPool["jump"]>[1]; alias: string; hostKeyLine: string },
  ): Promise<RemoteHost> {
    const gateway = await opts.manager(m);
    await knownHosts.replace(vm.target.host, vm.target.port ?? 22, vm.hostKeyLine);
    return pool.jump(gateway as SshHost, vm.target);
  }

  const saveResults = (name: string, files: { path: string; content: Buffer }[]) =>
    writeResults(join(tmpdir(), "lab-operator-results", name), files);

  return { credentials, guest, saveResults };
}

function generate(missing: readonly string[], login: string, hostComment: string): Record<string, string> {
  const values: Record<string, string> = {};
  if (missing.includes(K.guestKey) || missing.includes(K.guestPublicKey)) {
    const pair = generateKeyPair("ed25519", login);
    values[K.guestKey] = pair.privateKey;
    values[K.guestPublicKey] = pair.publicKey;
  }
  if (missing.includes(K.vmHostKey) || missing.includes(K.vmHostPublicKey)) {
    const pair = generateKeyPair("ed25519", hostComment);
    values[K.vmHostKey] = pair.privateKey;
    values[K.vmHostPublicKey] = pair.publicKey;
  }
  if (missing.includes(K.guestPassword)) values[K.guestPassword] = generatePassword();
  if (missing.includes(K.bmcPassword)) values[K.bmcPassword] = generatePassword();
  return values;
}

function ownerOf(uc: TripleOUndercloud): CredentialsOwner {
  const uid = uc.metadata.uid;
  if (!uid)
    throw new Error(`TripleOUndercloud ${uc.metadata.name} has no metadata.uid (not from the API server)`);
  return { kind: "TripleOUndercloud", namespace: uc.metadata.namespace, name: uc.metadata.name, uid };
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? "";
}
