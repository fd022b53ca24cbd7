import type { LabManager, LabObject, OvercloudNodeSet, TripleOUndercloud } from "../api/index.js";
import type { HostAccess, ManagerCredentials, UndercloudCredentials } from "../controllers/hostaccess.js";
import type { Logger } from "../log.js";
import { ensureKeyAuthorized, keyWorks } from "../remote/bootstrap.js";
import type { SshTarget } from "../remote/connection.js";
import type { SshHost } from "../remote/host.js";
import { fingerprintOf, KnownHosts, knownHostsName } from "../remote/hostkeys.js";
import { HostPool, type PoolStats } from "../remote/pool.js";
import { rememberSecret } from "../remote/redact.js";
import type { RemoteHost } from "../remote/types.js";

export interface LoginKey {
  privateKey: Buffer;
  publicKey: string;
}

/** A VM reached through its Manager: its SSH target, its name for people, the key to pin. */
export interface GuestLoginRequest {
  undercloud: TripleOUndercloud;
  target: SshTarget;
  alias: string;
  hostKeyLine: string;
}

/**
 * Where a mode keeps what reaching hosts takes: the workspace in file mode, Secrets owned by
 * the objects in Kubernetes mode. Everything else about reaching hosts is the same in both.
 */
export interface CredentialStore {
  /** The known_hosts file the SSH pool pins host keys in. */
  readonly knownHostsPath: string;
  /** The key to log into the Manager with (the spec's, or one generated once); a read-only store may have none. */
  loginKey(manager: LabManager): Promise<LoginKey | undefined>;
  /**
   * `labctl plan`: nothing may change, here or on the host. Our key is never authorized: a
   * Manager that does not accept one is logged into with the password, for this run only.
   */
  readonly readOnly?: boolean;
  /** Asked for only when the Manager refuses our key: the password, used once to authorize it. */
  bootstrapPassword(manager: LabManager): Promise<string>;
  /** A host key kept elsewhere ("type base64"), pinned before connecting; undefined if none. */
  pinnedHostKey?(manager: LabManager): Promise<string | undefined>;
  /** Connected: the known_hosts line now pinned for it (record it, write ssh.config). */
  connected(manager: LabManager, knownHostsLine: string | undefined): Promise<void>;
  managerCredentials(manager: LabManager): Promise<ManagerCredentials>;
  undercloudCredentials(undercloud: TripleOUndercloud): Promise<UndercloudCredentials>;
  /** One BMC password per node of the set, created once and kept (see OvercloudAccess). */
  overcloudPasswords(set: OvercloudNodeSet, nodes: readonly string[]): Promise<Record<string, string>>;
  /** Keep the set's instackenv.json (unchanged content: nothing written). */
  saveInstackenv(set: OvercloudNodeSet, content: string): Promise<void>;
  /** About to log into a VM through its Manager (file mode: its ssh.config block). */
  guestPinned?(manager: LabManager, vm: GuestLoginRequest): Promise<void>;
  /** The object is gone: forget what was kept for it (its secrets too, unless keepSecrets). */
  forget(object: LabObject, opts: { keepSecrets: boolean }): Promise<void>;
  /** Keep files fetched from a VM; returns where they went. */
  saveResults(name: string, files: { path: string; content: Buffer }[]): Promise<string>;
  close?(): Promise<void>;
}

export interface PooledHostAccess extends HostAccess {
  stats(): PoolStats;
  close(): Promise<void>;
}

/**
 * How controllers reach hosts, in both modes: one pooled connection per Manager with its
 * host key pinned, a one-time password bootstrap where our key is refused, VMs through the
 * Manager's connection with their pre-generated key pinned. Keyed by namespace and name.
 */
export function createHostAccess(store: CredentialStore, log: Logger): PooledHostAccess {
  const hosts = new HostPool({ knownHostsPath: store.knownHostsPath, log });
  const knownHosts = new KnownHosts(store.knownHostsPath);
  const bootstrapped = new Map<string, Promise<void>>();
  const fingerprints = new Map<string, string>();

  async function manager(m: LabManager): Promise<RemoteHost> {
    const key = await store.loginKey(m);
    await pinRecorded(m);
    const target = targetOf(m);
    if (store.readOnly) return readOnlyLogin(m, target, key);
    if (!key) throw new Error(`no login key for LabManager ${m.metadata.name}`);
    const id = `${objectId(m)} ${target.user}@${target.host}:${target.port}`;
    if (!bootstrapped.has(id)) {
      const once = ensureKeyAuthorized({
        target,
        privateKey: key.privateKey,
        publicKey: key.publicKey,
        password: () => remembered(store.bootstrapPassword(m)),
        pool: { knownHostsPath: store.knownHostsPath, log },
        log,
      });
      bootstrapped.set(
        id,
        once.then(() => undefined).catch((err) => (bootstrapped.delete(id), Promise.reject(err))),
      );
    }
    await bootstrapped.get(id);
    await store.connected(m, await pinnedLine(m));
    return hosts.host({ ...target, privateKey: key.privateKey });
  }

  /** Our key if the Manager accepts it, else its password: authorizing a key would change the host. */
  async function readOnlyLogin(
    m: LabManager,
    target: Omit<SshTarget, "privateKey">,
    key?: LoginKey,
  ): Promise<RemoteHost> {
    const pool = { knownHostsPath: store.knownHostsPath, log };
    if (key && (await keyWorks({ target, privateKey: key.privateKey, pool })))
      return hosts.host({ ...target, privateKey: key.privateKey });
    return hosts.host({ ...target, password: await remembered(store.bootstrapPassword(m)) });
  }

  /** A host key recorded by the store pins the Manager for this process too. */
  async function pinRecorded(m: LabManager): Promise<void> {
    const recorded = await store.pinnedHostKey?.(m);
    const [type, blob] = (recorded ?? "").trim().split(/\s+/);
    if (!type || !blob) return;
    const known = await knownHosts.lookup(m.spec.address, m.spec.ssh.port);
    if (known.length === 1 && known[0]!.keyBlob.equals(Buffer.from(blob, "base64"))) return;
    await knownHosts.replace(m.spec.address, m.spec.ssh.port, `${type} ${blob}`);
  }

  /** The key pinned now (by the spec, first use or the store), as a known_hosts line. */
  async function pinnedLine(m: LabManager): Promise<string | undefined> {
    const entry = (await knownHosts.lookup(m.spec.address, m.spec.ssh.port))[0];
    if (!entry) return undefined;
    fingerprints.set(objectId(m), fingerprintOf(entry.keyBlob));
    const name = knownHostsName(m.spec.address, m.spec.ssh.port);
    return `${name} ${entry.keyType} ${entry.keyBlob.toString("base64")}`;
  }

  async function guest(m: LabManager, vm: GuestLoginRequest): Promise<RemoteHost> {
    const gateway = await manager(m);
    await store.guestPinned?.(m, vm);
    return hosts.jump(gateway as SshHost, vm.target);
  }

  return {
    manager,
    credentials: async (m) => {
      const creds = await store.managerCredentials(m);
      rememberSecret(creds.managerPassword);
      return creds;
    },
    fingerprint: (m) => fingerprints.get(objectId(m)),
    forget: async (object, opts) => {
      if (object.kind === "LabManager") {
        fingerprints.delete(objectId(object));
        for (const id of [...bootstrapped.keys()])
          if (id.startsWith(`${objectId(object)} `)) bootstrapped.delete(id);
      }
      await store.forget(object, opts);
    },
    undercloud: {
      credentials: async (uc) => {
        const creds = await store.undercloudCredentials(uc);
        rememberSecret(creds.password);
        rememberSecret(creds.bmcPassword);
        return creds;
      },
      guest,
      saveResults: (name, files) => store.saveResults(name, files),
    },
    overcloud: {
      bmcPasswords: (set, nodes) => store.overcloudPasswords(set, nodes),
      saveInstackenv: (set, content) => store.saveInstackenv(set, content),
    },
    stats: () => hosts.stats(),
    close: async () => {
      hosts.close();
      await store.close?.();
    },
  };
}

/**
 * Every password handed to a host or a guest passes here, in both modes: remembered, so that
 * remote text that echoes it is redacted wherever it is (remote/redact.ts).
 */
async function remembered(password: Promise<string>): Promise<string> {
  const value = await password;
  rememberSecret(value);
  return value;
}

function objectId(m: LabManager): string {
  return `${m.metadata.namespace}/${m.metadata.name}`;
}

function targetOf(m: LabManager): Omit<SshTarget, "privateKey"> {
  return {
    host: m.spec.address,
    port: m.spec.ssh.port,
    user: m.spec.ssh.user,
    hostKey: { fingerprint: m.spec.ssh.hostKeyFingerprint, trustOnFirstUse: m.spec.ssh.trustOnFirstUse },
  };
}
