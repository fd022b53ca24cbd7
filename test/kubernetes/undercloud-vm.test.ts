// The undercloud VM in Kubernetes mode: `kubectl apply` of a LabManager, its two networks
// and a TripleOUndercloud against a real kube-apiserver; `labctl run --kubernetes` creates
// the VM on a real sandbox Manager (QEMU, the imitation guest of test/guest/build-image.sh:
// NOT cloud-init), logs in through the Manager with the key and pinned host key it keeps in
// the object's Secret, runs the guest phases, and `kubectl delete` removes the VM again.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { fingerprintOf } from "../../src/remote/hostkeys.js";
import { skipUnlessApiServer } from "../e2e/support/apiserver.js";
import {
  type Sandbox,
  skipUnlessSandboxCapable,
  sshRun,
  startSandbox,
  stopSandbox,
} from "../e2e/support/sandbox.js";
import { SANDBOX_LIBVIRT } from "../e2e/undercloud-lab.js";
import { startOperator, type OperatorProcess } from "./operator-process.js";
import { eventually, startCluster, type TestCluster } from "./support.js";

const run = promisify(execFile);
const skip = (await skipUnlessApiServer()) || skipUnlessSandboxCapable();
const BUILD_IMAGE = fileURLToPath(new URL("../guest/build-image.sh", import.meta.url));
const CONVERGE_MS = 20 * 60_000;
const DOMAIN = "kube-tripleo";

const labYaml = (address: string, fingerprint: string) => `apiVersion: openstacklab.io/v1alpha1
kind: LabManager
metadata: { name: lab, namespace: default }
spec:
  address: ${address}
  ssh:
    privateKeyRef: { secretName: manager-root-key, key: ssh-privatekey }
    hostKeyFingerprint: ${fingerprint}
  user: { name: manager }
  bridges: []
  resyncInterval: 10m
---
apiVersion: openstacklab.io/v1alpha1
kind: LibvirtNetwork
metadata: { name: uc-nat, namespace: default }
spec:
  managerRef: { name: lab }
  mode: nat
  bridge: kucnat0
  ipv4:
    address: 192.168.152.1/24
    dhcp: { ranges: [{ start: 192.168.152.10, end: 192.168.152.99 }] }
---
apiVersion: openstacklab.io/v1alpha1
kind: LibvirtNetwork
metadata: { name: uc-ctlplane, namespace: default }
spec:
  managerRef: { name: lab }
  mode: isolated
  bridge: kucctl0
`;

const undercloudYaml = (sha256: string) => `apiVersion: openstacklab.io/v1alpha1
kind: TripleOUndercloud
metadata: { name: undercloud, namespace: default }
spec:
  managerRef: { name: lab }
  domainName: ${DOMAIN}
  baseImage: { url: "file:///srv/lab-images/guest.qcow2", checksum: "sha256:${sha256}" }
  diskSize: 1G
  vcpus: 1
  memoryMiB: 256
  nics: [{ networkRef: { name: uc-nat } }, { networkRef: { name: uc-ctlplane } }]
  cloudInit: { user: tripleo, timezone: UTC }
  tripleo: { profile: debian-test, utilities: [busybox], containerImageTags: { tag: tested-tag } }
  resyncInterval: 10m
`;

const NODES_YAML = `apiVersion: openstacklab.io/v1alpha1
kind: OvercloudNodeSet
metadata: { name: overcloud, namespace: default }
spec:
  managerRef: { name: lab }
  undercloudRef: { name: undercloud }
  roles:
    - name: compute
      count: 1
      vcpus: 1
      memoryMiB: 512
      disks: [2G]
      nics: [{ networkRef: { name: uc-ctlplane } }, { networkRef: { name: uc-nat } }]
  bmc: { type: ipmi, address: 192.168.152.1, portRange: { start: 6240, end: 6241 } }
  import: true
  introspect: false
  resyncInterval: 10m
`;

describe(
  "the undercloud VM from kubectl apply (labctl run --kubernetes, a sandbox Manager)",
  { skip },
  () => {
    let cluster: TestCluster;
    let sandbox: Sandbox | undefined;
    let workspace = "";
    let operator: OperatorProcess | undefined;
    let sha256 = "";
    const on = (cmd: string[]) => sshRun(sandbox!, sandbox!.managers[0]!, cmd);
    const kubectlLong = async (args: string[]) =>
      (
        await run(cluster.api.kubectl, ["--kubeconfig", cluster.api.kubeconfig, ...args], {
          timeout: CONVERGE_MS,
        })
      ).stdout;
    const get = async (what: string) => JSON.parse(await cluster.kubectl(["get", what, "-o", "json"]));
    const output = () => operator?.text().slice(-8000) ?? "";
    let sshConfig = "";
    /** A command in the guest over OpenSSH, through the Manager, with the Secret's key and host key. */
    const guest = async (command: string) =>
      (await run("ssh", ["-F", sshConfig, "vm", command], { timeout: 60_000 })).stdout;

    before(
      async () => {
        const { stdout } = await run("bash", [BUILD_IMAGE], { maxBuffer: 1 << 20 });
        const image = stdout.trim().split("\n").pop() ?? "";
        sha256 = createHash("sha256")
          .update(await readFile(image))
          .digest("hex");
        cluster = await startCluster();
        sandbox = await startSandbox({ count: 1, variant: "prebaked", prefix: `kv${process.pid % 100_000}` });
        const manager = sandbox.managers[0]!;
        await mkdir(join(manager.rootfs, "srv/lab-images"), { recursive: true });
        await copyFile(image, join(manager.rootfs, "srv/lab-images/guest.qcow2"));
        await on(["bash", "-c", SANDBOX_LIBVIRT]);
        workspace = await mkdtemp(join(tmpdir(), "lab-kube-vm-ws-"));
        await cluster.kubectl([
          ...["create", "secret", "generic", "manager-root-key"],
          `--from-file=ssh-privatekey=${sandbox.privateKeyPath}`,
        ]);
        operator = startOperator({
          kubeconfig: cluster.api.kubeconfig,
          healthPort: 18900 + (process.pid % 90),
          workspace,
        });
      },
      { timeout: 20 * 60_000 },
    );

    after(async () => {
      await operator?.stop("SIGKILL");
      await stopSandbox(sandbox);
      await cluster?.api.stop();
      if (workspace) await rm(workspace, { recursive: true, force: true });
      if (workspace) await rm(`${workspace}-ssh`, { recursive: true, force: true });
    });

    test(
      "kubectl apply boots the VM and runs its guest phases; its key and host key live in its Secret",
      { timeout: CONVERGE_MS + 60_000 },
      async () => {
        const started = Date.now();
        const manager = sandbox!.managers[0]!;
        await cluster.kubectl(["apply", "-f", "-"], labYaml(manager.address, manager.fingerprint));
        await cluster.kubectl(["apply", "-f", "-"], undercloudYaml(sha256));
        await kubectlLong([
          ...["wait", "--for=condition=Ready", `--timeout=${CONVERGE_MS / 1000 - 60}s`],
          "tripleoundercloud/undercloud",
        ]).catch((err: Error) => assert.fail(`${err.message}\n${output()}`));
        console.log(`# TripleOUndercloud Ready ${Date.now() - started} ms after kubectl apply`);

        const uc = await get("tripleoundercloud/undercloud");
        assert.deepEqual(uc.status.journal, [
          "created",
          "booted",
          "keyed",
          "packages",
          "configured",
          "installed",
          "postInstalled",
        ]);
        assert.match(await on(["virsh", "domstate", DOMAIN]), /running/);

        // The guest's credentials are in a Secret the TripleOUndercloud owns, nowhere else.
        const secret = await get("secret/labcreds-tripleoundercloud-undercloud");
        assert.deepEqual(
          secret.metadata.ownerReferences.map((r: { kind: string; uid: string }) => `${r.kind}/${r.uid}`),
          [`TripleOUndercloud/${uc.metadata.uid}`],
        );
        const value = (k: string) => Buffer.from(secret.data[k] ?? "", "base64").toString("utf8");
        assert.match(value("guest-key"), /BEGIN OPENSSH PRIVATE KEY/);
        const hostKey = value("host-key.pub").trim().split(" ");
        assert.equal(hostKey[0], "ssh-ed25519");
        assert.deepEqual(uc.status.hostKeyFingerprints, [fingerprintOf(Buffer.from(hostKey[1]!, "base64"))]);
        assert.deepEqual(await readdir(workspace, { recursive: true }), [], "nothing in the workspace");
        for (const text of [JSON.stringify(uc), output()])
          assert.ok(!text.includes(value("guest-password")), "the guest password is in no status or log");

        // OpenSSH reaches the guest through the Manager with the Secret's key and pinned host key.
        const dir = `${workspace}-ssh`;
        await mkdir(dir, { recursive: true });
        sshConfig = join(dir, "config");
        {
          const address = uc.status.ipAddress as string;
          await writeFile(join(dir, "key"), value("guest-key"), { mode: 0o600 });
          await writeFile(join(dir, "known_hosts"), `${address} ${hostKey[0]} ${hostKey[1]}\n`);
          await writeFile(
            join(dir, "config"),
            [
              "Host manager",
              `  HostName ${manager.address}`,
              "  User root",
              `  IdentityFile ${sandbox!.privateKeyPath}`,
              `  UserKnownHostsFile ${sandbox!.knownHostsPath}`,
              "Host vm",
              `  HostName ${address}`,
              "  User tripleo",
              `  IdentityFile ${join(dir, "key")}`,
              `  UserKnownHostsFile ${join(dir, "known_hosts")}`,
              "  ProxyJump manager",
              "Host *",
              "  BatchMode yes",
              "  IdentitiesOnly yes",
              "  StrictHostKeyChecking yes",
              "",
            ].join("\n"),
          );
          assert.equal((await guest("cat /etc/hostname")).trim(), DOMAIN);
        }
      },
    );

    test(
      "an OvercloudNodeSet hands instackenv.json to the running VM: 0600 in its user's home, imported once",
      { timeout: 10 * 60_000 },
      async () => {
        await cluster.kubectl(["apply", "-f", "-"], NODES_YAML);
        await kubectlLong([
          "wait",
          "--for=condition=Ready",
          "--timeout=540s",
          "overcloudnodeset/overcloud",
        ]).catch((err: Error) => assert.fail(`${err.message}\n${output()}`));
        const handedOff = () =>
          get("overcloudnodeset/overcloud").then((set) =>
            set.status.conditions.some(
              (c: { type: string; status: string }) =>
                c.type === "InstackenvHandedOff" && c.status === "True",
            ),
          );
        await eventually(handedOff, 120_000, output);
        const set = await get("overcloudnodeset/overcloud");
        assert.equal(set.status.instackenv, "/home/tripleo/instackenv.json");
        const secret = await get("secret/labcreds-overcloudnodeset-overcloud");
        const kept = Buffer.from(secret.data["instackenv.json"] ?? "", "base64").toString("utf8");
        const inGuest = await guest(
          "stat -c %a /home/tripleo/instackenv.json && cat /home/tripleo/instackenv.json",
        );
        const [mode, ...content] = inGuest.split("\n");
        assert.equal(mode, "600");
        assert.equal(content.join("\n").trim(), kept.trim(), "the guest has what the Secret keeps");
        const nodes = (JSON.parse(kept) as { nodes: { name: string; pm_port: string }[] }).nodes;
        assert.deepEqual(
          nodes.map((n) => n.name),
          ["overcloud-compute-0"],
        );
        assert.equal(set.status.nodes[0].bmcPort, Number(nodes[0]!.pm_port));
        assert.equal(
          (await guest("cat /home/tripleo/node-import.log")).trim(),
          "imported 1 nodes from /home/tripleo/instackenv.json",
          "the profile's node import ran once",
        );
        await cluster.kubectl(["delete", "overcloudnodeset/overcloud", "--timeout=300s"]);
      },
    );

    test(
      "a VM destroyed by hand is started again from libvirt's domain event, not the 10 m resync",
      { timeout: 5 * 60_000 },
      async () => {
        const started = Date.now();
        await on(["virsh", "destroy", DOMAIN]);
        await eventually(
          async () => (/^running/.test(await on(["virsh", "domstate", DOMAIN])) ? true : undefined),
          120_000,
          output,
        );
        const seconds = (Date.now() - started) / 1000;
        assert.ok(seconds < 120, `started again after ${seconds} s`);
        const repaired = async () => {
          const events = await get("events");
          return (events.items as { reason: string; message: string }[]).some(
            (e) => e.reason === "DriftRepaired" && e.message.includes(`domain ${DOMAIN} was shut off`),
          );
        };
        await eventually(repaired, 30_000, output);
        console.log(`# VM destroyed by hand, running again after ${seconds.toFixed(1)} s`);
      },
    );

    test(
      "kubectl delete removes the VM with its disk and seed; the networks and the base image stay",
      { timeout: 10 * 60_000 },
      async () => {
        await kubectlLong(["delete", "tripleoundercloud/undercloud", "--timeout=540s"]);
        await eventually(async () => {
          const list = await on(["virsh", "-q", "list", "--all", "--name"]);
          return list.split("\n").includes(DOMAIN) ? undefined : true;
        }, 60_000);
        const images = await on(["ls", "/var/lib/libvirt/images"]);
        assert.doesNotMatch(images, new RegExp(`${DOMAIN}(\\.qcow2|-cloud-init\\.iso)`), images);
        assert.match(await on(["ls", "/srv/lab-images"]), /guest\.qcow2/);
        assert.match(await on(["virsh", "net-list", "--name"]), /uc-nat/);
      },
    );
  },
);
