/**
 * The sandbox Manager for e2e tests: real Debian system containers booted with
 * systemd-nspawn by test/sandbox/*.sh, reachable over SSH with a pinned host key.
 *
 *   describe("...", { skip: skipUnlessSandboxCapable() }, () => {
 *     let sandbox: Sandbox;
 *     before(async () => { sandbox = await startSandbox({ count: 1 }); });
 *     after(() => stopSandbox(sandbox));
 *   });
 */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { quoteArgv } from "../../../src/remote/quote.js";

const run = promisify(execFile);
/** Unique per test process, so suites running at the same time never share container names. */
export const DEFAULT_PREFIX = `t${process.pid % 100_000}`;
export const SANDBOX_SCRIPTS = fileURLToPath(new URL("../../sandbox/", import.meta.url));

export interface SandboxManager {
  name: string;
  index: number;
  address: string;
  /** "ssh-ed25519 AAAA...", pinned before first boot. */
  hostKeyLine: string;
  /** "SHA256:..." of the host key. */
  fingerprint: string;
  pid: number | null;
  systemState: string | null;
  rootfs: string;
  log: string;
  /** Host side of the container's veth pair. */
  veth: string;
  /** Host side of its office0 veth, on the office LAN bridge (only with `officeLan`). */
  officeVeth?: string;
}

/** The JSON record up.sh writes: everything the sandbox created. */
export interface SandboxRecord {
  stateDir: string;
  identityFile: string;
  knownHostsFile: string;
  bridge: { name: string; subnet: string; address: string; created: boolean } | null;
  nftTable: { family: string; name: string; uplink: string; created: boolean } | null;
  ipForward: { previous: string; changed: boolean } | null;
  inotifyInstances: { previous: string; changed: boolean } | null;
  /** The opt-in office LAN: its bridge, /24 (host .1, DHCP .100-.199) and dnsmasq's files. */
  officeLan?: {
    bridge: string;
    subnet: string;
    address: string;
    created: boolean;
    dnsmasq: { pidFile: string; leaseFile: string; logFile: string };
  } | null;
  containers: SandboxManager[];
}

export interface Sandbox {
  stateDir: string;
  managers: SandboxManager[];
  privateKeyPath: string;
  publicKeyPath: string;
  /** known_hosts with exactly the managers' pinned keys. */
  knownHostsPath: string;
  record: SandboxRecord;
}

export interface SandboxOptions {
  count?: number;
  /** el: an EL 9 family Manager from Debian packages (NetworkManager, firewalld, dnf + local RPM repo double). */
  variant?: "bare" | "prebaked" | "el";
  /** Machine names are `<prefix>-<i>`; at most 9 characters. */
  prefix?: string;
  /** Both or neither; by default a free 10.77.x.0/24 and bridge `labt<x>` are picked. */
  bridge?: string;
  subnet?: string;
  /**
   * A second NIC `office0` in every Manager, on a host bridge of its own with a DHCP server
   * (dnsmasq bound to that bridge only): like the seed Manager's office LAN. Off by default.
   */
  officeLan?: boolean;
}

/** Why this machine cannot run the sandbox, or undefined when it can. */
export function sandboxSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return "sandbox tests need root (systemd-nspawn, bridges, nftables)";
  const missing = ["systemd-nspawn", "nft", "jq", "debootstrap", "zstd"].filter((tool) => !onPath(tool));
  if (missing.length > 0)
    return `sandbox tests need ${missing.join(", ")}: run test/sandbox/install-host-deps.sh`;
  return undefined;
}

/** For `{ skip: skipUnlessSandboxCapable() }`: false, or the reason, said loudly. */
export function skipUnlessSandboxCapable(): false | string {
  const reason = sandboxSkipReason();
  if (!reason) return false;
  process.stderr.write(`\n*** SKIPPING sandbox e2e tests: ${reason} ***\n\n`);
  return reason;
}

function onPath(tool: string): boolean {
  const dirs = (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/sbin"]);
  return dirs.some((dir) => dir !== "" && existsSync(join(dir, tool)));
}

/** Run a sandbox script: progress on our stderr, its stdout (JSON) returned. */
export function runSandboxScript(script: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(SANDBOX_SCRIPTS, script), args, { stdio: ["ignore", "pipe", "inherit"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(chunks).toString("utf8"));
      else reject(new Error(`test/sandbox/${script} ${args.join(" ")} exited with ${code}`));
    });
  });
}

/** Boot the containers (the rootfs is built once and cached) with a fresh key pair. */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const stateDir = await mkdtemp(join(process.env.LAB_SANDBOX_TEST_DIR ?? tmpdir(), "lab-sandbox-"));
  const privateKeyPath = join(stateDir, "id_ed25519");
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "lab-sandbox-test", "-f", privateKeyPath]);
  const sandbox: Sandbox = {
    stateDir,
    managers: [],
    privateKeyPath,
    publicKeyPath: `${privateKeyPath}.pub`,
    knownHostsPath: join(stateDir, "known_hosts"),
    record: undefined as unknown as SandboxRecord,
  };
  try {
    await upSandbox(sandbox, opts);
  } catch (err) {
    await stopSandbox(sandbox);
    throw err;
  }
  return sandbox;
}

/**
 * A /24 and a bridge name nobody on this host uses yet (other suites may run sandboxes at
 * the same time); up.sh refuses a taken subnet anyway, so a race fails loudly.
 */
export async function freeNetwork(): Promise<{ bridge: string; subnet: string }> {
  const routes = (await run("ip", ["-o", "route"])).stdout;
  const links = (await run("ip", ["-o", "link"])).stdout;
  // Start at a random place so suites starting at the same moment rarely pick the same one.
  const start = Math.floor(Math.random() * 100);
  for (let i = 0; i < 100; i++) {
    const x = 100 + ((start + i) % 100);
    const subnet = `10.77.${x}`;
    const bridge = `labt${x}`;
    if (
      !routes.includes(` ${subnet}.`) &&
      !routes.includes(`${subnet}.0/24`) &&
      !links.includes(` ${bridge}:`)
    )
      return { bridge, subnet };
  }
  throw new Error("no free 10.77.100-199.0/24 subnet on this host");
}

/** (Re)run up.sh on an existing sandbox: adds containers up to `count`, boots stopped ones. */
export async function upSandbox(sandbox: Sandbox, opts: SandboxOptions = {}): Promise<Sandbox> {
  const network = await networkFor(sandbox, opts);
  const out = await runSandboxScript("up.sh", [
    ...[
      "--count",
      String(opts.count ?? 1),
      "--variant",
      opts.variant ?? "bare",
      "--prefix",
      opts.prefix ?? DEFAULT_PREFIX,
    ],
    ...["--bridge", network.bridge, "--subnet", network.subnet],
    ...(opts.officeLan ? ["--office-lan"] : []),
    ...["--authorized-key", sandbox.publicKeyPath, "--identity", sandbox.privateKeyPath],
    ...["--state-dir", sandbox.stateDir],
  ]);
  setRecord(sandbox, JSON.parse(out) as SandboxRecord);
  return sandbox;
}

/** The sandbox's own network once it has one; else the options' or a free one. */
async function networkFor(
  sandbox: Sandbox,
  opts: SandboxOptions,
): Promise<{ bridge: string; subnet: string }> {
  const recorded = (sandbox.record as SandboxRecord | undefined)?.bridge;
  if (recorded) return { bridge: recorded.name, subnet: recorded.subnet };
  if (opts.bridge && opts.subnet) return { bridge: opts.bridge, subnet: opts.subnet };
  return freeNetwork();
}

function setRecord(sandbox: Sandbox, record: SandboxRecord): void {
  sandbox.record = record;
  sandbox.managers = [...record.containers].sort((a, b) => a.index - b.index);
}

/** stop | start | reboot one container; the record is refreshed. */
export async function controlSandbox(
  sandbox: Sandbox,
  verb: "stop" | "start" | "reboot",
  name: string,
): Promise<void> {
  await runSandboxScript("ctl.sh", ["--state-dir", sandbox.stateDir, verb, name]);
  await refreshRecord(sandbox);
}

export async function refreshRecord(sandbox: Sandbox): Promise<SandboxRecord> {
  setRecord(
    sandbox,
    JSON.parse(await readFile(join(sandbox.stateDir, "sandbox.json"), "utf8")) as SandboxRecord,
  );
  return sandbox.record;
}

/** Tear everything down (safe to call twice, or after a failed start), then drop the state dir. */
export async function stopSandbox(sandbox: Sandbox | undefined): Promise<void> {
  if (!sandbox || !existsSync(sandbox.stateDir)) return;
  await runSandboxScript("down.sh", ["--state-dir", sandbox.stateDir]);
  await rm(sandbox.stateDir, { recursive: true, force: true });
}

/** argv for the real ssh client: our key only, the pinned known_hosts, strict checking. */
export function sshArgv(sandbox: Sandbox, manager: SandboxManager, command: readonly string[]): string[] {
  return [
    ...[
      "-o",
      "BatchMode=yes",
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      `UserKnownHostsFile=${sandbox.knownHostsPath}`,
    ],
    ...["-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=5", "-i", sandbox.privateKeyPath],
    `root@${manager.address}`,
    "--",
    quoteArgv(command), // ssh hands the remote shell one string: quote each argument
  ];
}

/** Run a command in a manager with the real ssh client; resolves with stdout, rejects on failure. */
export async function sshRun(
  sandbox: Sandbox,
  manager: SandboxManager,
  command: readonly string[],
): Promise<string> {
  const { stdout } = await run("ssh", sshArgv(sandbox, manager, command), { timeout: 120_000 });
  return stdout;
}
