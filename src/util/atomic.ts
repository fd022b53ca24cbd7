import { randomBytes } from "node:crypto";
import { link, mkdir, rename, unlink, writeFile } from "node:fs/promises";
import { dirname, join, basename } from "node:path";

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${randomBytes(6).toString("hex")}`);
}

/** Write a file so readers see the old or the new content, never a partial one. */
export async function writeFileAtomic(path: string, content: string | Buffer, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = tempPathFor(path);
  try {
    await writeFile(temp, content, { mode, flag: "wx" });
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/**
 * Create a file only if it does not exist yet, atomically (temp + hard link, which refuses
 * to replace). Returns false when another writer got there first; its content stands.
 */
export async function createFileOnce(path: string, content: string | Buffer, mode = 0o600): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = tempPathFor(path);
  await writeFile(temp, content, { mode, flag: "wx" });
  try {
    await link(temp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}
