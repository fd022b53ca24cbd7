// `labctl diff --kubernetes`: besides the host, each custom resource against a server-side
// dry-run apply on the real apiserver (nothing stored). The Manager is this machine's own
// sshd on a loopback address (bench/loopback-managers.ts, root), observed read-only.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { stringify, parseAllDocuments } from "yaml";
import { startLoopbackManagers, type LoopbackManagers } from "../../bench/loopback-managers.js";
import { skipUnlessApiServer } from "../e2e/support/apiserver.js";
import { labctl } from "../e2e/support/labctl.js";
import { startCluster, type TestCluster } from "./support.js";

const skip = process.getuid?.() === 0 ? await skipUnlessApiServer() : "needs root (a loopback sshd as root)";

describe("labctl diff --kubernetes against the real apiserver", { skip, timeout: 300_000 }, () => {
  let cluster: TestCluster;
  let lm: LoopbackManagers;
  let manager: Record<string, { [k: string]: unknown }>;
  const diff = (...extra: string[]) =>
    labctl(
      [
        "diff",
        "-f",
        lm.manifests,
        "--workspace",
        lm.workspace,
        "--state-dir",
        join(lm.dir, "state"),
        "--kubernetes",
        "--kubeconfig",
        cluster.api.kubeconfig,
        ...extra,
      ],
      { timeoutMs: 180_000, env: { ...process.env, LOG_FORMAT: "json" } },
    );

  before(async () => {
    cluster = await startCluster();
    lm = await startLoopbackManagers(1, 2392);
    manager = parseAllDocuments(await readFile(join(lm.manifests, "managers.yaml"), "utf8"))[0]!.toJS();
  });
  after(async () => {
    await lm?.close();
    await cluster?.api.stop();
  });

  test("not in the cluster yet: cluster new; the dry run stores nothing", async () => {
    const r = await diff();
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^ {2}cluster: new$/m);
    await assert.rejects(cluster.kubectl(["get", "labmanager", "loop-0"]), /NotFound/);
  });

  test("in the cluster with another spec: each field, live -> what the server would store", async () => {
    const live = structuredClone(manager);
    live.spec!.address = "127.0.1.99";
    await cluster.kubectl(["apply", "-f", "-"], stringify(live));
    const r = await diff("-o", "json");
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as {
      objects: Array<{ cluster?: { result: string; fields: unknown[] } }>;
    };
    assert.deepEqual(report.objects[0]!.cluster, {
      result: "changed",
      fields: [{ path: "spec.address", applied: '"127.0.1.99"', wanted: '"127.0.1.1"' }],
    });
    assert.equal(
      await cluster.kubectl(["get", "labmanager", "loop-0", "-o", "jsonpath={.spec.address}"]),
      "127.0.1.99",
    );
  });

  test("the same spec in the cluster: cluster unchanged", async () => {
    await cluster.kubectl(["apply", "-f", "-"], stringify(manager));
    const r = await diff();
    assert.match(r.stdout, /^ {2}cluster: unchanged$/m, r.stdout + r.stderr);
  });

  test("an unknown --context is an error (exit 2), named", async () => {
    const r = await diff("--context", "nope");
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /context "nope" is not in the kubeconfig/);
  });
});
