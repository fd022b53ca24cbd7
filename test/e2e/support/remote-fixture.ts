/** A loopback sshd plus a HostPool logged in as root with a fresh key: the common e2e setup. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../../src/log.js";
import type { SshTarget } from "../../../src/remote/connection.js";
import { HostPool, type PoolOptions } from "../../../src/remote/pool.js";
import { startSshd, type SshdOptions, type TestSshd } from "./sshd.js";
import { generateKeyPair } from "../../../src/workspace/keys.js";

export interface RemoteFixture {
  sshd: TestSshd;
  pool: HostPool;
  /** Client key pair authorized for root (and for users passed to `authorize`). */
  key: { private: string; public: string };
  dir: string;
  knownHostsPath: string;
  target(user: string, extra?: Partial<SshTarget>): SshTarget;
  /** The same login with the same key on another test sshd (a VM behind the Manager). */
  targetOn(other: TestSshd, user: string): SshTarget;
  /** Every log line written so far (level trace), for secret-leak checks. */
  logText(): string;
  log: Logger;
  close(): Promise<void>;
}

export async function remoteFixture(
  opts: SshdOptions & { pool?: Partial<PoolOptions> } = {},
): Promise<RemoteFixture> {
  const sshd = await startSshd(opts);
  const pair = generateKeyPair("ed25519", "test@orchestrator");
  const key = { private: pair.privateKey, public: pair.publicKey };
  sshd.authorize("root", key.public);
  const dir = mkdtempSync(join(tmpdir(), "lab-remote-"));
  const knownHostsPath = join(dir, "known_hosts");
  const chunks: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => (chunks.push(chunk.toString()), cb()) });
  const log = createLogger({ level: "trace", destination: sink });
  const pool = new HostPool({ knownHostsPath, log, ...opts.pool });
  const targetOn = (on: TestSshd, user: string, extra: Partial<SshTarget> = {}): SshTarget => ({
    host: on.host,
    port: on.port,
    user,
    privateKey: key.private,
    hostKey: { fingerprint: on.hostFingerprint },
    ...extra,
  });
  return {
    sshd,
    pool,
    key,
    dir,
    knownHostsPath,
    target: (user, extra) => targetOn(sshd, user, extra),
    targetOn: (other, user) => targetOn(other, user),
    log,
    logText: () => chunks.join(""),
    close: async () => {
      pool.close();
      await sshd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Poll until `check` holds (readiness, not a fixed sleep); fail after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
