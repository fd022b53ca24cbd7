import { createHash } from "node:crypto";

/**
 * The input hash of a phase: sha256 over exactly what its steps depend on, as
 * "sha256:<hex>". Only this hash is journaled in the domain's metadata, never the input
 * itself (undercloud.conf, the seed's user-data carry secrets: they are hashed, not kept).
 * The parts are length-prefixed, so ["ab", "c"] and ["a", "bc"] differ.
 */
export function inputHash(parts: readonly string[]): string {
  const h = createHash("sha256");
  for (const part of parts) h.update(`${Buffer.byteLength(part, "utf8")}:`).update(part, "utf8");
  return `sha256:${h.digest("hex")}`;
}

/** A secret as it may enter an input hash: its own sha256, never the value. */
export function secretDigest(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}
