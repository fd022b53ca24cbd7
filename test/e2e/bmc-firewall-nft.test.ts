import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import { labManagerSpec } from "../../src/api/labmanager.js";
import { createLogger } from "../../src/log.js";
import { HostPool } from "../../src/remote/pool.js";
import type { RemoteHost } from "../../src/remote/types.js";
import { observeFirewall, planBmcFirewall, planBmcFirewallCleanup } from "../../src/steps/bmc/firewall.js";
import { vbmcInstallStep, vbmcServiceStep } from "../../src/steps/labmanager/vbmc.js";
import type { OwnedResource, StepContext } from "../../src/steps/types.js";
import {
  addIdleBmc,
  attachNamespace,
  type BmcFixture,
  detachNamespace,
  ipmiAnswers,
} from "./support/bmc-firewall.js";
import {
  type Sandbox,
  skipUnlessSandboxCapable,
  sshRun,
  startSandbox,
  stopSandbox,
} from "./support/sandbox.js";

/**
 * openFirewall on a Manager without firewalld (the prebaked Debian sandbox) whose own
 * nftables ruleset drops input by policy: the BMC's port must open in that chain for the
 * VM network (ipmitool from a namespace on a bridge), and only our tagged rule goes again.
 */
const HOST_FIREWALL = `table inet hostfw {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iif lo accept
    tcp dport 22 accept
    meta l4proto icmp accept
  }
}`;

describe(
  "openFirewall on an nftables Manager (prebaked Debian sandbox)",
  { skip: skipUnlessSandboxCapable() },
  () => {
    let sandbox: Sandbox;
    let pool: HostPool;
    let host: RemoteHost;
    const log = createLogger({ level: "warn" });
    const sh = (script: string) => sshRun(sandbox, sandbox.managers[0]!, ["bash", "-c", script]);
    const bmc: BmcFixture = {
      domain: "bmcnft",
      address: "10.98.0.1",
      port: 6240,
      user: "admin",
      password: "bmc-nft-pw",
    };
    const ctx = (): StepContext => ({ host, log });

    before(
      async () => {
        sandbox = await startSandbox({ count: 1, variant: "prebaked" });
        const m = sandbox.managers[0]!;
        pool = new HostPool({ knownHostsPath: sandbox.knownHostsPath, log });
        const privateKey = await readFile(sandbox.privateKeyPath);
        host = pool.host({
          host: m.address,
          user: "root",
          privateKey,
          hostKey: { fingerprint: m.fingerprint },
        });
        // VirtualBMC as the LabManager installs it (pip into the venv, vbmcd under systemd).
        const vbmc = labManagerSpec.parse({ address: "sandbox" }).virtualBMC;
        await vbmcInstallStep(vbmc, "", true).apply(ctx());
        await vbmcServiceStep(vbmc, "test").apply(ctx());
        await sh("systemctl start libvirtd");
        // A VM network of the Manager's, and the host's own firewall (written by "someone else").
        await sh(
          "ip link add bmcbr0 type bridge && ip addr add 10.98.0.1/24 dev bmcbr0 && ip link set bmcbr0 up",
        );
        await addIdleBmc(sh, bmc);
        await attachNamespace(sh, "bmcvm", "bmcbr0", "10.98.0.50/24");
        // Debian installs nftables by default; the sandbox rootfs does not have it.
        await sh(
          "apt-get -q update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nftables >/dev/null",
        );
        await sh(`nft -f - <<'EOF'\n${HOST_FIREWALL}\nEOF`);
      },
      { timeout: 10 * 60_000 },
    );
    after(async () => {
      pool?.close();
      await stopSandbox(sandbox);
    });

    test(
      "opens the port in the chain that drops, for the VM network only as long as we keep it",
      { timeout: 5 * 60_000 },
      async () => {
        const before = await sh("nft list table inet hostfw");
        assert.equal(await ipmiAnswers(sh, "", bmc, 30), true, "vbmc answers on the Manager itself");
        assert.equal(
          await ipmiAnswers(sh, "bmcvm", bmc, 5),
          false,
          "the host's firewall drops the VM network",
        );

        const facts = await observeFirewall(host, bmc.address, bmc.port);
        assert.equal(facts.backend, "nftables");
        assert.deepEqual(
          facts.chains.filter((c) => c.filters),
          [{ family: "inet", table: "hostfw", chain: "input", filters: true, ours: false }],
        );
        const owned: OwnedResource[] = [];
        for (const step of planBmcFirewall(bmc.port, facts, { open: true, owned })) {
          if (step.owns) owned.push(step.owns);
          await step.apply(ctx());
        }
        assert.deepEqual(owned, [{ kind: "firewall-port", name: "nft:inet:hostfw:input:6240" }]);
        assert.equal(await ipmiAnswers(sh, "bmcvm", bmc, 30), true, "the VM network reaches the BMC");
        const again = await observeFirewall(host, bmc.address, bmc.port);
        assert.deepEqual(planBmcFirewall(bmc.port, again, { open: true, owned }), [], "converged");
        // Applying the open step twice still leaves one rule.
        for (const step of planBmcFirewall(bmc.port, facts, { open: true, owned: [] }))
          await step.apply(ctx());
        assert.equal((await sh("nft list table inet hostfw")).match(/lab-operator bmc 6240/g)?.length, 1);

        for (const step of planBmcFirewallCleanup(owned)) await step.apply(ctx());
        assert.equal(await ipmiAnswers(sh, "bmcvm", bmc, 5), false, "closed again after delete");
        assert.equal(await sh("nft list table inet hostfw"), before, "the host's table is as it was");
        await detachNamespace(sh, "bmcvm");
      },
    );
  },
);
