// KubernetesSource against a real kube-apiserver: list+watch, zod validation, deletion,
// and recovery from an apiserver restart.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { LabManager } from "../../src/api/index.js";
import { KubernetesSource } from "../../src/sources/kubernetes/source.js";
import { skipUnlessApiServer } from "../e2e/support/apiserver.js";
import { eventually, labManagerYaml, quietLog, Recorder, startCluster, type TestCluster } from "./support.js";

const skip = await skipUnlessApiServer();

describe("KubernetesSource", { skip, timeout: 300_000 }, () => {
  let cluster: TestCluster;
  let source: KubernetesSource;
  const rec = new Recorder();

  before(async () => {
    cluster = await startCluster();
    await cluster.kubectl(["create", "namespace", "lab-a"]);
    await cluster.kubectl(["create", "namespace", "lab-b"]);
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("early", { namespace: "lab-a" }));
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("elsewhere", { namespace: "lab-b" }));
    source = new KubernetesSource({
      clients: cluster.clients,
      namespaces: ["lab-a"],
      log: quietLog,
      retry: { baseMs: 200, maxMs: 1000 },
    });
    await source.start(rec);
  });

  after(async () => {
    await source?.stop();
    await cluster?.api.stop();
  });

  test("lists existing objects of its namespace only, then reports synced", () => {
    const synced = rec.events.indexOf("synced");
    assert.ok(synced > 0, rec.events.join("\n"));
    assert.ok(
      rec.events.slice(0, synced).includes("upsert LabManager/lab-a/early gen=1"),
      rec.events.join("\n"),
    );
    assert.ok(
      !rec.events.some((e) => e.includes("lab-b")),
      "an object of an unwatched namespace was delivered",
    );
  });

  test("delivers an object applied with kubectl, with its generation, uid and defaults", async () => {
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("lab1", { namespace: "lab-a" }));
    await rec.next((e) => e === "upsert LabManager/lab-a/lab1 gen=1");
    const object = rec.objects.get("LabManager/lab-a/lab1") as LabManager;
    assert.match(object.metadata.uid ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(object.spec.address, "lab1.managers.test");
    assert.equal(object.spec.ssh.port, 22);

    await cluster.kubectl(
      ["apply", "-f", "-"],
      labManagerYaml("lab1", { namespace: "lab-a", address: "192.0.2.11" }),
    );
    await rec.next((e) => e === "upsert LabManager/lab-a/lab1 gen=2");
    assert.equal((rec.objects.get("LabManager/lab-a/lab1") as LabManager).spec.address, "192.0.2.11");
  });

  test("reports an object the CRD accepts but the zod schema refuses as invalid", async () => {
    // Kubernetes allows dots in custom resource names; our names must be DNS-1123 labels.
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("bad.name", { namespace: "lab-a" }));
    const line = await rec.next((e) => e.startsWith("invalid LabManager/lab-a/bad.name"));
    assert.match(line, /metadata\.name: must be a DNS-1123 label/);
    assert.ok(!rec.events.some((e) => e.startsWith("upsert LabManager/lab-a/bad.name")));
    await eventually(() => rec.errors.at(-1)?.some((l) => l.includes("bad.name")));
  });

  test("two LabManagers on the same address and port: both invalid, each naming the other, until one moves", async () => {
    const from = rec.events.length;
    const same = { namespace: "lab-a", address: "192.0.2.50" };
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("same-a", same));
    await rec.next((e) => e === "upsert LabManager/lab-a/same-a gen=1", 10_000, from);
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("same-b", same));
    const a = await rec.next((e) => e.startsWith("invalid LabManager/lab-a/same-a"), 10_000, from);
    const b = await rec.next((e) => e.startsWith("invalid LabManager/lab-a/same-b"), 10_000, from);
    assert.match(a, /spec\.address: 192\.0\.2\.50 port 22 is also the host of LabManager "same-b"/);
    assert.match(b, /spec\.address: 192\.0\.2\.50 port 22 is also the host of LabManager "same-a"/);
    assert.ok(
      !rec.events.slice(from).includes("upsert LabManager/lab-a/same-b gen=1"),
      rec.events.join("\n"),
    );
    await eventually(() =>
      rec.errors.at(-1)?.some((l) => l.startsWith("LabManager/lab-a/same-b: spec.address")),
    );

    const moved = rec.events.length;
    await cluster.kubectl(
      ["apply", "-f", "-"],
      labManagerYaml("same-b", { namespace: "lab-a", address: "192.0.2.51" }),
    );
    await rec.next((e) => e === "upsert LabManager/lab-a/same-b gen=2", 10_000, moved);
    await rec.next((e) => e === "upsert LabManager/lab-a/same-a gen=1", 10_000, moved);
    await eventually(() => !rec.errors.at(-1)?.some((l) => l.includes("same-")));
  });

  test("removes an object deleted without a finalizer", async () => {
    await cluster.kubectl(["delete", "labmanager", "lab1", "-n", "lab-a", "--wait=false"]);
    await rec.next((e) => e === "remove LabManager/lab-a/lab1");
  });

  test("removes an object as soon as its deletionTimestamp is set (a finalizer holds it)", async () => {
    const extra = "  finalizers: [openstacklab.io/cleanup]\n";
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("held", { namespace: "lab-a", extra }));
    await rec.next((e) => e.startsWith("upsert LabManager/lab-a/held"));
    await cluster.kubectl(["delete", "labmanager", "held", "-n", "lab-a", "--wait=false"]);
    await rec.next((e) => e === "remove LabManager/lab-a/held");
    const live = await cluster.kubectl([
      "get",
      "labmanager",
      "held",
      "-n",
      "lab-a",
      "-o",
      "jsonpath={.metadata.deletionTimestamp}",
    ]);
    assert.notEqual(live, "", "the finalizer should still hold the object");
    await cluster.kubectl([
      "patch",
      "labmanager",
      "held",
      "-n",
      "lab-a",
      "--type=merge",
      "-p",
      '{"metadata":{"finalizers":null}}',
    ]);
  });

  test("keeps delivering after the apiserver restarts, deletions included", async () => {
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("doomed", { namespace: "lab-a" }));
    await rec.next((e) => e === "upsert LabManager/lab-a/doomed gen=1");
    const started = Date.now();
    await cluster.api.restartApiServer();
    const from = rec.events.length;
    await cluster.kubectl(["delete", "labmanager", "doomed", "-n", "lab-a"]);
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("after-restart", { namespace: "lab-a" }));
    await rec.next((e) => e === "upsert LabManager/lab-a/after-restart gen=1", 60_000, from);
    await rec.next((e) => e === "remove LabManager/lab-a/doomed", 60_000, from);
    console.log(`# delivering again ${Date.now() - started} ms after the restart began`);
  });
});
