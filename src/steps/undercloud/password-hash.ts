import { createHash, randomBytes } from "node:crypto";

/**
 * SHA-512 crypt ("$6$", Drepper's specification, as glibc's crypt(3) and `openssl passwd -6`
 * compute it), so the seed carries the guest user's password as a hash, never in clear.
 */

const ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ROUNDS = 5000;
/** The byte order of the final digest's base-64 encoding, three bytes per group. */
const ORDER: Array<[number, number, number]> = [
  [0, 21, 42],
  [22, 43, 1],
  [44, 2, 23],
  [3, 24, 45],
  [25, 46, 4],
  [47, 5, 26],
  [6, 27, 48],
  [28, 49, 7],
  [50, 8, 29],
  [9, 30, 51],
  [31, 52, 10],
  [53, 11, 32],
  [12, 33, 54],
  [34, 55, 13],
  [56, 14, 35],
  [15, 36, 57],
  [37, 58, 16],
  [59, 17, 38],
  [18, 39, 60],
  [40, 61, 19],
  [62, 20, 41],
];

function sha512(...parts: Buffer[]): Buffer {
  const h = createHash("sha512");
  for (const p of parts) h.update(p);
  return h.digest();
}

/** `length` bytes of `digest` repeated (the spec's P and S sequences). */
function repeatTo(digest: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += 64) digest.copy(out, i, 0, Math.min(64, length - i));
  return out;
}

function encode24(b2: number, b1: number, b0: number, chars: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = "";
  for (let i = 0; i < chars; i++) {
    out += ALPHABET[w & 0x3f];
    w >>= 6;
  }
  return out;
}

/** The "$6$salt$hash" of a password; the salt (at most 16 characters of [./0-9A-Za-z]) is random by default. */
export function sha512Crypt(password: string, salt = randomSalt()): string {
  if (!/^[./0-9A-Za-z]{1,16}$/.test(salt))
    throw new Error("sha512Crypt: salt must be 1-16 characters of [./0-9A-Za-z]");
  const p = Buffer.from(password, "utf8");
  const s = Buffer.from(salt, "ascii");
  const b = sha512(p, s, p);
  const a = createHash("sha512").update(p).update(s);
  a.update(repeatTo(b, p.length));
  for (let i = p.length; i > 0; i >>= 1) a.update(i & 1 ? b : p);
  const digestA = a.digest();
  const pSeq = repeatTo(sha512(...Array<Buffer>(p.length).fill(p)), p.length);
  const sSeq = repeatTo(sha512(...Array<Buffer>(16 + (digestA[0] ?? 0)).fill(s)), s.length);
  let c = digestA;
  for (let r = 0; r < ROUNDS; r++) {
    const h = createHash("sha512");
    h.update(r & 1 ? pSeq : c);
    if (r % 3) h.update(sSeq);
    if (r % 7) h.update(pSeq);
    h.update(r & 1 ? c : pSeq);
    c = h.digest();
  }
  const body = ORDER.map(([x, y, z]) => encode24(c[x] ?? 0, c[y] ?? 0, c[z] ?? 0, 4)).join("");
  return `$6$${salt}$${body}${encode24(0, 0, c[63] ?? 0, 2)}`;
}

function randomSalt(): string {
  return [...randomBytes(16)].map((x) => ALPHABET[x & 0x3f]).join("");
}
