import type { LabManager, LabObject, OvercloudNodeSet, TripleOUndercloud } from "../api/index.js";
import type { SshTarget } from "../remote/connection.js";
import type { RemoteHost } from "../remote/types.js";

/** The secrets and keys a LabManager's steps need, from the workspace or Kubernetes Secrets. */
export interface ManagerCredentials {
  managerPublicKey: string;
  managerPassword: string;
}

/** How controllers reach hosts: pinned, pooled connections and the credentials for them. */
export interface HostAccess {
  /** A connected host for the Manager (bootstrapping key access on first contact if allowed). */
  manager(manager: LabManager): Promise<RemoteHost>;
  credentials(manager: LabManager): Promise<ManagerCredentials>;
  /** The pinned host key fingerprint of the Manager, once known. */
  fingerprint(manager: LabManager): string | undefined;
  /**
   * The object is gone: drop its ssh.config blocks and pinned keys, and its generated keys
   * and passwords unless they are to be kept (deletionPolicy Orphan: the host keeps using them).
   */
  forget(object: LabObject, opts: { keepSecrets: boolean }): Promise<void>;
  /** VM access for TripleOUndercloud: its credentials, the VM through the Manager, its results. */
  undercloud: UndercloudAccess;
  /** What an OvercloudNodeSet keeps: its nodes' BMC passwords and its instackenv.json. */
  overcloud: OvercloudAccess;
}

export interface OvercloudAccess {
  /**
   * One IPMI password per node name, each created once and kept (a node scaled away and back
   * gets its old one); with spec.bmc.passwordRef, that one value for every node.
   */
  bmcPasswords(set: OvercloudNodeSet, nodes: readonly string[]): Promise<Record<string, string>>;
  /**
   * Keep instackenv.json where only the operator reads it (it holds those passwords): file
   * mode results/<name>/instackenv.json (0600), Kubernetes mode the object's own Secret.
   * Nothing is written when the content kept is already this one, nor in a read-only run.
   */
  saveInstackenv(set: OvercloudNodeSet, content: string): Promise<void>;
}

/**
 * The secrets of one undercloud VM, each created once and then kept (a changed key would
 * lock the operator out of a VM whose seed was already consumed).
 */
export interface UndercloudCredentials {
  /** The guest user's login key pair (authorized through the seed). */
  privateKey: string | Buffer;
  publicKey: string;
  /** The guest user's password (only its SHA-512 crypt hash goes into the seed). */
  password: string;
  /** The VM's pre-generated ed25519 host key: injected through the seed, pinned by the operator. */
  hostKey: { privateKey: string; publicKey: string };
  /** The IPMI password of its VirtualBMC entry, when spec.bmc is set. */
  bmcPassword?: string;
}

export interface UndercloudAccess {
  credentials(undercloud: TripleOUndercloud): Promise<UndercloudCredentials>;
  /**
   * The VM, reached through the Manager's connection (SSH jump host) with its own key
   * pinned; `alias` names it for people (ssh.config), `hostKeyLine` is the key to pin.
   */
  guest(
    manager: LabManager,
    vm: { undercloud: TripleOUndercloud; target: SshTarget; alias: string; hostKeyLine: string },
  ): Promise<RemoteHost>;
  /** Keep files fetched from the VM under results/<name>/; returns that directory. */
  saveResults(name: string, files: { path: string; content: Buffer }[]): Promise<string>;
}
