import type { LabObject } from "./kinds.js";
import type { LabManager } from "./labmanager.js";
import type { TripleOUndercloud } from "./tripleoundercloud.js";
import { RECONCILE_REQUESTED_AT, type ObjectKey, type SecretRef } from "./meta.js";

/** An object's key: its kind, namespace and name. */
export function keyOf(object: {
  kind: ObjectKey["kind"];
  metadata: { namespace: string; name: string };
}): ObjectKey {
  return { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
}

/** The LabManager an object lives on (itself for a LabManager). */
export function managerRefOf(object: LabObject): ObjectKey {
  const namespace = object.metadata.namespace;
  const name = object.kind === "LabManager" ? object.metadata.name : object.spec.managerRef.name;
  return { kind: "LabManager", namespace, name };
}

/** "namespace/name" of the object's Manager: the unit of write serialization and host streams. */
export function managerOf(object: LabObject): string {
  const ref = managerRefOf(object);
  return `${ref.namespace}/${ref.name}`;
}

/** The objects of this API an object's spec refers to. */
export function referencesOf(object: LabObject): ObjectKey[] {
  const namespace = object.metadata.namespace;
  switch (object.kind) {
    case "LabManager":
      return [];
    case "LibvirtNetwork":
      return [managerRefOf(object)];
    case "TripleOUndercloud":
      return [
        managerRefOf(object),
        ...object.spec.nics.map((nic) => ({
          kind: "LibvirtNetwork" as const,
          namespace,
          name: nic.networkRef.name,
        })),
      ];
    case "OvercloudNodeSet":
      return [
        managerRefOf(object),
        ...[...new Set(object.spec.roles.flatMap((r) => r.nics.map((n) => n.networkRef.name)))].map(
          (name) => ({ kind: "LibvirtNetwork" as const, namespace, name }),
        ),
      ];
  }
}

/** The libvirt domain of an undercloud VM (spec.domainName, else the object's name). */
export function domainNameOf(uc: TripleOUndercloud): string {
  return uc.spec.domainName ?? uc.metadata.name;
}

/** An ssh.config alias, and what it logs into. */
export interface SshAlias {
  alias: string;
  /** Where in the spec the name comes from (for errors). */
  path: string;
  what: string;
}

/**
 * The ssh.config aliases an object gets in the workspace: a Manager `<name>-root` (its SSH
 * login) and `<name>` (the manager user), a VM `<domain>` (jumping through its Manager's
 * root login). Objects outside the default namespace are prefixed `<namespace>.`, so two
 * namespaces never share an alias.
 */
export function sshAliasesOf(object: LabObject): SshAlias[] {
  const ns = object.metadata.namespace;
  const prefix = ns === "default" ? "" : `${ns}.`;
  switch (object.kind) {
    case "LabManager":
      return [
        {
          alias: `${prefix}${object.metadata.name}-root`,
          path: "metadata.name",
          what: `${object.spec.ssh.user} on the Manager`,
        },
        {
          alias: `${prefix}${object.metadata.name}`,
          path: "metadata.name",
          what: `${object.spec.user.name} on the Manager`,
        },
      ];
    case "TripleOUndercloud":
      return [
        {
          alias: `${prefix}${domainNameOf(object)}`,
          path: object.spec.domainName ? "spec.domainName" : "metadata.name",
          what: `${object.spec.cloudInit.user} on VM ${domainNameOf(object)}`,
        },
      ];
    default:
      return [];
  }
}

/** The alias of a Manager's root login: what its VMs' blocks jump through. */
export function managerRootAlias(manager: LabManager): string {
  return sshAliasesOf(manager)[0]!.alias;
}

/** Every secret reference in an object's spec, with its field path. */
export function secretRefsOf(object: LabObject): { path: string; ref: SecretRef }[] {
  const refs: { path: string; ref: SecretRef | undefined }[] = [];
  switch (object.kind) {
    case "LabManager":
      refs.push(
        { path: "spec.ssh.passwordRef", ref: object.spec.ssh.passwordRef },
        { path: "spec.ssh.privateKeyRef", ref: object.spec.ssh.privateKeyRef },
        { path: "spec.user.passwordRef", ref: object.spec.user.passwordRef },
      );
      break;
    case "TripleOUndercloud":
      refs.push(
        { path: "spec.cloudInit.passwordRef", ref: object.spec.cloudInit.passwordRef },
        { path: "spec.bmc.passwordRef", ref: object.spec.bmc?.passwordRef },
      );
      break;
    case "OvercloudNodeSet":
      refs.push({ path: "spec.bmc.passwordRef", ref: object.spec.bmc.passwordRef });
      break;
  }
  return refs.filter((r): r is { path: string; ref: SecretRef } => r.ref !== undefined);
}

/** Set by `labctl suspend` in file mode (a mark in the state directory), as spec.suspend is in Kubernetes mode. */
export const SUSPENDED_ANNOTATION = "openstacklab.io/suspended";

/** Why the object is not reconciled now, or undefined when it is. */
export function suspendedBy(object: LabObject): string | undefined {
  if (object.spec.suspend) return "spec.suspend is true";
  if (object.metadata.annotations?.[SUSPENDED_ANNOTATION] === "true") return "suspended with labctl suspend";
  return undefined;
}

/** The reconcile request the object carries (annotation openstacklab.io/reconcile-requested-at). */
export function reconcileRequestOf(object: LabObject): string | undefined {
  return object.metadata.annotations?.[RECONCILE_REQUESTED_AT];
}
