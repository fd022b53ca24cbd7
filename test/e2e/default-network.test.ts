import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import { labManagerSpec } from "../../src/api/labmanager.js";
import { createLogger } from "../../src/log.js";
import { HostPool } from "../../src/remote/pool.js";
import type { RemoteHost } from "../../src/remote/types.js";
import { planDefaultNetwork } from "../../src/steps/labmanager/default-network.js";
import { observeManager } from "../../src/steps/labmanager/observe.js";
import { planManagerCleanup } from "../../src/steps/labmanager/plan.js";
import { PlanBlocked, type OwnedResource, type StepContext } from "../../src/steps/types.js";
import {
  skipUnlessSandboxCapable,
  sshRun,
  startSandbox,
  stopSandbox,
  type Sandbox,
} from "./support/sandbox.js";

/** What a fresh Debian or EL host has: libvirt's own network, defined and autostarted. */
const DEFAULT_XML = `<network><name>default</name><forward mode='nat'/><bridge name='virbr0' stp='on' delay='0'/>
<ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip></network>`;

/**
 * spec.libvirtDefaultNetwork on a real libvirtd (prebaked Debian sandbox): observe reads the
 * network's state from libvirt's files, the clash is a Conflict, disabled stops it and turns
 * autostart off, and deleting the LabManager gives both back.
 */
describe("libvirt's default network on a sandbox Manager", { skip: skipUnlessSandboxCapable() }, () => {
  let sandbox: Sandbox;
  let pool: HostPool;
  let host: RemoteHost;
  const log = createLogger({ level: "warn" });
  const sh = (script: string) => sshRun(sandbox, sandbox.managers[0]!, ["bash", "-c", script]);
  const ctx = (): StepContext => ({ host, log });
  const spec = (mode: "keep" | "disabled") =>
    labManagerSpec.parse({
      address: "sandbox",
      libvirtDefaultNetwork: mode,
      bridges: [{ name: "hypervisor", addresses: ["192.168.122.1/24"] }],
    });
  const state = async () =>
    (await sh("virsh net-info default | awk '/^(Active|Autostart):/ {print $2}'"))
      .split("\n")
      .filter(Boolean)
      .join(",");

  before(
    async () => {
      sandbox = await startSandbox({ count: 1, variant: "prebaked" });
      const m = sandbox.managers[0]!;
      pool = new HostPool({ knownHostsPath: sandbox.knownHostsPath, log });
      host = pool.host({
        host: m.address,
        user: "root",
        privateKey: await readFile(sandbox.privateKeyPath),
        hostKey: { fingerprint: m.fingerprint },
      });
      await sh("systemctl start libvirtd");
      await sh(
        `virsh net-info default >/dev/null 2>&1 || { printf '%s' "${DEFAULT_XML}" >/tmp/default.xml && virsh net-define /tmp/default.xml >/dev/null; }; ` +
          "virsh net-autostart default >/dev/null; virsh net-info default | grep -q 'Active: *yes' || virsh net-start default >/dev/null",
      );
    },
    { timeout: 10 * 60_000 },
  );
  after(async () => {
    pool?.close();
    await stopSandbox(sandbox);
  });

  test(
    "Conflict with keep, stopped with disabled, given back on delete",
    { timeout: 5 * 60_000 },
    async () => {
      assert.equal(await state(), "yes,yes");
      const facts = await observeManager(host, spec("keep"));
      assert.deepEqual(facts.libvirtDefaultNetwork, {
        defined: true,
        active: true,
        autostart: true,
        address: "192.168.122.1",
        netmask: "255.255.255.0",
      });
      assert.throws(() => planDefaultNetwork(spec("keep"), facts, []), PlanBlocked);

      const owned: OwnedResource[] = [];
      for (const step of planDefaultNetwork(spec("disabled"), facts, owned)) {
        if (step.owns) owned.push(step.owns);
        await step.apply(ctx());
        await step.apply(ctx()); // idempotent
      }
      assert.equal(await state(), "no,no");
      const off = await observeManager(host, spec("disabled"));
      assert.equal(off.libvirtDefaultNetwork.active, false);
      assert.equal(off.libvirtDefaultNetwork.autostart, false);
      assert.deepEqual(planDefaultNetwork(spec("disabled"), off, owned), [], "converged");

      for (const step of planManagerCleanup(spec("disabled"), off, owned)) await step.apply(ctx());
      assert.equal(await state(), "yes,yes", "running and autostarted again, as found");
    },
  );
});
