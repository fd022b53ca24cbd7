/**
 * A real OpenSSH server on a loopback address for tests: its own host key, config and
 * authorized_keys directory; started with `sshd -D -e` and stopped (and cleaned) by the test.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import {
  chmodSync,
  mkdtempSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
  rmSync,
  existsSync,
  appendFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomInt } from "node:crypto";

const SSHD = "/usr/sbin/sshd";

export interface TestSshd {
  host: string;
  port: number;
  dir: string;
  /** "ssh-ed25519 AAAA..." */
  hostPublicKey: string;
  /** As printed by `ssh-keygen -lf`: SHA256:... */
  hostFingerprint: string;
  /** Append a public key line to the server-side authorized_keys of a user (outside their home). */
  authorize(user: string, publicKeyLine: string): void;
  /** PIDs of the per-connection sshd processes (children of the listener). */
  sessionPids(): number[];
  /** PIDs of every process below the listener: sessions, their privsep children, commands. */
  sessionTreePids(): number[];
  /** Send a signal to every per-connection sshd process still there (one may end meanwhile). */
  signalSessions(signal: NodeJS.Signals): number[];
  /** sshd's own log so far (stderr, LogLevel VERBOSE), for diagnosing a failing test. */
  logText(): string;
  stop(): Promise<void>;
}

export interface SshdOptions {
  passwordAuthentication?: boolean;
  maxSessions?: number;
}

export function requireSshd(): void {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} missing: apt-get install -y openssh-server`);
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

function writeConfig(dir: string, host: string, port: number, opts: SshdOptions): string {
  const path = join(dir, "sshd_config");
  const lines = [
    `ListenAddress ${host}:${port}`,
    `HostKey ${join(dir, "host_ed25519")}`,
    `PidFile ${join(dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${join(dir, "authorized_keys")}/%u .ssh/authorized_keys`,
    "StrictModes no",
    "UsePAM no",
    `PasswordAuthentication ${opts.passwordAuthentication ? "yes" : "no"}`,
    "KbdInteractiveAuthentication no",
    "PermitRootLogin prohibit-password",
    `MaxSessions ${opts.maxSessions ?? 10}`,
    "AllowTcpForwarding yes",
    "Subsystem sftp internal-sftp",
    "LogLevel VERBOSE",
  ];
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

function waitForListening(child: ChildProcess, log: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      log.push(chunk);
      if (log.join("").includes("Server listening on")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`sshd exited ${code}: ${log.join("")}`)));
  });
}

export async function startSshd(opts: SshdOptions = {}): Promise<TestSshd> {
  requireSshd();
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), "lab-sshd-"));
  chmodSync(dir, 0o755); // sshd reads a user's authorized_keys with that user's rights
  mkdirSync(join(dir, "authorized_keys"), { mode: 0o755 });
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "host_ed25519")]);
  const host = `127.0.0.${randomInt(2, 250)}`;
  const port = await freePort(host);
  const child = spawn(SSHD, ["-D", "-e", "-f", writeConfig(dir, host, port, opts)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const log: string[] = [];
  await waitForListening(child, log);
  const hostPublicKey = readFileSync(join(dir, "host_ed25519.pub"), "utf8")
    .trim()
    .split(" ")
    .slice(0, 2)
    .join(" ");
  const hostFingerprint =
    execFileSync("ssh-keygen", ["-lf", join(dir, "host_ed25519.pub")], { encoding: "utf8" }).split(" ")[1] ??
    "";
  return {
    host,
    port,
    dir,
    hostPublicKey,
    hostFingerprint,
    authorize: (user, line) => appendFileSync(join(dir, "authorized_keys", user), line.trim() + "\n"),
    sessionPids: () => childPids(child.pid ?? -1),
    sessionTreePids: () => descendantPids(child.pid ?? -1),
    signalSessions: (signal) => signalAll(childPids(child.pid ?? -1), signal),
    logText: () => log.join(""),
    stop: () => stopChild(child, dir),
  };
}

function childPids(pid: number): number[] {
  try {
    return execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

function descendantPids(pid: number): number[] {
  return childPids(pid).flatMap((kid) => [kid, ...descendantPids(kid)]);
}

/**
 * Signal each pid; one that exited between listing and signalling (ESRCH) is skipped. A throw
 * here once left the listener running in an after hook, and its pipe kept the test file alive.
 */
export function signalAll(pids: readonly number[], signal: NodeJS.Signals): number[] {
  const signalled: number[] = [];
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
      signalled.push(pid);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
  }
  return signalled;
}

async function stopChild(child: ChildProcess, dir: string): Promise<void> {
  try {
    signalAll(childPids(child.pid ?? -1), "SIGKILL");
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const stubborn = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(stubborn);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
