/**
 * Issue 16, "every edit lands, or says why not": the example lab (manifests/01-labmanager.yaml
 * and 02-networks.yaml, its own names and shapes) converged on ONE prebaked sandbox Manager,
 * then each host-facing field of LabManager and LibvirtNetwork edited once, in batches of
 * edits that do not interfere, one `labctl apply` per batch. After each batch the host shows
 * the new value (or the condition says why not), and a second apply runs no step. Which
 * fields a batch edits comes from the table in support/field-edits.ts.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test, type TestContext } from "node:test";
import { parseAllDocuments, stringify } from "yaml";
import { FIELD_EDITS, type Batch } from "./support/field-edits.js";
import { labctl, type LabctlResult } from "./support/labctl.js";
import {
  skipUnlessSandboxCapable,
  sshRun,
  startSandbox,
  stopSandbox,
  type Sandbox,
} from "./support/sandbox.js";

const EXAMPLE = fileURLToPath(new URL("../../manifests/", import.meta.url));
// The example documents, edited in place field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = { kind: string; metadata: { name: string }; spec: Record<string, any> };

/** What a fresh Debian host has: libvirt's own network, defined and autostarted. */
const DEFAULT_XML = `<network><name>default</name><forward mode='nat'/><bridge name='virbr0' stp='on' delay='0'/>
<ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip></network>`;

async function docs(file: string): Promise<Doc[]> {
  return parseAllDocuments(await readFile(join(EXAMPLE, file), "utf8")).map((d) => d.toJSON() as Doc);
}

/** The fields the table puts in `batch`, as "Kind spec.path". */
function fieldsOf(batch: Batch): string[] {
  return Object.entries(FIELD_EDITS)
    .flatMap(([kind, table]) =>
      Object.entries(table)
        .filter(([, e]) => "batch" in e.e2e && e.e2e.batch === batch)
        .map(([path]) => `${kind} ${path}`),
    )
    .sort();
}

describe(
  "every field of the example lab edited once on a sandbox Manager",
  { skip: skipUnlessSandboxCapable() },
  () => {
    let sandbox: Sandbox | undefined;
    let dir = "";
    let manager: Doc;
    let networks: Doc[];
    const ws = () => join(dir, "workspace");
    const mf = () => join(dir, "manifests");
    const sh = (script: string) => sshRun(sandbox!, sandbox!.managers[0]!, ["bash", "-c", script]);
    const net = (name: string) => networks.find((n) => n.metadata.name === name)!.spec;
    const bridge = (name: string) =>
      (manager.spec.bridges as { name: string }[]).find((b) => b.name === name)!;
    const dumpxml = (name: string) => sh(`virsh net-dumpxml ${name}`);

    async function write(): Promise<void> {
      await mkdir(mf(), { recursive: true });
      await writeFile(join(mf(), "01-labmanager.yaml"), stringify(manager));
      await writeFile(join(mf(), "02-networks.yaml"), networks.map((n) => stringify(n)).join("---\n"));
    }

    /** Apply; then a second apply must run no step (unless the first was refused). */
    async function apply(t: TestContext, what: string, expectReady = true): Promise<LabctlResult> {
      await write();
      const start = Date.now();
      const res = await labctl(["apply", "-f", mf(), "--workspace", ws()]);
      const first = (Date.now() - start) / 1000;
      if (expectReady)
        assert.equal(res.code, 0, `${what}: apply failed\n${res.stdout}\n${res.stderr.slice(-4000)}`);
      else assert.notEqual(res.code, 0, `${what}: apply should have been refused\n${res.stdout}`);
      const again = Date.now();
      const second = await labctl(["apply", "-f", mf(), "--workspace", ws()]);
      const started = second.logs.filter((l) => String(l.msg).startsWith("step started"));
      assert.deepEqual(
        started.map((l) => `${String(l.kind)}/${String(l.name)} ${String(l.step)}`),
        [],
        `${what}: the second apply plans no step`,
      );
      t.diagnostic(
        `${what}: apply ${first.toFixed(1)} s, second apply ${((Date.now() - again) / 1000).toFixed(1)} s`,
      );
      return res;
    }

    async function conditionsOf(name: string): Promise<string> {
      return readFile(join(ws(), "state", "LibvirtNetwork", "default", `${name}.json`), "utf8");
    }

    before(
      async () => {
        sandbox = await startSandbox({ count: 1, variant: "prebaked", prefix: `fe${process.pid % 100_000}` });
        dir = await mkdtemp(join(tmpdir(), "edit-fields-e2e-"));
        const m = sandbox.managers[0]!;
        [manager] = (await docs("01-labmanager.yaml")) as [Doc];
        networks = await docs("02-networks.yaml");
        manager.spec.address = m.address;
        manager.spec.ssh = {
          user: "root",
          privateKeyRef: { file: sandbox.privateKeyPath },
          hostKeyFingerprint: m.fingerprint,
        };
        // The sandbox has no enp1s0/enp2s0, and its only NIC (host0) carries our session: the
        // example's bridges keep their names, addresses and STP settings, without member NICs.
        for (const b of manager.spec.bridges as Record<string, unknown>[]) {
          b.interfaces = [];
          b.dhcp = false;
          b.moveDefaultRoute = false;
        }
        // A NIC to move into a bridge later, and libvirt's default network as a fresh host has it.
        await sh("ip link add fe0 type veth peer name fe0p && ip link set fe0 up && ip link set fe0p up");
        await sh(
          `systemctl start libvirtd && { virsh net-info default >/dev/null 2>&1 || { printf '%s' "${DEFAULT_XML}" >/tmp/default.xml && virsh net-define /tmp/default.xml >/dev/null; }; } && ` +
            "virsh net-autostart default >/dev/null && { virsh net-info default | grep -q 'Active: *yes' || virsh net-start default >/dev/null; }",
        );
      },
      { timeout: 10 * 60_000 },
    );
    after(async () => {
      await stopSandbox(sandbox);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test("the example lab converges", { timeout: 20 * 60_000 }, async (t) => {
      await apply(t, "converge");
      assert.match(await sh("virsh net-info default"), /Active:\s+no/, "libvirtDefaultNetwork: disabled");
      for (const n of networks) assert.match(await sh(`virsh net-info ${n.metadata.name}`), /Active:\s+yes/);
    });

    test("live edits land without a restart", { timeout: 15 * 60_000 }, async (t) => {
      const edited = [
        "LabManager spec.osFamily",
        "LabManager spec.timezone",
        "LabManager spec.packages",
        "LabManager spec.virtualBMC.configDir",
        "LabManager spec.virtualBMC.logFile",
        "LabManager spec.virtualBMC.debug",
        "LabManager spec.user.sudo",
        "LabManager spec.user.shellRc",
        "LabManager spec.user.homeReadableByQemu",
        "LabManager spec.user.openstackClients",
        "LabManager spec.user.passwordRef.file",
        "LabManager spec.bridges[].name",
        "LabManager spec.bridges[].interfaces",
        "LabManager spec.bridges[].dhcp",
        "LabManager spec.bridges[].addresses",
        "LabManager spec.bridges[].stp",
        "LabManager spec.bridges[].forwardDelay",
        "LabManager spec.qemuBridgeAllow",
        "LabManager spec.networkHook.configFile",
        "LibvirtNetwork spec.ipv4.dhcp.ranges[].start",
        "LibvirtNetwork spec.ipv4.dhcp.ranges[].end",
        "LibvirtNetwork spec.ipv4.dhcp.hosts[].mac",
        "LibvirtNetwork spec.ipv4.dhcp.hosts[].ip",
        "LibvirtNetwork spec.ipv4.dhcp.hosts[].name",
        "LibvirtNetwork spec.dnsHosts[].ip",
        "LibvirtNetwork spec.dnsHosts[].hostnames",
        "LibvirtNetwork spec.masquerade",
        "LibvirtNetwork spec.autostart",
      ];
      assert.deepEqual(edited.sort(), fieldsOf("live"), "this batch edits what the table says");
      const hcpBefore = (await sh("virsh net-info hypervisor-control-plane")).match(/UUID:\s+(\S+)/)?.[1];
      // A restart (net-destroy + net-start) makes a new bridge, with a new ifindex; net-update
      // may restart dnsmasq itself, which is libvirt's live path: the bridge and VM links stay.
      const ifindex = () => sh("cat /sys/class/net/hypervisor/ifindex");
      const ifindexBefore = await ifindex();

      const s = manager.spec;
      s.osFamily = "debian";
      s.timezone = "UTC";
      s.packages = ["tree"];
      s.virtualBMC = {
        ...s.virtualBMC,
        configDir: "/etc/virtualbmc-lab",
        logFile: "/var/log/virtualbmc/lab.log",
        debug: false,
      };
      const password = `edited ${process.pid} "pw"`;
      await writeFile(join(dir, "manager-password"), `${password}\n`, { mode: 0o600 });
      s.user = {
        ...s.user,
        sudo: false,
        shellRc: false,
        homeReadableByQemu: false,
        openstackClients: true,
        passwordRef: { file: join(dir, "manager-password") },
      };
      Object.assign(bridge("public"), { addresses: ["10.0.2.1/24", "10.0.4.1/24"], forwardDelay: 4 });
      Object.assign(bridge("openstack"), { stp: false, dhcp: true, interfaces: ["fe0"] });
      s.bridges.push({ name: "fe-extra" });
      s.qemuBridgeAllow = ["public", "openstack", "fe-extra", "fe-allow"];
      s.networkHook = { ...s.networkHook, configFile: "/etc/lab-operator/hook-edited.conf" };
      const hcp = net("hypervisor-control-plane");
      hcp.ipv4.dhcp = {
        ranges: [{ start: "192.168.122.10", end: "192.168.122.200" }],
        hosts: [{ mac: "52:54:00:fe:00:01", ip: "192.168.122.50", name: "fe-host" }],
      };
      hcp.dnsHosts = [{ ip: "192.168.122.60", hostnames: ["fe-dns"] }];
      net("openstack-control-plane").autostart = false;
      net("public").masquerade = ["10.0.2.0/24", "10.0.5.0/24"];
      await apply(t, "live batch");

      assert.equal((await sh("timedatectl show -p Timezone --value")).trim(), "UTC");
      assert.match(await sh("dpkg-query -W -f='${Status}' tree"), /install ok installed/);
      const conf = await sh("cat /etc/virtualbmc-lab/virtualbmc.conf");
      assert.match(conf, /^config_dir = \/etc\/virtualbmc-lab$/m);
      assert.match(conf, /^logfile = \/var\/log\/virtualbmc\/lab\.log$/m);
      assert.match(conf, /^debug = false$/m);
      assert.equal((await sh("systemctl is-active vbmcd")).trim(), "active");
      await assert.rejects(
        sh("test -e /etc/sudoers.d/lab-operator-manager"),
        "sudo: false removes our sudoers file",
      );
      // The clients run as the user, from its own venv (pip from PyPI, through the sandbox's NAT).
      assert.match(
        await sh("runuser -u manager -- /home/manager/.local/bin/openstack --version"),
        /^openstack \d/m,
      );
      assert.match(await sh("stat -c %U /home/manager/.venvs/openstack-clients/bin/python"), /^manager$/m);
      // The user's password is now the passwordRef file's (crypt(3) of it is the shadow hash).
      const hasPassword = (pw: string) =>
        sh(
          `getent shadow manager | cut -d: -f2 | W=${JSON.stringify(pw).replaceAll("$", "\\$")} ` +
            `perl -e 'chomp(my $h = <STDIN>); print crypt($ENV{W}, $h) eq $h ? "same" : "differs"'`,
        );
      assert.equal(await hasPassword(password), "same", "passwordRef edit: the new password is set");
      assert.equal(await hasPassword(`${password}x`), "differs");
      const bashrc = await sh("cat /home/manager/.bashrc");
      assert.ok(!bashrc.includes("# lab-operator OpenStack START"), "shellRc: false removes our block");
      // homeReadableByQemu: false leaves the mode (the one before is not known) and says so.
      assert.match((await sh("stat -c %a /home/manager")).trim(), /1$/);
      const lab = await readFile(join(ws(), "state", "LabManager", "default", "lab.json"), "utf8");
      assert.match(lab, /"type":\s*"EditsApplied"/);
      assert.match(lab, /spec\.user\.homeReadableByQemu is false but \/home\/manager keeps mode/);
      assert.match(await sh("ip -br addr show public"), /10\.0\.4\.1\/24/);
      assert.equal((await sh("cat /sys/class/net/public/bridge/forward_delay")).trim(), "400");
      assert.equal((await sh("cat /sys/class/net/openstack/bridge/stp_state")).trim(), "0");
      assert.match(await sh("cat /etc/systemd/network/50-lab-openstack.network"), /^DHCP=ipv4$/m);
      assert.match(await sh("ip -o link show fe0"), / master openstack /);
      assert.match(await sh("ip -d link show fe-extra"), /bridge/);
      assert.match(await sh("cat /etc/qemu/bridge.conf"), /^allow fe-allow$/m);
      const hook = await sh("cat /etc/lab-operator/hook-edited.conf");
      assert.match(hook, /^public 10\.0\.2\.0\/24$/m);
      assert.match(hook, /^public 10\.0\.5\.0\/24$/m);
      assert.match(await sh("iptables -t nat -S"), /10\.0\.5\.0\/24.*MASQUERADE/);
      for (const flag of ["", "--inactive"]) {
        const xml = await sh(`virsh net-dumpxml ${flag} hypervisor-control-plane`);
        assert.match(xml, /<range start='192\.168\.122\.10' end='192\.168\.122\.200'/, `range ${flag}`);
        assert.doesNotMatch(xml, /192\.168\.122\.254/, `old range gone ${flag}`);
        assert.match(xml, /<host mac='52:54:00:fe:00:01' name='fe-host' ip='192\.168\.122\.50'\/>/);
        assert.match(xml, /<host ip='192\.168\.122\.60'>\s*<hostname>fe-dns<\/hostname>/);
      }
      assert.equal(await ifindex(), ifindexBefore, "the network was not restarted: the edits were live");
      assert.match(await sh("virsh net-info hypervisor-control-plane"), new RegExp(`UUID:\\s+${hcpBefore}`));
      assert.match(await sh("virsh net-info openstack-control-plane"), /Autostart:\s+no/);
    });

    test(
      "a change libvirt cannot apply live is refused under updatePolicy Manual, naming it",
      { timeout: 10 * 60_000 },
      async (t) => {
        const edited = [
          "LibvirtNetwork spec.mode",
          "LibvirtNetwork spec.bridge",
          "LibvirtNetwork spec.ipv4.address",
          "LibvirtNetwork spec.ipv6.address",
          "LibvirtNetwork spec.networkName",
        ];
        assert.deepEqual(edited.sort(), fieldsOf("restart-refused"));
        const hcp = net("hypervisor-control-plane");
        Object.assign(hcp, {
          mode: "isolated",
          bridge: "hyper2",
          ipv4: {
            address: "192.168.123.1/24",
            dhcp: {
              ranges: [{ start: "192.168.123.10", end: "192.168.123.200" }],
              hosts: [{ mac: "52:54:00:fe:00:01", ip: "192.168.123.50", name: "fe-host" }],
            },
          },
          ipv6: { address: "fd00:1::1/64" },
          dnsHosts: [{ ip: "192.168.123.60", hostnames: ["fe-dns"] }],
        });
        net("openstack-control-plane").networkName = "ocp-renamed";
        // In the same apply, a bridge this LabManager created leaves spec.bridges: it is removed.
        manager.spec.bridges = manager.spec.bridges.filter((b: { name: string }) => b.name !== "fe-extra");
        await apply(t, "restart refused", false);

        const xml = await dumpxml("hypervisor-control-plane");
        assert.match(xml, /<ip address='192\.168\.122\.1'/, "the running network is left as it was");
        assert.match(xml, /<bridge name='hypervisor'/);
        const state = await conditionsOf("hypervisor-control-plane");
        assert.match(state, /RestartRequired/);
        for (const what of [
          "forward mode nat → isolated",
          "bridge hypervisor → hyper2",
          "IPv4 address 192.168.122.1/24 → 192.168.123.1/24",
          "IPv6 address none → fd00:1::1/64",
          "spec.updatePolicy: Restart",
        ])
          assert.ok(state.includes(what), `the condition names ${what}:\n${state}`);
        await assert.rejects(sh("ip link show fe-extra"), "the bridge taken out of spec.bridges is gone");
        const renamed = await conditionsOf("openstack-control-plane");
        assert.ok(renamed.includes("must be replaced by ocp-renamed"), renamed);
        assert.match(await sh("virsh net-info openstack-control-plane"), /Active:\s+yes/);
        await assert.rejects(sh("virsh net-info ocp-renamed"), "not defined while refused");
      },
    );

    test("updatePolicy Restart applies it with a restart", { timeout: 10 * 60_000 }, async (t) => {
      assert.deepEqual(["LibvirtNetwork spec.updatePolicy"], fieldsOf("restart-applied"));
      net("hypervisor-control-plane").updatePolicy = "Restart";
      net("openstack-control-plane").updatePolicy = "Restart";
      await apply(t, "restart applied");
      const xml = await dumpxml("hypervisor-control-plane");
      assert.doesNotMatch(xml, /<forward/, "isolated: no forward");
      assert.match(xml, /<bridge name='hyper2'/);
      assert.match(xml, /<ip address='192\.168\.123\.1' prefix='24'>/);
      assert.match(xml, /<ip family='ipv6' address='fd00:1::1' prefix='64'/);
      assert.match(xml, /<range start='192\.168\.123\.10' end='192\.168\.123\.200'/);
      assert.match(xml, /ip='192\.168\.123\.50'/);
      assert.match(xml, /<host ip='192\.168\.123\.60'>/);
      assert.match(await sh("virsh net-info hypervisor-control-plane"), /Active:\s+yes/);
      assert.match(await sh("ip -br addr show hyper2"), /192\.168\.123\.1\/24/);
      await assert.rejects(sh("virsh net-info openstack-control-plane"), "the old name is undefined");
      assert.match(await sh("virsh net-info ocp-renamed"), /Active:\s+yes/);

      // Renamed while stopped: the network under the old name disconnects nothing, so it is
      // undefined under Manual too (status.networkName remembers it; only running ones are listed).
      await sh("virsh net-destroy ocp-renamed");
      Object.assign(net("openstack-control-plane"), { networkName: "ocp-stopped", updatePolicy: "Manual" });
      await apply(t, "stopped network renamed");
      await assert.rejects(sh("virsh net-info ocp-renamed"), "the stopped old one is undefined");
      assert.match(await sh("virsh net-info ocp-stopped"), /Active:\s+yes/);
    });

    test(
      "libvirtDefaultNetwork keep gives libvirt's default network back; virtualBMC off removes vbmcd",
      { timeout: 10 * 60_000 },
      async (t) => {
        assert.deepEqual(
          ["LabManager spec.libvirtDefaultNetwork", "LabManager spec.virtualBMC.enabled"],
          fieldsOf("last"),
        );
        manager.spec.libvirtDefaultNetwork = "keep";
        manager.spec.virtualBMC = { ...manager.spec.virtualBMC, enabled: false };
        manager.spec.user = { ...manager.spec.user, openstackClients: false };
        await apply(t, "default network and vbmcd");
        await assert.rejects(sh("test -e /home/manager/.venvs/openstack-clients"), "our venv is removed");
        await assert.rejects(sh("test -e /home/manager/.local/bin/openstack"), "and its link");
        await assert.rejects(sh("systemctl is-active vbmcd"), "vbmcd is stopped");
        await assert.rejects(sh("test -e /etc/systemd/system/vbmcd.service"), "and its unit removed");
        const info = await sh("virsh net-info default");
        assert.match(info, /Active:\s+yes/);
        assert.match(info, /Autostart:\s+yes/);
      },
    );
  },
);
