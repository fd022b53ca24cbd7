/**
 * Reset as the seed's "How to Reset" did it, but safely, on a prebaked sandbox Manager:
 * `labctl delete --dry-run` prints and changes nothing (host and workspace compared before
 * and after), `labctl apply --recreate` deletes then converges again (the networks are
 * defined anew), and `labctl delete` removes, networks first, the bridges, networks and user
 * the lab created while a bridge, a file and a user made by hand stay.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { labctl } from "./support/labctl.js";
import { networksYaml, renderManagerManifest } from "./support/manifests.js";
import {
  skipUnlessSandboxCapable,
  sshRun,
  startSandbox,
  stopSandbox,
  type Sandbox,
} from "./support/sandbox.js";
import { snapshot } from "./support/files.js";

const NETWORKS = [
  {
    name: "hypervisor-control-plane",
    spec: {
      mode: "nat",
      bridge: "hypervisor",
      ipv4: {
        address: "192.168.122.1/24",
        dhcp: { ranges: [{ start: "192.168.122.2", end: "192.168.122.254" }] },
      },
    },
  },
  { name: "openstack-control-plane", spec: { mode: "bridge", bridge: "openstack" } },
];

/** What the Manager looks like, as far as the lab touches it (one round trip). */
const OBSERVE = [
  "ip -br addr | awk '{print $1, $3, $4}' | sort",
  "virsh net-list --all --uuid | sort",
  "virsh net-list --all --name | sort",
  "getent passwd | cut -d: -f1 | sort",
  "ls -la --time-style=+ /etc/systemd/network /etc/sudoers.d /etc/libvirt/qemu/networks 2>&1",
  "md5sum /etc/qemu/bridge.conf /root/.ssh/authorized_keys /etc/handmade.conf 2>&1",
  "systemctl is-active libvirtd || true",
].join("; echo ---; ");

describe("labctl delete and apply --recreate", { skip: skipUnlessSandboxCapable() }, () => {
  let sandbox: Sandbox;
  let dir = "";
  const ws = () => join(dir, "workspace");
  const mf = () => join(dir, "manifests");
  const on = (cmd: string[]) => sshRun(sandbox, sandbox.managers[0]!, cmd);
  const hostState = () => on(["sh", "-c", OBSERVE]);
  const fails = (cmd: string[]) =>
    on(cmd).then(
      () => false,
      () => true,
    );

  before(
    async () => {
      sandbox = await startSandbox({ count: 1, variant: "prebaked", prefix: `dl${process.pid % 100_000}` });
      dir = await mkdtemp(join(tmpdir(), "delete-e2e-"));
      await renderManagerManifest(sandbox, sandbox.managers[0]!, mf(), (spec) => {
        spec.bridges = [{ name: "public", addresses: ["10.0.2.1/24"] }, { name: "openstack" }];
        spec.virtualBMC = { enabled: false };
      });
      await writeFile(join(mf(), "networks.yaml"), networksYaml(NETWORKS));
      // Made by hand: no delete may touch them.
      await on(["ip", "link", "add", "handbr0", "type", "bridge"]);
      await on(["sh", "-c", "echo by-hand >/etc/handmade.conf"]);
      await on(["useradd", "-m", "handmade"]);
    },
    { timeout: 20 * 60_000 },
  );
  after(async () => {
    await stopSandbox(sandbox);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("apply converges the lab", { timeout: 20 * 60_000 }, async () => {
    const res = await labctl(["apply", "-f", mf(), "--workspace", ws()]);
    assert.equal(res.code, 0, `apply failed:\n${res.stdout}\n${res.stderr.slice(-4000)}`);
    await on(["id", "manager"]);
    for (const n of NETWORKS) assert.match(await on(["virsh", "net-info", n.name]), /Active:\s+yes/);
  });

  test(
    "delete --dry-run prints what it would remove and changes nothing",
    { timeout: 5 * 60_000 },
    async (t) => {
      const host = await hostState();
      const workspace = snapshot(ws());
      const res = await labctl(["delete", "-f", mf(), "--workspace", ws(), "--dry-run"]);
      t.diagnostic(res.stdout);
      assert.equal(res.code, 0, `${res.stdout}\n${res.stderr.slice(-3000)}`);
      for (const n of NETWORKS)
        assert.match(res.stdout, new RegExp(`LibvirtNetwork/${n.name}: would remove\\n  - `));
      assert.match(res.stdout, /LabManager\/manager: would remove\n {2}- /);
      assert.match(res.stdout, /public/, "the host bridge is among what would go");
      const started = res.logs.filter((l) => typeof l.msg === "string" && l.msg.startsWith("step started"));
      assert.deepEqual(started, [], "no step runs");
      assert.equal(await hostState(), host, "the Manager is unchanged");
      assert.deepEqual(snapshot(ws()), workspace, "the workspace (state included) is unchanged");
    },
  );

  test("apply --recreate deletes, then converges again", { timeout: 20 * 60_000 }, async (t) => {
    const uuid = (await on(["virsh", "net-uuid", "hypervisor-control-plane"])).trim();
    const res = await labctl(["apply", "-f", mf(), "--workspace", ws(), "--recreate"]);
    t.diagnostic(res.stdout);
    assert.equal(res.code, 0, `apply --recreate failed:\n${res.stdout}\n${res.stderr.slice(-4000)}`);
    // Each object's block: its steps as they run, then the outcome.
    assert.match(
      res.stdout,
      /^LibvirtNetwork\/hypervisor-control-plane: removing\n {2}- stop libvirt network hypervisor-control-plane\n {2}- undefine libvirt network hypervisor-control-plane\nLibvirtNetwork\/hypervisor-control-plane: removed$/m,
    );
    assert.match(res.stdout, /LabManager\/manager: removed/);
    for (const n of NETWORKS) assert.match(await on(["virsh", "net-info", n.name]), /Active:\s+yes/);
    assert.notEqual(
      (await on(["virsh", "net-uuid", "hypervisor-control-plane"])).trim(),
      uuid,
      "defined anew",
    );
    await on(["id", "manager"]);
    assert.match(await on(["ip", "-br", "addr", "show", "public"]), /10\.0\.2\.1\/24/);
  });

  test(
    "delete removes what the lab created, networks before the Manager, and nothing else",
    {
      timeout: 10 * 60_000,
    },
    async (t) => {
      const res = await labctl(["delete", "-f", mf(), "--workspace", ws()]);
      t.diagnostic(res.stdout);
      assert.equal(res.code, 0, `delete failed:\n${res.stdout}\n${res.stderr.slice(-4000)}`);
      const at = (line: string) => res.stdout.indexOf(line);
      for (const n of NETWORKS) {
        assert.ok(at(`LibvirtNetwork/${n.name}: removed`) >= 0, res.stdout);
        assert.ok(at(`LibvirtNetwork/${n.name}: removed`) < at("LabManager/manager: removing"), res.stdout);
      }
      const names = await on(["virsh", "net-list", "--all", "--name"]);
      for (const n of NETWORKS) assert.doesNotMatch(names, new RegExp(`^${n.name}$`, "m"));
      for (const bridge of ["public", "openstack", "hypervisor"])
        assert.ok(await fails(["ip", "link", "show", bridge]), `bridge ${bridge} is gone`);
      assert.ok(await fails(["id", "manager"]), "the manager user is gone");
      await on(["ip", "link", "show", "handbr0"]);
      assert.equal((await on(["cat", "/etc/handmade.conf"])).trim(), "by-hand");
      await on(["id", "handmade"]);
      const state = Object.keys(snapshot(join(ws(), "state"))).filter((f) => f.endsWith(".json"));
      assert.deepEqual(state, [], "no object state is left");
      const again = await labctl(["delete", "-f", mf(), "--workspace", ws()]);
      assert.equal(again.code, 0, again.stderr.slice(-3000));
      assert.doesNotMatch(again.stdout, /^ {2}- /m, "a second delete finds nothing to remove");
    },
  );
});
