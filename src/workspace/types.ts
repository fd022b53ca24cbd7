/**
 * The workspace contract (implemented in ./workspace.ts): keys, passwords, ssh.config,
 * pinned host keys and fetched results kept by the operator on the Orchestrator.
 * Logins are named `<user>@<host>` as in the original (root@manager, tripleo@tripleo).
 */
export interface KeyPairPaths {
  privateKeyPath: string;
  publicKeyPath: string;
  /** The OpenSSH public key line. */
  publicKey: string;
}

/** A key pair as found or created: where it lives, and the private key itself. */
export interface KeyPair extends KeyPairPaths {
  /** The OpenSSH private key (PEM text). */
  privateKey: string;
}

/** The object a workspace secret belongs to. */
export interface SecretOwner {
  kind: "LabManager" | "LibvirtNetwork" | "TripleOUndercloud" | "OvercloudNodeSet";
  namespace: string;
  name: string;
}

/**
 * What the secret is for: the Manager login (login), the manager user (user), a VM's guest
 * user (guest), its pre-generated host key (host), its IPMI password (bmc), an overcloud
 * node's IPMI password (bmc-<node>, the node's domain name).
 */
export type SecretRole = "login" | "user" | "guest" | "host" | "bmc" | `bmc-${string}`;

export interface SshConfigHost {
  /** The `Host` alias: manager-root, manager, tripleo. */
  alias: string;
  hostName: string;
  user: string;
  port?: number;
  identityFile: string;
  proxyJump?: string;
  /** Name the host's key is pinned under in known_hosts (VMs: the alias, since lease addresses repeat across Managers). */
  hostKeyAlias?: string;
}

export interface WorkspaceApi {
  readonly dir: string;
  readonly sshConfigPath: string;
  /** OpenSSH known_hosts file holding every pinned host key. */
  readonly knownHostsPath: string;
  readonly resultsDir: string;
  /** Create the key pair once (mode 0600); never regenerate an existing one. */
  ensureKeyPair(login: string, type?: "ed25519" | "rsa"): Promise<KeyPairPaths>;
  /** Create a 25-character [A-Za-z0-9] password once; return it. */
  ensurePassword(login: string): Promise<string>;
  /** Replace (never duplicate) a Host block in ssh.config. */
  setSshConfigHost(host: SshConfigHost): Promise<void>;
  removeSshConfigHost(alias: string): Promise<void>;
  /** Replace the pinned keys of host:port with this OpenSSH public key line ("ssh-ed25519 AAAA..."). */
  pinHostKey(host: string, port: number, publicKeyLine: string): Promise<void>;
}
