// A watch that resumes from a compacted resourceVersion gets 410 Gone from a real
// kube-apiserver; the source re-lists (every object delivered again) and keeps delivering.
// The apiserver runs with --watch-cache=false so watches are served by etcd, where a
// compaction makes old revisions unavailable at once (the watch cache would otherwise
// keep serving them from memory until its window slides).
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { KubernetesSource } from "../../src/sources/kubernetes/source.js";
import { skipUnlessApiServer } from "../e2e/support/apiserver.js";
import { labManagerYaml, Recorder, startCluster, type TestCluster } from "./support.js";

const skip = await skipUnlessApiServer();

/** etcd's JSON gateway (etcd serves it next to gRPC): the current revision, and compaction. */
async function etcd(cluster: TestCluster, path: string, body: unknown): Promise<Record<string, unknown>> {
  const state = await readFile(join(cluster.api.dir, "state.env"), "utf8");
  const port = /^ETCD_PORT=(\d+)$/m.exec(state)?.[1];
  const res = await fetch(`http://127.0.0.1:${port}/v3/${path}`, {
    method: "POST",
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `etcd ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

describe("KubernetesSource after 410 Gone", { skip, timeout: 300_000 }, () => {
  let cluster: TestCluster;
  let source: KubernetesSource;
  const rec = new Recorder();
  const logs: string[] = [];

  before(async () => {
    process.env.LAB_APISERVER_EXTRA_ARGS = "--watch-cache=false";
    try {
      cluster = await startCluster();
    } finally {
      delete process.env.LAB_APISERVER_EXTRA_ARGS;
    }
    await cluster.kubectl(["create", "namespace", "quiet"]);
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("first", { namespace: "quiet" }));
    source = new KubernetesSource({
      clients: cluster.clients,
      namespaces: ["quiet"],
      kinds: ["LabManager"],
      log: pino({ level: "info" }, { write: (line: string) => void logs.push(line) }),
      retry: { baseMs: 200, maxMs: 1000, watchTimeoutSeconds: 2 },
    });
    await source.start(rec);
  });

  after(async () => {
    await source?.stop();
    await cluster?.api.stop();
  });

  test("re-lists after its resume version was compacted, then delivers new objects", async () => {
    assert.deepEqual(rec.events, ["upsert LabManager/quiet/first gen=1", "synced"]);
    // Revisions elsewhere move etcd on; the quiet namespace's watch sees none of them.
    const names = Array.from({ length: 20 }, (_, i) => `noise-${i}`);
    for (const name of names)
      await cluster.kubectl(["create", "configmap", name, "-n", "default", "--from-literal=k=v"]);
    const { header } = (await etcd(cluster, "kv/range", { key: Buffer.from("/").toString("base64") })) as {
      header: { revision: string };
    };
    await etcd(cluster, "kv/compaction", { revision: header.revision, physical: true });
    console.log(`# compacted etcd at revision ${header.revision}`);

    // Within one short watch (2 s) the source resumes from a compacted version: 410, re-list.
    await rec.next((e) => e === "upsert LabManager/quiet/first gen=1", 30_000, 2);
    assert.ok(
      logs.some((l) => l.includes("watch expired (410 Gone); re-listing")),
      `no 410 in the log:\n${logs.join("")}`,
    );
    const from = rec.events.length;
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("second", { namespace: "quiet" }));
    await rec.next((e) => e === "upsert LabManager/quiet/second gen=1", 30_000, from);
    assert.ok(!logs.some((l) => l.includes("watch failed")), `a watch failed:\n${logs.join("")}`);
  });
});
