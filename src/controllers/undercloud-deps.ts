import type { LabManager, LibvirtNetwork, TripleOUndercloud } from "../api/index.js";
import { libvirtNetworkName } from "../render/libvirt-network.js";
import { isTrue } from "../runtime/conditions.js";
import { dependency, type ReconcileContext } from "../runtime/reconciler.js";
import type { DomainNic } from "../steps/undercloud/domain-xml.js";

export type Dependencies =
  { ready: true; manager: LabManager; nics: DomainNic[] } | { ready: false; message: string };

/**
 * The undercloud's Manager and the libvirt networks of its NICs, once all are Ready; else
 * what it waits for, in one sentence.
 */
export async function undercloudDependencies(
  ctx: ReconcileContext,
  uc: TripleOUndercloud,
): Promise<Dependencies> {
  const namespace = uc.metadata.namespace;
  const manager = await dependency(ctx, { kind: "LabManager", namespace, name: uc.spec.managerRef.name });
  if (!manager || !isTrue(manager.state?.status.conditions, "Ready"))
    return { ready: false, message: `waiting for LabManager ${uc.spec.managerRef.name} to be Ready` };
  const nics: DomainNic[] = [];
  for (const nic of uc.spec.nics) {
    const dep = await dependency(ctx, { kind: "LibvirtNetwork", namespace, name: nic.networkRef.name });
    if (!dep || !isTrue(dep.state?.status.conditions, "Ready"))
      return { ready: false, message: `waiting for LibvirtNetwork ${nic.networkRef.name} to be Ready` };
    const net = dep.object as LibvirtNetwork;
    if (net.spec.managerRef.name !== uc.spec.managerRef.name)
      return {
        ready: false,
        message: `LibvirtNetwork ${nic.networkRef.name} is on LabManager ${net.spec.managerRef.name}, not ${uc.spec.managerRef.name}`,
      };
    nics.push({ network: libvirtNetworkName(net), model: nic.model });
  }
  return { ready: true, manager: manager.object as LabManager, nics };
}
