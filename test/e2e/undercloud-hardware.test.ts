/**
 * Hardware edits of a converged TripleOUndercloud through `labctl apply` on a prebaked
 * sandbox Manager (real libvirt, QEMU software emulation, the imitation guest image: NOT
 * CentOS, it ignores the ACPI power button, so a restart is forced off after the bound).
 * One lab, in order: converge; edit vcpus, memoryMiB, diskSize (grow), a NIC's network and
 * osVariant with updatePolicy Manual (saved definition changed, RestartRequired); then
 * Restart (restarted, live definition changed); a shrink is Stalled; a last apply runs no step.
 */
import assert from "node:assert/strict";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse, stringify } from "yaml";
import { labctl, type LabctlResult } from "./support/labctl.js";
import { skipUnlessSandboxCapable } from "./support/sandbox.js";
import { conditionOf, DOMAIN, startUndercloudLab, type UndercloudLab } from "./undercloud-lab.js";

const SECOND_CTLPLANE = {
  apiVersion: "openstacklab.io/v1alpha1",
  kind: "LibvirtNetwork",
  metadata: { name: "uc-ctl2" },
  spec: { managerRef: { name: "manager" }, mode: "isolated", bridge: "ucctl2" },
};

interface Hardware {
  vcpu: string;
  memoryKiB: string;
  nicSources: string[];
}

function hardwareOf(xml: string): Hardware {
  return {
    vcpu: /<vcpu[^>]*>(\d+)<\/vcpu>/.exec(xml)?.[1] ?? "",
    memoryKiB: /<memory unit='KiB'>(\d+)<\/memory>/.exec(xml)?.[1] ?? "",
    nicSources: [...xml.matchAll(/<source network='([^']+)'/g)].map((m) => m[1]!),
  };
}

const stepsStarted = (res: LabctlResult): unknown[] =>
  res.logs
    .filter((l) => l.kind === "TripleOUndercloud" && String(l.msg).startsWith("step started"))
    .map((l) => l.step);

describe(
  "TripleOUndercloud hardware edits through labctl apply",
  { skip: skipUnlessSandboxCapable() },
  () => {
    let lab: UndercloudLab | undefined;
    const started = Date.now();
    const apply = async (what: string, expectOk = true): Promise<LabctlResult> => {
      const t = Date.now();
      const res = await labctl(
        ["apply", "-f", lab!.manifests, "--workspace", lab!.workspace, "--timeout", "900"],
        {
          timeoutMs: 25 * 60_000,
        },
      );
      console.log(`# ${what}: ${Date.now() - t} ms, exit ${res.code}`);
      if (expectOk)
        assert.equal(res.code, 0, `${what} failed:\n${res.stdout.slice(-3000)}\n${res.stderr.slice(-4000)}`);
      else assert.notEqual(res.code, 0, `${what} should not converge`);
      return res;
    };
    const editSpec = async (edit: (spec: Record<string, unknown>) => void): Promise<void> => {
      const path = join(lab!.manifests, "undercloud.yaml");
      const doc = parse(await readFile(path, "utf8")) as { spec: Record<string, unknown> };
      edit(doc.spec);
      await writeFile(path, stringify(doc));
    };
    const saved = async () => hardwareOf(await lab!.on(["virsh", "dumpxml", "--inactive", DOMAIN]));
    const live = async () => hardwareOf(await lab!.on(["virsh", "dumpxml", DOMAIN]));
    // virsh metadata prints the element without its prefix: the saved definition shows it as tools read it.
    const osinfo = async () =>
      /<libosinfo:libosinfo xmlns:libosinfo="[^"]+">\s*<libosinfo:os id="([^"]+)"\/>/.exec(
        await lab!.on(["virsh", "dumpxml", "--inactive", DOMAIN]),
      )?.[1];
    const diskSize = async () =>
      JSON.parse(
        await lab!.on(["qemu-img", "info", "-U", "--output=json", `/var/lib/libvirt/images/${DOMAIN}.qcow2`]),
      )["virtual-size"] as number;

    before(
      async () => {
        lab = await startUndercloudLab("uchw");
        await appendFile(join(lab.manifests, "network.yaml"), `---\n${stringify(SECOND_CTLPLANE)}`);
      },
      { timeout: 20 * 60_000 },
    );
    after(async () => {
      await lab?.stop();
      console.log(`# whole suite: ${Math.round((Date.now() - started) / 1000)} s`);
    });

    test(
      "the converged VM has the spec's hardware and the libosinfo id of centos7.0",
      { timeout: 30 * 60_000 },
      async () => {
        await apply("first apply");
        assert.deepEqual(await saved(), {
          vcpu: "1",
          memoryKiB: "262144",
          nicSources: ["uc-nat", "uc-ctlplane"],
        });
        assert.equal(await osinfo(), "http://centos.org/centos/7.0");
        assert.equal(await diskSize(), 1024 ** 3);
      },
    );

    test(
      "updatePolicy Manual: vcpus, memory, a NIC's network, osVariant and a larger disk reach the saved definition; RestartRequired lists what waits",
      { timeout: 20 * 60_000 },
      async () => {
        const domid = await lab!.on(["virsh", "domid", DOMAIN]);
        await editSpec((spec) => {
          spec.vcpus = 2;
          spec.memoryMiB = 384;
          spec.diskSize = "2G";
          spec.osVariant = "rhel8.4";
          spec.nics = [{ networkRef: { name: "uc-nat" } }, { networkRef: { name: "uc-ctl2" } }];
          spec.updatePolicy = "Manual";
        });
        await apply("apply with Manual", false);
        assert.deepEqual(await saved(), {
          vcpu: "2",
          memoryKiB: "393216",
          nicSources: ["uc-nat", "uc-ctl2"],
        });
        assert.deepEqual(await live(), {
          vcpu: "1",
          memoryKiB: "262144",
          nicSources: ["uc-nat", "uc-ctlplane"],
        });
        assert.equal(await lab!.on(["virsh", "domid", DOMAIN]), domid, "Manual never restarts the VM");
        assert.equal(await osinfo(), "http://redhat.com/rhel/8.4");
        assert.equal(await diskSize(), 2 * 1024 ** 3, "the disk grew live");
        const state = await lab!.state();
        const stalled = conditionOf(state, "Stalled");
        assert.equal(stalled?.status, "True", JSON.stringify(state?.status.conditions));
        assert.equal(stalled?.reason, "RestartRequired");
        assert.match(stalled?.message ?? "", /spec\.vcpus \(running 1, saved 2\)/);
        assert.match(stalled?.message ?? "", /spec\.memoryMiB \(running 256 MiB, saved 384 MiB\)/);
        assert.match(
          stalled?.message ?? "",
          /spec\.nics \(running uc-nat\/virtio, uc-ctlplane\/virtio, saved uc-nat\/virtio, uc-ctl2\/virtio\)/,
        );
        assert.equal(conditionOf(state, "Ready")?.status, "False");
      },
    );

    test(
      "updatePolicy Restart: the VM is restarted and runs with the new definition; the condition is gone",
      { timeout: 20 * 60_000 },
      async () => {
        const domid = await lab!.on(["virsh", "domid", DOMAIN]);
        await editSpec((spec) => {
          spec.updatePolicy = "Restart";
        });
        const res = await apply("apply with Restart");
        assert.deepEqual(stepsStarted(res), ["vm/restart"]);
        assert.notEqual(await lab!.on(["virsh", "domid", DOMAIN]), domid, "a new QEMU process");
        assert.deepEqual(await live(), { vcpu: "2", memoryKiB: "393216", nicSources: ["uc-nat", "uc-ctl2"] });
        const state = await lab!.state();
        assert.equal(conditionOf(state, "Ready")?.status, "True");
        assert.notEqual(conditionOf(state, "Stalled")?.status, "True");
        assert.ok(!JSON.stringify(state?.status.conditions).includes("RestartRequired"));
      },
    );

    test("a smaller diskSize is Stalled: a disk is never shrunk", { timeout: 10 * 60_000 }, async () => {
      await editSpec((spec) => {
        spec.diskSize = "1G";
      });
      await apply("apply with a smaller disk", false);
      const stalled = conditionOf(await lab!.state(), "Stalled");
      assert.equal(stalled?.reason, "DiskShrinkRefused");
      assert.match(
        stalled?.message ?? "",
        /^spec\.diskSize 1G is smaller than the disk \(2G\): a disk is never shrunk;/,
      );
      assert.equal(await diskSize(), 2 * 1024 ** 3);
    });

    test("back at the host's hardware, a second apply runs no step", { timeout: 10 * 60_000 }, async () => {
      await editSpec((spec) => {
        spec.diskSize = "2G";
      });
      assert.deepEqual(stepsStarted(await apply("apply after the edits")), []);
      assert.deepEqual(stepsStarted(await apply("second apply")), []);
    });
  },
);
