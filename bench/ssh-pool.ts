/**
 * Benchmark: N trivial commands over one pooled ssh2 connection vs N fresh /usr/bin/ssh
 * processes, against a loopback sshd started for the purpose. Prints JSON to stdout.
 * Run: node --import tsx bench/ssh-pool.ts [N]   (root: it starts sshd and a throwaway user)
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { createLogger } from "../src/log.js";
import { HostPool } from "../src/remote/pool.js";
import { Workspace } from "../src/workspace/workspace.js";
import { startSshd, type TestSshd } from "../test/e2e/support/sshd.js";
import { createUser, type TestUser } from "../test/e2e/support/users.js";

const run = promisify(execFile);

export interface SshPoolBenchResult {
  commands: number;
  /** First connection: TCP + key exchange + auth (ssh2). */
  connectMs: number;
  pooledTotalMs: number;
  pooledMeanMs: number;
  /** The same commands, 8 at a time over the one connection. */
  pooledParallelTotalMs: number;
  freshTotalMs: number;
  freshMeanMs: number;
  /** How many times faster the pooled connection is than a process per command. */
  ratio: number;
}

async function timed(task: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await task();
  return performance.now() - start;
}

async function pooled(sshd: TestSshd, user: TestUser, ws: Workspace, privateKey: string, commands: number) {
  const pool = new HostPool({ knownHostsPath: ws.knownHostsPath, log: createLogger({ level: "warn" }) });
  const host = pool.host({
    host: sshd.host,
    port: sshd.port,
    user: user.name,
    privateKey,
    hostKey: { fingerprint: sshd.hostFingerprint },
  });
  try {
    const connectMs = await timed(() => host.connection.acquire());
    const sequential = await timed(async () => {
      for (let i = 0; i < commands; i++) await host.exec(["true"], { purpose: "bench" });
    });
    const parallel = await timed(() =>
      Promise.all(Array.from({ length: commands }, () => host.exec(["true"], { purpose: "bench" }))),
    );
    return { connectMs, sequential, parallel };
  } finally {
    pool.close();
  }
}

async function fresh(
  sshd: TestSshd,
  user: TestUser,
  ws: Workspace,
  keyPath: string,
  commands: number,
): Promise<number> {
  const knownHosts = join(ws.dir, "bench_known_hosts");
  writeFileSync(knownHosts, `[${sshd.host}]:${sshd.port} ${sshd.hostPublicKey}\n`);
  const argv = [
    "-i",
    keyPath,
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "BatchMode=yes",
    "-o",
    `UserKnownHostsFile=${knownHosts}`,
  ];
  argv.push("-o", "StrictHostKeyChecking=yes", "-p", String(sshd.port), `${user.name}@${sshd.host}`, "true");
  return timed(async () => {
    for (let i = 0; i < commands; i++) await run("/usr/bin/ssh", argv);
  });
}

export async function benchSshPool(commands = 200): Promise<SshPoolBenchResult> {
  const sshd = await startSshd();
  const user = createUser("lbn"); // a plain login: the login shell's profile is the same for both sides
  const ws = new Workspace(mkdtempSync(join(tmpdir(), "bench-ws-")));
  try {
    const key = await ws.ensureKeyPair(`${user.name}@bench`);
    sshd.authorize(user.name, key.publicKey);
    const { readFile } = await import("node:fs/promises");
    const privateKey = await readFile(key.privateKeyPath, "utf8");
    const p = await pooled(sshd, user, ws, privateKey, commands);
    const freshTotalMs = await fresh(sshd, user, ws, key.privateKeyPath, commands);
    const round = (n: number) => Math.round(n * 10) / 10;
    return {
      commands,
      connectMs: round(p.connectMs),
      pooledTotalMs: round(p.sequential),
      pooledMeanMs: round(p.sequential / commands),
      pooledParallelTotalMs: round(p.parallel),
      freshTotalMs: round(freshTotalMs),
      freshMeanMs: round(freshTotalMs / commands),
      ratio: round(freshTotalMs / p.sequential),
    };
  } finally {
    await sshd.stop();
    user.remove();
    rmSync(ws.dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const result = await benchSshPool(Number(process.argv[2] ?? 200));
  console.log(JSON.stringify(result, null, 2));
}
