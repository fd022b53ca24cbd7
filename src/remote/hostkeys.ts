import { createHash, createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../util/atomic.js";
import { fileIdentity } from "../util/file-identity.js";
import { HostKeyChanged, HostKeyUnknown, type RemoteError } from "./errors.js";

/** How a host's key is trusted: a pinned fingerprint wins, then known_hosts, then TOFU. */
export interface HostKeyPolicy {
  /** OpenSSH SHA256 fingerprint ("SHA256:..."); any other key is refused. */
  fingerprint?: string;
  /** Record the key seen on first contact when neither a pin nor a known_hosts entry exists. */
  trustOnFirstUse?: boolean;
}

export interface KnownHostEntry {
  keyType: string;
  keyBlob: Buffer;
}

/** `SHA256:` + unpadded base64 of the SHA-256 of the wire-format key, as `ssh-keygen -l` prints. */
export function fingerprintOf(keyBlob: Buffer): string {
  return "SHA256:" + createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "");
}

/** The key type named inside a wire-format public key ("ssh-ed25519", "ssh-rsa"...). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) throw new TypeError("not an SSH public key");
  const len = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + len).toString("latin1");
}

/** The host field OpenSSH writes: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Parse an OpenSSH public key line ("ssh-ed25519 AAAA... comment"). */
export function parsePublicKeyLine(line: string): KnownHostEntry {
  const [keyType, base64] = line.trim().split(/\s+/);
  if (!keyType || !base64) throw new TypeError("not an OpenSSH public key line");
  const keyBlob = Buffer.from(base64, "base64");
  if (keyTypeOf(keyBlob) !== keyType) throw new TypeError(`public key type mismatch (${keyType})`);
  return { keyType, keyBlob };
}

function hashedNameMatches(pattern: string, name: string): boolean {
  const [, magic, salt, hash] = pattern.split("|");
  if (magic !== "1" || !salt || !hash) return false;
  return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
}

/** Exact names and hashed (`|1|salt|hash`) names; wildcard patterns are not ours and never match. */
function namesMatch(field: string, name: string): boolean {
  return field.split(",").some((p) => (p.startsWith("|") ? hashedNameMatches(p, name) : p === name));
}

/** The entries of known_hosts text for one host name; markers (@revoked, @cert-authority) are skipped. */
export function findKnownHosts(text: string, name: string): KnownHostEntry[] {
  const found: KnownHostEntry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("@")) continue;
    const [names, keyType, base64] = line.split(/\s+/);
    if (!names || !keyType || !base64 || !namesMatch(names, name)) continue;
    found.push({ keyType, keyBlob: Buffer.from(base64, "base64") });
  }
  return found;
}

/** known_hosts text without the plain entries of `name` (other hosts' lines kept verbatim). */
export function withoutHost(text: string, name: string): string {
  const kept = text.split("\n").filter((raw) => {
    const line = raw.trim();
    if (line === "") return false;
    if (line.startsWith("#")) return true;
    return !(line.split(/\s+/)[0] ?? "").split(",").includes(name);
  });
  return kept.length > 0 ? kept.join("\n") + "\n" : "";
}

const writeLocks = new Map<string, Promise<unknown>>();

/**
 * known_hosts as last read, with the entries looked up in it so far. Every reconcile looks its
 * Manager up: with a thousand Managers, reading and scanning the whole file each time is
 * quadratic per pass. A stat says whether the file is still the one read.
 */
interface KnownHostsSnapshot {
  identity: string;
  text: string;
  byName: Map<string, KnownHostEntry[]>;
}
const snapshots = new Map<string, KnownHostsSnapshot>();

/** One OpenSSH known_hosts file; writes are serialized per path within this process. */
export class KnownHosts {
  constructor(readonly path: string) {}

  async lookup(host: string, port: number): Promise<KnownHostEntry[]> {
    const snapshot = await this.snapshot();
    const name = knownHostsName(host, port);
    let found = snapshot.byName.get(name);
    if (!found) snapshot.byName.set(name, (found = findKnownHosts(snapshot.text, name)));
    return found.map((e) => ({ ...e }));
  }

  /** Add an entry (trust on first use) unless the same key is already recorded. */
  add(host: string, port: number, keyBlob: Buffer): Promise<void> {
    return this.serialized(async () => {
      const name = knownHostsName(host, port);
      const text = await this.text();
      if (findKnownHosts(text, name).some((e) => e.keyBlob.equals(keyBlob))) return;
      const line = `${name} ${keyTypeOf(keyBlob)} ${keyBlob.toString("base64")}\n`;
      await this.write(ensureTrailingNewline(text) + line);
    });
  }

  /**
   * Make this key the only one recorded for host:port (a pinned key OpenSSH must accept too,
   * e.g. `ssh -F workspace/ssh.config`); no write when that is already so.
   */
  pin(host: string, port: number, keyBlob: Buffer): Promise<void> {
    return this.serialized(async () => {
      const name = knownHostsName(host, port);
      const text = await this.text();
      const entries = findKnownHosts(text, name);
      if (entries.length === 1 && entries[0]!.keyBlob.equals(keyBlob)) return;
      const line = `${name} ${keyTypeOf(keyBlob)} ${keyBlob.toString("base64")}\n`;
      await this.write(withoutHost(text, name) + line);
    });
  }

  /** Replace every plain entry of host:port with this public key line. */
  replace(host: string, port: number, publicKeyLine: string): Promise<void> {
    const { keyType, keyBlob } = parsePublicKeyLine(publicKeyLine);
    return this.serialized(async () => {
      const name = knownHostsName(host, port);
      const rest = withoutHost(await this.text(), name);
      await this.write(`${rest}${name} ${keyType} ${keyBlob.toString("base64")}\n`);
    });
  }

  /** Drop every plain entry of host:port; no write when there is none. */
  remove(host: string, port: number): Promise<void> {
    return this.serialized(async () => {
      const name = knownHostsName(host, port);
      const text = await this.text();
      const rest = withoutHost(text, name);
      if (rest !== text) await this.write(rest);
    });
  }

  /** Our writes drop the snapshot at once: an identity alone could repeat (a reused inode, one clock tick). */
  private async write(text: string): Promise<void> {
    snapshots.delete(this.path);
    await writeFileAtomic(this.path, text, 0o644);
    snapshots.delete(this.path);
  }

  private async text(): Promise<string> {
    return (await this.snapshot()).text;
  }

  /** The file's text, reread only when its identity changed (the identity is taken before the read). */
  private async snapshot(): Promise<KnownHostsSnapshot> {
    const identity = await fileIdentity(this.path);
    const cached = snapshots.get(this.path);
    if (cached?.identity === identity) return cached;
    let text = "";
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    const fresh = { identity, text, byName: new Map<string, KnownHostEntry[]>() };
    snapshots.set(this.path, fresh);
    return fresh;
  }

  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const previous = writeLocks.get(this.path) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(task);
    writeLocks.set(this.path, next);
    return next;
  }
}

function ensureTrailingNewline(text: string): string {
  return text === "" || text.endsWith("\n") ? text : text + "\n";
}

/**
 * Decide whether to trust the key a host presented. Returns the refusal, or undefined when
 * trusted (recording it first when trust-on-first-use applies).
 */
export async function checkHostKey(
  store: KnownHosts,
  target: { host: string; port: number; id: string },
  policy: HostKeyPolicy,
  keyBlob: Buffer,
): Promise<RemoteError | undefined> {
  const actual = fingerprintOf(keyBlob);
  if (policy.fingerprint) {
    if (policy.fingerprint.replace(/=+$/, "") !== actual)
      return new HostKeyChanged(target.id, policy.fingerprint, actual);
    await store.pin(target.host, target.port, keyBlob);
    return undefined;
  }
  const known = await store.lookup(target.host, target.port);
  if (known.length > 0) {
    if (known.some((e) => e.keyBlob.equals(keyBlob))) return undefined;
    return new HostKeyChanged(target.id, known.map((e) => fingerprintOf(e.keyBlob)).join(" or "), actual);
  }
  if (!policy.trustOnFirstUse) return new HostKeyUnknown(target.id, actual);
  await store.add(target.host, target.port, keyBlob);
  return undefined;
}

const ALGORITHMS_BY_KEY_TYPE: Record<string, string[]> = {
  "ssh-ed25519": ["ssh-ed25519"],
  "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
  "ecdsa-sha2-nistp256": ["ecdsa-sha2-nistp256"],
  "ecdsa-sha2-nistp384": ["ecdsa-sha2-nistp384"],
  "ecdsa-sha2-nistp521": ["ecdsa-sha2-nistp521"],
};

/**
 * Host key algorithms to offer so the server presents a key type we already know (a host
 * with ed25519 and RSA keys must not be refused because it chose the type not recorded).
 */
export function hostKeyAlgorithmsFor(known: readonly KnownHostEntry[]): string[] | undefined {
  const algorithms = [...new Set(known.flatMap((e) => ALGORITHMS_BY_KEY_TYPE[e.keyType] ?? []))];
  return algorithms.length > 0 ? algorithms : undefined;
}
