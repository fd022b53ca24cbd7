/**
 * Shared setup of the TripleOUndercloud suites (controller e2e and the kill/resume fault):
 * a prebaked sandbox Manager, the cached imitation guest image (test/guest/build-image.sh:
 * NOT cloud-init, NOT CentOS) copied onto it, and a manifest directory with a LabManager,
 * a NAT LibvirtNetwork and a TripleOUndercloud using the debian-test guest profile.
 */
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { stringify } from "yaml";
import type { ObjectState } from "../../src/runtime/state.js";
import { renderManagerManifest } from "./support/manifests.js";
import { type Sandbox, sshArgv, sshRun, startSandbox, stopSandbox } from "./support/sandbox.js";

const run = promisify(execFile);
const BUILD_IMAGE = fileURLToPath(new URL("../guest/build-image.sh", import.meta.url));

export const DOMAIN = "tripleo";
export const NETWORK_ADDRESS = "192.168.151.1";

export interface UndercloudLab {
  sandbox: Sandbox;
  dir: string;
  manifests: string;
  workspace: string;
  /** Run a command on the Manager as root (real ssh client, pinned host key). */
  on(cmd: string[]): Promise<string>;
  /** Run a command on the Manager with a secret on its stdin (never in argv). */
  onWithStdin(cmd: string[], stdin: string): Promise<string>;
  state(): Promise<ObjectState | undefined>;
  stop(): Promise<void>;
}

function undercloudManifest(sha256: string): Record<string, unknown> {
  return {
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "TripleOUndercloud",
    metadata: { name: "undercloud" },
    spec: {
      managerRef: { name: "manager" },
      domainName: DOMAIN,
      baseImage: { url: "file:///srv/lab-images/guest.qcow2", checksum: `sha256:${sha256}` },
      diskSize: "1G",
      vcpus: 1,
      memoryMiB: 256,
      virtType: "auto",
      // NIC 1 on the NAT network (DHCP, the operator's way in), NIC 2 for TripleO's local_interface.
      nics: [{ networkRef: { name: "uc-nat" } }, { networkRef: { name: "uc-ctlplane" } }],
      cloudInit: { user: "tripleo", timezone: "UTC" },
      tripleo: { profile: "debian-test", utilities: ["busybox"], containerImageTags: { tag: "tested-tag" } },
      bmc: { address: NETWORK_ADDRESS, port: 6230 },
      resyncInterval: "1m",
    },
  };
}

const NETWORK = {
  apiVersion: "openstacklab.io/v1alpha1",
  kind: "LibvirtNetwork",
  metadata: { name: "uc-nat" },
  spec: {
    managerRef: { name: "manager" },
    mode: "nat",
    bridge: "ucnat0",
    ipv4: {
      address: `${NETWORK_ADDRESS}/24`,
      dhcp: { ranges: [{ start: "192.168.151.10", end: "192.168.151.99" }] },
    },
  },
};

const CTLPLANE = {
  apiVersion: "openstacklab.io/v1alpha1",
  kind: "LibvirtNetwork",
  metadata: { name: "uc-ctlplane" },
  spec: { managerRef: { name: "manager" }, mode: "isolated", bridge: "ucctl0" },
};

/**
 * Sandbox-only libvirt setting: libvirt cannot create cgroups for guests inside this nspawn
 * container (hybrid cgroups, read-only), so it must not try. A real Manager needs nothing.
 */
const SANDBOX_LIBVIRT = `set -euo pipefail
grep -qxF 'cgroup_controllers = [ ]' /etc/libvirt/qemu.conf || echo 'cgroup_controllers = [ ]' >>/etc/libvirt/qemu.conf
systemctl restart libvirtd
deadline=$((SECONDS + 60))
until virsh -q uri >/dev/null 2>&1; do [ "$SECONDS" -lt "$deadline" ] || exit 1; sleep 0.2; done`;

export async function startUndercloudLab(prefix: string): Promise<UndercloudLab> {
  const { stdout } = await run("bash", [BUILD_IMAGE], { maxBuffer: 1 << 20 });
  const image = stdout.trim().split("\n").pop() ?? "";
  const sandbox = await startSandbox({ count: 1, variant: "prebaked", prefix });
  const manager = sandbox.managers[0]!;
  const on = (cmd: string[]): Promise<string> => sshRun(sandbox, manager, cmd);
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  const manifests = join(dir, "manifests");
  const workspace = join(dir, "workspace");
  try {
    await mkdir(join(manager.rootfs, "srv/lab-images"), { recursive: true });
    await copyFile(image, join(manager.rootfs, "srv/lab-images/guest.qcow2"));
    await on(["bash", "-c", SANDBOX_LIBVIRT]);
    await renderManagerManifest(sandbox, manager, manifests, (spec) => {
      spec.bridges = [];
    });
    await writeFile(join(manifests, "network.yaml"), `${stringify(NETWORK)}---\n${stringify(CTLPLANE)}`);
    const sha = createHash("sha256")
      .update(await readFile(image))
      .digest("hex");
    await writeFile(join(manifests, "undercloud.yaml"), stringify(undercloudManifest(sha)));
  } catch (err) {
    await stopSandbox(sandbox);
    throw err;
  }
  return {
    sandbox,
    dir,
    manifests,
    workspace,
    on,
    onWithStdin: (cmd, stdin) => runWithStdin("ssh", sshArgv(sandbox, manager, cmd), stdin),
    state: () =>
      readFile(join(workspace, "state", "TripleOUndercloud", "default", "undercloud.json"), "utf8").then(
        (t) => JSON.parse(t) as ObjectState,
        () => undefined,
      ),
    stop: async () => {
      await stopSandbox(sandbox);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function runWithStdin(cmd: string, args: string[], stdin: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`)),
    );
    child.stdin.end(stdin);
  });
}

/** The condition of a type in a saved state, if any. */
export function conditionOf(state: ObjectState | undefined, type: string) {
  return state?.status.conditions.find((c) => c.type === type);
}

/** Poll the saved state until `ok` holds; fail with the last state after the deadline. */
export async function waitForState(
  lab: UndercloudLab,
  ok: (state: ObjectState) => boolean,
  timeoutMs: number,
  what: string,
): Promise<ObjectState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await lab.state();
    if (state && ok(state)) return state;
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not within ${timeoutMs} ms; conditions ${JSON.stringify(state?.status.conditions)}`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}
