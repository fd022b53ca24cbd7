import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, stat, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { quoteArgv } from "../remote/quote.js";
import { unpackResults } from "../workspace/results.js";
import { sshConfigPathOf } from "./ssh-shortcuts.js";

/** Archives the paths that exist (as root through sudo, when not root already) to stdout. */
const ARCHIVE_SCRIPT = `files=()
for p in "$@"; do
  case "$p" in "~/"*) p="$HOME/\${p#"~/"}" ;; esac
  if sudo -n test -e "$p" 2>/dev/null || test -e "$p"; then files+=("$p"); fi
done
[ \${#files[@]} -gt 0 ] || exit 0
if [ "$(id -u)" = 0 ]; then exec tar -czf - "\${files[@]}" 2>/dev/null; fi
exec sudo -n tar -czf - "\${files[@]}" 2>/dev/null`;

function run(command: string, args: string[], stdout?: NodeJS.WritableStream): Promise<number> {
  const child = spawn(command, args, { stdio: ["ignore", stdout ? "pipe" : "inherit", "inherit"] });
  const copied = stdout && child.stdout ? pipeline(child.stdout, stdout) : Promise.resolve();
  const exited = new Promise<number>((res, rej) => {
    child.once("error", rej);
    child.once("exit", (code) => res(code ?? 1));
  });
  return Promise.all([exited, copied]).then(([code]) => code);
}

/**
 * Fetch one alias's results into `<results>/<stamp>/<alias>/` with plain ssh and tar: the
 * archive (0600) is kept beside the extracted tree, whose password files are 0600 and which
 * keeps no setuid or setgid bit. Returns the directory, or undefined when the
 * host had none of the paths.
 */
export async function fetchResults(
  workspaceDir: string,
  alias: string,
  paths: readonly string[],
  stamp: string,
) {
  const dir = join(resolve(workspaceDir), "results", stamp);
  await mkdir(join(dir, alias), { recursive: true, mode: 0o700 });
  const archive = join(dir, `${alias}.tar.gz`);
  const remote = quoteArgv(["bash", "-c", ARCHIVE_SCRIPT, "fetch-results", ...paths]);
  const sshArgs = ["-F", sshConfigPathOf(workspaceDir), "--", alias, remote];
  const code = await run("/usr/bin/ssh", sshArgs, createWriteStream(archive, { mode: 0o600 }));
  if (code !== 0) throw new Error(`fetching results from ${alias} failed (ssh exited ${code})`);
  if ((await stat(archive)).size === 0) {
    await unlink(archive);
    return undefined;
  }
  await unpackResults(archive, join(dir, alias));
  return join(dir, alias);
}
