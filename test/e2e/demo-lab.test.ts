/**
 * The main job's lab (test/e2e/manifests/lab/, what scripts/demo.sh applies): the seed lab's
 * whole shape on a prebaked sandbox Manager, with its own names: LabManager `lab` with the
 * public and openstack bridges, the three networks, and the undercloud VM `tripleo` (the
 * imitation guest, test/guest/build-image.sh: NOT cloud-init, NOT CentOS) with one NIC on
 * the NAT network and one on the bridge-mode openstack-control-plane, and its BMC. It must
 * converge, and stay converged: libvirt shows a running NIC on a bridge-mode network as
 * type='bridge', which once read as a NIC change (RestartRequired) right after the create.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { VENV } from "../../src/steps/labmanager/paths.js";
import { SANDBOX_LIBVIRT } from "./undercloud-lab.js";
import { labctl, type LabctlResult } from "./support/labctl.js";
import { E2E_MANIFESTS, renderForSandbox } from "./support/manifests.js";
import {
  skipUnlessSandboxCapable,
  sshRun,
  startSandbox,
  stopSandbox,
  type Sandbox,
} from "./support/sandbox.js";

const run = promisify(execFile);
const BUILD_IMAGE = fileURLToPath(new URL("../guest/build-image.sh", import.meta.url));
const LAB = join(E2E_MANIFESTS, "lab");

const ok = (res: LabctlResult, what: string) =>
  assert.equal(res.code, 0, `${what} failed:\n${res.stdout.slice(-4000)}\n${res.stderr.slice(-3000)}`);
const steps = (res: LabctlResult) =>
  res.logs.filter((l) => typeof l.msg === "string" && l.msg.startsWith("step started"));

describe(
  "the main job's lab (manifests/lab, as scripts/demo.sh applies it)",
  { skip: skipUnlessSandboxCapable() },
  () => {
    let sandbox: Sandbox;
    let dir = "";
    const mf = () => join(dir, "manifests");
    const ws = () => join(dir, "workspace");
    const on = (cmd: string[]) => sshRun(sandbox, sandbox.managers[0]!, cmd);

    before(
      async () => {
        const { stdout } = await run("bash", [BUILD_IMAGE], { maxBuffer: 1 << 20 });
        const image = stdout.trim().split("\n").pop() ?? "";
        sandbox = await startSandbox({ count: 1, variant: "prebaked", prefix: `dm${process.pid % 100_000}` });
        const m = sandbox.managers[0]!;
        await mkdir(join(m.rootfs, "srv/lab-images"), { recursive: true });
        await copyFile(image, join(m.rootfs, "srv/lab-images/guest.qcow2"));
        await on(["bash", "-c", SANDBOX_LIBVIRT]);
        dir = await mkdtemp(join(tmpdir(), "demo-lab-e2e-"));
        await mkdir(mf());
        // Every LabManager of the lab (its ssh.user root kept) pointed at the sandbox.
        for (const file of await readdir(LAB))
          await renderForSandbox(sandbox, m, join(LAB, file), join(mf(), file));
      },
      { timeout: 10 * 60_000 },
    );
    after(async () => {
      await stopSandbox(sandbox);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test(
      "converges: both bridges, the three networks, the VM with a NIC on each of its networks, its BMC",
      { timeout: 20 * 60_000 },
      async () => {
        const started = Date.now();
        ok(await labctl(["apply", "-f", mf(), "--workspace", ws()]), "apply");
        console.log(`# the main job's lab converged in ${Date.now() - started} ms`);
        assert.match(await on(["virsh", "domstate", "tripleo"]), /running/);
        const ifaces = await on(["virsh", "domiflist", "tripleo"]);
        assert.match(ifaces, /hypervisor-control-plane/);
        assert.match(ifaces, /openstack-control-plane|openstack/, ifaces);
        assert.match(await on([`${VENV}/bin/vbmc`, "list"]), /tripleo\s*\|\s*running/);
      },
    );

    test(
      "a second apply runs no step (the running bridge-mode NIC is no change)",
      { timeout: 5 * 60_000 },
      async () => {
        const res = await labctl(["apply", "-f", mf(), "--workspace", ws()]);
        ok(res, "second apply");
        assert.deepEqual(steps(res), []);
      },
    );
  },
);
