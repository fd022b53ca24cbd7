// The Argo CD health check (manifests/deploy/argocd-health.lua) on statuses the operator really
// wrote: `labctl run --kubernetes` as a process against the real apiserver, and `labctl apply`
// in file mode, with Managers that are really unreachable (a closed loopback port) or really
// present with another host key than the pinned one (a real sshd on loopback). Healthy is
// checked where a real Manager converges: converge-sandbox.test.ts (Kubernetes mode) and
// e2e/labmanager-controller.test.ts (file mode).
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { skipUnlessApiServer } from "../e2e/support/apiserver.js";
import { labctl } from "../e2e/support/labctl.js";
import { requireSshd, startSshd, type TestSshd } from "../e2e/support/sshd.js";
import { argoHealth, objectOfStateRecord, skipUnlessLua, type Health } from "./argocd.js";
import { startOperator, type OperatorProcess } from "./operator-process.js";
import { eventually, startCluster, type TestCluster } from "./support.js";

const skipSshd = (() => {
  try {
    requireSshd();
    return process.getuid?.() === 0 ? false : "needs root for the loopback sshd";
  } catch (err) {
    return (err as Error).message;
  }
})();
const skip = skipUnlessLua || (await skipUnlessApiServer()) || skipSshd;

/** A loopback port nothing listens on: connecting is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** A well-formed fingerprint of a key that is not the server's. */
const otherFingerprint = () =>
  `SHA256:${createHash("sha256").update(randomBytes(32)).digest("base64").replace(/=+$/, "")}`;

const manager = (
  name: string,
  address: string,
  port: number,
  extra = "",
) => `apiVersion: openstacklab.io/v1alpha1
kind: LabManager
metadata:
  name: ${name}
spec:
  address: ${address}
  ssh:
    port: ${port}
${extra}`;

const network = `apiVersion: openstacklab.io/v1alpha1
kind: LibvirtNetwork
metadata:
  name: public
spec:
  managerRef: { name: lab }
  mode: bridge
  bridge: public
`;

describe("Argo CD health of statuses the operator really wrote", { skip, timeout: 300_000 }, () => {
  let cluster: TestCluster;
  let sshd: TestSshd;
  let dir: string;
  let operator: OperatorProcess;
  let unreachablePort: number;
  let pinnedWrong: string;

  before(async () => {
    [cluster, sshd] = await Promise.all([startCluster(), startSshd()]);
    dir = await mkdtemp(join(tmpdir(), "lab-argocd-"));
    unreachablePort = await closedPort();
    pinnedWrong = `    hostKeyFingerprint: "${otherFingerprint()}"\n`;
  });
  after(async () => {
    await operator?.stop();
    await sshd?.stop();
    await cluster?.api.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The object's health once the operator has written a status for its current generation. */
  async function healthOf(
    resource: string,
    settled: (obj: ObjectJson) => boolean = () => true,
  ): Promise<Health> {
    const obj = await eventually(
      async () => {
        const o = JSON.parse(await cluster.kubectl(["get", resource, "-o", "json"])) as ObjectJson;
        // A status for the current spec: the object's, or (after a failed reconcile) a condition's.
        const generations = [
          o.status?.observedGeneration,
          ...(o.status?.conditions ?? []).map((c) => c.observedGeneration),
        ];
        const current = generations.includes(o.metadata.generation);
        return current && settled(o) ? o : undefined;
      },
      90_000,
      () => `${resource}: no status for its generation yet\n${operator.text().slice(-3000)}`,
    );
    return argoHealth(obj);
  }

  test("Kubernetes mode: a Manager that refuses connections is Progressing, with the reason", async () => {
    operator = startOperator({
      kubeconfig: cluster.api.kubeconfig,
      healthPort: await closedPort(),
      workspace: dir,
    });
    await cluster.kubectl(["apply", "-f", "-"], manager("unreachable", "127.0.0.1", unreachablePort));
    const h = await healthOf("labmanager/unreachable");
    assert.equal(h.status, "Progressing", h.message);
    assert.match(h.message, /^Unreachable: /);
  });

  test("Kubernetes mode: a Manager whose host key is not the pinned one is Degraded (Stalled)", async () => {
    // Declares the host bridge the network below plugs into: the cross-object checks run in
    // Kubernetes mode too, and a bridge-mode network on an undeclared bridge is invalid input.
    const bridges = "  bridges:\n    - { name: public }\n";
    await cluster.kubectl(["apply", "-f", "-"], manager("lab", sshd.host, sshd.port, pinnedWrong + bridges));
    const h = await healthOf(
      "labmanager/lab",
      (o) => o.status?.conditions?.some((c) => c.type === "Stalled") ?? false,
    );
    assert.deepEqual(h.status, "Degraded", h.message);
    assert.match(h.message, /^HostKeyChanged: /);
  });

  test("Kubernetes mode: a network whose Manager is not Ready is Progressing (WaitingForDependency)", async () => {
    await cluster.kubectl(["apply", "-f", "-"], network);
    const h = await healthOf("libvirtnetwork/public");
    assert.equal(h.status, "Progressing");
    assert.match(h.message, /^WaitingForDependency: /);
  });

  test("Kubernetes mode: spec.suspend is Suspended once the operator says so, and resuming is Progressing again", async () => {
    const suspended = (o: ObjectJson) =>
      o.status?.conditions?.some((c) => c.type === "Suspended" && c.status === "True") ?? false;
    const patch = (suspend: boolean) =>
      cluster.kubectl([
        "patch",
        "labmanager/unreachable",
        "--type=merge",
        "-p",
        JSON.stringify({ spec: { suspend } }),
      ]);
    await patch(true);
    const h = await healthOf("labmanager/unreachable", suspended);
    assert.equal(h.status, "Suspended", h.message);
    await patch(false);
    const resumed = await healthOf("labmanager/unreachable", (o) => !suspended(o));
    assert.equal(resumed.status, "Progressing", resumed.message);
    assert.match(resumed.message, /^Unreachable: /);
  });

  test("Kubernetes mode: an object being deleted (a finalizer still on) is Progressing", async () => {
    // The Degraded Manager never got the operator's finalizer (nothing was changed on a host
    // whose key is wrong); a finalizer of the test's holds its deletion open.
    const hold = "test.openstacklab.io/hold";
    await cluster.kubectl([
      "patch",
      "labmanager",
      "lab",
      "--type=json",
      "-p",
      `[{"op":"add","path":"/metadata/finalizers","value":["${hold}"]}]`,
    ]);
    await cluster.kubectl(["delete", "labmanager", "lab", "--wait=false"]);
    const obj = await eventually(async () => {
      const o = JSON.parse(await cluster.kubectl(["get", "labmanager/lab", "-o", "json"])) as ObjectJson;
      return o.metadata.deletionTimestamp ? o : undefined;
    }, 30_000);
    assert.deepEqual(await argoHealth(obj), {
      status: "Progressing",
      message: "Deleting: cleaning up what the object created",
    });
    await cluster.kubectl([
      "patch",
      "labmanager",
      "lab",
      "--type=json",
      "-p",
      '[{"op":"remove","path":"/metadata/finalizers"}]',
    ]);
  });

  test("file mode: labctl apply's state records read the same (Progressing, Degraded)", async () => {
    const manifests = join(dir, "manifests");
    await rm(manifests, { recursive: true, force: true });
    await mkdir(manifests);
    await writeFile(
      join(manifests, "managers.yaml"),
      `${manager("unreachable", "127.0.0.1", unreachablePort)}---\n${manager("lab", sshd.host, sshd.port, pinnedWrong)}`,
    );
    const workspace = join(dir, "file-workspace");
    const res = await labctl(["apply", "-f", manifests, "--workspace", workspace, "--timeout", "20"], {
      timeoutMs: 120_000,
    });
    assert.notEqual(res.code, 0, "neither Manager can converge");
    const got = await labctl(["get", "-o", "json", "--workspace", workspace]);
    const records = JSON.parse(got.stdout) as Parameters<typeof objectOfStateRecord>[0][];
    const health = async (name: string) =>
      argoHealth(objectOfStateRecord(records.find((r) => r.name === name)!));
    const unreachable = await health("unreachable");
    assert.equal(unreachable.status, "Progressing", unreachable.message);
    assert.match(unreachable.message, /^Unreachable: /);
    const lab = await health("lab");
    assert.equal(lab.status, "Degraded", lab.message);
    assert.match(lab.message, /^HostKeyChanged: /);
  });
});

interface ObjectJson {
  metadata: { generation: number; deletionTimestamp?: string };
  status?: {
    observedGeneration?: number;
    conditions?: { type: string; status: string; observedGeneration?: number }[];
  };
}
