import { mkdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { KnownHosts } from "../remote/hostkeys.js";
import { createFileOnce, writeFileAtomic } from "./atomic.js";
import { ensureKeyPairAt } from "./keys.js";
import { generatePassword } from "./password.js";
import { removeHostBlock, setHostBlock } from "./sshconfig.js";
import type { KeyPairPaths, SshConfigHost, WorkspaceApi } from "./types.js";

/** `user@host` as used for key and password file names; refuses anything path-like. */
function checkLogin(login: string): string {
  if (!/^[a-z_][a-z0-9_-]*@[A-Za-z0-9][A-Za-z0-9._-]*$/.test(login)) throw new TypeError(`invalid login name: ${JSON.stringify(login)}`);
  return login;
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
  private readonly pending = new Map<string, Promise<unknown>>();
  private configWrites: Promise<unknown> = Promise.resolve();

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
    for (const d of [this.dir, this.keysDir, this.passwordsDir, this.resultsDir]) await mkdir(d, { recursive: true, mode: 0o700 });
  }

  privateKeyPath(login: string): string {
    return join(this.keysDir, checkLogin(login));
  }

  ensureKeyPair(login: string, type: "ed25519" | "rsa" = "ed25519"): Promise<KeyPairPaths> {
    return this.once(`key:${login}`, async () => {
      await this.init();
      return ensureKeyPairAt(this.privateKeyPath(login), login, type);
    });
  }

  ensurePassword(login: string): Promise<string> {
    return this.once(`password:${login}`, async () => {
      await this.init();
      const path = join(this.passwordsDir, checkLogin(login));
      await createFileOnce(path, generatePassword() + "\n", 0o600);
      const password = (await readFile(path, "utf8")).trim();
      if (password === "") throw new Error(`password file ${path} is empty`);
      return password;
    });
  }

  setSshConfigHost(host: SshConfigHost): Promise<void> {
    return this.editSshConfig((text) => setHostBlock(text, host, { knownHostsPath: this.knownHostsPath }));
  }

  removeSshConfigHost(alias: string): Promise<void> {
    return this.editSshConfig((text) => removeHostBlock(text, alias));
  }

  pinHostKey(host: string, port: number, publicKeyLine: string): Promise<void> {
    return new KnownHosts(this.knownHostsPath).replace(host, port, publicKeyLine);
  }

  private editSshConfig(edit: (text: string) => string): Promise<void> {
    const next = this.configWrites.catch(() => undefined).then(async () => {
      await this.init();
      const text = await readFile(this.sshConfigPath, "utf8").catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return "";
        throw err;
      });
      const edited = edit(text);
      if (edited !== text) await writeFileAtomic(this.sshConfigPath, edited, 0o600);
    });
    this.configWrites = next;
    return next;
  }

  /** Concurrent callers for the same item share one creation. */
  private once<T>(key: string, create: () => Promise<T>): Promise<T> {
    const existing = this.pending.get(key) as Promise<T> | undefined;
    if (existing) return existing;
    const running = create().finally(() => this.pending.delete(key));
    this.pending.set(key, running);
    return running;
  }
}
