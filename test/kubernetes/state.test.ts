// The Kubernetes-mode runtime end to end against a real kube-apiserver, with a trivial
// reconciler that marks objects Ready without SSH: status subresource, observedGeneration,
// kubectl wait, finalizer lifecycle, events in kubectl describe, detach.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createKubernetesOperator } from "../../src/modes/kubernetes/operator.js";
import { FINALIZER } from "../../src/modes/kubernetes/kubestate.js";
import { getObject } from "../../src/kube/objects.js";
import { readSecretRef, SecretMissing } from "../../src/kube/secrets.js";
import { skipUnlessApiServer } from "../e2e/support/apiserver.js";
import {
  eventually,
  labManagerYaml,
  quietLog,
  startCluster,
  trivialReconcilers,
  type TestCluster,
} from "./support.js";

const skip = await skipUnlessApiServer();

describe("Kubernetes mode with a trivial reconciler (no SSH)", { skip, timeout: 300_000 }, () => {
  let cluster: TestCluster;
  let operator: ReturnType<typeof createKubernetesOperator>;
  const cleanups: string[] = [];
  const finalizersAtStart: string[] = [];
  const get = async (name: string, path: string) =>
    cluster.kubectl(["get", "labmanager", name, "-o", `jsonpath={${path}}`]);

  before(async () => {
    cluster = await startCluster();
    operator = createKubernetesOperator({
      clients: cluster.clients,
      namespaces: ["default"],
      reconcilers: trivialReconcilers(cleanups, async (ctx) => {
        // What the API server says at the moment the reconciler may first touch a host.
        const live = await getObject(cluster.clients, ctx.key);
        if (!ctx.entry.deleting) finalizersAtStart.push((live?.metadata.finalizers ?? []).join(","));
      }),
      log: quietLog,
      identity: "test-operator",
    });
    await operator.start();
  });

  after(async () => {
    await operator?.stop();
    await cluster?.api.stop();
  });

  test("status is written through the status subresource and kubectl wait sees Ready", async () => {
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("lab1"));
    const started = Date.now();
    await cluster.kubectl(["wait", "--for=condition=Ready", "--timeout=30s", "labmanager/lab1"]);
    console.log(`# Ready ${Date.now() - started} ms after kubectl apply`);
    const live = JSON.parse(await cluster.kubectl(["get", "labmanager", "lab1", "-o", "json"]));
    assert.equal(live.status.observedGeneration, 1);
    assert.equal(live.metadata.generation, 1);
    const ready = live.status.conditions.find((c: { type: string }) => c.type === "Ready");
    assert.deepEqual([ready.status, ready.reason, ready.observedGeneration], ["True", "Converged", 1]);
    assert.deepEqual(live.metadata.finalizers, [FINALIZER]);
    assert.equal(finalizersAtStart[0], FINALIZER, "the finalizer must be on before the first reconcile runs");
    const table = await cluster.kubectl(["get", "labmanagers"]);
    assert.match(table, /^lab1\s+lab1\.managers\.test\s+True\s+Converged\s/m);
  });

  test("a spec change is observed at the new generation", async () => {
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("lab1", { address: "192.0.2.99" }));
    await eventually(async () => (await get("lab1", ".status.observedGeneration")) === "2", 20_000);
    assert.equal(await get("lab1", ".metadata.generation"), "2");
  });

  test("events are visible in kubectl describe, repeats folded into a series", async () => {
    const describeOut = await eventually(async () => {
      const out = await cluster.kubectl(["describe", "labmanager", "lab1"]);
      return out.includes("converged at generation 2") ? out : undefined;
    }, 20_000);
    assert.match(describeOut, /Normal\s+Converged\s+.*converged at generation 1/);
    const events = JSON.parse(await cluster.kubectl(["get", "events.events.k8s.io", "-o", "json"]));
    const ours = events.items.filter((e: { regarding?: { name?: string } }) => e.regarding?.name === "lab1");
    assert.equal(ours.length, 2, "one event per distinct note");
    assert.equal(ours[0].reportingController, "openstacklab.io/lab-operator");

    operator.manager.enqueue({ kind: "LabManager", namespace: "default", name: "lab1" }); // same note again
    const series = await eventually(async () => {
      const all = JSON.parse(await cluster.kubectl(["get", "events.events.k8s.io", "-o", "json"]));
      const again = all.items.filter((e: { note?: string }) => e.note === "converged at generation 2");
      return again.length === 1 && again[0].series?.count === 2 ? again : undefined;
    }, 20_000);
    assert.equal(series.length, 1, "a repeat updates the series instead of adding an event");
  });

  test("the finalizer holds a deleted object until cleanup ran, then it is gone", async () => {
    await cluster.kubectl(["delete", "labmanager", "lab1", "--timeout=30s"]);
    assert.deepEqual(cleanups, ["lab1"]);
    await assert.rejects(cluster.kubectl(["get", "labmanager", "lab1"]), /NotFound/);
    await assert.rejects(cluster.kubectl(["get", "configmap", "labstate-labmanager-lab1"]), /NotFound/);
  });

  test("the detach annotation drops the finalizer without cleanup", async () => {
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("lab2"));
    await cluster.kubectl(["wait", "--for=condition=Ready", "--timeout=30s", "labmanager/lab2"]);
    assert.equal(await get("lab2", ".metadata.finalizers[0]"), FINALIZER);
    await cluster.kubectl(["annotate", "labmanager", "lab2", "openstacklab.io/detach=true"]);
    await cluster.kubectl(["delete", "labmanager", "lab2", "--timeout=30s"]);
    assert.deepEqual(cleanups, ["lab1"], "a detached object must not be cleaned up");
  });

  test("the private record (owned, steps, machine) lives in a ConfigMap owned by the object", async () => {
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("lab3"));
    await cluster.kubectl(["wait", "--for=condition=Ready", "--timeout=30s", "labmanager/lab3"]);
    const cm = JSON.parse(
      await cluster.kubectl(["get", "configmap", "labstate-labmanager-lab3", "-o", "json"]),
    );
    const record = JSON.parse(cm.data["state.json"]);
    assert.deepEqual(record.owned, [{ kind: "fake", name: "lab3" }]);
    assert.equal(cm.metadata.ownerReferences[0].uid, await get("lab3", ".metadata.uid"));
  });

  test("an SSH password comes from the Secret a passwordRef names", async () => {
    await cluster.kubectl(["create", "secret", "generic", "root-pw", "--from-literal=password=s3cr3t pass"]);
    const ref = { secretName: "root-pw", key: "password" };
    assert.equal(await readSecretRef(cluster.clients, "default", ref), "s3cr3t pass");
    await assert.rejects(readSecretRef(cluster.clients, "default", { ...ref, key: "nope" }), (err: Error) => {
      assert.ok(err instanceof SecretMissing);
      assert.ok(!err.message.includes("s3cr3t"));
      return /has no such key/.test(err.message);
    });
    await assert.rejects(
      readSecretRef(cluster.clients, "default", { secretName: "absent", key: "value" }),
      /does not exist/,
    );
  });

  test("two LabManagers on one address and port: both InputValid=False naming the other; the first keeps its spec", async () => {
    const twin = { address: "192.0.2.77" };
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("twin-a", twin));
    await cluster.kubectl(["wait", "--for=condition=Ready", "--timeout=30s", "labmanager/twin-a"]);
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("twin-b", twin));
    const inputValid = async (name: string) =>
      JSON.parse((await get(name, ".status.conditions[?(@.type=='InputValid')]")) || "null") as {
        status: string;
        message: string;
      } | null;
    const a = await eventually(
      async () => (await inputValid("twin-a"))?.status === "False" && inputValid("twin-a"),
    );
    const b = await eventually(
      async () => (await inputValid("twin-b"))?.status === "False" && inputValid("twin-b"),
    );
    assert.match(
      a!.message,
      /last good spec kept: spec\.address: 192\.0\.2\.77 port 22 is also the host of LabManager "twin-b"/,
    );
    assert.match(b!.message, /spec\.address: 192\.0\.2\.77 port 22 is also the host of LabManager "twin-a"/);
    assert.equal(await get("twin-b", ".status.observedGeneration"), "", "the second one was reconciled");

    await cluster.kubectl(["delete", "labmanager", "twin-b", "--timeout=30s"]);
    await eventually(async () => (await inputValid("twin-a")) === null);
    assert.ok(!cleanups.includes("twin-b"), "an object never valid must not be cleaned up");
  });
});
