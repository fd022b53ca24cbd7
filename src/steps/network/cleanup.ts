import type { LibvirtNetwork } from "../../api/index.js";
import { libvirtNetworkName } from "../../render/libvirt-network.js";
import type { Step } from "../types.js";
import type { NetworkFacts, OwnerStamp } from "./facts.js";
import { hookRemovalPlan, type HookOptions } from "./hook.js";
import { ctlStep } from "./steps.js";

export interface NetworkCleanup {
  steps: Step[];
  /** Set when the network is not ours to remove: why it is left alone. */
  conflict?: string;
}

/** Whether cleanup may remove the network: stamped by this object, or unstamped and adopted. */
function removable(net: LibvirtNetwork, facts: NetworkFacts): boolean {
  return facts.owner ? stampedBy(net, facts.owner) : net.spec.adopt;
}

/** Whether a network's ownership stamp names this very object (its uid too, when both have one). */
export function stampedBy(net: LibvirtNetwork, o: OwnerStamp | undefined): boolean {
  if (!o) return false;
  const uid = net.metadata.uid ?? "";
  return (
    o.kind === net.kind &&
    o.namespace === net.metadata.namespace &&
    o.name === net.metadata.name &&
    (!uid || !o.uid || o.uid === uid)
  );
}

/**
 * Remove what this object made: stop the network (the hook then drops its rules), drop its
 * hook entry, undefine it. Destroy comes first: undefining a running network only makes it
 * transient, and a later define of the same name then fails. Pure.
 */
export function planNetworkCleanup(
  net: LibvirtNetwork,
  facts: NetworkFacts,
  hook?: HookOptions,
): NetworkCleanup {
  const name = libvirtNetworkName(net);
  if (!facts.exists) return { steps: hookRemovalPlan(name, facts, hook) };
  if (!removable(net, facts)) {
    const by = facts.owner
      ? `belongs to ${facts.owner.kind} ${facts.owner.namespace}/${facts.owner.name}`
      : "was not created by lab-operator";
    return { steps: [], conflict: `libvirt network ${name} ${by}: left in place` };
  }
  // The host checks the stamp again right before each removal (NETWORK_CTL's guard).
  const guard = {
    kind: net.kind,
    namespace: net.metadata.namespace,
    name: net.metadata.name,
    adopt: net.spec.adopt,
  };
  const steps: Step[] = [];
  if (facts.active) steps.push(ctlStep("destroy", name, `stop libvirt network ${name}`, undefined, guard));
  steps.push(...hookRemovalPlan(name, facts, hook));
  steps.push(ctlStep("undefine", name, `undefine libvirt network ${name}`, undefined, guard));
  return { steps };
}
