import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { writeFileAtomic } from "./atomic.js";

/** Write files fetched from a host under dir (0600; no path may leave dir); returns dir. */
export async function writeResults(dir: string, files: { path: string; content: Buffer }[]): Promise<string> {
  for (const f of files) {
    const path = join(dir, f.path.replace(/^\/+/, "").replaceAll("..", "_"));
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, f.content, 0o600);
  }
  return dir;
}
