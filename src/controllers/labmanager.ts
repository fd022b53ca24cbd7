import { managerOf, type LabManager, type LibvirtNetwork } from "../api/index.js";
import { observeManager } from "../steps/labmanager/observe.js";
import { planManager, planManagerCleanup } from "../steps/labmanager/plan.js";
import { editsAppliedCondition, unappliedEdits } from "../steps/labmanager/unapplied.js";
import { fileEvents } from "../steps/labmanager/file-events.js";
import { unitEvents } from "../steps/labmanager/unit-events.js";
import type { DesiredObjects } from "./contract.js";
import type { KindController } from "./kind.js";

/**
 * LabManager: the hypervisor host itself. Observe is one round trip; the plan covers
 * packages, libvirtd, bridges, VirtualBMC, the manager user and the network hook; cleanup
 * removes only what the object recorded as created.
 */
export const labManagerKind: KindController<LabManager> = {
  kind: "LabManager",
  dependsOn: () => [],
  noun: () => "Manager",
  aspects: [
    { type: "PackagesInstalled", matches: /^(packages|upgrade)/, what: "packages" },
    { type: "LibvirtReady", matches: /^libvirt/, what: "libvirtd" },
    { type: "BridgesReady", matches: /^(bridge|qemu-bridge)/, what: "host bridges" },
    { type: "VirtualBMCReady", matches: /^(vbmc|virtualbmc)/, what: "VirtualBMC" },
    { type: "UserReady", matches: /^(user|sudoers|authorized|shell-rc)/, what: "the manager user" },
  ],

  async converge({ object: manager, hosts, objects, state }) {
    const host = await hosts.manager(manager);
    const credentials = await hosts.credentials(manager);
    // The full system upgrade is opt-in and slow: it runs once, recorded in status.upgraded
    // (a Manager converged before that field existed was upgraded if spec.upgrade said so).
    let upgraded =
      typeof state.status.upgraded === "boolean"
        ? state.status.upgraded
        : state.lifecycle?.convergedGeneration !== undefined && manager.spec.upgrade;
    return {
      host,
      fingerprint: hosts.fingerprint(manager),
      async plan({ current }) {
        const facts = await observeManager(host, manager.spec, credentials.managerPassword || undefined);
        const inputs = {
          ...credentials,
          wasConverged: current,
          upgraded,
          onUpgraded: () => (upgraded = true),
          networkBridges: networkBridgesOn(objects, manager),
          vmObjects: vmObjectsOn(objects, manager),
          owned: state.owned,
        };
        const unapplied = unappliedEdits(
          manager.spec,
          facts,
          state.owned,
          inputs.networkBridges,
          inputs.vmObjects,
        );
        return {
          steps: planManager(manager.spec, facts, inputs),
          status: { osFamily: facts.osFamily, upgraded },
          conditions: [editsAppliedCondition(unapplied)],
        };
      },
    };
  },

  async cleanup({ object: manager, hosts, state }) {
    if (state.owned.length === 0) return undefined;
    const host = await hosts.manager(manager);
    return {
      host,
      plan: async () => ({
        steps: planManagerCleanup(manager.spec, await observeManager(host, manager.spec), state.owned),
      }),
    };
  },

  watches: [
    { name: "units", ...unitEvents },
    { name: "files", kinds: ["LabManager", "LibvirtNetwork"], ...fileEvents },
  ],
};

/** Bridges of the LibvirtNetworks on this Manager: qemu's bridge helper may use them. */
function networkBridgesOn(objects: DesiredObjects, manager: LabManager): string[] {
  return objects
    .list("LibvirtNetwork")
    .map((e) => e.object as LibvirtNetwork)
    .filter((n) => managerOf(n) === managerOf(manager))
    .map((n) => n.spec.bridge);
}

/** The lab's objects with VMs (and so BMCs) on this Manager, as "Kind/name". */
function vmObjectsOn(objects: DesiredObjects, manager: LabManager): string[] {
  return (["TripleOUndercloud", "OvercloudNodeSet"] as const).flatMap((kind) =>
    objects
      .list(kind)
      .filter((e) => managerOf(e.object) === managerOf(manager))
      .map((e) => `${kind}/${e.object.metadata.name}`),
  );
}
