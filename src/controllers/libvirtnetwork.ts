import { keyString, managerRefOf, type LabManager, type LibvirtNetwork } from "../api/index.js";
import { libvirtNetworkName } from "../render/libvirt-network.js";
import { planNetworkCleanup } from "../steps/network/cleanup.js";
import { networkEvents } from "../steps/network/events.js";
import type { NetworkFacts } from "../steps/network/facts.js";
import type { HookOptions } from "../steps/network/hook.js";
import { observeNetwork } from "../steps/network/observe.js";
import { planNetwork, planStoppedRename } from "../steps/network/plan.js";
import type { KindController, Plan } from "./kind.js";

/**
 * LibvirtNetwork: a libvirt network on a Ready Manager. Observe is one round trip; the plan
 * defines, updates live where libvirt can, starts and autostarts it; deletion removes the
 * network only when our stamp says it is ours. Its LabManager reads it (bridge.conf).
 */
export const libvirtNetworkKind: KindController<LibvirtNetwork> = {
  kind: "LibvirtNetwork",
  dependsOn: (net) => [managerRefOf(net)],
  readers: (net) => [managerRefOf(net)],
  noun: (net) => `libvirt network ${libvirtNetworkName(net)}`,
  aspects: [],

  async converge({ object: net, dependencies, hosts, state }) {
    const manager = dependencies.get(keyString(managerRefOf(net))) as LabManager;
    const host = await hosts.manager(manager);
    const name = libvirtNetworkName(net);
    const hook = hookOptions(manager);
    return {
      host,
      async plan({ current }) {
        const facts = await observeNetwork(host, name, hook?.configFile);
        const before = state.status.networkName;
        const renamed =
          typeof before === "string" && before !== name
            ? planStoppedRename(net, await observeNetwork(host, before, hook?.configFile), hook)
            : [];
        const steps = [
          ...renamed,
          ...planNetwork(net, facts, { wasConverged: current, ...(hook ? { hook } : {}) }),
        ];
        return { ...statusOf(facts), steps, converged: `libvirt network ${name} converged to the spec` };
      },
    };
  },

  async cleanup({ object: net, hosts }, manager) {
    const host = await hosts.manager(manager);
    const hook = hookOptions(manager);
    return {
      host,
      async plan() {
        const facts = await observeNetwork(host, libvirtNetworkName(net), hook?.configFile);
        const cleanup = planNetworkCleanup(net, facts, hook);
        return { steps: cleanup.steps, ...(cleanup.conflict ? { leftAlone: cleanup.conflict } : {}) };
      },
    };
  },

  watches: [{ name: "networks", ...networkEvents }],
};

function hookOptions(manager: LabManager): HookOptions | undefined {
  return manager.spec.networkHook.enabled ? { configFile: manager.spec.networkHook.configFile } : undefined;
}

function statusOf(facts: NetworkFacts): Pick<Plan, "status" | "clearStatus"> {
  return {
    status: {
      active: facts.active,
      autostart: facts.autostart,
      affectedDomains: facts.domains,
      ...(facts.exists ? { networkName: facts.name } : {}),
      ...(facts.uuid ? { uuid: facts.uuid } : {}),
    },
    ...(facts.uuid ? {} : { clearStatus: ["uuid"] }),
  };
}
