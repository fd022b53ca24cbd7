import { randomBytes } from "node:crypto";

export const PASSWORD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const PASSWORD_LENGTH = 25;

/**
 * A password of `length` characters drawn uniformly from [A-Za-z0-9] with a CSPRNG.
 * Bytes at or above the largest multiple of 62 are rejected so no character is favoured.
 */
export function generatePassword(length = PASSWORD_LENGTH, random: (n: number) => Buffer = randomBytes): string {
  const n = PASSWORD_ALPHABET.length;
  const limit = 256 - (256 % n); // 248
  let out = "";
  while (out.length < length) {
    for (const byte of random(length * 2)) {
      if (byte >= limit) continue;
      out += PASSWORD_ALPHABET[byte % n];
      if (out.length === length) break;
    }
  }
  return out;
}
