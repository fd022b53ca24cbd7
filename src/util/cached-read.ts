import { readFile } from "node:fs/promises";
import { fileIdentity } from "./file-identity.js";

const cache = new Map<string, { identity: string; content: Buffer }>();

/**
 * A file's content, read again only when its identity changed: what a reconcile uses for
 * files the user names (privateKeyRef, passwordRef), which it asks for every time and which
 * change rarely. A stat instead of open, fstat, read and close; an edit or a replacement is
 * seen at the next call. The identity is taken before the read, so a write in between is
 * read again next time. Throws as readFile does (ENOENT for a missing file). Each caller
 * gets its own copy.
 */
export async function readFileCached(path: string): Promise<Buffer> {
  const identity = await fileIdentity(path);
  const known = cache.get(path);
  if (known?.identity === identity) return Buffer.from(known.content);
  const content = await readFile(path);
  cache.set(path, { identity, content });
  return Buffer.from(content);
}
