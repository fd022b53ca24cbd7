/**
 * OvercloudNodeSet steps driven directly (observe → plan → apply, without the controller:
 * overcloud-controller.test.ts runs that through labctl apply) on a
 * prebaked sandbox Manager under QEMU software emulation: VirtualBMC and sushy-tools are
 * pip-installed for real, the nodes are real libvirt domains, power goes through real
 * IPMI (ipmitool on the Manager) and real Redfish (curl from this machine). The PXE and
 * NAT networks are defined with virsh here, not by the LibvirtNetwork controller.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { labManagerSpec, overcloudNodeSet, type OvercloudNodeSet } from "../../src/api/index.js";
import { createLogger } from "../../src/log.js";
import { HostPool } from "../../src/remote/pool.js";
import type { SshHost } from "../../src/remote/host.js";
import { renderInstackenv } from "../../src/render/instackenv.js";
import { vbmcInstallStep, vbmcServiceStep } from "../../src/steps/labmanager/vbmc.js";
import {
  desiredNodeSet,
  instackNodes,
  observeNodeSet,
  planNodeSet,
  planNodeSetDeletion,
  type NodeSetDesired,
} from "../../src/steps/overcloud/index.js";
import { PlanBlocked, type Step } from "../../src/steps/types.js";
import {
  type Sandbox,
  skipUnlessSandboxCapable,
  sshArgv,
  sshRun,
  startSandbox,
  stopSandbox,
} from "./support/sandbox.js";
import { runWithStdin, SANDBOX_LIBVIRT } from "./undercloud-lab.js";

const run = promisify(execFile);
const skip = skipUnlessSandboxCapable();
const log = createLogger({ level: process.env.LOG_LEVEL ?? "warn" });
const NAT_ADDRESS = "192.168.152.1";
const VBMC = "/opt/lab-operator/virtualbmc/bin/vbmc";

/** The sandbox's libvirt setting, then the nodes' two networks: PXE (isolated) and NAT (the BMCs' address). */
const NETWORKS = `${SANDBOX_LIBVIRT}
mkdir -p /var/lib/libvirt/images
virsh -q net-define /dev/stdin >/dev/null <<'XML'
<network><name>oc-pxe</name><bridge name="ocpxe0"/></network>
XML
virsh -q net-define /dev/stdin >/dev/null <<'XML'
<network><name>oc-nat</name><forward mode="nat"/><bridge name="ocnat0"/><ip address="${NAT_ADDRESS}" netmask="255.255.255.0"/></network>
XML
virsh -q net-start oc-pxe >/dev/null
virsh -q net-start oc-nat >/dev/null`;

function nodeSet(name: string, spec: Record<string, unknown>): OvercloudNodeSet {
  return overcloudNodeSet.parse({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "OvercloudNodeSet",
    metadata: { name, uid: `uid-${name}` },
    spec: {
      managerRef: { name: "sandbox" },
      virtType: "qemu",
      ...spec,
    },
  });
}

const NICS = [{ networkRef: { name: "oc-pxe" } }, { networkRef: { name: "oc-nat" } }];

function overcloud(controllers: number): OvercloudNodeSet {
  return nodeSet("overcloud", {
    roles: [
      {
        name: "controller",
        count: controllers,
        vcpus: 1,
        memoryMiB: 512,
        disks: ["2G"],
        nics: NICS,
        profile: "control",
      },
      { name: "compute", count: 1, vcpus: 2, memoryMiB: 640, disks: ["3G", "1G"], nics: NICS },
    ],
    bmc: { type: "ipmi", address: NAT_ADDRESS, portRange: { start: 6241, end: 6250 } },
  });
}

/**
 * Node passwords as users may write them: the first ones begin with "-" and "--" (an argv
 * parser would read them as options), the others are random base64url (any may begin so).
 */
const HOSTILE_PREFIXES = ["-", "--port=", "-h "];
const passwords: Record<string, string> = {};
function passwordOf(node: string): string {
  const prefix = HOSTILE_PREFIXES[Object.keys(passwords).length] ?? "";
  passwords[node] ??= (prefix + randomBytes(15).toString("base64url")).slice(0, 20);
  return passwords[node];
}

function desiredOf(set: OvercloudNodeSet): NodeSetDesired {
  const names = set.spec.roles.flatMap((r) =>
    Array.from({ length: r.count }, (_, i) => `${set.metadata.name}-${r.name}-${i}`),
  );
  return desiredNodeSet(set, {
    networkNames: {},
    passwords: Object.fromEntries(names.map((n) => [n, passwordOf(n)])),
    vbmcConfigDir: "/etc/virtualbmc",
  });
}

async function applySteps(host: SshHost, steps: Step[]): Promise<void> {
  for (const step of steps) await step.apply({ host, log });
}

describe("OvercloudNodeSet steps on a sandbox Manager (QEMU, no KVM)", { skip, timeout: 40 * 60_000 }, () => {
  let sandbox: Sandbox | undefined;
  let pool: HostPool | undefined;
  let manager: SshHost;
  const sh = (cmd: string[]): Promise<string> => sshRun(sandbox!, sandbox!.managers[0]!, cmd);
  const shIn = (cmd: string[], stdin: string): Promise<string> =>
    runWithStdin("ssh", sshArgv(sandbox!, sandbox!.managers[0]!, cmd), stdin);
  const ipmi = (port: number, node: string, ...command: string[]): Promise<string> =>
    shIn(
      [
        "bash",
        "-c",
        'IPMI_PASSWORD=$(head -n1) && export IPMI_PASSWORD && exec ipmitool "$@"',
        "_",
        "-I",
        "lanplus",
        "-H",
        NAT_ADDRESS,
        "-p",
        String(port),
        "-U",
        "admin",
        "-E",
        ...command,
      ],
      `${passwordOf(node)}\n`,
    );
  const state = async (dom: string) => (await sh(["virsh", "-q", "domstate", dom])).trim();
  const domains = async (): Promise<string[]> =>
    (await sh(["virsh", "-q", "list", "--all", "--name"])).trim().split("\n").sort();
  const bmcDomains = async () =>
    (await sh([VBMC, "list", "-f", "value", "-c", "Domain name"])).trim().split("\n").sort();
  async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  async function converge(set: OvercloudNodeSet): Promise<{ steps: Step[]; ms: number }> {
    const started = Date.now();
    const desired = desiredOf(set);
    const steps = planNodeSet(desired, await observeNodeSet(manager, desired));
    await applySteps(manager, steps);
    return { steps, ms: Date.now() - started };
  }
  const observeTimes: number[] = [];
  const replan = async (set: OvercloudNodeSet) => {
    const desired = desiredOf(set);
    const started = Date.now();
    const facts = await observeNodeSet(manager, desired);
    observeTimes.push(Date.now() - started);
    return planNodeSet(desired, facts).map((s) => s.id);
  };

  before(async () => {
    const started = Date.now();
    // A prefix of its own per process: two runs at once must not share container names.
    sandbox = await startSandbox({ count: 1, variant: "prebaked", prefix: `oc${process.pid % 100_000}` });
    await sh(["bash", "-c", NETWORKS]);
    pool = new HostPool({ knownHostsPath: sandbox.knownHostsPath, log });
    manager = pool.host({
      host: sandbox.managers[0]!.address,
      user: "root",
      privateKey: await readFile(sandbox.privateKeyPath),
    });
    const vbmc = labManagerSpec.parse({ address: "192.0.2.1" }).virtualBMC;
    await applySteps(manager, [vbmcInstallStep(vbmc, "", true), vbmcServiceStep(vbmc, "first install")]);
    process.stderr.write(`overcloud e2e: sandbox + VirtualBMC ready in ${Date.now() - started} ms\n`);
  });

  after(async () => {
    const sorted = [...observeTimes].sort((a, b) => a - b);
    process.stderr.write(
      `overcloud e2e: observe of a set (one round trip) p50 ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted[sorted.length - 1]} ms over ${sorted.length}\n`,
    );
    pool?.close();
    await stopSandbox(sandbox);
  });

  it("converges 2 controllers + 1 compute: stamped domains of the declared sizes, powered off, a second plan empty", async (t) => {
    // A hand-made entry on the range's first port: allocation must pass it by.
    await sh([
      "bash",
      "-c",
      "virsh -q define /dev/stdin >/dev/null <<<\"<domain type='qemu'><name>foreign</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>\"",
    ]);
    await shIn(
      [
        "bash",
        "-c",
        '/opt/lab-operator/virtualbmc/bin/vbmc add foreign --port 6241 --address 127.0.0.1 --username x --password "$(cat)"',
      ],
      "secretpw\n",
    );
    const { steps, ms } = await converge(overcloud(2));
    t.diagnostic(`converge 3 nodes: ${steps.length} steps in ${ms} ms`);
    assert.deepEqual(await replan(overcloud(2)), [], "a second plan is empty");
    const names = await domains();
    assert.deepEqual(names, [
      "foreign",
      "overcloud-compute-0",
      "overcloud-controller-0",
      "overcloud-controller-1",
    ]);
    const xml = await sh(["virsh", "dumpxml", "--inactive", "overcloud-compute-0"]);
    assert.match(xml, /<vcpu placement='static'>2<\/vcpu>/);
    assert.match(xml, /<memory unit='KiB'>655360<\/memory>/);
    assert.match(xml, /<boot dev='network'\/>\s*<boot dev='hd'\/>/);
    assert.equal((xml.match(/<disk type='file' device='disk'>/g) ?? []).length, 2);
    assert.match(xml, /<source network='oc-pxe'\/>[\s\S]*<source network='oc-nat'\/>/);
    assert.match(xml, /<lab:node role=["']compute["'] index=["']0["'] bmcPort=["']\d+["']\/>/);
    const size = await sh([
      "qemu-img",
      "info",
      "--output=json",
      "/var/lib/libvirt/images/overcloud-compute-0.qcow2",
    ]);
    assert.equal((JSON.parse(size) as { "virtual-size": number })["virtual-size"], 3 * 1024 ** 3);
    for (const dom of ["overcloud-controller-0", "overcloud-controller-1", "overcloud-compute-0"])
      assert.equal(await state(dom), "shut off", `${dom} is powered off after creation`);
  });

  it("answers IPMI for each node, and power on/off through the BMC is real and not drift", async (t) => {
    const desired = desiredOf(overcloud(2));
    const nodes = instackNodes(desired, await observeNodeSet(manager, desired));
    assert.equal(nodes.length, 3);
    assert.ok(!nodes.some((n) => n.bmc.port === 6241), "the foreign entry's port was passed by");
    for (const n of nodes)
      assert.match(await ipmi(n.bmc.port, n.name, "power", "status"), /Chassis Power is off/);
    const node = nodes[0]!;
    const started = Date.now();
    await ipmi(node.bmc.port, node.name, "power", "on");
    await until(`${node.name} running`, async () => (await state(node.name)) === "running");
    t.diagnostic(`IPMI power on → running: ${Date.now() - started} ms`);
    assert.deepEqual(await replan(overcloud(2)), [], "a node Ironic powered on is not drift");
    await ipmi(node.bmc.port, node.name, "power", "off");
    await until(`${node.name} shut off`, async () => (await state(node.name)) === "shut off");
    assert.deepEqual(await replan(overcloud(2)), []);
  });

  it("writes instackenv.json whose MACs, ports and credentials match the domains and vbmc list", async () => {
    const desired = desiredOf(overcloud(2));
    const env = JSON.parse(
      renderInstackenv(instackNodes(desired, await observeNodeSet(manager, desired))),
    ) as {
      nodes: Record<string, unknown>[];
    };
    const entries = JSON.parse(await sh([VBMC, "list", "-f", "json"])) as {
      "Domain name": string;
      Port: number;
      Address: string;
    }[];
    assert.deepEqual(
      env.nodes.map((n) => n.name),
      ["overcloud-controller-0", "overcloud-controller-1", "overcloud-compute-0"],
    );
    for (const n of env.nodes) {
      const name = n.name as string;
      const pxeMac = (await sh(["virsh", "-q", "domiflist", name])).trim().split("\n")[0]!.split(/\s+/)[4];
      assert.deepEqual(n.mac, [pxeMac]);
      const entry = entries.find((e) => e["Domain name"] === name);
      assert.equal(n.pm_port, String(entry?.Port));
      assert.equal(n.pm_addr, entry?.Address);
      assert.equal(n.pm_type, "ipmi");
      assert.equal(n.pm_user, "admin");
      assert.equal(n.pm_password, passwordOf(name));
      const config = await sh(["cat", `/etc/virtualbmc/${name}/config`]);
      assert.match(config, new RegExp(`^password = ${n.pm_password as string}$`, "m"));
    }
    assert.equal(env.nodes[0]?.capabilities, "profile:control,boot_option:local");
    assert.deepEqual([env.nodes[2]?.cpu, env.nodes[2]?.memory, env.nodes[2]?.disk], ["2", "640", "3"]);
  });

  it("scales 3 → 2 by removing exactly the highest index with its BMC and disk", async () => {
    const before = await sh(["virsh", "-q", "domuuid", "overcloud-controller-0"]);
    const { steps } = await converge(overcloud(1));
    assert.deepEqual(
      steps.map((s) => s.id),
      ["node/overcloud-controller-1/bmc/delete", "node/overcloud-controller-1/remove"],
    );
    assert.deepEqual(await replan(overcloud(1)), [], "a second plan is empty");
    const names = await domains();
    assert.deepEqual(names, ["foreign", "overcloud-compute-0", "overcloud-controller-0"]);
    assert.equal(
      await sh(["virsh", "-q", "domuuid", "overcloud-controller-0"]),
      before,
      "the others are untouched",
    );
    assert.deepEqual(await bmcDomains(), ["foreign", "overcloud-compute-0", "overcloud-controller-0"]);
    await assert.rejects(sh(["test", "-e", "/var/lib/libvirt/images/overcloud-controller-1.qcow2"]));
  });

  it("refuses to take a node name held by a domain that is not ours", async () => {
    await sh([
      "bash",
      "-c",
      "virsh -q define /dev/stdin >/dev/null <<<\"<domain type='qemu'><name>overcloud-controller-1</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>\"",
    ]);
    const desired = desiredOf(overcloud(2));
    const facts = await observeNodeSet(manager, desired);
    assert.throws(
      () => planNodeSet(desired, facts),
      (e: unknown) => e instanceof PlanBlocked && e.reason === "Conflict",
    );
    await sh(["virsh", "-q", "undefine", "overcloud-controller-1"]);
  });

  it("serves a Redfish BMC: curl of /redfish/v1/Systems/<id> answers with the domain and a reset changes its power", async (t) => {
    const address = sandbox!.managers[0]!.address;
    const set = nodeSet("rf", {
      roles: [{ name: "compute", count: 1, vcpus: 1, memoryMiB: 512, disks: ["1G"], nics: NICS }],
      bmc: { type: "redfish", address, portRange: { start: 8101, end: 8110 } },
    });
    const { steps, ms } = await converge(set);
    t.diagnostic(
      `redfish converge (sushy-tools pip install included): ${ms} ms, ${steps.map((s) => s.id).join(", ")}`,
    );
    assert.deepEqual(await replan(set), [], "a second plan is empty");
    const desired = desiredOf(set);
    const [node] = instackNodes(desired, await observeNodeSet(manager, desired));
    assert.ok(node?.systemId);
    const url = `http://${address}:${node.bmc.port}/redfish/v1/Systems/${node.systemId}`;
    const auth = `user = "admin:${passwordOf("rf-compute-0")}"\n`;
    const get = async () =>
      JSON.parse(await runWithStdin("curl", ["-fsS", "-K", "-", url], auth)) as {
        Name: string;
        PowerState: string;
      };
    const system = await get();
    assert.equal(system.Name, "rf-compute-0");
    assert.equal(system.PowerState, "Off");
    await assert.rejects(run("curl", ["-fsS", "-u", "admin:wrong", url]), "wrong credentials are refused");
    const reset = (type: string) =>
      runWithStdin(
        "curl",
        [
          "-fsS",
          "-K",
          "-",
          "-H",
          "Content-Type: application/json",
          "-d",
          JSON.stringify({ ResetType: type }),
          `${url}/Actions/ComputerSystem.Reset`,
        ],
        auth,
      );
    await reset("On");
    await until("rf-compute-0 running", async () => (await state("rf-compute-0")) === "running");
    assert.equal((await get()).PowerState, "On");
    assert.deepEqual(await replan(set), [], "power is not drift");
    await reset("ForceOff");
    await until("rf-compute-0 shut off", async () => (await state("rf-compute-0")) === "shut off");
    const env = JSON.parse(renderInstackenv([node])) as { nodes: Record<string, string>[] };
    assert.equal(env.nodes[0]?.pm_addr, `http://${address}:${node.bmc.port}`);
    assert.equal(env.nodes[0]?.pm_system_id, `/redfish/v1/Systems/${node.systemId}`);
  });

  it("deletes only what the sets made: domains, disks, BMC entries and emulators; the foreign domain stays", async () => {
    for (const set of [
      overcloud(1),
      nodeSet("rf", { roles: [{ name: "compute", count: 1, nics: NICS }], bmc: { type: "redfish" } }),
    ]) {
      const desired = desiredOf(set);
      await applySteps(manager, planNodeSetDeletion(desired, await observeNodeSet(manager, desired)));
    }
    assert.deepEqual(await domains(), ["foreign"]);
    assert.deepEqual(await bmcDomains(), ["foreign"]);
    const left = await sh(["find", "/var/lib/libvirt/images", "/etc/lab-operator/sushy", "-type", "f"]);
    assert.equal(left.trim(), "", "no disk, marker, emulator config or auth file is left");
  });
});
