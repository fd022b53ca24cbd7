/**
 * LabManager host steps against a real Manager: a bare Debian system container (the
 * sandbox), reached over SSH through the connection pool. Applies the whole plan, checks
 * the outcome on the host, repairs drift made by hand, then cleans up what it owns.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { labManagerSpec } from "../../src/api/labmanager.js";
import { createLogger } from "../../src/log.js";
import { HostPool } from "../../src/remote/pool.js";
import type { RemoteHost } from "../../src/remote/types.js";
import { RC_END, RC_START } from "../../src/steps/labmanager/content.js";
import { observeManager } from "../../src/steps/labmanager/observe.js";
import { shellRcStep } from "../../src/steps/labmanager/user.js";
import { planManager, planManagerCleanup, type ManagerInputs } from "../../src/steps/labmanager/plan.js";
import { type OwnedResource, PlanBlocked, type Step, type StepContext } from "../../src/steps/types.js";
import {
  type Sandbox,
  sshRun,
  skipUnlessSandboxCapable,
  startSandbox,
  stopSandbox,
} from "./support/sandbox.js";

const run = promisify(execFile);
const skip = skipUnlessSandboxCapable();
const FIRST_APPLY = { timeout: 25 * 60_000 }; // apt (~2 min) and pip on a bare container

const spec = labManagerSpec.parse({
  address: "sandbox",
  timezone: "America/Chicago",
  bridges: [{ name: "labpub", interfaces: ["labnic0"], addresses: ["10.0.2.1/24"] }, { name: "labos" }],
});

describe("LabManager steps on a bare sandbox Manager", { skip }, () => {
  let sandbox: Sandbox | undefined;
  let pool: HostPool | undefined;
  let root: RemoteHost;
  let inputs: ManagerInputs;
  let managerKey = "";
  const owned: OwnedResource[] = [];
  const progress: string[] = [];
  const log = createLogger({ level: process.env.LOG_LEVEL ?? "warn" });

  const sh = (cmd: string[]) => sshRun(sandbox!, sandbox!.managers[0]!, cmd);
  const ctx = (): StepContext => ({ host: root, log, onProgress: (l) => progress.push(l) });

  async function plan(wasConverged = false): Promise<Step[]> {
    return planManager(spec, await observeManager(root, spec), { ...inputs, wasConverged });
  }
  /** What the controller does: record ownership before each step, then apply in order. */
  async function applyAll(steps: Step[]): Promise<void> {
    for (const s of steps) {
      if (s.owns) owned.push(s.owns);
      const t = Date.now();
      await s.apply(ctx());
      console.log(`# ${s.id}: ${Date.now() - t} ms`);
    }
  }

  before(async () => {
    sandbox = await startSandbox({ count: 1, prefix: `ls${process.pid % 100_000}` });
    const m = sandbox.managers[0]!;
    const keyPath = join(sandbox.stateDir, "manager_key");
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "manager@manager", "-f", keyPath]);
    managerKey = keyPath;
    inputs = {
      managerPublicKey: await readFile(`${keyPath}.pub`, "utf8"),
      managerPassword: randomBytes(18).toString("base64url"),
      owned,
    };
    pool = new HostPool({ knownHostsPath: sandbox.knownHostsPath, log });
    const privateKey = await readFile(sandbox.privateKeyPath);
    root = pool.host({ host: m.address, user: "root", privateKey, hostKey: { fingerprint: m.fingerprint } });
    // A spare NIC for the bridge (the host kernel has no dummy module; veth it has).
    await sh(["ip", "link", "add", "labnic0", "type", "veth", "peer", "name", "labnic0p"]);
  }, FIRST_APPLY);
  after(async () => {
    pool?.close();
    await stopSandbox(sandbox);
  });

  it("refuses to put the SSH session's NIC into a bridge", async () => {
    const risky = labManagerSpec.parse({
      address: "sandbox",
      bridges: [{ name: "labbad", interfaces: ["host0"] }],
    });
    const facts = await observeManager(root, risky);
    assert.equal(facts.sshIface, "host0");
    assert.throws(() => planManager(risky, facts, inputs), PlanBlocked);
  });

  it("converges a bare Debian container, and the next plan is empty", FIRST_APPLY, async () => {
    const steps = await plan();
    assert.equal(steps[0]?.id, "packages");
    const started = Date.now();
    await applyAll(steps);
    console.log(
      `# first apply: ${steps.length} steps in ${Date.now() - started} ms, ${progress.length} progress lines`,
    );
    assert.ok(
      progress.some((l) => /Setting up libvirt-daemon/.test(l)),
      "apt progress streamed",
    );
    assert.deepEqual(
      (await plan(true)).map((s) => s.id),
      [],
    );
  });

  it("leaves libvirtd running, vbmcd answering and the timezone set", async () => {
    assert.equal((await sh(["systemctl", "is-active", "libvirtd", "vbmcd"])).trim(), "active\nactive");
    await sh(["vbmc", "list"]); // exits 0 only when vbmcd answers
    assert.equal((await sh(["timedatectl", "show", "-p", "Timezone", "--value"])).trim(), "America/Chicago");
    assert.match(await sh(["cat", "/etc/qemu/bridge.conf"]), /^allow labpub\nallow labos\n$/);
  });

  it("brings the bridges up with their member and address", async () => {
    const links = JSON.parse(await sh(["ip", "-j", "addr", "show"])) as Array<{
      ifname: string;
      flags: string[];
      master?: string;
      addr_info: Array<{ local: string }>;
    }>;
    const pub = links.find((l) => l.ifname === "labpub");
    assert.ok(pub, "labpub exists");
    assert.ok(pub.flags.includes("UP"), "labpub is up");
    assert.ok(pub.addr_info.some((a) => a.local === "10.0.2.1"));
    assert.equal(links.find((l) => l.ifname === "labnic0")?.master, "labpub");
    assert.ok(links.find((l) => l.ifname === "labos")?.flags.includes("UP"), "labos is up");
  });

  it("lets the manager user log in with its key and sudo without a password", async () => {
    const m = sandbox!.managers[0]!;
    const privateKey = await readFile(managerKey);
    const manager = pool!.host({
      host: m.address,
      user: "manager",
      privateKey,
      hostKey: { fingerprint: m.fingerprint },
    });
    const res = await manager.exec(["sudo", "-n", "true"], { purpose: "sudo as manager" });
    assert.equal(res.exitCode, 0);
    assert.equal((await sh(["stat", "-c", "%a", "/home/manager"])).trim(), "711");
    await shellRcStep("manager").apply(ctx()); // again: the block is replaced, never duplicated
    const rc = await sh(["cat", "/home/manager/.bashrc"]);
    assert.equal(rc.split(`${RC_START}\n`).length, 2, "exactly one shell-rc block");
    assert.equal(rc.split(`${RC_END}\n`).length, 2);
  });

  it("repairs a stopped libvirtd and a deleted bridge, reporting drift", async () => {
    await sh([
      "systemctl",
      "stop",
      "libvirtd",
      "libvirtd.socket",
      "libvirtd-ro.socket",
      "libvirtd-admin.socket",
    ]);
    await sh(["ip", "link", "del", "labos"]);
    const steps = await plan(true);
    assert.deepEqual(
      steps.map((s) => s.id),
      ["libvirtd", "bridge/labos"],
    );
    assert.ok(
      steps.every((s) => s.drift),
      "both are drift",
    );
    await applyAll(steps);
    assert.deepEqual(
      (await plan(true)).map((s) => s.id),
      [],
    );
  });

  it("cleans up exactly what it created", async () => {
    const steps = planManagerCleanup(spec, await observeManager(root, spec), owned);
    await applyAll(steps);
    const facts = await observeManager(root, spec);
    assert.equal(facts.user.exists, false);
    assert.equal(facts.vbmcVersion, "");
    assert.equal(facts.services.vbmcd.active, "inactive");
    assert.ok(!facts.links.some((l) => l.ifname === "labpub" || l.ifname === "labos"), "bridges removed");
    assert.ok(
      facts.links.some((l) => l.ifname === "labnic0" && !l.master),
      "member NIC left, released",
    );
    assert.equal(facts.services.libvirtd.active, "active", "packages and libvirtd are not ours to remove");
    assert.deepEqual(planManagerCleanup(spec, facts, owned), []);
  });
});
