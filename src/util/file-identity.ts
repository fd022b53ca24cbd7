import { stat } from "node:fs/promises";

/**
 * Which version of a file is on disk, from one stat: device, inode, size and mtime in
 * nanoseconds. Our writes are atomic renames (a new inode each), and an edit in place
 * changes the mtime, so a cache keyed by it rereads only what changed. "absent" when there
 * is no file.
 */
export async function fileIdentity(path: string): Promise<string> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw err;
  }
}
