/**
 * Benchmark: Kubernetes API write → reconcile start, Kubernetes mode. A real kube-apiserver
 * and etcd (test/apiserver, cached binaries) serve our CRDs; a real KubernetesSource
 * (list + watch) feeds a ControllerManager in this process whose reconcilers only record
 * when they start. Each sample is one merge patch of a LabManager's spec through the API
 * (client-node, no kubectl process) until its reconcile begins: API write + etcd + watch
 * event + decode + validation + queue. Needs the apiserver binaries (test/apiserver/install.sh).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { kindResource, MERGE_PATCH } from "../src/kube/client.js";
import { KubernetesSource } from "../src/sources/kubernetes/source.js";
import { labManagerYaml, startCluster } from "../test/kubernetes/support.js";
import { reconcileStartRecorder } from "./reconcile-start.js";
import { summarize, type Summary } from "./stats.js";

export async function benchWatchLatency(writes = 30): Promise<{ writes: number; latencyMs: Summary }> {
  const dir = await mkdtemp(join(tmpdir(), "bench-watch-"));
  const cluster = await startCluster();
  const log = pino({ level: "silent" });
  const { manager, timeToStart } = reconcileStartRecorder(dir);
  const source = new KubernetesSource({ clients: cluster.clients, namespaces: ["default"], log });
  const samples: number[] = [];
  try {
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("lab"));
    await source.start(manager);
    manager.start();
    for (let i = 1; i <= writes; i++) {
      const body = { spec: { address: `192.0.2.${(i % 250) + 1}` } };
      const patch = () =>
        cluster.clients.custom.patchNamespacedCustomObject(
          { ...kindResource("LabManager"), namespace: "default", name: "lab", body },
          MERGE_PATCH,
        );
      samples.push(await timeToStart(patch));
    }
  } finally {
    await source.stop();
    await manager.stop();
    await cluster.api.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return { writes, latencyMs: summarize(samples) };
}
