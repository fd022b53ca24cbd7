/**
 * Cheap SSH endpoints for the scale benchmark: N "Managers" that are each a distinct
 * loopback address (127.0.1.x, one port) served by real OpenSSH sshd processes of this
 * machine (sshd accepts at most 16 listen addresses, so one sshd per 16 Managers). Each
 * login is root on this host, so the operator's observe script runs for real against this
 * Debian host; the benchmark runs the operator in plan mode (nothing is changed here).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";

const run = promisify(execFile);
const PER_SSHD = 16;

export interface LoopbackManagers {
  dir: string;
  manifests: string;
  workspace: string;
  sshdProcesses: number;
  close(): Promise<void>;
}

/** 127.0.1.1, 127.0.1.2, ... 127.0.1.250, 127.0.2.1, ...: all of 127/8 is this host's loopback. */
const address = (i: number) => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;

function sshdConfig(dir: string, port: number, addresses: string[], k: number): string {
  return [
    ...addresses.map((a) => `ListenAddress ${a}:${port}`),
    `HostKey ${dir}/host_ed25519`,
    `PidFile ${dir}/sshd-${k}.pid`,
    `AuthorizedKeysFile ${dir}/authorized_keys`,
    "PermitRootLogin prohibit-password",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    "StrictModes no",
    "MaxSessions 20",
    "MaxStartups 400:30:800",
    "LogLevel ERROR",
    // bash run by sshd sources ~/.bashrc unless it is a nested shell. This machine's root
    // .bashrc runs `pyenv init` twice (about 150 ms per session, twice the observe script's
    // own CPU); a Manager's is a few lines. SHLVL=1 makes the login shell a nested one, so
    // each session costs what sshd and the script cost.
    "SetEnv SHLVL=1",
  ].join("\n");
}

function labManager(i: number, port: number, key: string, fingerprint: string): Record<string, unknown> {
  return {
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "LabManager",
    metadata: { name: `loop-${i}` },
    spec: {
      address: address(i),
      ssh: { user: "root", port, privateKeyRef: { file: key }, hostKeyFingerprint: fingerprint },
      bridges: [{ name: "labbr0", addresses: ["10.99.0.1/24"] }],
      virtualBMC: { enabled: true },
      user: { name: "manager" },
      resyncInterval: "1h",
    },
  };
}

async function waitListening(child: ChildProcess, log: () => string): Promise<void> {
  // sshd -D -e prints nothing on success at LogLevel ERROR: give it a moment, then check it lives.
  await new Promise((r) => setTimeout(r, 500));
  if (child.exitCode !== null) throw new Error(`sshd exited ${child.exitCode}: ${log()}`);
}

export async function startLoopbackManagers(n: number, port = 2299): Promise<LoopbackManagers> {
  const dir = await mkdtemp(join(tmpdir(), "bench-loop-"));
  const children: ChildProcess[] = [];
  const close = async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "host_ed25519")]);
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "client_ed25519")]);
    await writeFile(join(dir, "authorized_keys"), await readFile(join(dir, "client_ed25519.pub")));
    const fingerprint = (await run("ssh-keygen", ["-lf", join(dir, "host_ed25519.pub")])).stdout.split(
      /\s+/,
    )[1]!;
    await mkdir("/run/sshd", { recursive: true });
    const started: Promise<void>[] = [];
    for (let k = 0; k * PER_SSHD < n; k++) {
      const addresses = Array.from({ length: Math.min(PER_SSHD, n - k * PER_SSHD) }, (_, j) =>
        address(k * PER_SSHD + j),
      );
      const config = join(dir, `sshd-${k}.conf`);
      await writeFile(config, sshdConfig(dir, port, addresses, k));
      let log = "";
      const child = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", config], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
      children.push(child);
      started.push(waitListening(child, () => log));
    }
    await Promise.all(started);
    const manifests = join(dir, "manifests");
    await mkdir(manifests);
    const docs = Array.from({ length: n }, (_, i) =>
      stringify(labManager(i, port, join(dir, "client_ed25519"), fingerprint)),
    );
    await writeFile(join(manifests, "managers.yaml"), docs.join("---\n"));
    return { dir, manifests, workspace: join(dir, "workspace"), sshdProcesses: children.length, close };
  } catch (err) {
    await close();
    throw err;
  }
}
