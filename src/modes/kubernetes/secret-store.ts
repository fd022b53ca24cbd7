import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  LabManager,
  LabObject,
  OvercloudNodeSet,
  SecretRef,
  TripleOUndercloud,
} from "../../api/index.js";
import type { ManagerCredentials, UndercloudCredentials } from "../../controllers/hostaccess.js";
import { domainName } from "../../controllers/undercloud/desired.js";
import type { KubeClients } from "../../kube/client.js";
import { readSecretRef } from "../../kube/secrets.js";
import { knownHostsName } from "../../remote/hostkeys.js";
import type { CredentialStore, LoginKey } from "../../runtime/host-access.js";
import { bmcPassword } from "../../steps/bmc/password.js";
import { generateKeyPair, publicKeyLineOf } from "../../workspace/keys.js";
import { generatePassword } from "../../workspace/password.js";
import { CREDENTIALS_SECRET_PREFIX } from "../../sources/kubernetes/trust.js";
import { Refused } from "../../util/errors.js";
import { writeResults } from "../../workspace/results.js";
import {
  CREDENTIALS_LABEL,
  CredentialKey as K,
  ensureCredentials,
  nodeBmcPasswordKey,
  readCredentials,
  releaseCredentials,
  setCredentials,
  type CredentialsOwner,
} from "./credentials.js";

/**
 * Kubernetes mode's credentials. What the spec names comes from Secrets (read on every
 * connect, so a rotated Secret is picked up); what the operator generates (key pairs, the
 * manager user's password, a VM's keys and passwords) and the Manager's host key as first
 * seen live in a Secret owned by the object (credentials.ts), never in a local workspace.
 * The SSH pool's known_hosts is a private temporary file seeded from those Secrets: it holds
 * public keys only. Files fetched from a VM go to the pod's temporary directory (an emptyDir).
 */
export async function secretStore(
  clients: KubeClients,
  opts: { allowPasswordOnFirstUse?: boolean } = {},
): Promise<CredentialStore> {
  const dir = await mkdtemp(join(tmpdir(), "labop-hostkeys-"));
  const recorded = async (m: LabManager) => {
    const [name, type, blob] = ((await readCredentials(clients, ownerOf(m)))[K.knownHosts] ?? "")
      .trim()
      .split(/\s+/);
    return type && blob && name === knownHostsName(m.spec.address, m.spec.ssh.port)
      ? `${type} ${blob}`
      : undefined;
  };
  return {
    knownHostsPath: join(dir, "known_hosts"),
    loginKey: (m) => loginKey(clients, m),
    // A password goes only to a host whose key matched a pin: the spec's fingerprint, or the
    // key recorded at an earlier contact. Trusting a first key with a password is the
    // operator's own decision (--allow-password-on-first-use), never an object author's.
    bootstrapPassword: async (m) => {
      const ref = m.spec.ssh.passwordRef;
      if (!ref)
        throw new Error(
          `LabManager ${m.metadata.name} spec.ssh.passwordRef: the Manager refuses our key and no password Secret is named (Kubernetes mode cannot prompt)`,
        );
      if (!m.spec.ssh.hostKeyFingerprint && !(await recorded(m)) && !opts.allowPasswordOnFirstUse)
        throw new Refused(
          "HostKeyNotPinned",
          `refusing to send spec.ssh.passwordRef to ${m.spec.address}:${m.spec.ssh.port}, whose host key is only trusted on first use: set spec.ssh.hostKeyFingerprint (or run the operator with --allow-password-on-first-use)`,
        );
      return firstLine(await secretValue(clients, m, ref));
    },
    pinnedHostKey: recorded,
    // The key seen (pinned or trusted on first use) goes to the Secret, for every replica.
    connected: async (m, line) => {
      if (line) await setCredentials(clients, ownerOf(m), { [K.knownHosts]: line });
    },
    managerCredentials: (m) => managerCredentials(clients, m),
    undercloudCredentials: (uc) => undercloudCredentials(clients, uc),
    overcloudPasswords: (set, nodes) => overcloudPasswords(clients, set, nodes),
    // setCredentials writes nothing when the Secret holds this very content already.
    saveInstackenv: (set, content) => setCredentials(clients, ownerOf(set), { [K.instackenv]: content }),
    saveResults: (name, files) => writeResults(join(tmpdir(), "lab-operator-results", name), files),
    forget: async (object, { keepSecrets }) => {
      if (object.kind !== "LibvirtNetwork")
        await releaseCredentials(clients, ownerOf(object), { keep: keepSecrets });
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** spec.ssh.privateKeyRef, else a key pair generated once into the credentials Secret. */
async function loginKey(clients: KubeClients, m: LabManager): Promise<LoginKey> {
  const comment = `${m.spec.ssh.user}@${m.metadata.name}`;
  const ref = m.spec.ssh.privateKeyRef;
  if (ref) {
    const pem = await secretValue(clients, m, ref);
    return { privateKey: Buffer.from(pem, "utf8"), publicKey: publicKeyLineOf(pem, comment) };
  }
  const values = await ensureCredentials(clients, ownerOf(m), [K.loginKey, K.loginPublicKey], () => {
    const pair = generateKeyPair("ed25519", comment);
    return { [K.loginKey]: pair.privateKey, [K.loginPublicKey]: pair.publicKey };
  });
  return { privateKey: Buffer.from(values[K.loginKey]!, "utf8"), publicKey: values[K.loginPublicKey]! };
}

async function managerCredentials(clients: KubeClients, m: LabManager): Promise<ManagerCredentials> {
  const login = `${m.spec.user.name}@${m.metadata.name}`;
  const wanted = [K.managerUserKey, K.managerUserPublicKey, K.managerUserPassword];
  const values = await ensureCredentials(clients, ownerOf(m), wanted, (missing) => ({
    ...(missing.includes(K.managerUserKey) ? keyPair(K.managerUserKey, K.managerUserPublicKey, login) : {}),
    ...(missing.includes(K.managerUserPassword) ? { [K.managerUserPassword]: generatePassword() } : {}),
  }));
  const publicKey = values[K.managerUserPublicKey] ?? publicKeyLineOf(values[K.managerUserKey]!, login);
  const ref = m.spec.user.passwordRef;
  const password = ref ? firstLine(await secretValue(clients, m, ref)) : values[K.managerUserPassword]!;
  return { managerPublicKey: publicKey.trim(), managerPassword: password };
}

/**
 * A VM's guest login key pair, its password, its pre-generated host key and its BMC
 * password, generated once into `labcreds-tripleoundercloud-<name>` (passwordRefs name
 * Secrets instead).
 */
async function undercloudCredentials(
  clients: KubeClients,
  uc: TripleOUndercloud,
): Promise<UndercloudCredentials> {
  const domain = domainName(uc);
  const wanted = [
    K.guestKey,
    K.guestPublicKey,
    K.guestPassword,
    K.vmHostKey,
    K.vmHostPublicKey,
    K.bmcPassword,
  ];
  const values = await ensureCredentials(clients, ownerOf(uc), wanted, (missing) => {
    const has = (...keys: string[]) => keys.some((k) => missing.includes(k));
    return {
      ...(has(K.guestKey, K.guestPublicKey)
        ? keyPair(K.guestKey, K.guestPublicKey, `${uc.spec.cloudInit.user}@${domain}`)
        : {}),
      ...(has(K.vmHostKey, K.vmHostPublicKey)
        ? keyPair(K.vmHostKey, K.vmHostPublicKey, `root@${domain}`)
        : {}),
      ...(has(K.guestPassword) ? { [K.guestPassword]: generatePassword() } : {}),
      ...(has(K.bmcPassword) ? { [K.bmcPassword]: generatePassword() } : {}),
    };
  });
  const passwordRef = uc.spec.cloudInit.passwordRef;
  const bmc = uc.spec.bmc;
  const given = bmc?.passwordRef ? firstLine(await secretValue(clients, uc, bmc.passwordRef)) : undefined;
  return {
    privateKey: values[K.guestKey]!,
    publicKey: values[K.guestPublicKey]!,
    password: passwordRef ? firstLine(await secretValue(clients, uc, passwordRef)) : values[K.guestPassword]!,
    hostKey: { privateKey: values[K.vmHostKey]!, publicKey: values[K.vmHostPublicKey]! },
    ...(bmc
      ? {
          bmcPassword: bmcPassword(
            given,
            () => values[K.bmcPassword]!,
            `TripleOUndercloud ${uc.metadata.name}`,
          ),
        }
      : {}),
  };
}

/**
 * One BMC password per node, generated once into `labcreds-overcloudnodeset-<name>` (key
 * bmc-<node>); spec.bmc.passwordRef names one Secret value for every node instead.
 */
async function overcloudPasswords(
  clients: KubeClients,
  set: OvercloudNodeSet,
  nodes: readonly string[],
): Promise<Record<string, string>> {
  const where = `OvercloudNodeSet ${set.metadata.name}`;
  const ref = set.spec.bmc.passwordRef;
  if (ref) {
    const given = firstLine(await secretValue(clients, set, ref));
    return Object.fromEntries(nodes.map((n) => [n, bmcPassword(given, () => "", where)]));
  }
  const keys = nodes.map(nodeBmcPasswordKey);
  const values = await ensureCredentials(clients, ownerOf(set), keys, (missing) =>
    Object.fromEntries(missing.map((k) => [k, generatePassword()])),
  );
  return Object.fromEntries(
    nodes.map((n) => [n, bmcPassword(undefined, () => values[nodeBmcPasswordKey(n)]!, where)]),
  );
}

function keyPair(privateName: string, publicName: string, comment: string): Record<string, string> {
  const pair = generateKeyPair("ed25519", comment);
  return { [privateName]: pair.privateKey, [publicName]: pair.publicKey };
}

function ownerOf(o: LabManager | TripleOUndercloud | OvercloudNodeSet): CredentialsOwner {
  const uid = o.metadata.uid;
  if (!uid) throw new Error(`${o.kind} ${o.metadata.name} has no metadata.uid (not from the API server)`);
  return { kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name, uid };
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? "";
}

/**
 * The value a reference names: a Secret of the object's own namespace, never a file of the
 * operator's pod nor credentials the operator keeps for another object (checked at decode
 * too; here again, where the value is read).
 */
async function secretValue(clients: KubeClients, owner: LabObject, ref: SecretRef): Promise<string> {
  if (ref.file !== undefined || !ref.secretName)
    throw new Refused(
      "ForbiddenReference",
      "Kubernetes mode reads secrets from Secrets (secretName, key), never from files",
    );
  return readSecretRef(clients, owner.metadata.namespace, ref, (secret) => {
    const kept = secret.metadata?.labels?.[CREDENTIALS_LABEL] !== undefined;
    if (kept || (secret.metadata?.name ?? "").startsWith(CREDENTIALS_SECRET_PREFIX))
      return "it holds credentials the operator keeps for an object, not a value to hand out";
    return undefined;
  });
}
