// A no-op pass writes nothing to the API server: status, the private record and events only
// change when something changed. Counted on the real apiserver, per API call the store makes.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createKubernetesOperator } from "../../src/modes/kubernetes/operator.js";
import { skipUnlessApiServer } from "../e2e/support/apiserver.js";
import {
  countingWrites,
  eventually,
  labManagerYaml,
  quietLog,
  readyReconcilers,
  startCluster,
  type TestCluster,
} from "./support.js";

const skip = await skipUnlessApiServer();

describe("no-op passes in Kubernetes mode", { skip, timeout: 300_000 }, () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster?.api.stop();
  });

  test("after converging, resyncs of 20 objects make no write at all", async () => {
    for (let i = 0; i < 20; i++) await cluster.kubectl(["apply", "-f", "-"], labManagerYaml(`lab${i}`));
    let passes = 0;
    const { clients, writes } = countingWrites(cluster.clients);
    const operator = createKubernetesOperator({
      clients,
      namespaces: ["default"],
      reconcilers: readyReconcilers(
        () => {
          passes += 1;
        },
        { requeueAfterMs: 300 },
      ),
      log: quietLog,
      identity: "noop-test",
    });
    await operator.start();
    try {
      await eventually(() => passes >= 20, 30_000);
      await eventually(async () => {
        const before = writes.length;
        const passesBefore = passes;
        await new Promise((r) => setTimeout(r, 1500));
        return passes >= passesBefore + 20 && writes.length === before;
      }, 60_000);
      const steady = writes.length;
      const passesBefore = passes;
      await new Promise((r) => setTimeout(r, 2000));
      console.log(`# ${passes - passesBefore} no-op reconciles, ${writes.length - steady} writes`);
      assert.ok(passes - passesBefore >= 40, "resyncs kept running");
      assert.deepEqual(writes.slice(steady), [], "a no-op pass writes nothing");
    } finally {
      await operator.stop();
    }
  });

  test("a new object's record is one create; after a restart, a change is one replace", async () => {
    // The example lab's LabManager name, in a namespace of its own.
    await cluster.kubectl(["create", "namespace", "records"]);
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("lab", { namespace: "records" }));
    const recordWrites = (writes: string[]) => writes.filter((w) => /ConfigMap/.test(w));
    const run = async (onStart: () => void) => {
      const counted = countingWrites(cluster.clients);
      const operator = createKubernetesOperator({
        clients: counted.clients,
        namespaces: ["records"],
        reconcilers: readyReconcilers(onStart),
        log: quietLog,
        identity: "records-test",
      });
      await operator.start();
      return { operator, writes: counted.writes };
    };
    let reconciles = 0;
    const first = await run(() => void reconciles++);
    try {
      await eventually(() => recordWrites(first.writes).length >= 1, 30_000);
      await new Promise((r) => setTimeout(r, 1000));
      assert.deepEqual(recordWrites(first.writes), ["core.createNamespacedConfigMap"]);
    } finally {
      await first.operator.stop();
    }
    const second = await run(() => void reconciles++);
    try {
      const seen = reconciles;
      await eventually(() => reconciles > seen, 30_000);
      await cluster.kubectl([
        "-n",
        "records",
        "patch",
        "labmanager",
        "lab",
        "--type=merge",
        "-p",
        '{"spec":{"address":"lab2.managers.test"}}',
      ]);
      await eventually(() => recordWrites(second.writes).length >= 1, 30_000);
      await new Promise((r) => setTimeout(r, 1000));
      assert.deepEqual(recordWrites(second.writes), ["core.replaceNamespacedConfigMap"]);
    } finally {
      await second.operator.stop();
    }
  });
});
