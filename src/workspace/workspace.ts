import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { KnownHosts } from "../remote/hostkeys.js";
import { createFileOnce, writeFileAtomic } from "../util/atomic.js";
import { fileIdentity } from "../util/file-identity.js";
import { ensureKeyPairAt, publicKeyLineOf } from "./keys.js";
import { generatePassword } from "./password.js";
import { removeHostBlock, setHostBlock } from "./sshconfig.js";
import type { KeyPair, KeyPairPaths, SecretOwner, SecretRole, SshConfigHost, WorkspaceApi } from "./types.js";

/** `user@host` as used for key and password file names; refuses anything path-like. */
function checkLogin(login: string): string {
  if (!/^[a-z_][a-z0-9_-]*@[A-Za-z0-9][A-Za-z0-9._-]*$/.test(login)) throw new TypeError(`invalid login name: ${JSON.stringify(login)}`);
  return login;
}

/** Kind, namespace and name are DNS-1123 labels (Kind a PascalCase word): safe path segments. */
function checkOwner(owner: SecretOwner, role: SecretRole): string {
  const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
  if (!/^[A-Z][A-Za-z]+$/.test(owner.kind) || !label.test(owner.namespace) || !label.test(owner.name))
    throw new TypeError(`invalid owner for workspace secrets: ${JSON.stringify(owner)}`);
  if (!/^[a-z][a-z0-9-]*$/.test(role)) throw new TypeError(`invalid secret role: ${JSON.stringify(role)}`);
  return join(owner.kind, owner.namespace, owner.name, role);
}

/**
 * The Orchestrator's workspace directory: keys/, passwords/, results/, ssh.config and
 * known_hosts. Every write is atomic; keys and passwords are created once, never replaced.
 */
export class Workspace implements WorkspaceApi {
  readonly dir: string;
  readonly sshConfigPath: string;
  readonly knownHostsPath: string;
  readonly resultsDir: string;
  readonly keysDir: string;
  readonly passwordsDir: string;
  /**
   * Keys and passwords read or created so far, by file: they are never replaced, so each is
   * read once (a reconcile asks for its object's secrets every time: with a thousand Managers,
   * two dozen file operations each was a third of the operator's CPU). forgetSecrets drops
   * an owner's.
   */
  private readonly secrets = new Map<string, Promise<unknown>>();
  private configWrites: Promise<unknown> = Promise.resolve();
  /** ssh.config blocks (by alias, as set) known to be in the file with this identity. */
  private sshConfigSeen = { identity: "", blocks: new Map<string, string>() };

  constructor(dir: string) {
    this.dir = resolve(dir);
    this.sshConfigPath = join(this.dir, "ssh.config");
    this.knownHostsPath = join(this.dir, "known_hosts");
    this.resultsDir = join(this.dir, "results");
    this.keysDir = join(this.dir, "keys");
    this.passwordsDir = join(this.dir, "passwords");
  }

  /** Create the directory layout (0700: it holds secrets). */
  async init(): Promise<void> {
    for (const d of [this.dir, this.keysDir, this.passwordsDir, this.resultsDir])
      await mkdir(d, { recursive: true, mode: 0o700 });
  }

  privateKeyPath(login: string): string {
    return join(this.keysDir, checkLogin(login));
  }

  async ensureKeyPair(login: string, type: "ed25519" | "rsa" = "ed25519"): Promise<KeyPairPaths> {
    return this.remembered(this.privateKeyPath(login), async () => {
      await this.init();
      return ensureKeyPairAt(this.privateKeyPath(login), login, type);
    });
  }

  async ensurePassword(login: string): Promise<string> {
    const path = join(this.passwordsDir, checkLogin(login));
    return this.remembered(path, async () => {
      await this.init();
      await createFileOnce(path, generatePassword() + "\n", 0o600);
      const password = (await readFile(path, "utf8")).trim();
      if (password === "") throw new Error(`password file ${path} is empty`);
      return password;
    });
  }

  /** Where an object's key of this role lives: keys/<Kind>/<namespace>/<name>/<role>. */
  keyPathFor(owner: SecretOwner, role: SecretRole): string {
    return join(this.keysDir, checkOwner(owner, role));
  }

  /**
   * An object's key pair of one role, created once. Keyed by kind, namespace and name, so two
   * objects never share a key (a Manager's login key is never a VM's host key). A key kept
   * under the former name (`keys/<user>@<host>`, namespace default) is moved here, not replaced:
   * a VM whose seed was consumed knows only that key.
   */
  keyPairFor(owner: SecretOwner, role: SecretRole, legacyLogin?: string): Promise<KeyPair> {
    const path = this.keyPathFor(owner, role);
    return this.remembered(path, async () => {
      await this.init();
      if (legacyLogin && owner.namespace === "default") await this.adopt(this.privateKeyPath(legacyLogin), path, [".pub"]);
      return ensureKeyPairAt(path, `${role}@${owner.name}`, "ed25519");
    });
  }

  /** An object's password of one role, created once (moved from its former name, as keys are). */
  passwordFor(owner: SecretOwner, role: SecretRole, legacyLogin?: string): Promise<string> {
    const path = join(this.passwordsDir, checkOwner(owner, role));
    return this.remembered(path, async () => {
      await this.init();
      if (legacyLogin && owner.namespace === "default") await this.adopt(join(this.passwordsDir, checkLogin(legacyLogin)), path, []);
      await createFileOnce(path, generatePassword() + "\n", 0o600);
      const password = (await readFile(path, "utf8")).trim();
      if (password === "") throw new Error(`password file ${path} is empty`);
      return password;
    });
  }

  /**
   * An object's key pair of one role if it exists (under its name, or its former one), never
   * creating anything: what `labctl plan` uses, which writes nothing to the workspace.
   */
  async peekKeyPair(
    owner: SecretOwner,
    role: SecretRole,
    legacyLogin?: string,
  ): Promise<{ privateKey: string; publicKey: string } | undefined> {
    const legacy = legacyLogin && owner.namespace === "default" ? this.privateKeyPath(legacyLogin) : undefined;
    for (const path of [this.keyPathFor(owner, role), legacy]) {
      if (!path) continue;
      const privateKey = await readFile(path, "utf8").catch(() => undefined);
      if (privateKey !== undefined) return { privateKey, publicKey: publicKeyLineOf(privateKey, `${role}@${owner.name}`) };
    }
    return undefined;
  }

  /** An object's password of one role if it exists, never creating it (see peekKeyPair). */
  async peekPassword(owner: SecretOwner, role: SecretRole, legacyLogin?: string): Promise<string | undefined> {
    const legacy = legacyLogin && owner.namespace === "default" ? join(this.passwordsDir, checkLogin(legacyLogin)) : undefined;
    for (const path of [join(this.passwordsDir, checkOwner(owner, role)), legacy]) {
      if (!path) continue;
      const value = (await readFile(path, "utf8").catch(() => "")).trim();
      if (value !== "") return value;
    }
    return undefined;
  }

  /** Remove every key and password of an object (its cleanup finished). */
  async forgetSecrets(owner: Omit<SecretOwner, never>): Promise<void> {
    const dir = dirname(checkOwner(owner, "login"));
    for (const path of this.secrets.keys())
      if (path.startsWith(join(this.keysDir, dir, "/")) || path.startsWith(join(this.passwordsDir, dir, "/")))
        this.secrets.delete(path);
    await rm(join(this.keysDir, dir), { recursive: true, force: true });
    await rm(join(this.passwordsDir, dir), { recursive: true, force: true });
  }

  setSshConfigHost(host: SshConfigHost): Promise<void> {
    return this.editSshConfig(host.alias, JSON.stringify(host), (text) =>
      setHostBlock(text, host, { knownHostsPath: this.knownHostsPath }),
    );
  }

  removeSshConfigHost(alias: string): Promise<void> {
    return this.editSshConfig(alias, undefined, (text) => removeHostBlock(text, alias));
  }

  pinHostKey(host: string, port: number, publicKeyLine: string): Promise<void> {
    return new KnownHosts(this.knownHostsPath).replace(host, port, publicKeyLine);
  }

  /** Forget the pinned keys of host:port (a host that is no longer ours to reach). */
  unpinHostKey(host: string, port: number): Promise<void> {
    return new KnownHosts(this.knownHostsPath).remove(host, port);
  }

  /**
   * Every reconcile of a Manager sets its blocks again. A block already set in the file as it
   * is now (same identity: nobody wrote it since) is not parsed again; with a thousand
   * Managers that parse would be quadratic per pass. Our own write changes only its alias's
   * block, so what was seen of the others stays true under the new identity; a write by
   * anyone else (another identity) forgets it all.
   */
  private editSshConfig(alias: string, wanted: string | undefined, edit: (text: string) => string): Promise<void> {
    const next = this.configWrites.catch(() => undefined).then(async () => {
      const identity = await fileIdentity(this.sshConfigPath);
      if (this.sshConfigSeen.identity !== identity) this.sshConfigSeen = { identity, blocks: new Map() };
      if (wanted !== undefined && this.sshConfigSeen.blocks.get(alias) === wanted) return;
      await this.init();
      const text = await readFile(this.sshConfigPath, "utf8").catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return "";
        throw err;
      });
      const edited = edit(text);
      if (edited !== text) {
        await writeFileAtomic(this.sshConfigPath, edited, 0o600);
        this.sshConfigSeen.identity = await fileIdentity(this.sshConfigPath);
      }
      if (wanted === undefined) this.sshConfigSeen.blocks.delete(alias);
      else this.sshConfigSeen.blocks.set(alias, wanted);
    });
    this.configWrites = next;
    return next;
  }

  /** Move a file kept under its former name to its new one, unless the new one exists already. */
  private async adopt(legacy: string, path: string, suffixes: string[]): Promise<void> {
    const exists = (p: string) => stat(p).then(() => true, () => false);
    if ((await exists(path)) || !(await exists(legacy))) return;
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    for (const suffix of suffixes) if (await exists(legacy + suffix)) await rename(legacy + suffix, path + suffix);
    await rename(legacy, path);
  }

  /** The secret at this path as first read or created; concurrent callers share one creation. */
  private remembered<T>(path: string, create: () => Promise<T>): Promise<T> {
    const known = this.secrets.get(path) as Promise<T> | undefined;
    if (known) return known;
    const reading = create();
    this.secrets.set(path, reading);
    reading.catch(() => this.secrets.delete(path)); // a failure is not remembered: the next call tries again
    return reading;
  }
}
