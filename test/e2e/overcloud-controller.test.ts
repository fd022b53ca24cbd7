/**
 * The OvercloudNodeSet controller through `labctl apply` on a prebaked sandbox Manager
 * (systemd-nspawn, real libvirt and VirtualBMC, QEMU without KVM): a LabManager, the example
 * lab's two node networks and the example set (manifests/04-overcloud.yaml: 2 controllers +
 * 1 compute, here sized small and without the undercloud handoff) converge in one apply; a
 * second apply runs no step of the set; count 3 → 2 removes exactly one node.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { stringify } from "yaml";
import { labctl } from "./support/labctl.js";
import { networksYaml, renderManagerManifest } from "./support/manifests.js";
import {
  type Sandbox,
  skipUnlessSandboxCapable,
  sshArgv,
  sshRun,
  startSandbox,
  stopSandbox,
} from "./support/sandbox.js";
import { runWithStdin, SANDBOX_LIBVIRT } from "./undercloud-lab.js";

const VBMC = "/opt/lab-operator/virtualbmc/bin/vbmc";
const BMC_ADDRESS = "192.168.122.1";
const NODES = ["overcloud-controller-0", "overcloud-controller-1", "overcloud-compute-0"];

const NETWORKS = [
  {
    name: "hypervisor-control-plane",
    spec: {
      mode: "nat",
      bridge: "hypervisor",
      ipv4: {
        address: `${BMC_ADDRESS}/24`,
        dhcp: { ranges: [{ start: "192.168.122.2", end: "192.168.122.254" }] },
      },
    },
  },
  { name: "openstack-control-plane", spec: { mode: "bridge", bridge: "openstack" } },
];

const NICS = [
  { networkRef: { name: "openstack-control-plane" } },
  { networkRef: { name: "hypervisor-control-plane" } },
];

function nodeSetYaml(controllers: number): string {
  const small = { vcpus: 1, memoryMiB: 512, disks: ["2G"], nics: NICS };
  return stringify({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "OvercloudNodeSet",
    metadata: { name: "overcloud" },
    spec: {
      managerRef: { name: "manager" },
      virtType: "qemu",
      roles: [
        { name: "controller", count: controllers, profile: "control", ...small },
        { name: "compute", count: 1, ...small },
      ],
      bmc: { type: "ipmi", address: BMC_ADDRESS, portRange: { start: 6231, end: 6240 }, username: "admin" },
      resyncInterval: "10m",
    },
  });
}

interface SavedNode {
  name: string;
  role: string;
  macs: string[];
  bmcPort?: number;
  powerState: string;
}

describe("OvercloudNodeSet controller through labctl apply", { skip: skipUnlessSandboxCapable() }, () => {
  let sandbox: Sandbox | undefined;
  let dir = "";
  const ws = () => join(dir, "workspace");
  const mf = () => join(dir, "manifests");
  const on = (cmd: string[]) => sshRun(sandbox!, sandbox!.managers[0]!, cmd);
  const onIn = (cmd: string[], stdin: string) =>
    runWithStdin("ssh", sshArgv(sandbox!, sandbox!.managers[0]!, cmd), stdin);
  const domains = async () =>
    (await on(["virsh", "-q", "list", "--all", "--name"])).split("\n").filter(Boolean).sort();
  const vbmcList = async () =>
    JSON.parse(await on([VBMC, "list", "-f", "json"])) as {
      "Domain name": string;
      Port: number;
      Address: string;
    }[];
  const password = async (node: string) =>
    (
      await readFile(
        join(ws(), "passwords", "OvercloudNodeSet", "default", "overcloud", `bmc-${node}`),
        "utf8",
      )
    )
      .trim()
      .slice(0, 20);
  const instackPath = () => join(ws(), "results", "overcloud", "instackenv.json");
  const instackenv = async () =>
    JSON.parse(await readFile(instackPath(), "utf8")) as { nodes: Record<string, unknown>[] };
  const stateFile = async () =>
    readFile(join(ws(), "state", "OvercloudNodeSet", "default", "overcloud.json"), "utf8");
  const apply = async (what: string) => {
    const t = Date.now();
    const res = await labctl(["apply", "-f", mf(), "--workspace", ws()], { timeoutMs: 25 * 60_000 });
    assert.equal(res.code, 0, `${what} failed:\n${res.stdout.slice(-3000)}\n${res.stderr.slice(-4000)}`);
    console.log(`# ${what}: ${Date.now() - t} ms`);
    return res;
  };
  const setSteps = (logs: Record<string, unknown>[]) =>
    logs
      .filter(
        (l) => l.kind === "OvercloudNodeSet" && typeof l.msg === "string" && l.msg.startsWith("step started"),
      )
      .map((l) => String(l.step ?? l.msg));

  before(
    async () => {
      sandbox = await startSandbox({ count: 1, variant: "prebaked", prefix: `occ${process.pid % 100_000}` });
      await on(["bash", "-c", SANDBOX_LIBVIRT]);
      dir = await mkdtemp(join(tmpdir(), "occtl-e2e-"));
      await renderManagerManifest(sandbox, sandbox.managers[0]!, mf(), (spec) => {
        spec.bridges = [{ name: "openstack" }];
        spec.resyncInterval = "10m";
      });
      await writeFile(join(mf(), "networks.yaml"), networksYaml(NETWORKS));
      await writeFile(join(mf(), "overcloud.yaml"), nodeSetYaml(2));
    },
    { timeout: 20 * 60_000 },
  );
  after(async () => {
    await stopSandbox(sandbox);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test(
    "one apply converges the Manager, its networks and three stamped nodes with a BMC each; instackenv.json matches",
    { timeout: 30 * 60_000 },
    async () => {
      const res = await apply("first apply (Manager, networks, 3 nodes)");
      assert.deepEqual(
        (await domains()).filter((d) => d.startsWith("overcloud-")),
        [...NODES].sort(),
      );
      for (const node of NODES) {
        assert.equal((await on(["virsh", "-q", "domstate", node])).trim(), "shut off", `${node} powered off`);
        const stamp = await on(["virsh", "metadata", node, "--uri", "https://openstacklab.io/ownership"]);
        assert.match(stamp, /<owner kind="OvercloudNodeSet" namespace="default" name="overcloud"/);
      }
      const entries = await vbmcList();
      assert.deepEqual(entries.map((e) => e["Domain name"]).sort(), [...NODES].sort());

      const mode = (await stat(instackPath())).mode & 0o777;
      assert.equal(mode, 0o600, "instackenv.json holds passwords: 0600");
      const env = await instackenv();
      assert.deepEqual(
        env.nodes.map((n) => n.name),
        NODES,
      );
      const saved = JSON.parse(await stateFile()) as {
        status: { nodes: SavedNode[]; conditions: { type: string; status: string }[] };
      };
      assert.equal(saved.status.conditions.find((c) => c.type === "Ready")?.status, "True");
      for (const n of env.nodes) {
        const name = n.name as string;
        const entry = entries.find((e) => e["Domain name"] === name)!;
        assert.equal(n.pm_type, "ipmi");
        assert.equal(n.pm_addr, entry.Address);
        assert.equal(n.pm_port, String(entry.Port));
        assert.equal(n.pm_user, "admin");
        assert.equal(n.pm_password, await password(name), "the workspace's password");
        const macs = (await on(["virsh", "-q", "domiflist", name]))
          .trim()
          .split("\n")
          .map((l) => l.trim().split(/\s+/)[4]);
        assert.deepEqual(n.mac, [macs[0]], "the PXE NIC's MAC");
        const status = saved.status.nodes.find((s) => s.name === name)!;
        assert.deepEqual(status.macs, macs, "status.nodes has the domain's MACs");
        assert.equal(status.bmcPort, entry.Port, "status.nodes has the BMC's port");
        assert.equal(status.powerState, "shut off");
        assert.equal(status.role, name.includes("compute") ? "compute" : "controller");
      }
      // The BMC answers with the workspace's password.
      const first = env.nodes[0]!;
      const ipmi = await onIn(
        [
          "bash",
          "-c",
          'IPMI_PASSWORD=$(head -n1) ipmitool -I lanplus -H "$1" -p "$2" -U admin -E power status',
          "ipmi",
          BMC_ADDRESS,
          String(first.pm_port),
        ],
        `${first.pm_password as string}\n`,
      );
      assert.match(ipmi, /Chassis Power is off/);
      // Passwords are in instackenv.json and the workspace only.
      const text = `${await stateFile()}\n${res.stdout}\n${res.stderr}`;
      for (const node of NODES) assert.ok(!text.includes(await password(node)), `${node}'s password leaked`);
    },
  );

  test(
    "a second apply runs no step of the set and leaves instackenv.json as it was",
    { timeout: 10 * 60_000 },
    async () => {
      const before = await stat(instackPath());
      const res = await apply("second apply");
      assert.deepEqual(setSteps(res.logs), [], "no OvercloudNodeSet step on a converged set");
      const after = await stat(instackPath());
      assert.equal(after.mtimeMs, before.mtimeMs, "unchanged content is not written again");
    },
  );

  test(
    "labctl ipmitool NODE powers a node on and off through its own BMC; a converge leaves power to Ironic",
    { timeout: 10 * 60_000 },
    async () => {
      const ipmitool = async (...args: string[]) => {
        const res = await labctl(["ipmitool", "--workspace", ws(), ...args], { timeoutMs: 120_000 });
        assert.equal(
          res.code,
          0,
          `labctl ipmitool ${args.join(" ")}:\n${res.stdout}\n${res.stderr.slice(-2000)}`,
        );
        return res.stdout;
      };
      const node = "overcloud-controller-1";
      const state = async () => (await on(["virsh", "-q", "domstate", node])).trim();
      assert.match(await ipmitool(node, "power", "status"), /Chassis Power is off/);
      await ipmitool(node, "power", "on");
      assert.equal(await state(), "running", "power on through the BMC started the domain");
      assert.equal(
        await on(["virsh", "-q", "domstate", "overcloud-controller-0"]).then((s) => s.trim()),
        "shut off",
      );
      const res = await apply("apply with a node powered on by its BMC");
      assert.deepEqual(setSteps(res.logs), [], "power state is Ironic's: no step, no repair");
      assert.equal(await state(), "running");
      await ipmitool(node, "power", "off");
      assert.equal(await state(), "shut off", "power off through the BMC stopped the domain");
      // A name that is no node of the lab is an error listing the nodes there.
      const wrong = await labctl(
        ["ipmitool", "--workspace", ws(), "overcloud-nodes-that-do-not-exist", "power", "status"],
        { timeoutMs: 60_000 },
      );
      assert.notEqual(wrong.code, 0);
      assert.match(
        wrong.stderr,
        /no VM or overcloud node overcloud-nodes-that-do-not-exist .*overcloud-controller-0/,
      );
    },
  );

  test(
    "count 3 → 2 removes exactly the highest controller with its BMC",
    { timeout: 10 * 60_000 },
    async () => {
      const keptUuid = await on(["virsh", "-q", "domuuid", "overcloud-controller-0"]);
      await writeFile(join(mf(), "overcloud.yaml"), nodeSetYaml(1));
      const res = await apply("scale down apply");
      assert.deepEqual(
        setSteps(res.logs).filter((s) => !s.includes("overcloud-controller-1")),
        [],
        "only the removed node's steps ran",
      );
      assert.deepEqual(
        (await domains()).filter((d) => d.startsWith("overcloud-")),
        ["overcloud-compute-0", "overcloud-controller-0"],
      );
      assert.equal(
        await on(["virsh", "-q", "domuuid", "overcloud-controller-0"]),
        keptUuid,
        "the others untouched",
      );
      assert.deepEqual((await vbmcList()).map((e) => e["Domain name"]).sort(), [
        "overcloud-compute-0",
        "overcloud-controller-0",
      ]);
      await assert.rejects(on(["test", "-e", "/var/lib/libvirt/images/overcloud-controller-1.qcow2"]));
      assert.deepEqual(
        (await instackenv()).nodes.map((n) => n.name),
        ["overcloud-controller-0", "overcloud-compute-0"],
      );
      const saved = JSON.parse(await stateFile()) as { status: { nodes: SavedNode[] } };
      assert.deepEqual(
        saved.status.nodes.map((n) => n.name),
        ["overcloud-controller-0", "overcloud-compute-0"],
      );
    },
  );
});
