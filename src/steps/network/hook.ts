import type { LibvirtNetwork } from "../../api/index.js";
import { renderNetworkHookConfig } from "../../render/network-hook.js";
import { PlanBlocked, type Step } from "../types.js";
import { normalizeSubnet, type NetworkFacts } from "./facts.js";
import { hookEntryStep } from "./steps.js";

/** The LabManager's network hook, as this network's plan needs it. */
export interface HookOptions {
  /** The LabManager's spec.networkHook.configFile. */
  configFile: string;
}

/** The comment lines the renderer puts on top of the shared config (no networks). */
function header(): string {
  return renderNetworkHookConfig([]);
}

/** This network's "NETWORK SUBNET" lines, rendered (and checked) like the whole file is. */
export function hookLines(net: LibvirtNetwork): string[] {
  return renderNetworkHookConfig([net])
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("#"));
}

function sameSet(a: string[], b: string[]): boolean {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * Keep this network's entry of the hook config equal to spec.masquerade, and its rules in
 * place while it runs (a flushed table, or a network started before the hook existed).
 */
export function hookPlan(
  name: string,
  net: LibvirtNetwork,
  facts: NetworkFacts,
  hook: HookOptions | undefined,
  wasConverged = false,
): Step[] {
  const want = net.spec.masquerade;
  if (!hook) {
    if (want.length === 0) return [];
    throw new PlanBlocked(
      "HookDisabled",
      `network ${name} asks to masquerade ${want.join(", ")} but its LabManager's networkHook is disabled; enable it or clear spec.masquerade`,
    );
  }
  const entry = {
    configFile: hook.configFile,
    header: header(),
    lines: hookLines(net),
    active: facts.active,
  };
  if (!sameSet(want, facts.hookSubnets)) {
    const what = want.length
      ? `masquerade ${want.join(", ")} while ${name} runs`
      : `stop masquerading for ${name}`;
    const was = facts.hookSubnets.length ? facts.hookSubnets.join(", ") : "none";
    const d = wasConverged ? `hook entry of ${name} changed (was ${was})` : undefined;
    return [hookEntryStep(name, entry, `${what} (network hook config ${hook.configFile})`, d)];
  }
  if (!facts.active || !facts.hookInstalled || facts.masquerading === null) return [];
  const missing = want.filter((s) => !facts.masquerading!.includes(normalizeSubnet(s)));
  if (missing.length === 0) return [];
  const d = wasConverged ? `masquerade rule missing for ${missing.join(", ")}` : undefined;
  return [hookEntryStep(name, entry, `restore the masquerade rule of ${name} for ${missing.join(", ")}`, d)];
}

/** Remove this network's entry from the hook config (after the network stopped). */
export function hookRemovalPlan(name: string, facts: NetworkFacts, hook: HookOptions | undefined): Step[] {
  if (!hook || facts.hookSubnets.length === 0) return [];
  const entry = { configFile: hook.configFile, header: header(), lines: [], active: false };
  return [
    hookEntryStep(name, entry, `remove the network hook entry of ${name} (${facts.hookSubnets.join(", ")})`),
  ];
}
