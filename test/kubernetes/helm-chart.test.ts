// The Helm chart installed by the real helm (test/tools/install.sh) into the tests' real
// kube-apiserver. That apiserver runs no kubelet and no controllers: the Deployment object the
// chart creates is checked (replicas, image, probes, account), never running pods. The
// operator itself runs in this process as the chart's ServiceAccount to prove its RBAC is
// enough to take the Lease and serve objects.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";
import { parse, stringify } from "yaml";
import { kubeClients } from "../../src/kube/client.js";
import { LEASE_NAME, LeaderElectedOperator } from "../../src/modes/kubernetes/operator.js";
import { LEADER_LEASE } from "../../src/manifests/deploy/rbac.js";
import { kubectl, skipUnlessApiServer, startApiServer, type ApiServer } from "../e2e/support/apiserver.js";
import { findTool, runTool } from "../tools/tools.js";
import { eventually, quietLog, trivialReconcilers } from "./support.js";

const CHART = fileURLToPath(new URL("../../charts/lab-operator", import.meta.url));
const EXAMPLE_MANAGER = fileURLToPath(new URL("../../manifests/01-labmanager.yaml", import.meta.url));

/**
 * The example Manager as a cluster user writes it: Kubernetes mode reads no files (they would
 * be the operator's own), so its passwordRef names a Secret instead.
 */
async function inKubernetesForm(path: string): Promise<string> {
  const doc = parse(await readFile(path, "utf8")) as { spec: { ssh: { passwordRef?: unknown } } };
  doc.spec.ssh.passwordRef = { secretName: "manager-root-password" };
  return stringify(doc);
}
const NS = "openstack-lab";
const RELEASE = "lab";
const FULLNAME = "lab-lab-operator";

const apiSkip = await skipUnlessApiServer();
const helm = await findTool("helm");
const skip = apiSkip || helm.skip;

describe(
  "the Helm chart against the real apiserver (no kubelet: objects checked, not pods)",
  { skip, timeout: 600_000 },
  () => {
    let api: ApiServer;
    let home: string;
    let env: NodeJS.ProcessEnv;
    const k = (args: string[], input?: string) => kubectl(api, args, input);
    const h = (args: string[]) => runTool(helm.path, [...args, "--kubeconfig", api.kubeconfig], { env });
    const json = async <T>(args: string[]) => JSON.parse(await k([...args, "-o", "json"])) as T;

    before(async () => {
      api = await startApiServer();
      home = await mkdtemp(join(tmpdir(), "lab-helm-"));
      // helm keeps its caches and repository config here, not in the user's home.
      env = {
        ...api.env,
        HELM_CACHE_HOME: join(home, "cache"),
        HELM_CONFIG_HOME: join(home, "config"),
        HELM_DATA_HOME: join(home, "data"),
      };
    });
    after(async () => {
      await api?.stop();
      if (home) await rm(home, { recursive: true, force: true });
    });

    test("helm template applied with kubectl apply --dry-run=server is accepted (ServiceMonitor/PrometheusRule off: no prometheus-operator CRDs here)", async () => {
      await k(["create", "namespace", NS]);
      const rendered = (await runTool(helm.path, ["template", RELEASE, CHART, "--namespace", NS], { env }))
        .stdout;
      const out = await k(["apply", "--dry-run=server", "-f", "-"], rendered);
      for (const line of [
        "customresourcedefinition.apiextensions.k8s.io/labmanagers.openstacklab.io created (server dry run)",
        `serviceaccount/${FULLNAME} created (server dry run)`,
        `role.rbac.authorization.k8s.io/${FULLNAME} created (server dry run)`,
        `role.rbac.authorization.k8s.io/${FULLNAME}-leader-election created (server dry run)`,
        `service/${FULLNAME}-metrics created (server dry run)`,
        `deployment.apps/${FULLNAME} created (server dry run)`,
      ])
        assert.ok(out.includes(line), `${line}\n${out}`);
    });

    test("helm install creates the CRDs, the RBAC and the Deployment object; the example lab's Manager is accepted", async () => {
      await h(["install", RELEASE, CHART, "--namespace", NS]);
      await k(["wait", "--for=condition=Established", "--timeout=60s", "crd/labmanagers.openstacklab.io"]);
      const d = await json<{
        spec: {
          replicas: number;
          template: {
            spec: {
              serviceAccountName: string;
              containers: { readinessProbe: unknown; livenessProbe: unknown }[];
            };
          };
        };
      }>(["get", "deployment", FULLNAME, "-n", NS]);
      assert.equal(d.spec.replicas, 2);
      assert.equal(d.spec.template.spec.serviceAccountName, FULLNAME);
      const c = d.spec.template.spec.containers[0]!;
      assert.deepEqual((c.livenessProbe as { httpGet: unknown }).httpGet, {
        path: "/healthz",
        port: "health",
        scheme: "HTTP",
      });
      assert.deepEqual((c.readinessProbe as { httpGet: unknown }).httpGet, {
        path: "/readyz",
        port: "health",
        scheme: "HTTP",
      });
      assert.match(
        await k(["apply", "-n", NS, "-f", "-"], await inKubernetesForm(EXAMPLE_MANAGER)),
        /labmanager.openstacklab.io\/lab created/,
      );
    });

    test("the chart's ServiceAccount can do the operator's job: takes the Lease, serves an object, may not leave its namespace", async () => {
      assert.equal(LEADER_LEASE, LEASE_NAME, "the chart's RBAC names the Lease the operator takes");
      const token = (await k(["create", "token", FULLNAME, "-n", NS])).trim();
      const config = new KubeConfig();
      config.loadFromOptions({
        clusters: [{ name: "test", server: api.url, caFile: api.caFile }],
        users: [{ name: "operator", token }],
        contexts: [{ name: "operator", cluster: "test", user: "operator", namespace: NS }],
        currentContext: "operator",
      });
      const operator = new LeaderElectedOperator({
        clients: kubeClients(config),
        namespaces: [NS],
        leaseNamespace: NS,
        reconcilers: trivialReconcilers([]),
        log: quietLog,
        identity: "helm-chart-test",
        retryPeriodMs: 300,
      });
      operator.start();
      try {
        await eventually(() => operator.manager?.hasSynced, 30_000);
        assert.equal(
          await k(["get", "lease", LEASE_NAME, "-n", NS, "-o", "jsonpath={.spec.holderIdentity}"]),
          "helm-chart-test",
        );
        await k(["wait", "-n", NS, "--for=condition=Ready", "--timeout=60s", "labmanager/lab"]);
      } finally {
        await operator.stop();
      }
      const as = `system:serviceaccount:${NS}:${FULLNAME}`;
      const can = (...args: string[]) =>
        k(["auth", "can-i", ...args, "--as", as]).then(
          (o) => o.trim(),
          () => "no",
        );
      assert.equal(await can("patch", "labmanagers/status", "-n", NS), "yes");
      assert.equal(await can("get", "secrets", "-n", "kube-system"), "no");
      assert.equal(await can("delete", "labmanagers", "-n", NS), "no");
    });

    test("helm upgrade applies new values: 3 replicas, a Role in a newly watched namespace, revision 2", async () => {
      await k(["create", "namespace", "lab-b"]);
      await h([
        "upgrade",
        RELEASE,
        CHART,
        "--namespace",
        NS,
        "--set",
        "replicaCount=3",
        "--set",
        `watchNamespaces={${NS},lab-b}`,
      ]);
      const d = await json<{
        spec: { replicas: number; template: { spec: { containers: { args: string[] }[] } } };
      }>(["get", "deployment", FULLNAME, "-n", NS]);
      assert.equal(d.spec.replicas, 3);
      assert.deepEqual(d.spec.template.spec.containers[0]!.args, [
        "--health-port",
        "8080",
        "--namespace",
        NS,
        "lab-b",
      ]);
      await k(["get", "role", FULLNAME, "-n", "lab-b"]);
      const history = JSON.parse((await h(["history", RELEASE, "--namespace", NS, "-o", "json"])).stdout) as {
        revision: number;
        status: string;
      }[];
      assert.deepEqual(
        history.map((r) => [r.revision, r.status]),
        [
          [1, "superseded"],
          [2, "deployed"],
        ],
      );
    });

    test("helm uninstall removes what it installed, keeps the CRDs and so every lab object", async () => {
      await h(["uninstall", RELEASE, "--namespace", NS]);
      for (const obj of [
        `deployment/${FULLNAME}`,
        `serviceaccount/${FULLNAME}`,
        `role/${FULLNAME}`,
        `service/${FULLNAME}-metrics`,
      ])
        await assert.rejects(k(["get", obj, "-n", NS]), /NotFound/, obj);
      await assert.rejects(k(["get", "role", FULLNAME, "-n", "lab-b"]), /NotFound/);
      await k(["get", "crd", "labmanagers.openstacklab.io"]);
      assert.equal(await k(["get", "labmanager", "lab", "-n", NS, "-o", "jsonpath={.metadata.name}"]), "lab");
    });
  },
);
