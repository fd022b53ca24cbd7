import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderDomainXml } from "../../../../src/steps/undercloud/domain-xml.js";
import { undercloudFacts, type UndercloudFacts } from "../../../../src/steps/undercloud/facts.js";
import {
  formatBytes,
  LIBOSINFO_NS,
  parseHardware,
  sizeBytes,
} from "../../../../src/steps/undercloud/hardware-facts.js";
import { planUndercloud } from "../../../../src/steps/undercloud/plan.js";
import { PlanBlocked } from "../../../../src/steps/types.js";
import { CENTOS7, OWNER, applyAll, desired, existing, rawNothing, scriptArgs } from "./support.js";

const ids = (steps: { id: string }[]): string[] => steps.map((s) => s.id);
const booted = { owner: OWNER, journal: ["created" as const, "booted" as const] };
const GiB = 1024 ** 3;

interface Hw {
  vcpus?: number;
  maxVcpus?: number;
  memoryKiB?: number;
  maxMemoryKiB?: number;
  nets?: string[];
  osinfo?: string;
}

/** A definition as `virsh dumpxml` prints it (single quotes, KiB, PCI addresses, live extras). */
function libvirtXml(hw: Hw = {}): string {
  const vcpus = hw.vcpus ?? 4;
  const max = hw.maxVcpus ?? vcpus;
  const mem = hw.memoryKiB ?? 16000 * 1024;
  const nets = hw.nets ?? ["hypervisor-control-plane", "openstack-control-plane"];
  const nics = nets.map(
    (n, i) => `    <interface type='network'>
      <mac address='52:54:00:12:34:5${6 + i}'/>
      <source network='${n}' portid='0b5e' bridge='virbr${i}'/>
      <target dev='vnet${i}'/>
      <model type='virtio'/>
      <alias name='net${i}'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x0${3 + i}' function='0x0'/>
    </interface>`,
  );
  const osinfo = hw.osinfo
    ? `<libosinfo:libosinfo xmlns:libosinfo="${LIBOSINFO_NS}">
      <libosinfo:os id="${hw.osinfo}"/>
    </libosinfo:libosinfo>`
    : "";
  return `<domain type='qemu' id='3'>
  <name>tripleo</name>
  <metadata>
    <lab:owner xmlns:lab="https://openstacklab.io/ownership" kind="TripleOUndercloud" namespace="default" name="tripleo"/>
    ${osinfo}
  </metadata>
  <memory unit='KiB'>${hw.maxMemoryKiB ?? mem}</memory>
  <currentMemory unit='KiB'>${mem}</currentMemory>
  <vcpu placement='static'${max !== vcpus ? ` current='${vcpus}'` : ""}>${max}</vcpu>
  <devices>
    <disk type='file' device='disk'><source file='/var/lib/libvirt/images/tripleo.qcow2'/><target dev='vda' bus='virtio'/></disk>
${nics.join("\n")}
  </devices>
</domain>`;
}

/** Our booted domain with this saved (and, running, live) hardware and an 80G disk. */
function vm(
  saved: Hw = {},
  live: Hw | null = saved,
  over: { state?: string; disk?: number } = {},
): UndercloudFacts {
  const state = over.state ?? "running";
  const base = existing(booted, {
    state,
    savedXml: libvirtXml({ osinfo: CENTOS7, ...saved }),
    liveXml: state === "running" && live ? libvirtXml({ osinfo: CENTOS7, ...live }) : "",
    diskBytes: String(over.disk ?? 80 * GiB),
  });
  return base;
}

function blocked(fn: () => unknown): PlanBlocked {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PlanBlocked, String(err));
    return err;
  }
  assert.fail("expected PlanBlocked");
}

describe("the VM's hardware as observed", () => {
  it("reads vCPUs, memory (KiB), NICs with MAC and PCI address, and the libosinfo id from dumpxml", () => {
    const hw = parseHardware(libvirtXml({ vcpus: 2, maxVcpus: 4, memoryKiB: 262144, osinfo: CENTOS7 }));
    assert.equal(hw.vcpus, 2);
    assert.equal(hw.maxVcpus, 4);
    assert.equal(hw.memoryKiB, 262144);
    assert.deepEqual(
      hw.nics.map((n) => [n.mac, n.network, n.model, n.address?.slot]),
      [
        ["52:54:00:12:34:56", "hypervisor-control-plane", "virtio", "0x03"],
        ["52:54:00:12:34:57", "openstack-control-plane", "virtio", "0x04"],
      ],
    );
    assert.equal(hw.osinfoId, CENTOS7);
  });

  it("names the network of a running NIC on a bridge-mode network (libvirt shows it as type bridge)", () => {
    // `virsh dumpxml` of a running VM whose second NIC is on openstack-control-plane
    // (forward mode bridge): libvirt rewrites the live interface to type='bridge'.
    const live = `<domain type='qemu'><name>tripleo</name><memory unit='KiB'>524288</memory><vcpu>1</vcpu>
<devices>
<interface type='network'><mac address='52:54:00:aa:00:01'/><source network='hypervisor-control-plane' portid='1' bridge='hypervisor'/><model type='virtio'/></interface>
<interface type='bridge'><mac address='52:54:00:aa:00:02'/><source network='openstack-control-plane' portid='2' bridge='openstack'/><model type='virtio'/></interface>
<interface type='bridge'><mac address='52:54:00:aa:00:03'/><source bridge='br-other'/><model type='virtio'/></interface>
</devices></domain>`;
    assert.deepEqual(
      parseHardware(live).nics.map((n) => n.network),
      ["hypervisor-control-plane", "openstack-control-plane", "bridge:br-other"],
    );
  });

  it("reads our own domain XML the same way (MiB, double quotes, the libosinfo metadata)", () => {
    const xml = renderDomainXml({
      name: "tripleo",
      virtType: "qemu",
      vcpus: 2,
      memoryMiB: 512,
      disk: "/d.qcow2",
      nics: [{ network: "n1", model: "e1000" }],
      stamp: booted,
      serialLog: "/s.log",
      osinfoId: CENTOS7,
    });
    const hw = parseHardware(xml);
    assert.deepEqual([hw.vcpus, hw.maxVcpus, hw.memoryKiB, hw.osinfoId], [2, 2, 512 * 1024, CENTOS7]);
    assert.deepEqual(
      hw.nics.map((n) => [n.network, n.model]),
      [["n1", "e1000"]],
    );
  });

  it("parses spec sizes as qemu-img does (binary M, G, T) and prints bytes back in the largest unit", () => {
    assert.equal(sizeBytes("80G"), 80 * GiB);
    assert.equal(sizeBytes("1536M"), 1536 * 1024 ** 2);
    assert.equal(formatBytes(2 * GiB), "2G");
    assert.equal(formatBytes(1536 * 1024 ** 2), "1536M");
  });
});

describe("planUndercloud: editing the hardware of an existing VM", () => {
  it("nothing changed: no step", () => {
    assert.deepEqual(planUndercloud(desired(), vm()), []);
    assert.deepEqual(
      planUndercloud(desired(), vm({}, null, { state: "shut off" })).map((s) => s.id),
      ["vm/start"],
    );
  });

  it("a new osVariant is a metadata write with no restart: the resolved osinfo id, live and saved", async () => {
    const facts = vm({ osinfo: "http://centos.org/centos/6.10" });
    const steps = planUndercloud(desired(), facts);
    assert.deepEqual(ids(steps), ["vm/osinfo"]);
    const host = await applyAll(steps);
    const args = scriptArgs(host.execs[0] ?? []);
    assert.equal(args[1], "osinfo");
    assert.equal(args[3], `<libosinfo>\n  <os id="${CENTOS7}"/>\n</libosinfo>`);
    assert.equal(args[4], LIBOSINFO_NS);
  });

  it("an osVariant the Manager's osinfo-db does not know stops with a condition naming spec.osVariant", () => {
    const raw = rawNothing();
    raw.osinfo = { db: true, id: "" };
    const err = blocked(() => planUndercloud(desired({ osVariant: "centos99" }), undercloudFacts(raw)));
    assert.equal(err.reason, "UnknownOsVariant");
    assert.match(err.message, /spec\.osVariant centos99 is not a short id/);
    raw.osinfo = { db: false, id: "" };
    assert.match(blocked(() => planUndercloud(desired(), undercloudFacts(raw))).message, /no osinfo-db/);
    // generic: no OS-specific tuning, nothing to look up; an old id is removed.
    assert.ok(planUndercloud(desired({ osVariant: "generic" }), undercloudFacts(raw)).length > 0);
    assert.deepEqual(ids(planUndercloud(desired({ osVariant: "generic" }), vm())), ["vm/osinfo"]);
  });

  it("new vCPUs and memory change the saved definition; Manual then stops with RestartRequired listing them", async () => {
    const steps = planUndercloud(desired({ vcpus: 6, memoryMiB: 20000 }), vm());
    assert.deepEqual(ids(steps), ["vm/vcpus", "vm/memory"]);
    const host = await applyAll(steps);
    assert.deepEqual(scriptArgs(host.execs[0] ?? []).slice(1, 4), ["vcpus", "tripleo", "6"]);
    assert.deepEqual(scriptArgs(host.execs[1] ?? []).slice(1, 4), [
      "memory",
      "tripleo",
      `${20000 * 1024}KiB`,
    ]);
    // Applied: the saved definition has them, the running VM not yet.
    const after = vm({ vcpus: 6, memoryKiB: 20000 * 1024 }, {});
    const err = blocked(() => planUndercloud(desired({ vcpus: 6, memoryMiB: 20000 }), after));
    assert.equal(err.reason, "RestartRequired");
    assert.match(
      err.message,
      /spec\.vcpus \(running 4, saved 6\), spec\.memoryMiB \(running 16000 MiB, saved 20000 MiB\)/,
    );
    assert.match(err.message, /spec\.updatePolicy: Restart/);
    assert.ok(!/spec\.nics/.test(err.message));
  });

  it("each step names the spec field it brings the VM to, with what the VM has (labctl diff)", () => {
    const fields = (d: ReturnType<typeof desired>, f: ReturnType<typeof vm>) =>
      planUndercloud(d, f).flatMap((s) => s.fields ?? []);
    assert.deepEqual(fields(desired(), vm()), []);
    assert.deepEqual(
      fields(desired({ vcpus: 6, memoryMiB: 20000 }), vm({ osinfo: "http://centos.org/centos/6.10" })),
      [
        { path: "spec.vcpus", host: "4", wanted: "6" },
        { path: "spec.memoryMiB", host: "16000 MiB", wanted: "20000 MiB" },
        { path: "spec.osVariant", host: "http://centos.org/centos/6.10", wanted: CENTOS7 },
      ],
    );
    assert.deepEqual(fields(desired(), vm({}, null, { state: "shut off" })), [
      { path: "spec", host: "domain tripleo shut off", wanted: "VM tripleo running, started at boot" },
    ]);
  });

  it("a restart by hand (live = saved) clears RestartRequired", () => {
    const both = { vcpus: 6 };
    assert.deepEqual(planUndercloud(desired({ vcpus: 6 }), vm(both, both)), []);
  });

  it("a VM shut off takes the new definition at its start: no restart wanted", () => {
    const steps = planUndercloud(desired({ vcpus: 2 }), vm({}, null, { state: "shut off" }));
    assert.deepEqual(ids(steps), ["vm/vcpus", "vm/start"]);
  });

  it("updatePolicy Restart: the saved definition, then one restart (on the VM's own lock), then SSH", async () => {
    const steps = planUndercloud(desired({ vcpus: 2, updatePolicy: "Restart" }), vm());
    assert.deepEqual(ids(steps), ["vm/vcpus", "vm/restart"]);
    assert.match(steps[1]?.description ?? "", /to apply spec\.vcpus/);
    const host = await applyAll([steps[1]!]);
    assert.deepEqual(scriptArgs(host.execs[0] ?? []).slice(1, 4), ["restart", "tripleo", "120"]);
    // The second script waits for the lease and SSH.
    assert.match(host.execs[1]?.[2] ?? "", /ssh_answers/);
    // Pending from before (Manual, then switched to Restart): only the restart.
    const pending = vm({ vcpus: 2 }, {});
    assert.deepEqual(ids(planUndercloud(desired({ vcpus: 2, updatePolicy: "Restart" }), pending)), [
      "vm/restart",
    ]);
  });

  it("NICs: a new network rewrites that NIC keeping MAC and PCI slot; extra ones are added or removed", async () => {
    const nics = [
      { network: "hypervisor-control-plane", model: "virtio" as const },
      { network: "other", model: "virtio" as const },
      { network: "third", model: "e1000" as const },
    ];
    const steps = planUndercloud(desired({ nics }), vm());
    assert.deepEqual(ids(steps), ["vm/nic/2", "vm/nic/3"]);
    const host = await applyAll(steps);
    const update = scriptArgs(host.execs[0] ?? []);
    assert.equal(update[1], "nic-update");
    assert.match(update[3] ?? "", /<mac address="52:54:00:12:34:57"\/>/);
    assert.match(update[3] ?? "", /<source network="other"\/>/);
    assert.match(update[3] ?? "", /slot="0x04"/);
    assert.deepEqual(scriptArgs(host.execs[1] ?? []).slice(1, 5), [
      "nic-attach",
      "tripleo",
      "third",
      "e1000",
    ]);
    // One NIC fewer: the last is detached by its MAC.
    const fewer = planUndercloud(desired({ nics: nics.slice(0, 1) }), vm());
    assert.deepEqual(ids(fewer), ["vm/nic/2"]);
    const detach = scriptArgs((await applyAll(fewer)).execs[0] ?? []);
    assert.deepEqual(detach.slice(1, 5), ["nic-detach", "tripleo", "network", "52:54:00:12:34:57"]);
    // Applied, not restarted: RestartRequired names spec.nics.
    const err = blocked(() =>
      planUndercloud(desired({ nics: nics.slice(0, 1) }), vm({ nets: ["hypervisor-control-plane"] }, {})),
    );
    assert.match(
      err.message,
      /spec\.nics \(running hypervisor-control-plane\/virtio, openstack-control-plane\/virtio, saved hypervisor-control-plane\/virtio\)/,
    );
  });

  it("a larger diskSize grows the disk: live while running, qemu-img when shut off; no restart", async () => {
    const steps = planUndercloud(desired({ diskSize: "100G" }), vm());
    assert.deepEqual(ids(steps), ["vm/disk-size"]);
    assert.match(steps[0]?.description ?? "", /from 80G to 100G \(virsh blockresize, live\)/);
    const args = scriptArgs((await applyAll(steps)).execs[0] ?? []);
    assert.deepEqual(args.slice(1, 5), [
      "grow-disk",
      "tripleo",
      "/var/lib/libvirt/images/tripleo.qcow2",
      String(100 * GiB),
    ]);
    const off = planUndercloud(desired({ diskSize: "100G" }), vm({}, null, { state: "shut off" }));
    assert.match(off[0]?.description ?? "", /qemu-img resize/);
  });

  it("a smaller diskSize is refused: a disk is never shrunk", () => {
    const err = blocked(() => planUndercloud(desired({ diskSize: "1G" }), vm({}, {}, { disk: 2 * GiB })));
    assert.equal(err.reason, "DiskShrinkRefused");
    assert.equal(
      err.message,
      "spec.diskSize 1G is smaller than the disk (2G): a disk is never shrunk; set spec.diskSize to 2G or more",
    );
  });

  it("mixed edits: every field in one plan, saved-definition changes first, one restart at the end", () => {
    const d = desired({
      vcpus: 2,
      memoryMiB: 512,
      diskSize: "90G",
      osVariant: "generic",
      nics: [{ network: "elsewhere", model: "virtio" }],
      updatePolicy: "Restart",
    });
    const steps = planUndercloud(d, vm());
    assert.deepEqual(ids(steps), [
      "vm/vcpus",
      "vm/memory",
      "vm/nic/1",
      "vm/nic/2",
      "vm/osinfo",
      "vm/disk-size",
      "vm/restart",
    ]);
    assert.match(steps.at(-1)?.description ?? "", /spec\.vcpus, spec\.memoryMiB, spec\.nics/);
  });

  it("a new domain carries the resolved libosinfo id in its definition", async () => {
    const raw = rawNothing();
    raw.kvmProbedImage = true;
    const define = planUndercloud(desired(), undercloudFacts(raw)).find((s) => s.id === "vm/define");
    const xml = (await applyAll([define!])).stdins[0] ?? "";
    assert.match(xml, new RegExp(`<libosinfo:libosinfo xmlns:libosinfo="${LIBOSINFO_NS}">`));
    assert.match(xml, new RegExp(`<libosinfo:os id="${CENTOS7}"/>`));
  });
});
