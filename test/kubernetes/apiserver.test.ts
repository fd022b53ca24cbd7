import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { kubectl, skipUnlessApiServer, startApiServer, type ApiServer } from "../e2e/support/apiserver.js";

const skip = await skipUnlessApiServer();

interface Widget {
  spec: { size: number };
  status?: { phase?: string };
}

const WIDGET_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.test" },
  spec: {
    group: "example.test",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: { type: "object", properties: { size: { type: "integer", minimum: 1 } } },
              status: { type: "object", properties: { phase: { type: "string" } } },
            },
          },
        },
      },
    ],
  },
};

/** Running, not merely a zombie waiting for whoever adopted it to reap it. */
async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return stat !== "" && state !== "Z" && state !== "X";
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  return Math.round(kib / 1024);
}

// Skip each test rather than the suite, so the runner's summary counts them as skipped.
describe("a real kube-apiserver and etcd on loopback", () => {
  let api: ApiServer | undefined;
  let stopped = false;
  const server = (): ApiServer => api ?? assert.fail("the apiserver did not start");
  const apply = (obj: unknown) => kubectl(server(), ["apply", "-f", "-"], JSON.stringify(obj));
  const get = async <T>(args: string[]): Promise<T> =>
    JSON.parse(await kubectl(server(), ["get", ...args, "-o", "json"])) as T;

  before(async () => {
    if (skip) return;
    const started = Date.now();
    api = await startApiServer();
    const { etcd, apiserver } = await api.pids();
    console.error(
      `# apiserver ready in ${Date.now() - started} ms at ${api.url}; ` +
        `RSS kube-apiserver ${await rssMiB(apiserver)} MiB, etcd ${await rssMiB(etcd)} MiB`,
    );
  });

  after(async () => {
    if (api && !stopped) await api.stop();
  });

  it("lists the built-in namespaces", { skip }, async () => {
    const names = (await kubectl(server(), ["get", "ns", "-o", "name"])).split("\n");
    assert.ok(names.includes("namespace/default"), names.join(","));
    assert.ok(names.includes("namespace/kube-system"), names.join(","));
  });

  it("creates a namespace and a ConfigMap in it", { skip }, async () => {
    await kubectl(server(), ["create", "namespace", "lab-test"]);
    await kubectl(server(), [
      "-n",
      "lab-test",
      "create",
      "configmap",
      "settings",
      "--from-literal=mode=fast",
    ]);
    const cm = await get<{ data: Record<string, string> }>(["-n", "lab-test", "configmap", "settings"]);
    assert.equal(cm.data.mode, "fast");
  });

  it("establishes a CRD, serves its objects and patches their status subresource", { skip }, async () => {
    await apply(WIDGET_CRD);
    await kubectl(server(), [
      "wait",
      "--for=condition=Established",
      "--timeout=60s",
      "crd/widgets.example.test",
    ]);
    await apply({
      apiVersion: "example.test/v1",
      kind: "Widget",
      metadata: { name: "w1", namespace: "lab-test" },
      spec: { size: 3 },
    });
    await kubectl(server(), [
      ...["-n", "lab-test", "patch", "widget", "w1", "--subresource=status", "--type=merge"],
      ...["-p", JSON.stringify({ status: { phase: "Ready" } })],
    ]);
    const widget = await get<Widget>(["-n", "lab-test", "widget", "w1"]);
    assert.equal(widget.spec.size, 3);
    assert.equal(widget.status?.phase, "Ready");
  });

  it("rejects a Widget that breaks the structural schema", { skip }, async () => {
    const bad = {
      apiVersion: "example.test/v1",
      kind: "Widget",
      metadata: { name: "w0", namespace: "lab-test" },
    };
    await assert.rejects(apply({ ...bad, spec: { size: 0 } }), /spec\.size/);
  });

  it("creates a coordination.k8s.io Lease", { skip }, async () => {
    await apply({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "lab-operator-leader", namespace: "lab-test" },
      spec: { holderIdentity: "test", leaseDurationSeconds: 15 },
    });
    const lease = await get<{ spec: { holderIdentity: string } }>([
      "-n",
      "lab-test",
      "lease",
      "lab-operator-leader",
    ]);
    assert.equal(lease.spec.holderIdentity, "test");
  });

  it("creates an events.k8s.io/v1 Event", { skip }, async () => {
    await apply({
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name: "w1.reconciled", namespace: "lab-test" },
      eventTime: new Date().toISOString().replace(/Z$/, "000Z"),
      reportingController: "lab.example.test/operator",
      reportingInstance: "labctl-test",
      action: "Reconcile",
      reason: "Converged",
      type: "Normal",
      note: "widget w1 converged",
      regarding: { apiVersion: "example.test/v1", kind: "Widget", name: "w1", namespace: "lab-test" },
    });
    const event = await get<{ reason: string }>([
      "-n",
      "lab-test",
      "events.v1.events.k8s.io",
      "w1.reconciled",
    ]);
    assert.equal(event.reason, "Converged");
  });

  it("restarts only the apiserver on the same address and keeps the data", { skip }, async () => {
    const old = await server().pids();
    await server().restartApiServer();
    const now = await server().pids();
    assert.equal(now.etcd, old.etcd);
    assert.notEqual(now.apiserver, old.apiserver);
    assert.ok(!(await isRunning(old.apiserver)), "the old kube-apiserver is gone");
    const widget = await get<Widget>(["-n", "lab-test", "widget", "w1"]);
    assert.equal(widget.status?.phase, "Ready");
  });

  it("stops both processes and removes its folder", { skip }, async () => {
    const { etcd, apiserver } = await server().pids();
    await server().stop();
    stopped = true;
    assert.ok(!(await isRunning(etcd)), `etcd (pid ${etcd}) is gone`);
    assert.ok(!(await isRunning(apiserver)), `kube-apiserver (pid ${apiserver}) is gone`);
    await assert.rejects(readFile(server().kubeconfig), /ENOENT/);
  });
});
