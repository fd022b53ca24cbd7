import type { Kind, LabObject } from "../api/index.js";
import type { Reconciler } from "./contract.js";
import { reconcilerFor } from "./driver.js";
import type { HostAccess } from "./hostaccess.js";
import type { KindController } from "./kind.js";
import { labManagerKind } from "./labmanager.js";
import { libvirtNetworkKind } from "./libvirtnetwork.js";
import { overcloudNodeSetKind } from "./overcloudnodeset.js";
import { tripleoUndercloudKind } from "./undercloud/kind.js";

/** Every kind's description, the same in file and Kubernetes mode. */
export const KIND_CONTROLLERS: { [K in Kind]: KindController<Extract<LabObject, { kind: K }>> } = {
  LabManager: labManagerKind,
  LibvirtNetwork: libvirtNetworkKind,
  TripleOUndercloud: tripleoUndercloudKind,
  OvercloudNodeSet: overcloudNodeSetKind,
};

/** The reconciler of each kind: the one converge driver over each kind's description. */
export function reconcilersFor(hosts: HostAccess): Record<Kind, Reconciler> {
  return {
    LabManager: reconcilerFor(labManagerKind, hosts),
    LibvirtNetwork: reconcilerFor(libvirtNetworkKind, hosts),
    TripleOUndercloud: reconcilerFor(tripleoUndercloudKind, hosts),
    OvercloudNodeSet: reconcilerFor(overcloudNodeSetKind, hosts),
  };
}

/**
 * Who waits for whom (or follows whose readiness: re-queued alike when it changes), and whose
 * desired state reads whom, as the kinds declare it.
 */
export const objectGraph = {
  dependsOn: (o: LabObject) => [...kindOf(o).dependsOn(o), ...(kindOf(o).follows?.(o) ?? [])],
  readers: (o: LabObject) => kindOf(o).readers?.(o) ?? [],
};

function kindOf(o: LabObject): KindController {
  return KIND_CONTROLLERS[o.kind] as unknown as KindController;
}
