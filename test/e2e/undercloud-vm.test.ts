/**
 * The TripleOUndercloud VM on a prebaked sandbox Manager (systemd-nspawn with libvirt and
 * QEMU): create the VM from the cached imitation guest (test/guest/build-image.sh: NOT
 * cloud-init, NOT CentOS), wait for its lease, log in through the Manager with the
 * pre-generated host key pinned, run the debian-test profile, then delete it.
 * The NAT network is defined with virsh here, not by the LibvirtNetwork controller.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import {
  tripleoUndercloudSpec,
  undercloudConf,
  type TripleOUndercloudSpec,
} from "../../src/api/tripleoundercloud.js";
import { createLogger } from "../../src/log.js";
import { HostKeyChanged } from "../../src/remote/errors.js";
import { HostPool } from "../../src/remote/pool.js";
import type { SshHost } from "../../src/remote/host.js";
import { renderMetaData, renderUndercloudConf, renderUserData } from "../../src/render/index.js";
import { planUndercloudDeletion } from "../../src/steps/undercloud/cleanup.js";
import { guestTarget } from "../../src/steps/undercloud/guest.js";
import { applyGuestPlan } from "../../src/steps/undercloud/journal.js";
import { observeUndercloud } from "../../src/steps/undercloud/observe.js";
import { undercloudPaths } from "../../src/steps/undercloud/paths.js";
import { planUndercloud, type UndercloudDesired } from "../../src/steps/undercloud/plan.js";
import { loadGuestProfile, renderProfile } from "../../src/steps/undercloud/profile.js";
import { undercloudOwner } from "../../src/steps/undercloud/stamp.js";
import { removeVmStep } from "../../src/steps/undercloud/steps.js";
import { guestVariables, homeOf } from "../../src/steps/undercloud/variables.js";
import { PlanBlocked, type Step, type StepContext } from "../../src/steps/types.js";
import {
  type Sandbox,
  skipUnlessSandboxCapable,
  sshRun,
  startSandbox,
  stopSandbox,
} from "./support/sandbox.js";
import { generateKeyPair } from "../../src/workspace/keys.js";

const run = promisify(execFile);
const skip = skipUnlessSandboxCapable();
const BUILD_IMAGE = fileURLToPath(new URL("../guest/build-image.sh", import.meta.url));
const log = createLogger({ level: process.env.LOG_LEVEL ?? "warn" });
const DOMAIN = "tripleo";
const USER = "tripleo";

const NETWORK = "ucnat";
const NETWORK_XML = `<network><name>${NETWORK}</name><forward mode="nat"/><bridge name="ucnat1"/>
<ip address="192.168.151.1" netmask="255.255.255.0"><dhcp><range start="192.168.151.10" end="192.168.151.99"/></dhcp></ip></network>`;

function parseSpec(sha: string): TripleOUndercloudSpec {
  return tripleoUndercloudSpec.parse({
    managerRef: { name: "sandbox" },
    nics: [{ networkRef: { name: NETWORK } }],
    baseImage: { url: "file:///srv/lab-images/guest.qcow2", checksum: `sha256:${sha}` },
    diskSize: "1G",
    vcpus: 1,
    memoryMiB: 256,
    virtType: "qemu",
    cloudInit: { user: USER },
    tripleo: { profile: "debian-test", utilities: ["busybox"], containerImageTags: { tag: "tested-tag" } },
  });
}

/**
 * Sandbox-only libvirt settings: libvirt cannot create cgroups for guests inside this
 * nspawn container (hybrid cgroups, read-only), so it must not try; then the test network.
 */
async function prepareManagerLibvirt(sh: (cmd: string[]) => Promise<string>): Promise<void> {
  const script = `set -euo pipefail
grep -qxF 'cgroup_controllers = [ ]' /etc/libvirt/qemu.conf || echo 'cgroup_controllers = [ ]' >>/etc/libvirt/qemu.conf
systemctl restart libvirtd
deadline=$((SECONDS + 60))
until virsh -q uri >/dev/null 2>&1; do [ "$SECONDS" -lt "$deadline" ] || exit 1; sleep 0.2; done
mkdir -p /var/lib/libvirt/images
printf '%s' "$1" >/tmp/ucnat.xml
virsh -q net-define /tmp/ucnat.xml >/dev/null
virsh -q net-start "$2" >/dev/null`;
  await sh(["bash", "-c", script, "_", NETWORK_XML, NETWORK]);
}

async function applySteps(ctx: StepContext, steps: Step[]): Promise<void> {
  for (const step of steps) await step.apply(ctx);
}

describe(
  "TripleOUndercloud VM on a sandbox Manager (imitation guest)",
  { skip, timeout: 30 * 60_000 },
  () => {
    let sandbox: Sandbox | undefined;
    let pool: HostPool | undefined;
    let manager: SshHost;
    let desired: UndercloudDesired;
    const clientKey = generateKeyPair("ed25519", "tripleo@tripleo");
    const hostKey = generateKeyPair("ed25519", "host@tripleo");
    const owner = undercloudOwner("default", DOMAIN);
    const sh = (cmd: string[]): Promise<string> => sshRun(sandbox!, sandbox!.managers[0]!, cmd);

    before(async () => {
      const started = Date.now();
      const { stdout } = await run("bash", [BUILD_IMAGE], { maxBuffer: 1 << 20 });
      const image = stdout.trim().split("\n").pop() ?? "";
      process.stderr.write(`undercloud e2e: guest image ${image} ready in ${Date.now() - started} ms\n`);
      sandbox = await startSandbox({
        count: 1,
        variant: "prebaked",
        prefix: `uv${process.pid % 100_000}`,
        bridge: "labsbxu1",
        subnet: "10.77.131",
      });
      const m = sandbox.managers[0]!;
      await mkdir(join(m.rootfs, "srv/lab-images"), { recursive: true });
      await copyFile(image, join(m.rootfs, "srv/lab-images/guest.qcow2"));
      await prepareManagerLibvirt(sh);
      pool = new HostPool({ knownHostsPath: sandbox.knownHostsPath, log });
      manager = pool.host({
        host: m.address,
        user: "root",
        privateKey: await readFile(sandbox.privateKeyPath),
      });
      const sha = createHash("sha256")
        .update(await readFile(image))
        .digest("hex");
      const spec = parseSpec(sha);
      desired = {
        domain: DOMAIN,
        owner,
        paths: undercloudPaths(spec.imagesDir, DOMAIN, spec.baseImage.url),
        baseImage: { url: spec.baseImage.url, checksum: `sha256:${sha}` },
        diskSize: spec.diskSize,
        // /dev/kvm is present in the sandbox but KVM guests fail here (nested): force TCG.
        virtType: "qemu",
        vcpus: spec.vcpus,
        memoryMiB: spec.memoryMiB,
        // This bare sandbox has no osinfo-db (the LabManager's packages are not installed).
        osVariant: "generic",
        updatePolicy: "Manual",
        nics: [{ network: NETWORK, model: "virtio" }],
        seed: {
          userData: renderUserData({
            hostname: DOMAIN,
            fqdn: `${DOMAIN}.localdomain`,
            user: USER,
            groups: ["wheel"],
            password: {
              hash: "$6$saltsalt$Qk0NR2EwYf6bEzGMWkJ.vZQv1dWcE2v0S5P3gPtv2pKPHpzs3aW9eZiFZ3Eek3ff2h3sOZx1ZkX3S6VHQ5xkC.",
            },
            authorizedKey: clientKey.publicKey,
            timezone: "UTC",
            hostKey: { privateKey: hostKey.privateKey, publicKey: hostKey.publicKey },
            disableAfterFirstBoot: true,
          }),
          metaData: renderMetaData({ instanceId: "tripleo-e2e-1", hostname: DOMAIN }),
        },
        serialLog: `/var/log/libvirt/qemu/${DOMAIN}-serial.log`,
        bootTimeoutSeconds: 600,
        adopt: false,
        now: () => new Date().toISOString(),
      };
    });

    after(async () => {
      pool?.close();
      await stopSandbox(sandbox);
    });

    it("refuses to touch a domain of the same name that is not ours", async () => {
      await sh([
        "bash",
        "-c",
        'virsh define /dev/stdin <<<"<domain type=\\"qemu\\"><name>$1</name><memory unit=\\"MiB\\">64</memory><os><type arch=\\"x86_64\\">hvm</type></os></domain>"',
        "_",
        "foreign",
      ]);
      const facts = await observeUndercloud(
        manager,
        "foreign",
        undercloudPaths("/var/lib/libvirt/images", "foreign", desired.baseImage.url),
      );
      assert.ok(facts.domain && !facts.domain.stamp);
      assert.throws(
        () => planUndercloud({ ...desired, domain: "foreign" }, facts),
        (e: unknown) => e instanceof PlanBlocked && e.reason === "Conflict",
      );
      const deletion = planUndercloudDeletion("foreign", owner, desired.paths, facts);
      assert.deepEqual(deletion.steps, []);
    });

    it("leaves a foreign qcow2 and seed of the VM's names untouched: Conflict, and deletion removes nothing", async () => {
      const name = "foreigndisk";
      const paths = undercloudPaths("/var/lib/libvirt/images", name, desired.baseImage.url);
      await sh([
        "bash",
        "-c",
        'set -e; qemu-img create -q -f qcow2 "$1" 16M; echo hand-made >"$2"',
        "_",
        paths.disk,
        paths.seed,
      ]);
      const sums = (): Promise<string> => sh(["sha256sum", paths.disk, paths.seed]);
      const before = await sums();
      const facts = await observeUndercloud(manager, name, paths);
      assert.equal(facts.disk, true);
      assert.equal(facts.seed, true);
      assert.equal(facts.ownerMarker, undefined);
      assert.throws(
        () => planUndercloud({ ...desired, domain: name, paths }, facts),
        (e: unknown) => e instanceof PlanBlocked && e.reason === "Conflict" && /spec\.adopt/.test(e.message),
      );
      assert.deepEqual(planUndercloudDeletion(name, owner, paths, facts).steps, []);
      // Even a removal forced past the plan keeps them: REMOVE_VM checks the marker on the host.
      await removeVmStep(name, paths, owner).apply({ host: manager, log });
      assert.equal(await sums(), before, "the foreign disk and seed are byte for byte the same");
      await sh(["rm", "-f", "--", paths.disk, paths.seed]);
    });

    it("creates the VM, waits for its lease and SSH, then has nothing left to do", async (t) => {
      const ctx = { host: manager, log };
      const fresh = await observeUndercloud(manager, DOMAIN, desired.paths);
      assert.equal(fresh.domain, undefined);
      const started = Date.now();
      await applySteps(ctx, planUndercloud(desired, fresh));
      t.diagnostic(`VM create → SSH answering: ${Date.now() - started} ms`);
      const after = await observeUndercloud(manager, DOMAIN, desired.paths);
      assert.equal(after.domain?.state, "running");
      assert.equal(after.domain?.autostart, true);
      assert.deepEqual(after.domain?.stamp?.journal, ["created", "booted"]);
      assert.match(after.domain?.address ?? "", /^192\.168\.151\.\d+$/);
      assert.ok(!after.domain?.cdroms.includes(desired.paths.seed), "seed ejected from the saved definition");
      assert.equal(after.base.checksum, desired.baseImage.checksum);
      assert.deepEqual(planUndercloud(desired, after), [], "converged: a second plan is empty");
      const modes = await sh(["stat", "-c", "%a %n", desired.paths.seed, desired.paths.disk]);
      assert.match(modes, /^600 /m);
      await assert.rejects(sh(["test", "-e", desired.paths.seedInputs]), "seed inputs (secrets) removed");
    });

    it("refuses the VM when it presents another host key than the pre-generated one", async () => {
      const facts = await observeUndercloud(manager, DOMAIN, desired.paths);
      const other = generateKeyPair("ed25519", "test@other");
      const target = guestTarget({
        address: facts.domain!.address!,
        user: USER,
        privateKey: clientKey.privateKey,
        hostKeyLine: other.publicKey,
      });
      // A pool of its own: HostPool keys connections by user@host:port, not by host-key policy.
      const separate = new HostPool({ knownHostsPath: sandbox!.knownHostsPath, log, connectAttempts: 1 });
      try {
        const gateway = separate.host({
          host: sandbox!.managers[0]!.address,
          user: "root",
          privateKey: await readFile(sandbox!.privateKeyPath),
        });
        const impostor = separate.jump(gateway, target);
        await assert.rejects(
          impostor.exec(["true"], { purpose: "probe" }),
          (e: unknown) => e instanceof HostKeyChanged,
        );
      } finally {
        separate.close();
      }
    });

    it("runs the debian-test profile through the Manager with the host key pinned, journaling each phase", async (t) => {
      const facts = await observeUndercloud(manager, DOMAIN, desired.paths);
      const login = {
        address: facts.domain!.address!,
        user: USER,
        privateKey: clientKey.privateKey,
        hostKeyLine: hostKey.publicKey,
      };
      const guest = pool!.jump(manager, guestTarget(login));
      const spec = parseSpec("0".repeat(64));
      const who = { user: USER, home: homeOf(USER), fqdn: `${DOMAIN}.localdomain` };
      const rendered = renderProfile(loadGuestProfile("debian-test"), guestVariables(spec, who));
      const conf = renderUndercloudConf({ conf: undercloudConf.parse({}), home: who.home, fqdn: who.fqdn });
      const before = (await guest.exec(["cat", "/proc/sys/kernel/random/boot_id"], { purpose: "boot id" }))
        .stdout;
      const started = Date.now();
      const final = await applyGuestPlan({
        guest: { host: guest, log },
        manager: { host: manager, log },
        domain: DOMAIN,
        stamp: facts.domain!.stamp!,
        times: facts.domain!.stampTimes,
        rendered,
        files: { "undercloud.conf": conf },
        now: () => new Date().toISOString(),
      });
      t.diagnostic(`debian-test profile (with one reboot): ${Date.now() - started} ms`);
      assert.deepEqual(final.journal, [
        "created",
        "booted",
        "keyed",
        "packages",
        "configured",
        "installed",
        "postInstalled",
      ]);
      const recorded = await observeUndercloud(manager, DOMAIN, desired.paths);
      assert.deepEqual(recorded.domain?.stamp?.journal, final.journal);
      const afterBoot = (await guest.exec(["cat", "/proc/sys/kernel/random/boot_id"], { purpose: "boot id" }))
        .stdout;
      assert.notEqual(afterBoot, before, "the profile's reboot happened");
      assert.match((await guest.readFile(`${who.home}/uname.txt`))?.toString() ?? "", /^Linux tripleo /);
      assert.equal((await guest.readFile(`${who.home}/undercloud.conf`))?.toString(), conf);
      assert.match(
        (await guest.readFile(`${who.home}/undercloud/container-images.yaml`))?.toString() ?? "",
        /^ {2}tag: tested-tag$/m,
      );
    });

    it("deletes the VM with its disk and seed, and leaves the foreign domain alone", async () => {
      const facts = await observeUndercloud(manager, DOMAIN, desired.paths);
      await applySteps(
        { host: manager, log },
        planUndercloudDeletion(DOMAIN, owner, desired.paths, facts).steps,
      );
      const gone = await observeUndercloud(manager, DOMAIN, desired.paths);
      assert.equal(gone.domain, undefined);
      assert.equal(gone.disk, false);
      assert.equal(gone.seed, false);
      assert.equal(gone.ownerMarker, undefined);
      assert.equal(gone.base.present, true, "the shared base image stays");
      assert.match(await sh(["virsh", "-q", "list", "--all", "--name"]), /^foreign$/m);
    });
  },
);
