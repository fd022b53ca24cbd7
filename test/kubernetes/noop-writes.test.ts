// A no-op pass writes nothing to the API server: status, the private record and events only
// change when something changed. Counted on the real apiserver, per API call the store makes.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { KINDS, type Kind } from "../../src/api/index.js";
import type { Reconciler } from "../../src/controllers/contract.js";
import type { KubeClients } from "../../src/kube/client.js";
import { markReady } from "../../src/machines/conditions.js";
import { createKubernetesOperator } from "../../src/modes/kubernetes/operator.js";
import { skipUnlessApiServer } from "../e2e/support/apiserver.js";
import { eventually, labManagerYaml, quietLog, startCluster, type TestCluster } from "./support.js";

const skip = await skipUnlessApiServer();

/** The same clients, counting every call whose name says it writes. */
function counting(clients: KubeClients): { clients: KubeClients; writes: string[] } {
  const writes: string[] = [];
  const wrap = <T extends object>(api: T, name: string): T =>
    new Proxy(api, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (/^(create|replace|patch|delete)/.test(String(prop))) writes.push(`${name}.${String(prop)}`);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return {
    writes,
    clients: {
      config: clients.config,
      custom: wrap(clients.custom, "custom"),
      core: wrap(clients.core, "core"),
      coordination: wrap(clients.coordination, "coordination"),
      events: wrap(clients.events, "events"),
    },
  };
}

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
    const ready: Reconciler = async (ctx) => {
      passes += 1;
      ctx.state.status.conditions = markReady(
        ctx.state.status.conditions,
        "Converged",
        "ok",
        ctx.state.generation,
      );
      ctx.state.status.observedGeneration = ctx.state.generation;
      return { requeueAfterMs: 300 };
    };
    const { clients, writes } = counting(cluster.clients);
    const operator = createKubernetesOperator({
      clients,
      namespaces: ["default"],
      reconcilers: Object.fromEntries(KINDS.map((k) => [k, ready])) as Record<Kind, Reconciler>,
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
});
