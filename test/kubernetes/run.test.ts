// `labctl run --kubernetes` as real processes against a real kube-apiserver: two replicas,
// one leads and reports status; SIGKILL the leader and the other takes over.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { LEASE_NAME } from "../../src/modes/kubernetes/operator.js";
import { skipUnlessApiServer } from "../e2e/support/apiserver.js";
import { eventually, labManagerYaml, startCluster, type TestCluster } from "./support.js";

const skip = await skipUnlessApiServer();
const LABCTL = fileURLToPath(new URL("../../bin/labctl.js", import.meta.url));

interface Replica {
  child: ChildProcess;
  identity: string;
  healthPort: number;
  output: string[];
}

describe("labctl run --kubernetes (two replicas)", { skip, timeout: 300_000 }, () => {
  let cluster: TestCluster;
  let workspace: string;
  const replicas: Replica[] = [];

  function startReplica(healthPort: number): Replica {
    const args = ["run", "--kubernetes", "--kubeconfig", cluster.api.kubeconfig, "--namespace", "default"];
    args.push("--lease-namespace", "default", "--health-port", String(healthPort), "--workspace", workspace);
    const child = spawn(process.execPath, [LABCTL, ...args], {
      env: { ...process.env, LABCTL_FROM_SOURCE: "1", LOG_FORMAT: "json", LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const replica = { child, identity: `${hostname()}_${child.pid}`, healthPort, output: [] as string[] };
    child.stdout!.on("data", (d: Buffer) => replica.output.push(d.toString()));
    child.stderr!.on("data", (d: Buffer) => replica.output.push(d.toString()));
    replicas.push(replica);
    return replica;
  }

  const holder = async () =>
    cluster.kubectl(["get", "lease", LEASE_NAME, "-o", "jsonpath={.spec.holderIdentity}"]);
  const probe = async (r: Replica, path: string) =>
    (await fetch(`http://127.0.0.1:${r.healthPort}${path}`)).status;

  before(async () => {
    cluster = await startCluster();
    workspace = await mkdtemp(join(tmpdir(), "lab-run-ws-"));
  });

  after(async () => {
    for (const r of replicas) if (r.child.exitCode === null) r.child.kill("SIGKILL");
    await cluster?.api.stop();
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  test("one replica leads, reconciles and reports; after SIGKILL the other takes over", async () => {
    const a = startReplica(18081);
    const b = startReplica(18082);
    const first = await eventually(
      async () => {
        const h = await holder();
        return [a, b].find((r) => r.identity === h);
      },
      60_000,
      () => replicas.map((r) => r.output.join("")).join("\n---\n"),
    );
    const other = first === a ? b : a;
    await eventually(
      async () => (await probe(a, "/readyz")) === 200 && (await probe(b, "/readyz")) === 200,
      30_000,
    );
    assert.equal(await probe(a, "/healthz"), 200);

    // Nothing listens on port 1: the reconcile fails fast and the status says why.
    const yaml = labManagerYaml("lab1", { address: "127.0.0.1" }).replace(
      "spec:\n",
      "spec:\n  ssh: { port: 1 }\n",
    );
    await cluster.kubectl(["apply", "-f", "-"], yaml);
    const reason = await eventually(
      async () => {
        const r = await cluster.kubectl([
          "get",
          "labmanager",
          "lab1",
          "-o",
          'jsonpath={.status.conditions[?(@.type=="Ready")].reason}',
        ]);
        return r || undefined;
      },
      60_000,
      () => first.output.join(""),
    );
    assert.notEqual(reason, "Converged");
    console.log(`# the leader reports Ready=False, reason ${reason}`);
    // The leader's /metrics counts the failed reconciles (Kubernetes mode serves metrics too).
    const scrape = async () => (await fetch(`http://127.0.0.1:${first.healthPort}/metrics`)).text();
    const failed = /^controller_runtime_reconcile_total\{controller="LabManager",result="error"\} [1-9]/m;
    await eventually(
      async () => failed.test(await scrape()),
      30_000,
      () => "no failed reconcile counted",
    );

    const killed = Date.now();
    first.child.kill("SIGKILL");
    await eventually(
      async () => (await holder()) === other.identity,
      30_000,
      () => other.output.join(""),
    );
    console.log(
      `# ${other.identity} took over ${Date.now() - killed} ms after SIGKILL of the leader (lease 15 s)`,
    );
    assert.ok(Date.now() - killed < 15_000 + 5_000);
    // The new leader reconciles: its own events about lab1 appear.
    await eventually(
      async () => {
        const events = JSON.parse(await cluster.kubectl(["get", "events.events.k8s.io", "-o", "json"]));
        return events.items.some(
          (e: { reportingInstance?: string; regarding?: { name?: string } }) =>
            e.reportingInstance === other.identity && e.regarding?.name === "lab1",
        );
      },
      30_000,
      () => other.output.join(""),
    );
  });
});
