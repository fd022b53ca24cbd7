import { runScript } from "../run.js";
import { PlanBlocked, type Step } from "../types.js";
import type { BmcFacts } from "./observe.js";
import { VBMC, VBMC_PYTHON } from "./observe.js";
import { ADD_BMC, BMC_CTL, VERIFY_BMC } from "./scripts.js";

/** One VM's IPMI endpoint as the spec wants it (password from the workspace). */
export interface BmcDesired {
  domain: string;
  address: string;
  port: number;
  username: string;
  password: string;
}

const ctl = (op: "start" | "delete", domain: string): Step["apply"] => {
  return async (ctx) => {
    await runScript(ctx, BMC_CTL, [VBMC, op, domain], { purpose: `vbmc ${op} ${domain}`, timeoutMs: 60_000 });
  };
};

function addStep(d: BmcDesired): Step {
  return {
    id: "bmc/add",
    description: `add a VirtualBMC entry for ${d.domain} on ${d.address}:${d.port} (user ${d.username})`,
    async apply(ctx) {
      await runScript(ctx, ADD_BMC, [VBMC_PYTHON, d.domain, String(d.port), d.address, d.username], {
        purpose: `vbmc add ${d.domain}`,
        stdin: `${d.password}\n`,
        timeoutMs: 60_000,
      });
    },
  };
}

/** Start the entry, then prove it: `ipmitool power status` must answer. */
function startStep(d: BmcDesired, drift?: string): Step {
  return {
    id: "bmc/start",
    description: `start the VirtualBMC entry of ${d.domain} and check that ipmitool power status answers`,
    ...(drift ? { drift } : {}),
    async apply(ctx) {
      await ctl("start", d.domain)(ctx);
      await runScript(ctx, VERIFY_BMC, [d.address, String(d.port), d.username, "60"], {
        purpose: `ipmitool power status of ${d.domain}`,
        stdin: `${d.password}\n`,
        timeoutMs: 120_000,
      });
    },
  };
}

export function removeBmcStep(domain: string): Step {
  return {
    id: "bmc/delete",
    description: `delete the VirtualBMC entry of ${domain}`,
    apply: ctl("delete", domain),
  };
}

/**
 * A VirtualBMC entry of the domain's name that this object did not add (`recorded`: its
 * status names the entry) is someone else's: Conflict, untouched, unless `adopt` takes it.
 * Returns whether the entry must be recorded as ours first.
 */
export function checkBmcOwnership(
  domain: string,
  facts: BmcFacts,
  recorded: boolean,
  adopt: boolean,
): boolean {
  if (recorded || !facts.entries.some((e) => e.domain === domain)) return false;
  if (adopt) return true;
  throw new PlanBlocked(
    "Conflict",
    `A VirtualBMC entry for domain ${domain} exists that this object did not add: delete it (vbmc delete ${domain}) or set spec.adopt: true to take it over.`,
  );
}

/**
 * From the observed entries to the desired one. A port already taken (by another entry or
 * any UDP listener) blocks with Conflict instead of fighting over it; a changed port,
 * address or user re-creates our entry (vbmc cannot edit one). `field` is the spec field a
 * person changes to resolve a conflict.
 */
export function planBmc(d: BmcDesired, facts: BmcFacts, field = "spec.bmc.port"): Step[] {
  const ours = facts.entries.find((e) => e.domain === d.domain);
  const clash = facts.entries.find((e) => e.domain !== d.domain && e.port === d.port);
  if (clash) {
    throw new PlanBlocked(
      "PortConflict",
      `BMC port ${d.port} is already used by the VirtualBMC entry of domain ${clash.domain}: choose another ${field}.`,
    );
  }
  const sameEntry =
    ours && ours.port === d.port && ours.address === d.address && facts.username === d.username;
  if (!sameEntry && (!ours || ours.port !== d.port) && facts.udpPorts.includes(d.port)) {
    throw new PlanBlocked(
      "PortConflict",
      `UDP port ${d.port} is already in use on the Manager: choose another ${field}.`,
    );
  }
  if (!ours) return [addStep(d), startStep(d)];
  if (!sameEntry) {
    const was = `${ours.address}:${ours.port} user ${facts.username || "?"}`;
    return [{ ...removeBmcStep(d.domain), drift: `BMC entry was ${was}` }, addStep(d), startStep(d)];
  }
  if (ours.status !== "running") return [startStep(d, `BMC entry of ${d.domain} was ${ours.status}`)];
  if (facts.answers === false) {
    // vbmc shows no password: an entry that refuses ours is re-created with it.
    const drift = `BMC entry of ${d.domain} did not answer IPMI with the workspace's credentials`;
    return [{ ...removeBmcStep(d.domain), drift }, addStep(d), startStep(d)];
  }
  return [];
}
