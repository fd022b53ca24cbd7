import { z } from "zod";
import { dns1123Name } from "../../api/index.js";

/*
 * The Helm chart's values: the one source of charts/lab-operator/values.yaml (defaults, with
 * each description as its comment), values.schema.json (helm refuses a typo or a wrong type
 * before rendering) and the values table of the chart's README. Strict objects: an unknown
 * key is an error, not silently ignored.
 */

const stringMap = (what: string) => z.record(z.string(), z.string()).default({}).describe(what);
const anyObject = (what: string) => z.record(z.string(), z.unknown()).default({}).describe(what);

const image = z
  .strictObject({
    repository: z
      .string()
      .min(1)
      .default("ghcr.io/openstack-lab/lab-operator")
      .describe("Image of `labctl run --kubernetes` (built from the repository's Containerfile)."),
    tag: z.string().default("").describe("Image tag; empty uses the chart's appVersion."),
    pullPolicy: z
      .enum(["Always", "IfNotPresent", "Never"])
      .default("IfNotPresent")
      .describe("When the kubelet pulls the image; default IfNotPresent."),
  })
  .describe("The operator's container image.");

const serviceAccount = z
  .strictObject({
    create: z
      .boolean()
      .default(true)
      .describe("Create the ServiceAccount the operator runs as; default true."),
    name: z
      .string()
      .default("")
      .describe("Its name; empty uses the release's full name (an existing account when create is false)."),
    annotations: stringMap("Annotations on the ServiceAccount, e.g. for workload identity; default none."),
  })
  .describe("The operator's ServiceAccount.");

const crds = z
  .strictObject({
    install: z
      .boolean()
      .default(true)
      .describe(
        "Install and upgrade the three CRDs with the release (as templates, so `helm upgrade` updates them); false when they are managed elsewhere.",
      ),
    keep: z
      .boolean()
      .default(true)
      .describe(
        "Keep the CRDs on `helm uninstall` (helm.sh/resource-policy: keep): deleting a CRD deletes every lab object and so runs their cleanup on the hosts.",
      ),
  })
  .describe("The LabManager, LibvirtNetwork and TripleOUndercloud CustomResourceDefinitions.");

const serviceMonitor = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe("Create a prometheus-operator ServiceMonitor for /metrics (needs its CRD); default false."),
    interval: z.string().default("30s").describe("Scrape interval, a Prometheus duration; default 30s."),
    scrapeTimeout: z.string().default("10s").describe("Scrape timeout, shorter than interval; default 10s."),
    labels: stringMap("Extra labels, e.g. the `release` label your Prometheus selects ServiceMonitors by."),
  })
  .describe("A ServiceMonitor selecting the metrics Service.");

const prometheusRule = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        "Create a prometheus-operator PrometheusRule with the operator's alerts (chart file files/prometheus-rules.yaml); default false.",
      ),
    labels: stringMap("Extra labels, e.g. the `release` label your Prometheus selects rules by."),
  })
  .describe(
    "The alerting rules: not Ready for 15 minutes, Manager unreachable, drift repairs, reconcile errors.",
  );

const metrics = z
  .strictObject({
    service: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            "Create a ClusterIP Service on the health port (what a ServiceMonitor selects); default true.",
          ),
        port: z.number().int().min(1).max(65535).default(8080).describe("The Service's port; default 8080."),
      })
      .prefault({})
      .describe("The metrics Service."),
    serviceMonitor: serviceMonitor.prefault({}),
    prometheusRule: prometheusRule.prefault({}),
  })
  .describe(
    "Prometheus: /metrics serves controller-runtime's metrics (controller_runtime_*, workqueue_*) and labop_*.",
  );

export const chartValues = z
  .strictObject({
    replicaCount: z
      .number()
      .int()
      .min(1)
      .default(2)
      .describe(
        "Operator pods: one holds the Lease and reconciles, the others take over within 15 s; default 2.",
      ),
    image: image.prefault({}),
    imagePullSecrets: z
      .array(
        z.strictObject({ name: dns1123Name.describe("A Secret of type kubernetes.io/dockerconfigjson.") }),
      )
      .default([])
      .describe("Secrets for pulling the image from a private registry; default none."),
    nameOverride: z.string().default("").describe("Replaces the chart name in object names; default empty."),
    fullnameOverride: z
      .string()
      .default("")
      .describe("Replaces the whole `<release>-<chart>` object name; default empty."),
    serviceAccount: serviceAccount.prefault({}),
    rbac: z
      .strictObject({
        create: z
          .boolean()
          .default(true)
          .describe(
            "Create the least-privilege Roles and RoleBindings (the same rules as manifests/deploy/rbac.yaml).",
          ),
      })
      .prefault({})
      .describe("RBAC for the operator's ServiceAccount."),
    crds: crds.prefault({}),
    watchNamespaces: z
      .array(dns1123Name)
      .default([])
      .describe(
        "Namespaces whose lab objects the operator serves, each given a Role; empty: the release namespace only.",
      ),
    watchAllNamespaces: z
      .boolean()
      .default(false)
      .describe(
        "Serve every namespace (-A) through a ClusterRole, which can read every Secret; default false.",
      ),
    healthPort: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .default(8080)
      .describe("Container port of /metrics, /healthz (liveness) and /readyz (readiness); default 8080."),
    logLevel: z
      .enum(["trace", "debug", "info", "warn", "error", "fatal"])
      .default("info")
      .describe("LOG_LEVEL of the operator's JSON logs; default info."),
    resources: anyObject(
      "Container resources; default requests 50m CPU and 128Mi, limit 512Mi memory.",
    ).default({
      requests: { cpu: "50m", memory: "128Mi" },
      limits: { memory: "512Mi" },
    }),
    podAnnotations: stringMap("Extra annotations on the pods; default none."),
    podLabels: stringMap("Extra labels on the pods; default none."),
    nodeSelector: stringMap("Node labels the pods must run on; default any node."),
    tolerations: z
      .array(z.record(z.string(), z.unknown()))
      .default([])
      .describe("Taints the pods tolerate; default none."),
    affinity: anyObject("Pod affinity rules, e.g. to spread the replicas over nodes; default none."),
    metrics: metrics.prefault({}),
  })
  .describe("Values of the lab-operator chart.");
export type ChartValues = z.infer<typeof chartValues>;
