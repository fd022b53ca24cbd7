/**
 * LibvirtNetwork observe/plan/apply against a real Manager: a prebaked sandbox container
 * (Debian with libvirtd under its own systemd), reached over SSH through the connection
 * pool. Converges the seed's three networks, applies a DHCP host live, leaves a network it
 * did not create alone, sees a network destroyed by hand through libvirt events, repairs it,
 * then cleans up only what it made.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { libvirtNetwork, type LibvirtNetwork } from "../../src/api/index.js";
import { EventWatcher } from "../../src/remote/event-watcher.js";
import { parseLibvirtEvent, type LibvirtEvent } from "../../src/steps/libvirt-events.js";
import { networkEvents } from "../../src/steps/network/events.js";
import { createLogger } from "../../src/log.js";
import { HostPool } from "../../src/remote/pool.js";
import type { RemoteHost } from "../../src/remote/types.js";
import { renderNetworkHookScript } from "../../src/render/network-hook.js";
import { planNetworkCleanup } from "../../src/steps/network/cleanup.js";
import { observeNetwork } from "../../src/steps/network/observe.js";
import { planNetwork } from "../../src/steps/network/plan.js";
import { PlanBlocked, type Step } from "../../src/steps/types.js";
import {
  type Sandbox,
  sshRun,
  skipUnlessSandboxCapable,
  startSandbox,
  stopSandbox,
} from "./support/sandbox.js";

const skip = skipUnlessSandboxCapable();
const BOOT = { timeout: 20 * 60_000 }; // the first run may build the prebaked rootfs
const HOOK_CONFIG = "/etc/lab-operator/network-hook.conf";
const hook = { configFile: HOOK_CONFIG };

function net(name: string, spec: Record<string, unknown>): LibvirtNetwork {
  return libvirtNetwork.parse({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "LibvirtNetwork",
    metadata: { name, uid: `uid-${name}` },
    spec: { managerRef: { name: "lab" }, ...spec },
  });
}

const hypervisor = net("hypervisor-control-plane", {
  mode: "nat",
  bridge: "hypervisor",
  ipv4: {
    address: "192.168.122.1/24",
    dhcp: { ranges: [{ start: "192.168.122.2", end: "192.168.122.254" }] },
  },
});
const openstack = net("openstack-control-plane", { mode: "bridge", bridge: "openstack" });
const pub = net("public", { mode: "bridge", bridge: "public", masquerade: ["10.0.2.0/24"] });
const SEED = [hypervisor, openstack, pub];

/** Poll until check() holds; no fixed sleeps. */
async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("LibvirtNetwork steps on a prebaked sandbox Manager", { skip }, () => {
  let sandbox: Sandbox | undefined;
  let pool: HostPool | undefined;
  let root: RemoteHost;
  const log = createLogger({ level: process.env.LOG_LEVEL ?? "warn" });
  const events: Array<LibvirtEvent & { at: number }> = [];
  const queued: Array<{ name: string; at: number }> = [];
  const watcher = new EventWatcher(networkEvents, {
    log,
    onLine: (_m, line) => {
      const e = parseLibvirtEvent(line);
      if (e) events.push({ ...e, at: Date.now() });
    },
  });

  const sh = (cmd: string[]) => sshRun(sandbox!, sandbox!.managers[0]!, cmd);
  const observe = (n: LibvirtNetwork) => observeNetwork(root, n.metadata.name, HOOK_CONFIG);
  async function converge(n: LibvirtNetwork, wasConverged = false): Promise<Step[]> {
    const steps = planNetwork(n, await observe(n), { hook, wasConverged });
    for (const s of steps) {
      const t = Date.now();
      await s.apply({ host: root, log });
      console.log(`# ${s.id}: ${Date.now() - t} ms${s.drift ? ` (drift: ${s.drift})` : ""}`);
    }
    assert.deepEqual(
      planNetwork(n, await observe(n), { hook }).map((s) => s.description),
      [],
      `${n.metadata.name} converged`,
    );
    return steps;
  }

  /**
   * A DHCP client on the NAT bridge: a veth whose far end sits in its own namespace with the
   * given MAC, asking with busybox udhcpc (installed in the container when missing).
   */
  async function dhcpLease(mac: string): Promise<string> {
    await sh([
      "bash",
      "-c",
      "command -v busybox >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox; } >/dev/null 2>&1",
    ]);
    const script = [
      "set -euo pipefail",
      "mac=$1",
      "ip netns del labdhcp 2>/dev/null || true",
      "ip link del labdh0 2>/dev/null || true",
      "ip netns add labdhcp",
      "ip link add labdh0 type veth peer name labdh1",
      "ip link set labdh1 netns labdhcp",
      "ip link set labdh0 master hypervisor up",
      'ip netns exec labdhcp ip link set labdh1 address "$mac" up',
      "out=$(ip netns exec labdhcp busybox udhcpc -i labdh1 -n -q -f -t 20 -T 1 -s /bin/true 2>&1) || true",
      "ip link del labdh0; ip netns del labdhcp",
      `sed -n 's/.*lease of \\([0-9.]*\\) obtained.*/\\1/p' <<<"$out"`,
    ].join("\n");
    const t = Date.now();
    const lease = (await sh(["bash", "-c", script, "dhcp", mac])).trim();
    console.log(`# DHCP lease ${lease || "none"} in ${Date.now() - t} ms`);
    return lease;
  }

  before(async () => {
    sandbox = await startSandbox({
      count: 1,
      variant: "prebaked",
      prefix: `nw${process.pid % 100_000}`,
    });
    const m = sandbox.managers[0]!;
    pool = new HostPool({ knownHostsPath: sandbox.knownHostsPath, log });
    root = pool.host({
      host: m.address,
      user: "root",
      privateKey: await readFile(sandbox.privateKeyPath),
      hostKey: { fingerprint: m.fingerprint },
    });
    // What the LabManager controller does before any network: the host bridges, the hook, libvirtd.
    for (const br of ["openstack", "public"]) {
      await sh(["ip", "link", "add", br, "type", "bridge"]);
      await sh(["ip", "link", "set", br, "up"]);
    }
    await root.upload("/etc/libvirt/hooks/network", renderNetworkHookScript(HOOK_CONFIG), { mode: 0o755 });
    await sh(["systemctl", "enable", "libvirtd"]);
    await sh(["systemctl", "restart", "libvirtd"]); // libvirtd finds hook scripts when it starts
    await until(
      async () =>
        (
          await root.exec(["virsh", "-c", "qemu:///system", "uri"], {
            purpose: "libvirt up",
            allowFailure: true,
          })
        ).exitCode === 0,
      30_000,
      "libvirtd",
    );
    const existing = await sh(["virsh", "net-list", "--all"]);
    console.log(`# libvirt networks before the test:\n${existing.replace(/^/gm, "# ")}`);
  }, BOOT);

  after(async () => {
    await watcher.stop();
    pool?.close();
    await stopSandbox(sandbox);
  });

  it("converges the seed's three networks: defined, active, autostarted", { timeout: 120_000 }, async () => {
    for (const n of SEED) {
      const t = Date.now();
      const steps = await converge(n);
      console.log(`# ${n.metadata.name}: ${steps.length} steps, ${Date.now() - t} ms with both observations`);
      assert.ok(steps.some((s) => s.id.endsWith("/define")));
    }
    const list = await sh(["virsh", "net-list", "--all"]);
    for (const n of SEED)
      assert.match(list, new RegExp(`^\\s*${n.metadata.name}\\s+active\\s+yes\\s+yes\\s*$`, "m"));
    assert.match(
      await sh(["iptables", "-t", "nat", "-S", "POSTROUTING"]),
      /-s 10\.0\.2\.0\/24 ! -d 10\.0\.2\.0\/24 .*lab-operator:public.* -j MASQUERADE/,
    );
    assert.equal(
      (await sh(["cat", HOOK_CONFIG]))
        .split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .join("|"),
      "public 10.0.2.0/24",
    );
  });

  it(
    "watches libvirt events: a network destroyed by hand is re-queued within a second",
    { timeout: 60_000 },
    async () => {
      watcher.start(
        "default/lab",
        root,
        () => SEED,
        (k) => queued.push({ name: k.name, at: Date.now() }),
      );
      // The stream is live once it reports something: define and undefine a probe network until it does.
      await root.upload(
        "/tmp/lab-probe.xml",
        "<network><name>lab-probe</name><bridge name='labprobe0'/></network>",
      );
      await until(
        async () => {
          await sh(["bash", "-c", "virsh net-define /tmp/lab-probe.xml && virsh net-undefine lab-probe"]);
          return events.some((e) => e.name === "lab-probe");
        },
        20_000,
        "the event stream",
      );
      const before = queued.length;
      const t0 = Date.now();
      await sh(["virsh", "net-destroy", "openstack-control-plane"]);
      const returned = Date.now();
      const mine = () => queued.slice(before).find((q) => q.name === "openstack-control-plane");
      await until(() => mine() !== undefined, 5_000, "the enqueue");
      const at = mine()!.at;
      const stopped = events.find((e) => e.name === "openstack-control-plane" && e.detail === "Stopped");
      assert.ok(stopped?.timestamp, "a timestamped Stopped event was seen");
      const emitted = Date.parse(stopped.timestamp.replace(" ", "T").replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
      console.log(
        `# libvirt emitted Stopped → enqueued: ${at - emitted} ms; net-destroy over a fresh ssh: ${returned - t0} ms`,
      );
      assert.ok(at - emitted < 1_000, `enqueued ${at - emitted} ms after libvirt emitted the event`);
      assert.ok(at <= returned + 1_000, "enqueued no later than a second after the destroy returned");

      const steps = await converge(openstack, true);
      assert.deepEqual(
        steps.map((s) => s.drift),
        ["network destroyed by hand"],
      );
    },
  );

  it("applies a new DHCP host live: same uuid, same dnsmasq, no restart", { timeout: 60_000 }, async () => {
    const pidFile = "/run/libvirt/network/hypervisor-control-plane.pid";
    const before = await observe(hypervisor);
    const pidBefore = (await sh(["cat", pidFile])).trim();
    const eventsBefore = events.length;
    const changed = structuredClone(hypervisor);
    changed.spec.ipv4!.dhcp!.hosts.push({ mac: "52:54:00:12:34:56", ip: "192.168.122.50", name: "tripleo" });
    const steps = await converge(changed);
    assert.deepEqual(
      steps.map((s) => s.id),
      ["network/hypervisor-control-plane/update/0"],
    );
    const afterFacts = await observe(hypervisor);
    assert.equal(afterFacts.uuid, before.uuid);
    assert.equal((await sh(["cat", pidFile])).trim(), pidBefore, "dnsmasq kept running");
    assert.match(
      await sh(["cat", "/var/lib/libvirt/dnsmasq/hypervisor-control-plane.hostsfile"]),
      /52:54:00:12:34:56,192\.168\.122\.50,tripleo/,
    );
    assert.deepEqual(
      events.slice(eventsBefore).filter((e) => e.name === "hypervisor-control-plane"),
      [],
      "no lifecycle event",
    );
    assert.equal(
      await dhcpLease("52:54:00:12:34:56"),
      "192.168.122.50",
      "a client with that MAC gets the static address",
    );
    await converge(hypervisor); // and back, live as well
    assert.equal((await observe(hypervisor)).uuid, before.uuid);
  });

  it(
    "names the domains a restart would cut off, and refuses it under updatePolicy Manual",
    { timeout: 60_000 },
    async () => {
      const domain = (name: string, iface: string) =>
        `<domain type='qemu'><name>${name}</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os>` +
        `<devices>${iface}</devices></domain>`;
      await root.upload(
        "/tmp/labvm1.xml",
        domain(
          "labvm1",
          "<interface type='network'><source network='hypervisor-control-plane'/></interface>",
        ),
      );
      await root.upload(
        "/tmp/labvm2.xml",
        domain("labvm2", "<interface type='bridge'><source bridge='hypervisor'/></interface>"),
      );
      await sh(["virsh", "define", "/tmp/labvm1.xml"]);
      await sh(["virsh", "define", "/tmp/labvm2.xml"]);
      try {
        const facts = await observe(hypervisor);
        assert.deepEqual(facts.domains, ["labvm1", "labvm2"]);
        const moved = structuredClone(hypervisor);
        moved.spec.bridge = "hypervisor2";
        assert.throws(
          () => planNetwork(moved, facts, { hook }),
          (e: unknown) =>
            e instanceof PlanBlocked &&
            e.reason === "RestartRequired" &&
            /affects domains: labvm1, labvm2/.test(e.message),
        );
      } finally {
        await sh(["virsh", "undefine", "labvm1"]);
        await sh(["virsh", "undefine", "labvm2"]);
      }
    },
  );

  it(
    "re-lists every network after libvirtd restarts under the event stream",
    { timeout: 60_000 },
    async () => {
      const before = queued.length;
      const t0 = Date.now();
      await sh(["systemctl", "restart", "libvirtd"]);
      const names = () => new Set(queued.slice(before).map((q) => q.name));
      await until(() => SEED.every((n) => names().has(n.metadata.name)), 30_000, "a re-list of all networks");
      console.log(`# libvirtd restart → all ${SEED.length} networks re-queued in ${Date.now() - t0} ms`);
      const probe = queued.length;
      await sh(["virsh", "net-destroy", "public"]);
      await until(
        () => queued.slice(probe).some((q) => q.name === "public"),
        5_000,
        "events after the reconnect",
      );
      await converge(pub, true);
    },
  );

  it("leaves a network of the same name that it did not create untouched", { timeout: 60_000 }, async () => {
    const foreignXml =
      "<network><name>lab-foreign</name><bridge name='labforeign0'/><ip address='10.66.0.1' prefix='24'/></network>";
    await root.upload("/tmp/lab-foreign.xml", foreignXml);
    await sh(["virsh", "net-define", "/tmp/lab-foreign.xml"]);
    const ours = net("lab-foreign", {
      mode: "isolated",
      bridge: "labforeign1",
      ipv4: { address: "10.66.1.1/24" },
    });
    const xmlBefore = await sh(["virsh", "net-dumpxml", "--inactive", "lab-foreign"]);
    const facts = await observe(ours);
    assert.throws(
      () => planNetwork(ours, facts, { hook }),
      (e: unknown) => e instanceof PlanBlocked && e.reason === "Conflict",
    );
    const cleanup = planNetworkCleanup(ours, facts, hook);
    assert.deepEqual(cleanup.steps, []);
    assert.match(cleanup.conflict ?? "", /not created by lab-operator/);
    assert.equal(await sh(["virsh", "net-dumpxml", "--inactive", "lab-foreign"]), xmlBefore);
  });

  it("restores a masquerade rule removed by hand", { timeout: 60_000 }, async () => {
    const rule = [
      "POSTROUTING",
      "-s",
      "10.0.2.0/24",
      "!",
      "-d",
      "10.0.2.0/24",
      "-m",
      "comment",
      "--comment",
      "lab-operator:public",
      "-j",
      "MASQUERADE",
    ];
    await sh(["iptables", "-t", "nat", "-D", ...rule]);
    const steps = await converge(pub, true);
    assert.deepEqual(
      steps.map((s) => s.drift),
      ["masquerade rule missing for 10.0.2.0/24"],
    );
    assert.match(await sh(["iptables", "-t", "nat", "-S", "POSTROUTING"]), /lab-operator:public/);
  });

  it("cleans up only its own networks, destroying before undefining", { timeout: 60_000 }, async () => {
    for (const n of SEED) {
      const { steps, conflict } = planNetworkCleanup(n, await observe(n), hook);
      assert.equal(conflict, undefined);
      for (const s of steps) await s.apply({ host: root, log });
    }
    const list = await sh(["virsh", "net-list", "--all", "--name"]);
    for (const n of SEED) assert.doesNotMatch(list, new RegExp(`^${n.metadata.name}$`, "m"));
    assert.match(list, /^lab-foreign$/m);
    assert.doesNotMatch(await sh(["iptables", "-t", "nat", "-S", "POSTROUTING"]), /lab-operator:public/);
    assert.equal(
      (await sh(["cat", HOOK_CONFIG])).split("\n").filter((l) => l && !l.startsWith("#")).length,
      0,
    );
  });

  it(
    "refuses to start beside an active network on the same subnet (libvirt's default)",
    { timeout: 60_000 },
    async () => {
      await sh(["virsh", "net-start", "default"]);
      try {
        const facts = await observe(hypervisor);
        assert.equal(facts.exists, false);
        assert.throws(
          () => planNetwork(hypervisor, facts, { hook }),
          (e: unknown) =>
            e instanceof PlanBlocked &&
            e.reason === "Conflict" &&
            /active network default already uses .*192\.168\.122\.0\/24/.test(e.message),
        );
      } finally {
        await sh(["virsh", "net-destroy", "default"]);
      }
    },
  );
});
