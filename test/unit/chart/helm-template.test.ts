// The Helm chart rendered by the real helm (built by test/tools/install.sh), without a cluster:
// lint, what `helm template` produces for the values people set, and that the chart's CRDs,
// RBAC and alerts are the ones generated from the single sources. The install against a real
// apiserver is test/kubernetes/helm-chart.test.ts.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";
import { descriptionProblems, type SchemaNode } from "../../../src/api/index.js";
import { LEASE_NAME } from "../../../src/modes/kubernetes/operator.js";
import { LEADER_LEASE } from "../../../src/manifests/deploy/rbac.js";
import { findTool, runTool } from "../../tools/tools.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CHART = `${ROOT}charts/lab-operator`;
type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
};

const helm = await findTool("helm");

async function template(...set: string[]): Promise<Obj[]> {
  const args = [
    "template",
    "lab",
    CHART,
    "--namespace",
    "openstack-lab",
    ...set.flatMap((s) => ["--set", s]),
  ];
  const { stdout } = await runTool(helm.path, args);
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
}

const ofKind = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind);
const one = (objs: Obj[], kind: string, name?: string) => {
  const found = ofKind(objs, kind).filter((o) => !name || o.metadata.name === name);
  assert.equal(found.length, 1, `one ${kind} ${name ?? ""}`);
  return found[0]!;
};
const readYamlDocs = async (path: string) =>
  parseAllDocuments(await readFile(`${ROOT}${path}`, "utf8")).map((d) => d.toJS() as Obj);

describe("the Helm chart's values", () => {
  it("every value is described (values.yaml comments, README and values.schema.json share the text)", async () => {
    const schema = JSON.parse(await readFile(`${CHART}/values.schema.json`, "utf8")) as SchemaNode;
    assert.deepEqual(descriptionProblems(schema), []);
  });

  it("the RBAC names the Lease the operator takes", () => {
    assert.equal(LEADER_LEASE, LEASE_NAME);
  });

  it("appVersion is the package's version: the default image tag is the release it was built from", async () => {
    const chart = parse(await readFile(`${CHART}/Chart.yaml`, "utf8")) as { appVersion: string };
    const pkg = JSON.parse(await readFile(`${ROOT}package.json`, "utf8")) as { version: string };
    assert.equal(chart.appVersion, pkg.version);
  });
});

describe("the Helm chart under the real helm", { skip: helm.skip }, () => {
  it("helm lint --strict passes", async () => {
    const { stdout } = await runTool(helm.path, ["lint", "--strict", CHART]);
    assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it("a typo or a wrong type in the values is refused by values.schema.json, naming the value", async () => {
    await assert.rejects(template("replicaCont=3"), /additional properties 'replicaCont' not allowed/);
    await assert.rejects(template("replicaCount=0"), /replicaCount/);
    await assert.rejects(template("metrics.serviceMonitor.enabled=yes"), /enabled/);
  });

  it("renders the CRDs of crds/, kept on uninstall; crds.install=false leaves them out", async () => {
    const objs = await template();
    const generated = (
      await Promise.all(
        ["labmanagers", "libvirtnetworks", "tripleounderclouds", "overcloudnodesets"].map((p) =>
          readYamlDocs(`crds/${p}.openstacklab.io.yaml`),
        ),
      )
    ).flat();
    const rendered = ofKind(objs, "CustomResourceDefinition");
    assert.equal(rendered.length, 4);
    for (const crd of rendered) {
      const { labels, annotations, ...meta } = crd.metadata;
      assert.deepEqual(annotations, { "helm.sh/resource-policy": "keep" });
      assert.equal((labels as Record<string, string>)["app.kubernetes.io/managed-by"], "Helm");
      const want = generated.find((g) => g.metadata.name === crd.metadata.name);
      assert.deepEqual({ ...crd, metadata: meta }, want, crd.metadata.name);
    }
    assert.equal(ofKind(await template("crds.install=false"), "CustomResourceDefinition").length, 0);
    const unkept = ofKind(await template("crds.keep=false"), "CustomResourceDefinition");
    assert.ok(unkept.every((c) => c.metadata.annotations === undefined));
  });

  it("grants exactly the rules of manifests/deploy/rbac.yaml, bound to the chart's ServiceAccount", async () => {
    const objs = await template();
    const deploy = await readYamlDocs("manifests/deploy/rbac.yaml");
    const rules = (o: Obj) => o.rules;
    const account = one(objs, "ServiceAccount").metadata.name;
    assert.deepEqual(
      rules(one(objs, "Role", "lab-lab-operator")),
      rules(one(deploy, "Role", "lab-operator")),
    );
    assert.deepEqual(
      rules(one(objs, "Role", "lab-lab-operator-leader-election")),
      rules(one(deploy, "Role", "lab-operator-leader-election")),
    );
    for (const b of ofKind(objs, "RoleBinding"))
      assert.deepEqual(b.subjects, [{ kind: "ServiceAccount", name: account, namespace: "openstack-lab" }]);
    assert.equal(ofKind(objs, "ClusterRole").length, 0, "no cluster-wide rights by default");
  });

  it("watchNamespaces: a Role in each, --namespace for each; the Lease's Role stays at home", async () => {
    const objs = await template("watchNamespaces={lab-a,lab-b}");
    const roles = ofKind(objs, "Role").map((r) => `${r.metadata.namespace}/${r.metadata.name}`);
    assert.deepEqual(roles.sort(), [
      "lab-a/lab-lab-operator",
      "lab-b/lab-lab-operator",
      "openstack-lab/lab-lab-operator-leader-election",
    ]);
    assert.deepEqual(container(objs).args, ["--health-port", "8080", "--namespace", "lab-a", "lab-b"]);
    const all = await template("watchAllNamespaces=true");
    assert.equal(ofKind(all, "ClusterRole").length, 1);
    assert.deepEqual(container(all).args, ["--health-port", "8080", "--all-namespaces"]);
  });

  it("the Deployment runs leader-elected replicas as the ServiceAccount with both probes on the health port", async () => {
    const objs = await template("replicaCount=3", "healthPort=9090", "logLevel=debug");
    const deployment = one(objs, "Deployment") as Obj & {
      spec: { replicas: number; template: { spec: { serviceAccountName: string } } };
    };
    assert.equal(deployment.spec.replicas, 3);
    assert.equal(deployment.spec.template.spec.serviceAccountName, one(objs, "ServiceAccount").metadata.name);
    const c = container(objs);
    assert.equal(c.image, "ghcr.io/openstack-lab/lab-operator:0.1.0");
    assert.deepEqual(c.ports, [{ name: "health", containerPort: 9090 }]);
    assert.deepEqual(c.livenessProbe.httpGet, { path: "/healthz", port: "health" });
    assert.deepEqual(c.readinessProbe.httpGet, { path: "/readyz", port: "health" });
    const env = Object.fromEntries(
      c.env.map((e: { name: string; value?: string }) => [e.name, e.value ?? "(from field)"]),
    );
    assert.deepEqual(env, { POD_NAMESPACE: "(from field)", LOG_FORMAT: "json", LOG_LEVEL: "debug" });
  });

  it("ServiceMonitor and PrometheusRule only when asked; the rule carries files/prometheus-rules.yaml unchanged", async () => {
    const plain = await template();
    assert.equal(ofKind(plain, "ServiceMonitor").length + ofKind(plain, "PrometheusRule").length, 0);
    const objs = await template(
      "metrics.serviceMonitor.enabled=true",
      "metrics.prometheusRule.enabled=true",
      "metrics.prometheusRule.labels.release=kube-prometheus-stack",
    );
    const monitor = one(objs, "ServiceMonitor") as Obj & {
      spec: { selector: { matchLabels: Record<string, string> } };
    };
    const service = one(objs, "Service") as Obj & { metadata: { labels: Record<string, string> } };
    for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels))
      assert.equal(service.metadata.labels[k], v, k);
    const rule = one(objs, "PrometheusRule") as Obj & {
      spec: unknown;
      metadata: { labels: Record<string, string> };
    };
    assert.equal(rule.metadata.labels.release, "kube-prometheus-stack");
    const file = parse(await readFile(`${CHART}/files/prometheus-rules.yaml`, "utf8"));
    assert.deepEqual(rule.spec, file);
    await assert.rejects(
      template("metrics.serviceMonitor.enabled=true", "metrics.service.enabled=false"),
      /needs metrics.service.enabled/,
    );
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function container(objs: Obj[]): any {
  const d = one(objs, "Deployment") as Obj & { spec: { template: { spec: { containers: unknown[] } } } };
  return d.spec.template.spec.containers[0];
}
