import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { rsyncArgv, sshArgv, sshConfigPathOf, type SshInvocation } from "./ssh-shortcuts.js";

const SSH_BINARY = "/usr/bin/ssh";

/** The workspace's ssh.config, which the controllers write when they first reach a host. */
export function existingConfig(workspaceDir: string): string {
  const configPath = sshConfigPathOf(workspaceDir);
  if (!existsSync(configPath))
    throw new Error(`${configPath} does not exist yet: converge a LabManager first (labctl apply -f DIR)`);
  return configPath;
}

/** The patterns of the config's Host lines (a VM not reached yet has none). */
export function configuredAliases(configPath: string): Set<string> {
  const text = readFileSync(configPath, "utf8");
  return new Set(text.split("\n").flatMap((l) => /^\s*Host\s+(.+?)\s*$/i.exec(l)?.[1]?.split(/\s+/) ?? []));
}

/** An alias ssh.config has no block for: say which ones it has, not ssh's "Could not resolve hostname". */
function checkAlias(configPath: string, alias: string): void {
  const aliases = configuredAliases(configPath);
  if (aliases.has(alias) || [...aliases].some((a) => /[*?!]/.test(a))) return;
  const list = [...aliases].join(", ");
  throw new Error(`${alias}: no such alias in ${configPath}${list ? ` (there: ${list})` : ""}`);
}

/** Wait for a child and set our exit status to its own (128+n for a signal, as a shell does). */
function exitWith(child: ReturnType<typeof spawn>, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    child.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "ENOENT" ? new Error(`${what} is not installed here`) : err),
    );
    child.once("exit", (status, signal) => {
      process.exitCode = status ?? (signal ? 128 + (signalNumbers[signal] ?? 1) : 1);
      resolve();
    });
  });
}

const signalNumbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

/**
 * Run /usr/bin/ssh with the workspace's ssh.config and our terminal; exit with its status.
 * A stdinLine goes first into the remote command's stdin, then ours is forwarded.
 */
export async function runSsh(workspaceDir: string, call: SshInvocation): Promise<void> {
  const configPath = existingConfig(workspaceDir);
  checkAlias(configPath, call.alias);
  const argv = sshArgv(configPath, call);
  if (call.stdinLine === undefined) {
    return exitWith(spawn(SSH_BINARY, argv, { stdio: "inherit" }), "ssh");
  }
  const child = spawn(SSH_BINARY, argv, { stdio: ["pipe", "inherit", "inherit"] });
  const done = exitWith(child, "ssh");
  child.stdin!.on("error", () => undefined);
  child.stdin!.write(`${call.stdinLine}\n`);
  process.stdin.pipe(child.stdin!);
  try {
    await done;
  } finally {
    process.stdin.unpipe(child.stdin!);
    process.stdin.destroy();
  }
}

/** Run rsync with ssh over the workspace's ssh.config as its remote shell. */
export function runRsync(workspaceDir: string, args: readonly string[]): Promise<void> {
  const argv = rsyncArgv(existingConfig(workspaceDir), args);
  return exitWith(spawn("rsync", argv, { stdio: "inherit" }), "rsync");
}
