import type { TripleOUndercloud } from "../api/index.js";
import type { RemoteHost } from "../remote/types.js";
import type { ObjectState } from "../runtime/state.js";
import { observeBmc } from "../steps/bmc/observe.js";
import { planBmc, removeBmcStep } from "../steps/bmc/plan.js";
import type { Step } from "../steps/types.js";
import type { UndercloudCredentials } from "./hostaccess.js";
import { desiredBmc, domainName } from "./undercloud-desired.js";

/**
 * The VirtualBMC steps of an undercloud. An entry is ours once status.bmcEntry names it
 * (recorded before it is added): only then does removing spec.bmc delete it again.
 */
export async function bmcSteps(
  state: ObjectState,
  uc: TripleOUndercloud,
  creds: UndercloudCredentials,
  host: RemoteHost,
): Promise<Step[]> {
  const desired = desiredBmc(uc, creds);
  const domain = domainName(uc);
  if (!desired) return state.status.bmcEntry === domain ? [forget(state, removeBmcStep(domain))] : [];
  const probe = state.status.bmcEntry === domain ? desired : undefined;
  const steps = planBmc(desired, await observeBmc(host, domain, probe));
  return steps.map((s) => (s.id === "bmc/add" ? remember(state, s, domain) : s));
}

/** The entry to remove when the undercloud goes: ours only. */
export function bmcCleanup(state: ObjectState, uc: TripleOUndercloud): Step[] {
  const domain = domainName(uc);
  return state.status.bmcEntry === domain ? [forget(state, removeBmcStep(domain))] : [];
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
