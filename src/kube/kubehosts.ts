import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LabManager, SecretRef } from "../api/index.js";
import type { HostAccess, ManagerCredentials } from "../controllers/hostaccess.js";
import type { Logger } from "../log.js";
import { ensureKeyAuthorized } from "../remote/bootstrap.js";
import { fingerprintOf, KnownHosts, knownHostsName } from "../remote/hostkeys.js";
import { HostPool, type PoolStats } from "../remote/pool.js";
import type { SshTarget } from "../remote/connection.js";
import type { RemoteHost } from "../remote/types.js";
import { generateKeyPair, publicKeyLineOf } from "../workspace/keys.js";
import { generatePassword } from "../workspace/password.js";
import type { KubeClients } from "./client.js";
import {
  CredentialKey as K,
  ensureCredentials,
  readCredentials,
  setCredentials,
  type CredentialsOwner,
} from "./credentials.js";
import { kubeUndercloudAccess } from "./kube-undercloud.js";
import { readSecretRef } from "./secrets.js";

export interface KubeHosts extends HostAccess {
  stats(): PoolStats;
  close(): Promise<void>;
}

interface LoginKey {
  privateKey: Buffer;
  publicKey: string;
}

/**
 * Kubernetes mode's HostAccess. Credentials the spec names come from Secrets (read on every
 * connect, so a rotated Secret is picked up); what the operator generates (key pairs, the
 * manager user's password) and the Manager's host key as first seen are kept in a Secret
 * owned by the LabManager (see credentials.ts), never in a local workspace. The SSH pool's
 * known_hosts is a private temporary file seeded from that Secret: it holds public keys only.
 */
export async function createKubeHosts(clients: KubeClients, log: Logger): Promise<KubeHosts> {
  const dir = await mkdtemp(join(tmpdir(), "labop-hostkeys-"));
  const knownHostsPath = join(dir, "known_hosts");
  const pool = new HostPool({ knownHostsPath, log });
  const knownHosts = new KnownHosts(knownHostsPath);
  const bootstrapped = new Map<string, Promise<void>>();
  const fingerprints = new Map<string, string>();

  async function manager(m: LabManager): Promise<RemoteHost> {
    const owner = ownerOf(m);
    const key = await loginKey(clients, m, owner);
    await seedPinnedHostKey(m, await readCredentials(clients, owner));
    const target = targetOf(m);
    const id = `${m.metadata.namespace}/${m.metadata.name} ${target.user}@${target.host}:${target.port}`;
    if (!bootstrapped.has(id))
      bootstrapped.set(
        id,
        bootstrap(m, target, key).catch((err) => {
          bootstrapped.delete(id);
          throw err;
        }),
      );
    await bootstrapped.get(id);
    await recordHostKey(m, owner);
    return pool.host({ ...target, privateKey: key.privateKey });
  }

  async function bootstrap(m: LabManager, target: Omit<SshTarget, "privateKey">, key: LoginKey) {
    await ensureKeyAuthorized({
      target,
      privateKey: key.privateKey,
      publicKey: key.publicKey,
      password: () => rootPassword(clients, m),
      pool: { knownHostsPath, log },
      log,
    });
  }

  /** A host key recorded in the Secret pins the Manager for this process too. */
  async function seedPinnedHostKey(m: LabManager, values: Record<string, string>): Promise<void> {
    const [name, type, blob] = (values[K.knownHosts] ?? "").trim().split(/\s+/);
    if (!type || !blob || name !== knownHostsName(m.spec.address, m.spec.ssh.port)) return;
    const known = await knownHosts.lookup(m.spec.address, m.spec.ssh.port);
    if (known.length === 1 && known[0]!.keyBlob.equals(Buffer.from(blob, "base64"))) return;
    await knownHosts.replace(m.spec.address, m.spec.ssh.port, `${type} ${blob}`);
  }

  /** After the first contact, the key seen (pinned or trusted on first use) goes to the Secret. */
  async function recordHostKey(m: LabManager, owner: CredentialsOwner): Promise<void> {
    const entry = (await knownHosts.lookup(m.spec.address, m.spec.ssh.port))[0];
    if (!entry) return;
    fingerprints.set(`${m.metadata.namespace}/${m.metadata.name}`, fingerprintOf(entry.keyBlob));
    const name = knownHostsName(m.spec.address, m.spec.ssh.port);
    const line = `${name} ${entry.keyType} ${entry.keyBlob.toString("base64")}`;
    await setCredentials(clients, owner, { [K.knownHosts]: line });
  }

  async function credentials(m: LabManager): Promise<ManagerCredentials> {
    const login = `${m.spec.user.name}@${m.metadata.name}`;
    const values = await ensureCredentials(
      clients,
      ownerOf(m),
      [K.managerUserKey, K.managerUserPublicKey, K.managerUserPassword],
      (missing) => {
        const generated: Record<string, string> = {};
        if (missing.includes(K.managerUserKey)) {
          const pair = generateKeyPair("ed25519", login);
          generated[K.managerUserKey] = pair.privateKey;
          generated[K.managerUserPublicKey] = pair.publicKey;
        }
        if (missing.includes(K.managerUserPassword)) generated[K.managerUserPassword] = generatePassword();
        return generated;
      },
    );
    const publicKey = values[K.managerUserPublicKey] ?? publicKeyLineOf(values[K.managerUserKey]!, login);
    const ref = m.spec.user.passwordRef;
    const password = ref
      ? firstLine(await secretValue(clients, m.metadata.namespace, ref))
      : values[K.managerUserPassword]!;
    return { managerPublicKey: publicKey.trim(), managerPassword: password };
  }

  return {
    manager,
    credentials,
    fingerprint: (m) => fingerprints.get(`${m.metadata.namespace}/${m.metadata.name}`),
    undercloud: kubeUndercloudAccess({
      clients,
      pool,
      knownHosts,
      manager,
      secretValue: (namespace, ref) => secretValue(clients, namespace, ref),
    }),
    stats: () => pool.stats(),
    close: async () => {
      pool.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function ownerOf(m: LabManager): CredentialsOwner {
  const uid = m.metadata.uid;
  if (!uid) throw new Error(`LabManager ${m.metadata.name} has no metadata.uid (not from the API server)`);
  return { kind: "LabManager", namespace: m.metadata.namespace, name: m.metadata.name, uid };
}

function targetOf(m: LabManager): Omit<SshTarget, "privateKey"> {
  return {
    host: m.spec.address,
    port: m.spec.ssh.port,
    user: m.spec.ssh.user,
    hostKey: { fingerprint: m.spec.ssh.hostKeyFingerprint, trustOnFirstUse: m.spec.ssh.trustOnFirstUse },
  };
}

/** spec.ssh.privateKeyRef, else a key pair generated once into the credentials Secret. */
async function loginKey(clients: KubeClients, m: LabManager, owner: CredentialsOwner): Promise<LoginKey> {
  const comment = `${m.spec.ssh.user}@${m.metadata.name}`;
  const ref = m.spec.ssh.privateKeyRef;
  if (ref) {
    const pem = await secretValue(clients, m.metadata.namespace, ref);
    return { privateKey: Buffer.from(pem, "utf8"), publicKey: publicKeyLineOf(pem, comment) };
  }
  const values = await ensureCredentials(clients, owner, [K.loginKey, K.loginPublicKey], () => {
    const pair = generateKeyPair("ed25519", comment);
    return { [K.loginKey]: pair.privateKey, [K.loginPublicKey]: pair.publicKey };
  });
  return { privateKey: Buffer.from(values[K.loginKey]!, "utf8"), publicKey: values[K.loginPublicKey]! };
}

/** Asked for only when our key is refused: the password a passwordRef names, used once. */
async function rootPassword(clients: KubeClients, m: LabManager): Promise<string> {
  const ref = m.spec.ssh.passwordRef;
  if (!ref)
    throw new Error(
      `LabManager ${m.metadata.name} spec.ssh.passwordRef: the Manager refuses our key and no password Secret is named (Kubernetes mode cannot prompt)`,
    );
  return firstLine(await secretValue(clients, m.metadata.namespace, ref));
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? "";
}

/** A Secret in the object's namespace, or a file (a Secret mounted into the operator's pod). */
async function secretValue(clients: KubeClients, namespace: string, ref: SecretRef): Promise<string> {
  if (ref.secretName) return readSecretRef(clients, namespace, ref);
  if (ref.file) return readFile(ref.file, "utf8");
  throw new Error("the reference names neither secretName nor file");
}
