/**
 * The LibvirtNetwork controller through `labctl apply` on a prebaked sandbox Manager: the
 * seed's three networks wait for their LabManager, converge, stay converged on a second
 * apply, and are removed (destroyed, then undefined) when their manifests go.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { labctl, RunningLabctl } from "./support/labctl.js";
import { networksYaml, renderManagerManifest } from "./support/manifests.js";
import {
  type Sandbox,
  skipUnlessSandboxCapable,
  sshRun,
  startSandbox,
  stopSandbox,
} from "./support/sandbox.js";

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
  { name: "public", spec: { mode: "bridge", bridge: "public", masquerade: ["10.0.2.0/24"] } },
];

describe(
  "LibvirtNetwork controller through labctl apply and run",
  { skip: skipUnlessSandboxCapable() },
  () => {
    let sandbox: Sandbox | undefined;
    let dir = "";
    const ws = () => join(dir, "workspace");
    const mf = () => join(dir, "manifests");
    const on = (cmd: string[]) => sshRun(sandbox!, sandbox!.managers[0]!, cmd);
    const waitForActive = async (name: string, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!/Active:\s+yes/.test(await on(["virsh", "net-info", name]).catch(() => ""))) {
        if (Date.now() > deadline) throw new Error(`${name} not active within ${timeoutMs} ms`);
      }
    };

    before(
      async () => {
        sandbox = await startSandbox({
          count: 1,
          variant: "prebaked",
          prefix: `nc${process.pid % 100_000}`,
        });
        dir = await mkdtemp(join(tmpdir(), "netctl-e2e-"));
        await renderManagerManifest(sandbox, sandbox.managers[0]!, mf(), (spec) => {
          // The seed's host bridges, without NICs (the container's host0 carries our session).
          spec.bridges = [{ name: "public", addresses: ["10.0.2.1/24"] }, { name: "openstack" }];
          spec.virtualBMC = { enabled: false };
          // Far beyond the run tests' deadlines: what they see repaired came from an event.
          spec.resyncInterval = "10m";
        });
        await writeFile(join(mf(), "networks.yaml"), networksYaml(NETWORKS));
      },
      { timeout: 20 * 60_000 },
    );
    after(async () => {
      await stopSandbox(sandbox);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test("apply converges the Manager, then its three networks", { timeout: 15 * 60_000 }, async () => {
      const t = Date.now();
      const res = await labctl(["apply", "-f", mf(), "--workspace", ws()]);
      assert.equal(res.code, 0, `apply failed:\n${res.stdout}\n${res.stderr.slice(-4000)}`);
      console.log(`# first apply: ${Date.now() - t} ms`);
      const list = await on(["virsh", "net-list", "--all"]);
      for (const n of NETWORKS)
        assert.match(list, new RegExp(`^\\s*${n.name}\\s+active\\s+yes\\s+yes\\s*$`, "m"));
      assert.match(await on(["iptables", "-t", "nat", "-S", "POSTROUTING"]), /lab-operator:public/);
      const get = await labctl(["get", "LibvirtNetwork", "--workspace", ws()]);
      for (const n of NETWORKS) assert.match(get.stdout, new RegExp(n.name));
    });

    test("OpenSSH logs in with the workspace's ssh.config, host key checked strictly", async () => {
      const ssh = (alias: string) =>
        promisify(execFile)("ssh", [
          "-F",
          join(ws(), "ssh.config"),
          "-o",
          "BatchMode=yes",
          alias,
          "id",
          "-un",
        ]);
      assert.equal((await ssh("manager-root")).stdout.trim(), "root");
      assert.equal((await ssh("manager")).stdout.trim(), "manager");
    });

    test("a second apply runs no network step", { timeout: 5 * 60_000 }, async () => {
      const res = await labctl(["apply", "-f", mf(), "--workspace", ws()]);
      assert.equal(res.code, 0, res.stderr.slice(-3000));
      // Only the networks' steps: the Manager's own are its controller's business.
      const started = res.logs.filter(
        (l) => l.kind === "LibvirtNetwork" && typeof l.msg === "string" && l.msg.startsWith("step started"),
      );
      assert.deepEqual(started, [], "no step runs on converged networks");
    });

    test(
      "a network destroyed by hand is started again by the next apply",
      { timeout: 5 * 60_000 },
      async () => {
        await on(["virsh", "net-destroy", "openstack-control-plane"]);
        const res = await labctl(["apply", "-f", mf(), "--workspace", ws()]);
        assert.equal(res.code, 0, res.stderr.slice(-3000));
        assert.match(await on(["virsh", "net-info", "openstack-control-plane"]), /Active:\s+yes/);
        const describe = await labctl([
          "describe",
          "LibvirtNetwork/openstack-control-plane",
          "--workspace",
          ws(),
        ]);
        // A second start step: labelled "network destroyed by hand" when the object was Ready just
        // before; a transient failure in between (e.g. an ssh keepalive timeout) leaves it unlabelled.
        const starts = describe.stdout
          .split("\n")
          .filter((l) => /network\/openstack-control-plane\/start\s+done/.test(l));
        assert.equal(starts.length, 2, describe.stdout);
        assert.match(
          starts[1]!,
          /network destroyed by hand|start libvirt network openstack-control-plane \(inactive\)/,
        );
        assert.match(describe.stdout, /Reachable\s+True/);
      },
    );

    test(
      "labctl run repairs a network destroyed by hand from libvirt's event, before any resync",
      { timeout: 5 * 60_000 },
      async () => {
        const op = new RunningLabctl(["run", "-f", mf(), "--workspace", ws(), "--metrics-address", "off"]);
        try {
          await op.waitForLog((l) => l.msg === "operator running", 60_000);
          // The event stream starts once the Manager's first reconcile finds it Ready: wait
          // until its `virsh net-event` runs on the Manager.
          const streaming = () =>
            on(["sh", "-c", "grep -qs net-even[t] /proc/[0-9]*/cmdline"]).then(
              () => true,
              () => false,
            );
          const deadline = Date.now() + 60_000;
          while (!(await streaming()))
            assert.ok(Date.now() < deadline, "no libvirt event stream on the Manager");
          await waitForActive("hypervisor-control-plane", 60_000);
          await on(["virsh", "net-destroy", "hypervisor-control-plane"]);
          await op.waitForLog(
            (l) => l.msg === "libvirt network event" && l.network === "hypervisor-control-plane",
            30_000,
          );
          await waitForActive("hypervisor-control-plane", 60_000);
          assert.equal(
            await op.stop("SIGTERM"),
            0,
            "SIGTERM ends labctl run cleanly, event streams included",
          );
        } finally {
          await op.stop("SIGTERM");
        }
      },
    );

    test(
      "labctl run restarts a Manager service stopped by hand from systemd's journal, before any resync",
      { timeout: 5 * 60_000 },
      async () => {
        const op = new RunningLabctl(["run", "-f", mf(), "--workspace", ws(), "--metrics-address", "off"]);
        const unitStreaming = () =>
          on(["sh", "-c", "grep -qs UNIT=virtlogd.socke[t] /proc/[0-9]*/cmdline"]).then(
            () => true,
            () => false,
          );
        try {
          const started = Date.now();
          const deadline = started + 90_000;
          while (!(await unitStreaming()))
            assert.ok(Date.now() < deadline, "no systemd unit event stream on the Manager");
          const broken = Date.now();
          await on(["systemctl", "stop", "virtlogd.socket", "virtlogd.service"]);
          await op.waitForLog((l) => l.msg === "systemd unit event", 30_000);
          const repaired = Date.now() + 60_000;
          while (
            (await on(["systemctl", "is-active", "virtlogd.socket"]).catch(() => "")).trim() !== "active"
          )
            assert.ok(Date.now() < repaired, "virtlogd.socket not restarted within 60 s (resync is 10 m)");
          console.log(
            `# unit stream after ${broken - started} ms; virtlogd.socket active again ${Date.now() - broken} ms after the stop`,
          );
          const stopping = Date.now();
          assert.equal(
            await op.stop("SIGTERM"),
            0,
            "SIGTERM ends labctl run cleanly, event streams included",
          );
          console.log(`# labctl run stopped ${Date.now() - stopping} ms after SIGTERM`);
        } finally {
          await op.stop("SIGTERM");
        }
      },
    );

    test(
      "moving a network's managerRef to another Manager is refused (Stalled, ManagerRefImmutable); moving it back is Ready",
      { timeout: 5 * 60_000 },
      async () => {
        const moved = NETWORKS.map((n) => ({
          ...n,
          managerRef: n.name === "public" ? "elsewhere" : "manager",
        }));
        await writeFile(
          join(mf(), "networks.yaml"),
          moved.map((n) => networksYaml([n], n.managerRef)).join("---\n"),
        );
        // A second Manager the lab declares, suspended: the move is refused before it is asked.
        await writeFile(
          join(mf(), "elsewhere.yaml"),
          [
            "apiVersion: openstacklab.io/v1alpha1",
            "kind: LabManager",
            "metadata: { name: elsewhere }",
            "spec: { address: 192.0.2.1, suspend: true, bridges: [{ name: public }] }",
            "",
          ].join("\n"),
        );
        try {
          const res = await labctl(["apply", "-f", mf(), "--workspace", ws()]);
          assert.notEqual(res.code, 0, "a refused edit is not a successful apply");
          const describe = await labctl(["describe", "LibvirtNetwork/public", "--workspace", ws()]);
          assert.match(describe.stdout, /Stalled\s+True\s+ManagerRefImmutable/, describe.stdout);
          assert.match(describe.stdout, /from manager to elsewhere/);
          assert.match(
            await on(["virsh", "net-info", "public"]),
            /Active:\s+yes/,
            "left running where it was made",
          );
        } finally {
          await writeFile(join(mf(), "networks.yaml"), networksYaml(NETWORKS));
          await rm(join(mf(), "elsewhere.yaml"));
        }
        const back = await labctl(["apply", "-f", mf(), "--workspace", ws()]);
        assert.equal(back.code, 0, back.stderr.slice(-3000));
        const ready = await labctl(["describe", "LibvirtNetwork/public", "--workspace", ws()]);
        assert.match(ready.stdout, /Ready\s+True/, ready.stdout);
      },
    );

    test("removing the networks' manifest destroys and undefines them", { timeout: 5 * 60_000 }, async () => {
      await rm(join(mf(), "networks.yaml"));
      const res = await labctl(["apply", "-f", mf(), "--workspace", ws()]);
      assert.equal(res.code, 0, res.stderr.slice(-3000));
      const names = await on(["virsh", "net-list", "--all", "--name"]);
      for (const n of NETWORKS) assert.doesNotMatch(names, new RegExp(`^${n.name}$`, "m"));
      assert.match(names, /^default$/m, "the distribution's network stays");
      assert.doesNotMatch(await on(["iptables", "-t", "nat", "-S", "POSTROUTING"]), /lab-operator:public/);
    });
  },
);
