import type { LabManager, TripleOUndercloud } from "../../api/index.js";
import { observeFirewall, planBmcFirewallCleanup, planBmcFirewallFor } from "../../steps/bmc/firewall.js";
import type { RemoteHost } from "../../remote/types.js";
import type { ObjectState } from "../state.js";
import { observeBmc } from "../../steps/bmc/observe.js";
import { checkBmcOwnership, planBmc, removeBmcStep } from "../../steps/bmc/plan.js";
import type { Step } from "../../steps/types.js";
import type { UndercloudCredentials } from "../hostaccess.js";
import { desiredBmc, domainName } from "./desired.js";

/**
 * The VirtualBMC steps of an undercloud. An entry is ours once status.bmcEntry names it
 * (recorded before it is added): only then does removing spec.bmc delete it again.
 */
export async function bmcSteps(
  state: ObjectState,
  uc: TripleOUndercloud,
  creds: UndercloudCredentials,
  on: { host: RemoteHost; manager: LabManager; current: boolean },
): Promise<Step[]> {
  const desired = desiredBmc(uc, creds);
  if (!desired) return bmcCleanup(state, uc);
  const domain = domainName(uc);
  const recorded = state.status.bmcEntry === domain;
  const facts = await observeBmc(on.host, domain, recorded ? desired : undefined);
  const adopt = checkBmcOwnership(domain, facts, recorded, uc.spec.adopt);
  const steps = [...(adopt ? [adoptStep(state, domain)] : []), ...planBmc(desired, facts)];
  // Each BMC's UDP port open in the Manager's firewall, for VMs on its networks to reach.
  const firewall = await observeFirewall(on.host, desired.address, desired.port);
  return [
    ...steps.map((s) => (s.id === "bmc/add" ? remember(state, s, domain) : s)),
    ...planBmcFirewallFor(on.manager.spec, desired.port, firewall, state.owned, on.current),
  ];
}

/** The entry and firewall ports to remove when the BMC or the undercloud goes: ours only. */
export function bmcCleanup(state: ObjectState, uc: TripleOUndercloud): Step[] {
  const domain = domainName(uc);
  const entry = state.status.bmcEntry === domain ? [forget(state, removeBmcStep(domain))] : [];
  return [...planBmcFirewallCleanup(state.owned), ...entry];
}

/** spec.adopt: record a VirtualBMC entry someone else added as ours (deletion then removes it). */
function adoptStep(state: ObjectState, domain: string): Step {
  return {
    id: "bmc/adopt",
    description: `take over the VirtualBMC entry of ${domain} (spec.adopt)`,
    apply: async () => {
      state.status.bmcEntry = domain;
    },
  };
}

function remember(state: ObjectState, step: Step, domain: string): Step {
  return {
    ...step,
    apply: async (ctx) => {
      state.status.bmcEntry = domain;
      await step.apply(ctx);
    },
  };
}

function forget(state: ObjectState, step: Step): Step {
  return {
    ...step,
    apply: async (ctx) => {
      await step.apply(ctx);
      delete state.status.bmcEntry;
    },
  };
}
