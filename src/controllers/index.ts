import type { Kind } from "../api/index.js";
import type { Reconciler } from "../runtime/reconciler.js";
import type { HostAccess } from "./hostaccess.js";
import { labManagerReconciler } from "./labmanager.js";
import { libvirtNetworkReconciler } from "./libvirtnetwork.js";
import { tripleoUndercloudReconciler } from "./tripleoundercloud.js";

/** The reconciler of each kind, the same in file and Kubernetes mode. */
export function reconcilersFor(hosts: HostAccess): Record<Kind, Reconciler> {
  return {
    LabManager: labManagerReconciler(hosts),
    LibvirtNetwork: libvirtNetworkReconciler(hosts),
    TripleOUndercloud: tripleoUndercloudReconciler(hosts),
  };
}
