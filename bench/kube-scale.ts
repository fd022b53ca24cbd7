/**
 * Benchmark: Kubernetes mode with N LabManagers (1,000 by default) in a real kube-apiserver
 * and etcd (test/apiserver, cached binaries). The operator is the real one of
 * `labctl run --kubernetes` (KubernetesSource list + watch, KubernetesStateStore, events,
 * finalizers, queues) with reconcilers that report Ready at once, so the figures are the
 * Kubernetes side alone: the SSH side of N Managers is the `scale` benchmark's.
 *   - syncMs: list + watch of every kind until the manager has synced;
 *   - first pass: each object reconciled once (finalizer, status: the writes a new object costs);
 *   - no-op passes: every object enqueued again with nothing changed: API writes (goal 0),
 *     wall and operator CPU;
 *   - API write → reconcile start: a merge patch of one LabManager's spec among N, until its
 *     reconcile begins;
 *   - steady state: each reconcile now takes STEADY.hostMs (a Manager's round trip) and asks
 *     for a resync after STEADY.resyncMs, which the manager jitters (±10 %) as for a spec's
 *     resyncInterval. All N are enqueued at once (an operator restart: the worst case), and
 *     once each was reconciled the queue depth is sampled every 100 ms for three periods.
 *     Goal: it never holds more than a tenth of the objects.
 * Writes are counted per client call that creates, replaces, patches or deletes.
 */
import { keyString, type ObjectKey } from "../src/api/index.js";
import { kindResource, MERGE_PATCH } from "../src/kube/client.js";
import { createKubernetesOperator } from "../src/modes/kubernetes/operator.js";
import { countingWrites, quietLog, readyReconcilers, startCluster } from "../test/kubernetes/support.js";
import { liveHeapMiB, summarize, type Summary } from "./stats.js";

export interface KubeScaleResult {
  managers: number;
  createMs: number;
  syncMs: number;
  firstPass: { ms: number; writes: number; byCall: Record<string, number> };
  noopPasses: { ms: Summary; cpuMs: Summary; writes: Summary };
  writeToReconcileMs: Summary;
  steady: SteadyState;
  rssMiB: number;
  /** After a full garbage collection: what the N objects keep alive. */
  liveHeapMiB: number;
}

/** Keys waiting in the queue (not being processed) once resyncs run on their own timers. */
interface SteadyState {
  hostMs: number;
  resyncMs: number;
  sampledMs: number;
  reconciles: number;
  queueDepth: Summary;
  maxQueuedFraction: number;
}

const STEADY = { hostMs: 100, resyncMs: 60_000 };
const NAMESPACE = "default";
const resource = { ...kindResource("LabManager"), namespace: NAMESPACE };
const name = (i: number) => `loop-${i}`;

/** At most `limit` promises of `each` at once, over 0..n-1. */
async function forEachLimited(
  n: number,
  limit: number,
  each: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) await each(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, lane));
}

export async function benchKubeScale(n = 1000, passes = 3, writes = 30): Promise<KubeScaleResult> {
  const cluster = await startCluster();
  try {
    const t0 = performance.now();
    await forEachLimited(n, 16, (i) =>
      cluster.clients.custom.createNamespacedCustomObject({
        ...resource,
        body: {
          apiVersion: "openstacklab.io/v1alpha1",
          kind: "LabManager",
          metadata: { name: name(i) },
          spec: { address: `m${i}.managers.test`, resyncInterval: "1h" },
        },
      }),
    );
    const createMs = performance.now() - t0;

    let onStart: ((key: string) => void) | undefined;
    let steady = false;
    const counted = countingWrites(cluster.clients);
    const operator = createKubernetesOperator({
      clients: counted.clients,
      namespaces: [NAMESPACE],
      reconcilers: readyReconcilers(
        async (ctx) => {
          onStart?.(keyString(ctx.key));
          if (steady) await new Promise((r) => setTimeout(r, STEADY.hostMs));
        },
        () => (steady ? { requeueAfterMs: STEADY.resyncMs } : {}),
      ),
      log: quietLog,
      identity: "bench-kube-scale",
    });
    const { manager } = operator;
    const keys: ObjectKey[] = Array.from({ length: n }, (_, i) => ({
      kind: "LabManager",
      namespace: NAMESPACE,
      name: name(i),
    }));
    let waiting = new Set<string>();
    let wake: (() => void) | undefined;
    manager.onReconciled((key) => {
      waiting.delete(keyString(key));
      if (waiting.size === 0) wake?.();
    });
    const pass = async (start: () => void) => {
      const done = new Promise<void>((r) => (wake = r));
      waiting = new Set(keys.map(keyString));
      const before = counted.writes.length;
      const c0 = process.cpuUsage();
      const t = performance.now();
      start();
      await done;
      const cpu = process.cpuUsage(c0);
      const made = counted.writes.slice(before);
      const byCall: Record<string, number> = {};
      for (const call of made) byCall[call] = (byCall[call] ?? 0) + 1;
      return {
        ms: performance.now() - t,
        cpuMs: (cpu.user + cpu.system) / 1000,
        writes: made.length,
        byCall,
      };
    };

    try {
      const s0 = performance.now();
      await operator.load();
      const syncMs = performance.now() - s0;
      if (!manager.hasSynced || manager.cache.list().length !== n)
        throw new Error(`synced ${manager.cache.list().length} of ${n} objects`);
      const first = await pass(() => operator.run());
      const noop = [];
      for (let i = 0; i < passes; i++) noop.push(await pass(() => keys.forEach((k) => manager.enqueue(k))));

      const latency: number[] = [];
      for (let i = 1; i <= writes; i++) {
        await new Promise((r) => setTimeout(r, 100)); // the previous reconcile's status write lands first
        const target = keys[(i * 37) % n]!;
        const begun = new Promise<void>((resolve) => {
          onStart = (key) => key === keyString(target) && resolve();
        });
        const t = performance.now();
        await cluster.clients.custom.patchNamespacedCustomObject(
          { ...resource, name: target.name, body: { spec: { address: `m${i}-edit.managers.test` } } },
          MERGE_PATCH,
        );
        await begun;
        latency.push(performance.now() - t);
      }
      onStart = undefined;

      steady = true;
      let reconciles = 0;
      manager.onReconciled(() => reconciles++);
      await pass(() => keys.forEach((k) => manager.enqueue(k)));
      const depths: number[] = [];
      const before = reconciles;
      const sampler = setInterval(() => depths.push(manager.queue.length), 100);
      await new Promise((r) => setTimeout(r, 3 * STEADY.resyncMs));
      clearInterval(sampler);
      const queueDepth = summarize(depths);
      return {
        managers: n,
        createMs,
        syncMs,
        firstPass: { ms: first.ms, writes: first.writes, byCall: first.byCall },
        noopPasses: {
          ms: summarize(noop.map((p) => p.ms)),
          cpuMs: summarize(noop.map((p) => p.cpuMs)),
          writes: summarize(noop.map((p) => p.writes)),
        },
        writeToReconcileMs: summarize(latency),
        steady: {
          ...STEADY,
          sampledMs: 3 * STEADY.resyncMs,
          reconciles: reconciles - before,
          queueDepth,
          maxQueuedFraction: queueDepth.max / n,
        },
        rssMiB: process.memoryUsage().rss / 2 ** 20,
        liveHeapMiB: liveHeapMiB(),
      };
    } finally {
      await operator.stop();
    }
  } finally {
    await cluster.api.stop();
  }
}
