/**
 * The sandbox Manager itself: real systemd-nspawn containers, real ssh, real NAT.
 * Later e2e suites stand on it, so this checks what they rely on.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  controlSandbox,
  DEFAULT_PREFIX,
  refreshRecord,
  runSandboxScript,
  type Sandbox,
  sshArgv,
  sshRun,
  skipUnlessSandboxCapable,
  startSandbox,
  stopSandbox,
  upSandbox,
} from "./support/sandbox.js";

const run = promisify(execFile);
const BUILD_AND_BOOT = { timeout: 20 * 60_000 }; // the first run builds the rootfs tarball
const skip = skipUnlessSandboxCapable();

/**
 * systemd reached "running" in the container (it waits while boot jobs run); "degraded"
 * fails with the failed units and their last journal lines, so a failure says which unit.
 */
async function assertRunning(sb: Sandbox, m: Sandbox["managers"][number]): Promise<void> {
  const state = (
    await sshRun(sb, m, ["systemctl", "is-system-running", "--wait"]).catch(
      (e: { stdout?: string }) => e.stdout ?? "",
    )
  ).trim();
  if (state === "running") return;
  const failed = await sshRun(sb, m, [
    "sh",
    "-c",
    "systemctl --failed --no-legend; journalctl -b -p warning -n 30 --no-pager",
  ]);
  assert.fail(`systemd is ${state} after the start:\n${failed}`);
}

async function ipForward(): Promise<string> {
  return (await readFile("/proc/sys/net/ipv4/ip_forward", "utf8")).trim();
}

async function inotifyInstances(): Promise<number> {
  return Number((await readFile("/proc/sys/fs/inotify/max_user_instances", "utf8")).trim());
}

async function hostLeftovers(sandbox: Sandbox): Promise<string[]> {
  const found: string[] = [];
  const links = (await run("ip", ["-o", "link", "show"])).stdout;
  const tables = (await run("nft", ["list", "tables"])).stdout;
  const processes = (await run("ps", ["-eo", "args"])).stdout;
  for (const m of sandbox.record.containers) {
    if (processes.split("\n").some((p) => p.includes("systemd-nspawn") && p.includes(`-M ${m.name} `)))
      found.push(`process of ${m.name}`);
    if (links.includes(` ${m.veth}@`) || links.includes(` ${m.veth}:`)) found.push(`veth ${m.veth}`);
  }
  if (sandbox.record.bridge && links.includes(` ${sandbox.record.bridge.name}:`)) found.push("bridge");
  if (sandbox.record.nftTable && tables.includes(` ${sandbox.record.nftTable.name}\n`))
    found.push("nft table");
  return found;
}

describe("sandbox Manager: one container", { skip }, () => {
  let sandbox: Sandbox | undefined;
  let forwardBefore = "";
  let inotifyBefore = 0;
  before(async () => {
    forwardBefore = await ipForward();
    inotifyBefore = await inotifyInstances();
    const started = Date.now();
    sandbox = await startSandbox({ count: 1 });
    console.log(`# sandbox up (1 container, bare): ${Date.now() - started} ms`);
  }, BUILD_AND_BOOT);
  after(() => stopSandbox(sandbox));

  it("boots systemd to running and answers ssh with the pinned host key", async () => {
    const sb = sandbox!;
    const out = await sshRun(sb, sb.managers[0]!, ["systemctl", "is-system-running"]);
    assert.equal(out.trim(), "running");
    const known = await readFile(sb.knownHostsPath, "utf8");
    assert.equal(known.trim(), `${sb.managers[0]!.address} ${sb.managers[0]!.hostKeyLine}`);
  });

  it("refuses to connect when the pinned host key is a different one", async () => {
    const sb = sandbox!;
    const otherKey = join(sb.stateDir, "other_host_key");
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", otherKey]);
    const otherLine = (await readFile(`${otherKey}.pub`, "utf8")).split(" ").slice(0, 2).join(" ");
    const wrongKnownHosts = join(sb.stateDir, "wrong_known_hosts");
    await writeFile(wrongKnownHosts, `${sb.managers[0]!.address} ${otherLine}\n`);
    const argv = sshArgv(sb, sb.managers[0]!, ["true"]).map((a) =>
      a === `UserKnownHostsFile=${sb.knownHostsPath}` ? `UserKnownHostsFile=${wrongKnownHosts}` : a,
    );
    await assert.rejects(
      run("ssh", argv),
      /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/,
    );
  });

  it("reaches the Debian registry through the host's NAT (apt-get update)", async () => {
    const sb = sandbox!;
    await sshRun(sb, sb.managers[0]!, ["apt-get", "update", "-q"]);
    const lists = await sshRun(sb, sb.managers[0]!, ["ls", "/var/lib/apt/lists"]);
    assert.match(lists, /_InRelease/);
  });

  it("stops and starts a container, keeping its address and host key", async () => {
    const sb = sandbox!;
    const name = sb.managers[0]!.name;
    await controlSandbox(sb, "stop", name);
    const stopped = JSON.parse(await runSandboxScript("status.sh", ["--state-dir", sb.stateDir])) as {
      containers: { name: string; running: boolean; reachable: boolean }[];
    };
    assert.deepEqual(stopped.containers, [
      { ...stopped.containers[0], name, running: false, reachable: false },
    ]);
    await controlSandbox(sb, "start", name);
    await assertRunning(sb, sb.managers[0]!);
  });

  it("reboots a container: a fresh boot (empty /run), same pinned host key", async () => {
    const sb = sandbox!;
    await sshRun(sb, sb.managers[0]!, ["touch", "/run/lab-before-reboot"]);
    await controlSandbox(sb, "reboot", sb.managers[0]!.name);
    const out = await sshRun(sb, sb.managers[0]!, [
      "sh",
      "-c",
      "test -e /run/lab-before-reboot && echo kept || echo gone",
    ]);
    assert.equal(out.trim(), "gone");
  });

  it("up raises the inotify instance limit that system containers need", async () => {
    assert.ok((await inotifyInstances()) >= 1024);
  });

  it("down leaves no process, veth, bridge or nft table, and restores ip_forward and inotify", async () => {
    const sb = sandbox!;
    assert.notDeepEqual(await hostLeftovers(sb), [], "the sandbox should be visible on the host while up");
    await stopSandbox(sb);
    assert.deepEqual(await hostLeftovers(sb), []);
    assert.equal(await ipForward(), forwardBefore);
    // The limit is shared: it stays raised while another sandbox (another suite) still runs.
    const othersRunning = (await run("nft", ["list", "tables"])).stdout.includes(" labsandbox_");
    if (othersRunning) assert.ok((await inotifyInstances()) >= 1024);
    else assert.equal(await inotifyInstances(), inotifyBefore);
    sandbox = undefined;
  });
});

describe("sandbox Manager: three containers at once", { skip }, () => {
  let sandbox: Sandbox | undefined;
  before(async () => {
    const started = Date.now();
    sandbox = await startSandbox({ count: 3 });
    console.log(`# sandbox up (3 containers, bare): ${Date.now() - started} ms`);
  }, BUILD_AND_BOOT);
  after(() => stopSandbox(sandbox));

  it("gives each its own name, address and host key, each reachable with its pinned key", async () => {
    const managers = sandbox!.managers;
    assert.equal(managers.length, 3);
    assert.equal(new Set(managers.map((m) => m.address)).size, 3);
    assert.equal(new Set(managers.map((m) => m.hostKeyLine)).size, 3);
    assert.equal(new Set(managers.map((m) => m.fingerprint)).size, 3);
    for (const m of managers) {
      assert.equal((await sshRun(sandbox!, m, ["hostname"])).trim(), m.name);
      const fp = await sshRun(sandbox!, m, [
        "ssh-keygen",
        "-l",
        "-E",
        "sha256",
        "-f",
        "/etc/ssh/ssh_host_ed25519_key.pub",
      ]);
      assert.equal(fp.split(" ")[1], m.fingerprint);
    }
  });

  it("up again with the same count keeps the running containers as they are", async () => {
    const pids = sandbox!.managers.map((m) => m.pid);
    await upSandbox(sandbox!, { count: 3 });
    assert.deepEqual(
      sandbox!.managers.map((m) => m.pid),
      pids,
    );
  });

  it("up with a larger count adds a container next to the running ones", async () => {
    const before = sandbox!.managers.map((m) => [m.name, m.pid]);
    await upSandbox(sandbox!, { count: 4 });
    assert.deepEqual(
      sandbox!.managers.slice(0, 3).map((m) => [m.name, m.pid]),
      before,
    );
    const added = sandbox!.managers[3]!;
    assert.equal(added.address, `${sandbox!.record.bridge!.subnet}.14`);
    assert.equal((await sshRun(sandbox!, added, ["systemctl", "is-system-running"])).trim(), "running");
  });

  it("down --name removes one container and leaves the others reachable", async () => {
    const gone = sandbox!.managers[1]!;
    await runSandboxScript("down.sh", ["--state-dir", sandbox!.stateDir, "--name", gone.name]);
    await refreshRecord(sandbox!);
    assert.deepEqual(
      sandbox!.managers.map((m) => m.name),
      [1, 3, 4].map((i) => `${DEFAULT_PREFIX}-${i}`),
    );
    assert.equal(existsSync(gone.rootfs), false);
    for (const m of sandbox!.managers) assert.equal((await sshRun(sandbox!, m, ["hostname"])).trim(), m.name);
  });
});

describe("sandbox Manager: prebaked variant", { skip }, () => {
  let sandbox: Sandbox | undefined;
  before(async () => {
    const started = Date.now();
    sandbox = await startSandbox({ count: 1, variant: "prebaked" });
    console.log(`# sandbox up (1 container, prebaked): ${Date.now() - started} ms`);
  }, BUILD_AND_BOOT);
  after(() => stopSandbox(sandbox));

  it("runs libvirtd and answers virsh on qemu:///system", async () => {
    const m = sandbox!.managers[0]!;
    assert.equal((await sshRun(sandbox!, m, ["systemctl", "is-active", "libvirtd"])).trim(), "active");
    const list = await sshRun(sandbox!, m, ["virsh", "-c", "qemu:///system", "list", "--all"]);
    assert.match(list, /Id\s+Name\s+State/);
  });
});
