import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createLogger } from "../../src/log.js";
import { HostPool } from "../../src/remote/pool.js";
import { observeFirewall, planBmcFirewall, planBmcFirewallCleanup } from "../../src/steps/bmc/firewall.js";
import type { OwnedResource } from "../../src/steps/types.js";
import {
  addIdleBmc,
  attachNamespace,
  type BmcFixture,
  detachNamespace,
  ipmiAnswers,
  removeIdleBmc,
} from "./support/bmc-firewall.js";
import { labctl, type LabctlResult } from "./support/labctl.js";
import { E2E_MANIFESTS, renderForSandbox } from "./support/manifests.js";
import {
  type Sandbox,
  type SandboxManager,
  skipUnlessSandboxCapable,
  sshRun,
  startSandbox,
  stopSandbox,
} from "./support/sandbox.js";

/**
 * The seed lab (LabManager `lab` with bridges public and openstack, the three networks,
 * user, hook) on an EL Manager: `labctl sandbox up --variant el`, a Debian container with
 * NetworkManager as its only network stack, firewalld, and dnf installing from a local RPM
 * repository double (marker RPMs; the real libvirt, qemu and ipmitool are Debian packages
 * in the rootfs). dnf, NetworkManager keyfiles and nmcli, firewalld, libvirtd and vbmcd run
 * for real; the package repository is the double.
 */
const EL_SET = [
  "epel-release",
  "qemu-kvm",
  "libvirt",
  "virt-install",
  "cloud-utils",
  "ipmitool",
  "python3-pip",
  "python3-devel",
  "python3-libvirt",
  "libvirt-devel",
  "openssl-devel",
  "gcc",
  "wget",
  "bash-completion",
];
const KEYFILES = "/etc/NetworkManager/system-connections";

/** el-lab.yaml with the sandbox's address, key and pinned host key. */
async function renderLab(sandbox: Sandbox, manager: SandboxManager, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await renderForSandbox(sandbox, manager, join(E2E_MANIFESTS, "el-lab.yaml"), join(dir, "lab.yaml"));
}

const stepLines = (res: LabctlResult) =>
  res.logs.filter((l) => typeof l.msg === "string" && l.msg.startsWith("step started"));

describe(
  "EL Manager (Debian packages + local RPM repo double): the seed lab through the EL plan",
  { skip: skipUnlessSandboxCapable() },
  () => {
    let sandbox: Sandbox;
    let dir: string;
    const ws = () => join(dir, "workspace");
    const mf = () => join(dir, "manifests");
    const on = (cmd: string[]) => sshRun(sandbox, sandbox.managers[0]!, cmd);
    const sh = (script: string) => on(["bash", "-c", script]);
    const apply = () => labctl(["apply", "-f", mf(), "--workspace", ws()]);

    before(async () => {
      sandbox = await startSandbox({ count: 1, variant: "el" });
      dir = await mkdtemp(join(tmpdir(), "el-e2e-"));
      // Made by hand before the operator ever ran: cleanup must leave them alone.
      await on(["useradd", "-m", "handmade"]);
      await sh(
        "nmcli connection add type bridge ifname handbr0 con-name handmade ipv4.method disabled ipv6.method disabled",
      );
      await renderLab(sandbox, sandbox.managers[0]!, mf());
    });
    after(async () => {
      await stopSandbox(sandbox);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test("the sandbox is an EL host to the operator: NetworkManager, firewalld, dnf", async () => {
      assert.match(await on(["cat", "/etc/os-release"]), /^ID="rocky"$/m);
      assert.equal((await sh("systemctl is-active NetworkManager firewalld")).trim(), "active\nactive");
      assert.notEqual((await sh("systemctl is-active systemd-networkd || true")).trim(), "active");
      assert.match(await on(["rpm", "-q", "--whatprovides", "system-release(releasever)"]), /^rocky-release/);
    });

    test(
      "apply converges the lab: dnf installs, NetworkManager bridges, vbmcd, user, hook, networks",
      {
        timeout: 20 * 60_000,
      },
      async () => {
        const res = await apply();
        assert.equal(res.code, 0, `apply failed:\n${res.stdout}\n${res.stderr.slice(-4000)}`);
        assert.ok(
          stepLines(res).some((l) => /with dnf/.test(String(l.msg))),
          "packages went through dnf",
        );
        // cloud-utils exists only in the EPEL double: installing it proves epel-release came first.
        await on(["rpm", "-q", ...EL_SET]);
        for (const br of ["public", "openstack"]) {
          assert.equal((await on(["stat", "-c", "%a", `${KEYFILES}/lab-${br}.nmconnection`])).trim(), "600");
          assert.equal(
            (await on(["nmcli", "-g", "GENERAL.STATE", "connection", "show", `lab-${br}`])).trim(),
            "activated",
          );
          const link = await on(["ip", "-d", "link", "show", br]);
          assert.match(link, / forward_delay 200 /, link);
          assert.match(link, / stp_state 1 /, link);
        }
        assert.match(await on(["ip", "-br", "addr", "show", "public"]), /10\.0\.2\.1\/24/);
        assert.equal((await on(["systemctl", "is-active", "vbmcd"])).trim(), "active");
        await on(["vbmc", "list"]);
        assert.equal(
          (await on(["su", "-", "manager", "-c", "sudo -n true && echo sudo-ok"])).trim(),
          "sudo-ok",
        );
        await on(["test", "-x", "/etc/libvirt/hooks/network"]);
        const nets = await on(["virsh", "net-list", "--name"]);
        for (const n of ["hypervisor-control-plane", "openstack-control-plane", "public"])
          assert.match(nets, new RegExp(`^${n}$`, "m"));
        assert.equal(
          (await on(["timedatectl", "show", "-p", "Timezone", "--value"])).trim(),
          "America/Chicago",
        );
      },
    );

    test("a second apply runs zero steps", { timeout: 5 * 60_000 }, async () => {
      const res = await apply();
      assert.equal(res.code, 0, res.stderr.slice(-3000));
      assert.deepEqual(stepLines(res), [], "no step runs on a converged EL Manager");
    });

    test(
      "drift is repaired: a keyfile deleted, vbmcd stopped, packages removed with rpm -e",
      {
        timeout: 10 * 60_000,
      },
      async () => {
        await sh(`rm ${KEYFILES}/lab-openstack.nmconnection && nmcli connection reload`);
        await on(["systemctl", "stop", "vbmcd"]);
        await sh("rpm -e --nodeps virt-install epel-release 2>/dev/null");
        const res = await apply();
        assert.equal(res.code, 0, res.stderr.slice(-3000));
        const said = stepLines(res)
          .map((l) => String(l.msg))
          .join("\n");
        assert.match(said, /install repository packages epel-release with dnf/);
        assert.match(said, /install 1 packages: virt-install with dnf/);
        assert.match(said, /bridge openstack/);
        assert.match(said, /vbmcd/);
        await on(["rpm", "-q", "virt-install", "epel-release"]);
        await on(["test", "-f", `${KEYFILES}/lab-openstack.nmconnection`]);
        assert.equal(
          (await on(["nmcli", "-g", "GENERAL.STATE", "connection", "show", "lab-openstack"])).trim(),
          "activated",
        );
        assert.equal((await on(["systemctl", "is-active", "vbmcd"])).trim(), "active");
        const again = await apply();
        assert.deepEqual(stepLines(again), [], "converged again after the repair");
      },
    );

    test(
      "newerQemu on an EL 8 os-release: the Advanced Virtualization release package before qemu-kvm",
      { timeout: 10 * 60_000 },
      async () => {
        // The double says EL 8 now (os-release and dnf's releasever); qemu-kvm 6.2 goes away.
        await sh(
          "cp /etc/os-release /root/os-release.el9 && sed -i 's/^VERSION_ID=.*/VERSION_ID=\"8.9\"/; s/el9/el8/' /etc/os-release && " +
            "echo 8 >/etc/dnf/vars/releasever && rpm -e --nodeps qemu-kvm 2>/dev/null",
        );
        try {
          const res = await apply();
          assert.equal(res.code, 0, res.stderr.slice(-3000));
          const said = stepLines(res).map((l) => String(l.msg));
          const repo = said.findIndex((m) => /centos-release-advanced-virtualization/.test(m));
          const qemu = said.findIndex((m) => /install 1 packages: qemu-kvm/.test(m));
          assert.ok(repo >= 0 && qemu > repo, said.join("\n"));
          // Only the newer repository has qemu-kvm 8.2: dnf took it from there.
          assert.match(await on(["rpm", "-q", "qemu-kvm"]), /^qemu-kvm-8\.2\.0-/);
        } finally {
          await sh("mv -f /root/os-release.el9 /etc/os-release && rm -f /etc/dnf/vars/releasever");
        }
      },
    );

    test(
      "openFirewall: the BMC port opens in firewalld's libvirt zone for the VM network, and closes again",
      { timeout: 5 * 60_000 },
      async () => {
        // The seed's BMC address: the Manager on hypervisor-control-plane (bridge hypervisor).
        const bmc: BmcFixture = {
          domain: "bmcfw",
          address: "192.168.122.1",
          port: 6230,
          user: "admin",
          password: "bmc-test-pw",
        };
        const pool = new HostPool({
          knownHostsPath: sandbox.knownHostsPath,
          log: createLogger({ level: "warn" }),
        });
        const m = sandbox.managers[0]!;
        const host = pool.host({
          host: m.address,
          user: "root",
          privateKey: await readFile(sandbox.privateKeyPath),
          hostKey: { fingerprint: m.fingerprint },
        });
        const ctx = { host, log: createLogger({ level: "warn" }) };
        const owned: OwnedResource[] = [];
        try {
          await addIdleBmc(sh, bmc);
          await attachNamespace(sh, "bmcvm", "hypervisor", "192.168.122.50/24");
          await sh("firewall-cmd --quiet --zone=libvirt --add-port=6231/udp"); // someone else's
          assert.equal(await ipmiAnswers(sh, "", bmc, 30), true, "vbmc answers on the Manager itself");
          // The path itself works: dnsmasq's TCP port 53, which the libvirt zone allows, once
          // the new bridge port forwards (after STP's forward delay).
          await sh(
            "for i in $(seq 30); do ip netns exec bmcvm timeout 2 bash -c 'exec 3<>/dev/tcp/192.168.122.1/53' " +
              "2>/dev/null && exit 0; sleep 1; done; exit 1",
          );
          assert.equal(await ipmiAnswers(sh, "bmcvm", bmc, 5), false, "firewalld blocks the VM network");

          const facts = await observeFirewall(host, bmc.address, bmc.port);
          assert.equal(facts.backend, "firewalld");
          assert.deepEqual(facts.zones, [{ zone: "libvirt", runtime: false, permanent: false }]);
          for (const step of planBmcFirewall(bmc.port, facts, { open: true, owned })) {
            if (step.owns) owned.push(step.owns);
            await step.apply(ctx);
          }
          assert.deepEqual(owned, [{ kind: "firewall-port", name: "firewalld:libvirt:6230" }]);
          assert.equal(await ipmiAnswers(sh, "bmcvm", bmc, 30), true, "the VM network reaches the BMC");
          assert.match(
            await on(["firewall-cmd", "--permanent", "--zone=libvirt", "--list-ports"]),
            /6230\/udp/,
          );
          const again = await observeFirewall(host, bmc.address, bmc.port);
          assert.deepEqual(planBmcFirewall(bmc.port, again, { open: true, owned }), [], "converged");

          for (const step of planBmcFirewallCleanup(owned)) await step.apply(ctx);
          assert.equal(await ipmiAnswers(sh, "bmcvm", bmc, 5), false, "closed again after delete");
          assert.doesNotMatch(
            await on(["firewall-cmd", "--permanent", "--zone=libvirt", "--list-ports"]),
            /6230/,
          );
          assert.match(
            await on(["firewall-cmd", "--zone=libvirt", "--list-ports"]),
            /^6231\/udp$/m,
            "not ours: kept",
          );
        } finally {
          await detachNamespace(sh, "bmcvm");
          await removeIdleBmc(sh, bmc.domain);
          await sh("firewall-cmd --quiet --zone=libvirt --remove-port=6231/udp || true");
          pool.close();
        }
      },
    );

    test("deleting the lab removes only what the operator made", { timeout: 10 * 60_000 }, async () => {
      await rm(join(mf(), "lab.yaml"));
      const res = await apply();
      assert.equal(res.code, 0, res.stderr.slice(-3000));
      await assert.rejects(on(["id", "manager"]), "the manager user is removed");
      for (const br of ["public", "openstack"]) {
        await assert.rejects(on(["ip", "link", "show", br]), `bridge ${br} is removed`);
        await assert.rejects(on(["test", "-e", `${KEYFILES}/lab-${br}.nmconnection`]));
      }
      assert.doesNotMatch(await on(["nmcli", "-g", "NAME", "connection", "show"]), /^lab-/m);
      assert.notEqual((await sh("systemctl is-active vbmcd || true")).trim(), "active");
      await assert.rejects(on(["test", "-e", "/etc/libvirt/hooks/network"]), "our hook is removed");
      assert.equal((await on(["virsh", "net-list", "--all", "--name"])).trim(), "default");
      // What was there before, and what we never remove (packages), stays.
      await on(["id", "handmade"]);
      assert.equal(
        (await on(["nmcli", "-g", "connection.id", "connection", "show", "handmade"])).trim(),
        "handmade",
      );
      await on(["test", "-f", `${KEYFILES}/handmade.nmconnection`]);
      await on(["rpm", "-q", "libvirt", "epel-release"]);
    });
  },
);
