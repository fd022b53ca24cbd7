/**
 * Shared setup of the TripleOUndercloud suites (controller e2e, the kill/resume fault, the
 * real cloud-init guest): a prebaked sandbox Manager, a cached guest image copied onto it
 * (by default the imitation guest, test/guest/build-image.sh: NOT cloud-init, NOT CentOS;
 * `guest: "cloud-init"` the Debian guest with the real cloud-init, build-cloud-image.sh), and
 * a manifest directory with a LabManager, a NAT LibvirtNetwork and a TripleOUndercloud using
 * the debian-test guest profile.
 */
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { stringify } from "yaml";
import type { ObjectState } from "../../src/controllers/state.js";
import { renderManagerManifest } from "./support/manifests.js";
import { type Sandbox, sshArgv, sshRun, startSandbox, stopSandbox } from "./support/sandbox.js";

const run = promisify(execFile);
const BUILD_IMAGE = {
  imitation: fileURLToPath(new URL("../guest/build-image.sh", import.meta.url)),
  "cloud-init": fileURLToPath(new URL("../guest/build-cloud-image.sh", import.meta.url)),
};

/** Which guest image the VM boots, and what its TripleOUndercloud declares differently. */
export interface UndercloudLabOptions {
  guest?: keyof typeof BUILD_IMAGE;
  /** Overrides of the TripleOUndercloud spec (shallow): cloudInit, memoryMiB, diskSize. */
  spec?: Record<string, unknown>;
}

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

function undercloudManifest(sha256: string, overrides: Record<string, unknown>): Record<string, unknown> {
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
      ...overrides,
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
 * `labctl sandbox up` sets what a VM needs in the container (libvirt must not create cgroups
 * for guests there: test/sandbox/container.sh allow_guests); check it, and wait for libvirtd.
 */
export const SANDBOX_LIBVIRT = `set -euo pipefail
grep -qxF 'cgroup_controllers = [ ]' /etc/libvirt/qemu.conf || { echo "sandbox up did not allow guests" >&2; exit 1; }
systemctl start libvirtd
deadline=$((SECONDS + 60))
until virsh -q uri >/dev/null 2>&1; do [ "$SECONDS" -lt "$deadline" ] || exit 1; sleep 0.2; done`;

export async function startUndercloudLab(
  prefix: string,
  options: UndercloudLabOptions = {},
): Promise<UndercloudLab> {
  const { stdout } = await run("bash", [BUILD_IMAGE[options.guest ?? "imitation"]], { maxBuffer: 1 << 20 });
  const image = stdout.trim().split("\n").pop() ?? "";
  // The pid keeps two runs of one suite side by side apart; 3 digits of it, since sandbox
  // prefixes have at most 9 characters (nspawn's veth names, vb-<name>, fit 15 bytes).
  const sandbox = await startSandbox({
    count: 1,
    variant: "prebaked",
    prefix: `${prefix}${process.pid % 1000}`,
  });
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
    await writeFile(
      join(manifests, "undercloud.yaml"),
      stringify(undercloudManifest(sha, options.spec ?? {})),
    );
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

/** Run a command with `stdin` on its standard input (secrets stay out of argv); resolves with stdout. */
export function runWithStdin(cmd: string, args: string[], stdin: string): Promise<string> {
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
