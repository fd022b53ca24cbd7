// manifests/deploy's least-privilege Role is enough for the whole Kubernetes mode (lease,
// watch, status, finalizer, record, events, Secrets) and no more: the operator runs here as
// its ServiceAccount, with a token from the TokenRequest API, not as an admin.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";
import { kubeClients, type KubeClients } from "../../src/kube/client.js";
import { LEASE_NAME, LeaderElectedOperator } from "../../src/modes/kubernetes/operator.js";
import { readSecretRef } from "../../src/kube/secrets.js";
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
const DEPLOY = fileURLToPath(new URL("../../manifests/deploy/", import.meta.url));
const NS = "openstack-lab";
const SA = `system:serviceaccount:${NS}:lab-operator`;

describe("the deploy RBAC as the operator's ServiceAccount", { skip, timeout: 300_000 }, () => {
  let cluster: TestCluster;
  let operator: LeaderElectedOperator;
  const cleanups: string[] = [];

  async function serviceAccountClients(): Promise<KubeClients> {
    const token = (await cluster.kubectl(["create", "token", "lab-operator", "-n", NS])).trim();
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: "test", server: cluster.api.url, caFile: cluster.api.caFile }],
      users: [{ name: "operator", token }],
      contexts: [{ name: "operator", cluster: "test", user: "operator", namespace: NS }],
      currentContext: "operator",
    });
    return kubeClients(config);
  }

  before(async () => {
    cluster = await startCluster();
    for (const file of ["namespace.yaml", "serviceaccount.yaml", "rbac.yaml"]) {
      await cluster.kubectl(["apply", "-f", `${DEPLOY}${file}`]);
    }
    operator = new LeaderElectedOperator({
      clients: await serviceAccountClients(),
      namespaces: [NS],
      leaseNamespace: NS,
      reconcilers: trivialReconcilers(cleanups),
      log: quietLog,
      identity: "rbac-test",
      retryPeriodMs: 300,
    });
    operator.start();
  });

  after(async () => {
    await operator?.stop();
    await cluster?.api.stop();
  });

  test("takes the lease, reconciles, writes status, finalizer and events, cleans up on delete", async () => {
    await eventually(() => operator.manager?.hasSynced, 20_000);
    assert.equal(
      await cluster.kubectl(["get", "lease", LEASE_NAME, "-n", NS, "-o", "jsonpath={.spec.holderIdentity}"]),
      "rbac-test",
    );
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("lab1", { namespace: NS }));
    await cluster.kubectl(["wait", "-n", NS, "--for=condition=Ready", "--timeout=30s", "labmanager/lab1"]);
    const finalizers = await cluster.kubectl([
      "get",
      "labmanager",
      "lab1",
      "-n",
      NS,
      "-o",
      "jsonpath={.metadata.finalizers}",
    ]);
    assert.match(finalizers, /openstacklab\.io\/cleanup/);
    await eventually(
      async () =>
        (await cluster.kubectl(["describe", "labmanager", "lab1", "-n", NS])).includes(
          "converged at generation 1",
        ),
      20_000,
    );
    await cluster.kubectl(["delete", "labmanager", "lab1", "-n", NS, "--timeout=30s"]);
    assert.deepEqual(cleanups, ["lab1"]);
  });

  test("reads a Secret of its namespace", async () => {
    await cluster.kubectl(["create", "secret", "generic", "pw", "-n", NS, "--from-literal=value=hunter2"]);
    const clients = await serviceAccountClients();
    assert.equal(await readSecretRef(clients, NS, { secretName: "pw", key: "value" }), "hunter2");
  });

  test("may not read Secrets elsewhere, nor touch other kinds of objects", async () => {
    // `kubectl auth can-i` exits 0 for yes and 1 (stderr empty) for no.
    const can = async (...args: string[]) =>
      cluster.kubectl(["auth", "can-i", ...args, "--as", SA]).then(
        (out) => out.trim(),
        (e: Error) => (e.message.trim().endsWith(SA) ? "no" : e.message),
      );
    assert.equal(await can("get", "secrets", "-n", NS), "yes");
    assert.equal(await can("patch", "labmanagers/status", "-n", NS), "yes");
    assert.equal(await can("get", "secrets", "-n", "kube-system"), "no");
    assert.equal(await can("delete", "labmanagers", "-n", NS), "no");
    assert.equal(await can("create", "deployments", "-n", NS), "no");
    assert.equal(await can("update", "leases/someone-elses", "-n", NS), "no");
  });

  test("the Deployment passes server-side validation", async () => {
    const out = await cluster.kubectl(["apply", "--dry-run=server", "-f", `${DEPLOY}deployment.yaml`]);
    assert.match(out, /deployment\.apps\/lab-operator created \(server dry run\)/);
  });

  test("kubectl apply -k manifests/deploy is accepted", async () => {
    const out = await cluster.kubectl(["apply", "--dry-run=server", "-k", DEPLOY]);
    assert.match(out, /deployment\.apps\/lab-operator (created|configured|unchanged)/);
  });
});
