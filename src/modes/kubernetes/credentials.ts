import type { V1Secret } from "@kubernetes/client-node";
import { API_VERSION } from "../../api/index.js";
import { isAlreadyExists, isConflict, isNotFound, type KubeClients } from "../../kube/client.js";
import { Refused } from "../../util/errors.js";

/**
 * What the operator generates for a LabManager in Kubernetes mode (key pairs, the manager
 * user's password, the pinned host key) lives in one Secret owned by the LabManager, so the
 * garbage collector removes it with the object and a successor replica finds the same keys.
 * Values are created once and never replaced; they never reach logs, status or events.
 */
export const CREDENTIALS_LABEL = "openstacklab.io/credentials-of";

/** Keys inside the credentials Secret. */
export const CredentialKey = {
  /** Generated key of spec.ssh.user when spec.ssh.privateKeyRef names none. */
  loginKey: "login-key",
  loginPublicKey: "login-key.pub",
  managerUserKey: "manager-user-key",
  managerUserPublicKey: "manager-user-key.pub",
  managerUserPassword: "manager-user-password",
  /** One OpenSSH known_hosts line: the Manager's host key as first seen (or pinned). */
  knownHosts: "known_hosts",
  /** An undercloud VM's guest login, password, pre-generated host key and BMC password. */
  guestKey: "guest-key",
  guestPublicKey: "guest-key.pub",
  guestPassword: "guest-password",
  vmHostKey: "host-key",
  vmHostPublicKey: "host-key.pub",
  bmcPassword: "bmc-password",
  /** An OvercloudNodeSet's instackenv.json (it holds the nodes' BMC passwords). */
  instackenv: "instackenv.json",
} as const;

/** An OvercloudNodeSet node's BMC password: one key per node, by its domain name. */
export function nodeBmcPasswordKey(node: string): string {
  return `bmc-${node}`;
}

export interface CredentialsOwner {
  kind: "LabManager" | "TripleOUndercloud" | "OvercloudNodeSet";
  namespace: string;
  name: string;
  uid: string;
}

export function credentialsSecretName(owner: CredentialsOwner): string {
  return `labcreds-${owner.kind.toLowerCase()}-${owner.name}`;
}

/** The Secret's decoded values, or {} when it does not exist yet. */
export async function readCredentials(
  clients: KubeClients,
  owner: CredentialsOwner,
): Promise<Record<string, string>> {
  const secret = await readOwnSecret(clients, owner);
  return decode(secret?.data);
}

/**
 * Make sure the Secret holds every key `generate` returns for the keys missing now; keys
 * already there are kept (first writer wins, also between replicas: writes are guarded by
 * resourceVersion and retried on conflict). Returns every value after the write.
 */
export async function ensureCredentials(
  clients: KubeClients,
  owner: CredentialsOwner,
  wanted: readonly string[],
  generate: (missing: readonly string[]) => Record<string, string>,
): Promise<Record<string, string>> {
  for (let attempt = 1; ; attempt++) {
    const secret = await readOwnSecret(clients, owner);
    const values = decode(secret?.data);
    const missing = wanted.filter((k) => values[k] === undefined);
    if (missing.length === 0) return values;
    const added = pick(generate(missing), missing);
    try {
      await writeSecret(clients, owner, secret, { ...values, ...added });
      return { ...values, ...added };
    } catch (err) {
      if (!(isConflict(err) || isAlreadyExists(err)) || attempt >= 5) throw err;
    }
  }
}

/** Record (or replace) values that are facts rather than generated, such as the host key seen. */
export async function setCredentials(
  clients: KubeClients,
  owner: CredentialsOwner,
  entries: Record<string, string>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const secret = await readOwnSecret(clients, owner);
    const values = decode(secret?.data);
    if (Object.entries(entries).every(([k, v]) => values[k] === v)) return;
    try {
      return await writeSecret(clients, owner, secret, { ...values, ...entries });
    } catch (err) {
      if (!(isConflict(err) || isAlreadyExists(err)) || attempt >= 5) throw err;
    }
  }
}

/**
 * The object's credentials Secret. One that exists without our owner reference to this very
 * object (made by someone else, or left by an object of the same name before) is a
 * Conflict: never adopted, never overwritten, its keys never used.
 */
async function readOwnSecret(clients: KubeClients, owner: CredentialsOwner): Promise<V1Secret | undefined> {
  const secret = await readSecret(clients, owner);
  if (secret && !(secret.metadata?.ownerReferences ?? []).some((r) => r.uid === owner.uid))
    throw new Refused(
      "Conflict",
      `Secret ${owner.namespace}/${credentialsSecretName(owner)} exists and is not owned by ${owner.kind} ${owner.name}: remove it or rename the object`,
    );
  return secret;
}

async function readSecret(clients: KubeClients, owner: CredentialsOwner): Promise<V1Secret | undefined> {
  try {
    return await clients.core.readNamespacedSecret({
      namespace: owner.namespace,
      name: credentialsSecretName(owner),
    });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Create, or replace guarded by the resourceVersion we read (a concurrent write conflicts). */
async function writeSecret(
  clients: KubeClients,
  owner: CredentialsOwner,
  current: V1Secret | undefined,
  values: Record<string, string>,
): Promise<void> {
  const body: V1Secret = {
    apiVersion: "v1",
    kind: "Secret",
    type: "Opaque",
    metadata: {
      name: credentialsSecretName(owner),
      namespace: owner.namespace,
      resourceVersion: current?.metadata?.resourceVersion,
      labels: { ...current?.metadata?.labels, [CREDENTIALS_LABEL]: owner.name },
      ownerReferences: [
        { apiVersion: API_VERSION, kind: owner.kind, name: owner.name, uid: owner.uid, controller: true },
      ],
    },
    data: Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, Buffer.from(v, "utf8").toString("base64")]),
    ),
  };
  const target = { namespace: owner.namespace, name: credentialsSecretName(owner) };
  if (current) await clients.core.replaceNamespacedSecret({ ...target, body });
  else await clients.core.createNamespacedSecret({ namespace: owner.namespace, body });
}

function decode(data: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
  );
}

function pick(values: Record<string, string>, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = values[k];
    if (v === undefined) throw new Error(`credentials generator returned no ${k}`);
    out[k] = v;
  }
  return out;
}

/**
 * The object is gone: delete its credentials Secret, or (its host orphaned, so the keys are
 * still in use there) keep it by dropping the owner reference the garbage collector follows.
 */
export async function releaseCredentials(
  clients: KubeClients,
  owner: CredentialsOwner,
  opts: { keep: boolean },
): Promise<void> {
  const target = { namespace: owner.namespace, name: credentialsSecretName(owner) };
  const secret = await readSecret(clients, owner);
  if (!secret) return;
  const ours = (secret.metadata?.ownerReferences ?? []).some((r) => r.uid === owner.uid);
  if (!ours) return;
  try {
    if (!opts.keep) return void (await clients.core.deleteNamespacedSecret(target));
    const ownerReferences = (secret.metadata?.ownerReferences ?? []).filter((r) => r.uid !== owner.uid);
    await clients.core.replaceNamespacedSecret({
      ...target,
      body: { ...secret, metadata: { ...secret.metadata, ownerReferences } },
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
