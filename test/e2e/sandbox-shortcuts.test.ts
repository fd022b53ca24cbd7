/**
 * The seed's shortcuts with the example lab's own names, on a prebaked sandbox Manager:
 * manifests/ (LabManager lab, its three networks) pointed at the sandbox (address, key,
 * pinned host key; the bridges without NICs, the container's host0 carries our session),
 * applied, then `labctl virsh net-list`, `labctl vbmc list`, `labctl ipmitool tripleo power
 * status`, `labctl rsync` and `labctl fetch-results` run from the lab's directory with no
 * flag at all. The VM tripleo is not installed (a CentOS image and 20 minutes): a bare
 * domain of that name gets the BMC its manifest declares, with the workspace's password.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { parseAllDocuments, stringify } from "yaml";
import { loadLabObjects } from "../../src/cli/lab-objects.js";
import { emptyState } from "../../src/controllers/state.js";
import { FileStateStore } from "../../src/modes/file/filestate.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { labctl } from "./support/labctl.js";
import {
  type Sandbox,
  skipUnlessSandboxCapable,
  sshRun,
  startSandbox,
  stopSandbox,
} from "./support/sandbox.js";

const run = promisify(execFile);
const LABCTL = fileURLToPath(new URL("../../bin/labctl.js", import.meta.url));
const EXAMPLE = fileURLToPath(new URL("../../manifests/", import.meta.url));

describe(
  "the shortcuts with the example lab on a sandbox Manager",
  { skip: skipUnlessSandboxCapable() },
  () => {
    let sandbox: Sandbox | undefined;
    let dir = "";
    const mf = () => join(dir, "manifests");
    const on = (cmd: string[]) => sshRun(sandbox!, sandbox!.managers[0]!, cmd);
    /** `labctl ARGS` from the lab's directory: the workspace is ./workspace, no flag given. */
    const shortcut = (...args: string[]) =>
      run(process.execPath, [LABCTL, ...args], {
        cwd: dir,
        timeout: 120_000,
        env: { ...process.env, LOG_FORMAT: "json" },
      });

    before(
      async () => {
        sandbox = await startSandbox({ count: 1, variant: "prebaked", prefix: `sc${process.pid % 100_000}` });
        dir = await mkdtemp(join(tmpdir(), "shortcuts-e2e-"));
        await mkdir(mf(), { recursive: true });
        const manager = sandbox.managers[0]!;
        const lm = parseAllDocuments(
          await readFile(join(EXAMPLE, "01-labmanager.yaml"), "utf8"),
        )[0]!.toJSON() as {
          spec: Record<string, unknown>;
        };
        lm.spec.address = manager.address;
        lm.spec.ssh = {
          user: "root",
          privateKeyRef: { file: sandbox.privateKeyPath },
          hostKeyFingerprint: manager.fingerprint,
        };
        lm.spec.bridges = [{ name: "public", addresses: ["10.0.2.1/24"] }, { name: "openstack" }];
        await writeFile(join(mf(), "01-labmanager.yaml"), stringify(lm));
        await copyFile(join(EXAMPLE, "02-networks.yaml"), join(mf(), "02-networks.yaml"));
      },
      { timeout: 20 * 60_000 },
    );
    after(async () => {
      await stopSandbox(sandbox);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test("apply converges LabManager lab and its networks", { timeout: 20 * 60_000 }, async () => {
      const res = await labctl(["apply", "-f", mf(), "--workspace", join(dir, "workspace")]);
      assert.equal(res.code, 0, `apply failed:\n${res.stdout}\n${res.stderr.slice(-4000)}`);
      assert.match(await readFile(join(dir, "workspace", "ssh.config"), "utf8"), /^Host lab-root$/m);
    });

    test("virsh net-list and vbmc list reach lab-root without flags", async () => {
      const { stdout } = await shortcut("virsh", "net-list");
      for (const name of ["hypervisor-control-plane", "openstack-control-plane", "public"])
        assert.match(stdout, new RegExp(`^\\s*${name}\\s+active`, "m"), stdout);
      await shortcut("vbmc", "list");
    });

    test("ipmitool tripleo power status answers from the Manager, with the workspace's password", async () => {
      // The VM's object as apply would have saved it, and the BMC password it would have generated.
      const example = await loadLabObjects({ workspace: dir, file: [EXAMPLE] });
      const uc = example.objects.find((o) => o.kind === "TripleOUndercloud")!;
      await new FileStateStore(join(dir, "workspace", "state")).save({
        ...emptyState(uc.kind, "default", uc.metadata.name),
        lastGoodObject: uc,
      });
      const ws = new Workspace(join(dir, "workspace"));
      const owner = { kind: "TripleOUndercloud" as const, namespace: "default", name: "tripleo" };
      const password = (await ws.passwordFor(owner, "bmc", "bmc@tripleo")).slice(0, 20);
      const xml =
        "<domain type='qemu'><name>tripleo</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>";
      await on([
        "bash",
        "-c",
        `printf '%s' "${xml}" >/tmp/tripleo.xml && virsh define /tmp/tripleo.xml >/dev/null`,
      ]);
      // (vbmc add takes the password in argv: the test's own setup, not a shortcut.)
      await on([
        "vbmc",
        "add",
        "tripleo",
        "--address",
        "192.168.122.1",
        "--port",
        "6230",
        "--username",
        "admin",
        "--password",
        password,
      ]);
      await on(["vbmc", "start", "tripleo"]);
      const { stdout } = await shortcut("ipmitool", "tripleo", "power", "status");
      assert.match(stdout, /Chassis Power is off/);
      // A wrong password is refused: the answer above came from the workspace's one.
      await ws.forgetSecrets(owner);
      await ws.passwordFor(owner, "bmc", "bmc@tripleo");
      await assert.rejects(shortcut("ipmitool", "tripleo", "power", "status"));
    });

    test("rsync copies from and to the Manager over the workspace's ssh.config", async () => {
      // Our Debian sandbox lacks rsync (CentOS and Debian Managers usually have it).
      await on([
        "bash",
        "-c",
        "command -v rsync || DEBIAN_FRONTEND=noninteractive apt-get install -y -q rsync >/dev/null",
      ]);
      // As the manager user (alias lab), a regular file (/etc/os-release is a symlink).
      await shortcut("rsync", "lab:/etc/passwd", "passwd");
      assert.equal(await readFile(join(dir, "passwd"), "utf8"), await on(["cat", "/etc/passwd"]));
      await writeFile(join(dir, "up.txt"), "pushed\n");
      await shortcut("rsync", "up.txt", "lab-root:/tmp/");
      assert.equal(await on(["cat", "/tmp/up.txt"]), "pushed\n");
    });

    test("fetch-results takes lab-root's logs and skips the VM ssh.config has no block for", async () => {
      const { stdout } = await shortcut("fetch-results");
      assert.match(stdout, /^lab-root: .*results\/.*\/lab-root$/m);
      assert.match(stdout, /^tripleo: not in ssh.config yet/m);
    });
  },
);
