/**
 * The operator's least-privilege RBAC: the one list of rules that both manifests/deploy/rbac.yaml
 * and the Helm chart's templates/rbac.yaml are generated from (scripts/generate.ts), so the two
 * installs can never grant different things. test/kubernetes/rbac.test.ts runs the whole
 * Kubernetes mode as a ServiceAccount bound to exactly these rules.
 */

/** The leader-election Lease `labctl run --kubernetes` takes (src/kube/operator.ts LEASE_NAME). */
export const LEADER_LEASE = "lab-operator-leader";

const KIND_RESOURCES = ["labmanagers", "libvirtnetworks", "tripleounderclouds", "overcloudnodesets"];

export interface Rule {
  /** Why the operator needs it: written above the rule in the generated YAML. */
  why: string;
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

/** What the operator does to the objects of a namespace it serves. */
export const OBJECT_RULES: readonly Rule[] = [
  {
    why: "The four kinds: list+watch (informers), get+patch (finalizer openstacklab.io/cleanup).",
    apiGroups: ["openstacklab.io"],
    resources: KIND_RESOURCES,
    verbs: ["get", "list", "watch", "patch", "update"],
  },
  {
    why: "Status is written only through the status subresource (merge patch).",
    apiGroups: ["openstacklab.io"],
    resources: KIND_RESOURCES.map((r) => `${r}/status`),
    verbs: ["get", "patch", "update"],
  },
  {
    why: "Needed where OwnerReferencesPermissionEnforcement is on (owner references to our objects).",
    apiGroups: ["openstacklab.io"],
    resources: KIND_RESOURCES.map((r) => `${r}/finalizers`),
    verbs: ["update"],
  },
  {
    why: "events.k8s.io/v1 Events about our objects (kubectl describe), with series updates.",
    apiGroups: ["events.k8s.io"],
    resources: ["events"],
    verbs: ["create", "patch"],
  },
  {
    why: "Secrets named by a spec's *Ref (get), and each object's generated credentials Secret (create, update; delete when the object goes). No list or watch: nothing enumerates Secrets.",
    apiGroups: [""],
    resources: ["secrets"],
    verbs: ["get", "create", "update", "delete"],
  },
  {
    why: "The operator's private per-object record (labstate-<kind>-<name>, owned by the object).",
    apiGroups: [""],
    resources: ["configmaps"],
    verbs: ["get", "list", "create", "update", "delete"],
  },
];

/** Leader election, in the operator's own namespace only. */
export const LEADER_ELECTION_RULES: readonly Rule[] = [
  {
    why: "Leader election: one Lease. create cannot be limited by name; get/update can.",
    apiGroups: ["coordination.k8s.io"],
    resources: ["leases"],
    verbs: ["create"],
  },
  {
    why: "The Lease itself, by name.",
    apiGroups: ["coordination.k8s.io"],
    resources: ["leases"],
    resourceNames: [LEADER_LEASE],
    verbs: ["get", "update"],
  },
];

/** A rule as Kubernetes takes it (rbac.authorization.k8s.io/v1 PolicyRule). */
export function policyRule(rule: Rule): Record<string, string[]> {
  const { apiGroups, resources, resourceNames, verbs } = rule;
  return { apiGroups, resources, ...(resourceNames ? { resourceNames } : {}), verbs };
}
