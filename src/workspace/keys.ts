import ssh2 from "ssh2";
import { readFile } from "node:fs/promises";
import { createFileOnce, writeFileAtomic } from "../util/atomic.js";
import type { KeyPair } from "./types.js";

const { utils } = ssh2;

/**
 * OpenSSH-format key pair (usable by ssh2 and /usr/bin/ssh), commented with the login.
 * ssh2 1.17 strips a leading zero byte from about 1 in 256 ed25519 public keys (mscdex/ssh2#1513),
 * and its own parser then rejects both halves ("Malformed OpenSSH private key"), so a pair is
 * only returned once both parse.
 */
export function generateKeyPair(type: "ed25519" | "rsa", comment: string): { privateKey: string; publicKey: string } {
  for (let attempt = 1; ; attempt++) {
    const pair =
      type === "rsa"
        ? utils.generateKeyPairSync("rsa", { bits: 3072, comment })
        : utils.generateKeyPairSync("ed25519", { comment });
    const readable = !(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error);
    if (readable) return { privateKey: pair.private, publicKey: pair.public };
    if (attempt >= 10) throw new Error(`could not generate a readable ${type} key pair`);
  }
}

/**
 * Public halves derived so far, by private key text: every reconcile of a Manager checks its
 * login key, and parsing the key each time cost about 0.5 ms per Manager per pass.
 */
const derived = new Map<string, string>();

/** The public key line derived from a private key file's content. */
export function publicKeyLineOf(privateKey: string, comment: string): string {
  let blob = derived.get(privateKey);
  if (blob === undefined) {
    const parsed = utils.parseKey(privateKey);
    if (parsed instanceof Error) throw new Error(`unreadable private key: ${parsed.message}`);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!key) throw new Error("no key in private key file");
    blob = `${key.type} ${key.getPublicSSH().toString("base64")}`;
    derived.set(privateKey, blob);
  }
  return `${blob} ${comment}`;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * Create the pair once. The private key is created with an exclusive link, so two writers
 * never both win and an existing key is never replaced; the .pub is (re)derived from it.
 */
export async function ensureKeyPairAt(privateKeyPath: string, login: string, type: "ed25519" | "rsa"): Promise<KeyPair> {
  const publicKeyPath = `${privateKeyPath}.pub`;
  let privateKey = await readIfExists(privateKeyPath);
  if (privateKey === undefined) {
    const fresh = generateKeyPair(type, login);
    const created = await createFileOnce(privateKeyPath, fresh.privateKey, 0o600);
    privateKey = created ? fresh.privateKey : await readFile(privateKeyPath, "utf8");
  }
  const expected = publicKeyLineOf(privateKey, login);
  const existing = (await readIfExists(publicKeyPath))?.trim();
  if (existing !== expected) await writeFileAtomic(publicKeyPath, expected + "\n", 0o644);
  return { privateKeyPath, publicKeyPath, publicKey: expected, privateKey };
}
