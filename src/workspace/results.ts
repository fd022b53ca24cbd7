import { execFile } from "node:child_process";
import { chmod, lstat, mkdir, readdir } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { promisify } from "node:util";
import { writeFileAtomic } from "../util/atomic.js";

/** Write files fetched from a host under dir (0600; no path may leave dir); returns dir. */
export async function writeResults(dir: string, files: { path: string; content: Buffer }[]): Promise<string> {
  for (const f of files) {
    const path = join(dir, f.path.replace(/^\/+/, "").replaceAll("..", "_"));
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, f.content, 0o600);
  }
  return dir;
}

/**
 * A result file that holds passwords: TripleO's passwords files, anything of VirtualBMC's
 * configuration (its IPMI passwords) and instackenv.json (the nodes' BMC passwords).
 */
export function holdsPasswords(relPath: string): boolean {
  const parts = relPath.split(/[\\/]+/).filter((p) => p !== "" && p !== ".");
  const name = parts.at(-1) ?? "";
  if (/passwords?\b.*\.(conf|ya?ml|json)$/i.test(name) || name === "instackenv.json") return true;
  return parts.some((p, i) => p === "virtualbmc" && parts[i - 1] === "etc");
}

/**
 * Unpack a results archive fetched from a host into `into`, then secure what came out: no
 * owner from the archive, no setuid, setgid or sticky bit anywhere, and files that hold
 * passwords 0600 (their directories 0700), whatever modes the archive carried.
 */
export async function unpackResults(archive: string, into: string): Promise<void> {
  await mkdir(into, { recursive: true, mode: 0o700 });
  try {
    await promisify(execFile)("tar", ["-xzf", archive, "-C", into, "--no-same-owner", "--no-same-permissions"]);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new Error(`unpacking ${archive} failed (tar exited ${String(code)})`, { cause: err });
  }
  await secureTree(into, into);
}

/** lstat, never stat: a symlink from the archive is not followed, so nothing outside is touched. */
async function secureTree(root: string, dir: string): Promise<void> {
  for (const entry of await readdir(dir)) {
    const path = join(dir, entry);
    const st = await lstat(path);
    if (st.isSymbolicLink()) continue;
    const rel = relative(root, path).split(sep).join("/");
    const secret = holdsPasswords(rel);
    if (st.isDirectory()) {
      await chmod(path, secret ? 0o700 : st.mode & 0o777);
      await secureTree(root, path);
    } else if (st.isFile()) await chmod(path, secret ? 0o600 : st.mode & 0o777);
  }
}
