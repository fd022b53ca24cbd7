import {
  keyString,
  managerRefOf,
  nodeSetPrefix,
  referencesOf,
  type LabManager,
  type LibvirtNetwork,
  type OvercloudNodeSet,
} from "../api/index.js";
import { libvirtNetworkName } from "../render/libvirt-network.js";
import { renderInstackenv } from "../render/instackenv.js";
import {
  desiredNodes,
  desiredNodeSet,
  instackNodes,
  nodeStatuses,
  observeNodeSet,
  planNodeSet,
  planNodeSetDeletion,
  type NodeSetDesired,
} from "../steps/overcloud/index.js";
import { DependencyUnusable } from "./errors.js";
import type { KindController, KindInput, Plan, PlannedStep } from "./kind.js";
import { handoffOf, type Handoff } from "./overcloud-handoff.js";

/**
 * OvercloudNodeSet: the "bare-metal" nodes the undercloud manages, as VMs on a Ready
 * Manager, on Ready networks (the first NIC of each role is the PXE network). Observe is one
 * round trip; the plan removes nodes no longer counted (highest indexes), creates new ones
 * powered off with a BMC each, and rewrites a definition only when it differs. Power state
 * belongs to Ironic: reported in status.nodes, never planned. Each node's BMC password is
 * created once and kept (HostAccess.overcloud); instackenv.json, which holds them, is kept
 * beside them whenever the set is converged and its content changed, never in status, logs
 * or events. Deletion removes only domains stamped for this object, their BMCs and disks.
 *
 * spec.undercloudRef is not waited for: the nodes converge without it; once it is Ready,
 * instackenv.json goes into its user's home too (overcloud-handoff.ts), `InstackenvHandedOff`
 * says where that stands and status.instackenv names the guest path once it is there.
 */
export const overcloudNodeSetKind: KindController<OvercloudNodeSet> = {
  kind: "OvercloudNodeSet",
  dependsOn: (set) => referencesOf(set),
  follows: (set) =>
    set.spec.undercloudRef
      ? [{ kind: "TripleOUndercloud", namespace: set.metadata.namespace, name: set.spec.undercloudRef.name }]
      : [],
  noun: (set) => `overcloud nodes ${nodeSetPrefix(set)}-*`,
  aspects: [
    {
      type: "NodesReady",
      matches: /^node\/[^/]+\/(marker|disk|define|redefine|stamp|remove)/,
      what: "the node domains",
    },
    { type: "BmcReady", matches: /^(node\/[^/]+\/(bmc|redfish)\/|redfish\/)/, what: "the nodes' BMCs" },
  ],

  async converge(input) {
    const { object: set, hosts } = input;
    const manager = input.dependencies.get(keyString(managerRefOf(set))) as LabManager;
    const host = await hosts.manager(manager);
    const handoff = await handoffOf(input, manager);
    const names = desiredNodes(set, {}).map((n) => n.name);
    const d = desiredNodeSet(set, {
      networkNames: networkNamesOf(input),
      passwords: await hosts.overcloud.bmcPasswords(set, names),
      vbmcConfigDir: manager.spec.virtualBMC.configDir,
    });
    return {
      host,
      async plan() {
        const facts = await observeNodeSet(host, d);
        const steps: PlannedStep[] = planNodeSet(d, facts);
        const content = renderInstackenv(instackNodes(d, facts));
        // What Ironic is told is what is really there: written once the set converged.
        if (steps.length === 0) await hosts.overcloud.saveInstackenv(set, content);
        const handed = await handoffPlan(
          handoff,
          { nodesConverged: steps.length === 0, handedBefore: input.state.status.instackenv !== undefined },
          content,
          async () => renderInstackenv(instackNodes(d, await observeNodeSet(host, d))),
        );
        return {
          steps: [...steps, ...handed.steps],
          status: { nodes: nodeStatuses(d, facts), ...handed.status },
          ...(handed.forget ? { clearStatus: ["instackenv"] } : {}),
          conditions: handed.conditions,
          converged: `${d.nodes.length} overcloud nodes of ${set.metadata.name} converged to the spec`,
        };
      },
    };
  },

  async cleanup({ object: set, hosts }, manager) {
    const host = await hosts.manager(manager);
    const d = cleanupDesired(set, manager);
    return {
      host,
      async plan() {
        return { steps: planNodeSetDeletion(d, await observeNodeSet(host, d)) };
      },
    };
  },
};

/**
 * The handoff's steps and condition: exact once the nodes converged, else one step after them.
 * Until instackenv.json was first there (status.instackenv), handing it over is work that
 * waited for the undercloud, not the repair of drift.
 */
async function handoffPlan(
  handoff: Handoff | string | undefined,
  how: { nodesConverged: boolean; handedBefore: boolean },
  content: string,
  render: () => Promise<string>,
): Promise<
  Pick<Plan, "conditions"> & {
    steps: PlannedStep[];
    status?: { instackenv: string };
    /** No undercloud to hand to (now): status.instackenv no longer says where it is. */
    forget?: boolean;
  }
> {
  const type = "InstackenvHandedOff";
  if (handoff === undefined) return { steps: [], forget: true };
  if (typeof handoff === "string")
    return {
      steps: [],
      forget: true,
      conditions: [{ type, ok: false, reason: "WaitingForDependency", message: handoff }],
    };
  const awaited = (s: PlannedStep): PlannedStep => (how.handedBefore ? s : { ...s, awaited: true });
  if (!how.nodesConverged) {
    const step = awaited(handoff.after(render));
    return {
      steps: [step],
      conditions: [{ type, ok: false, reason: "Progressing", message: step.description }],
    };
  }
  // An undercloud that does not answer holds up only the handoff, never the nodes.
  const facts = await handoff.observe().catch((err: Error) => err);
  if (facts instanceof Error)
    return {
      steps: [],
      conditions: [{ type, ok: false, reason: "Unreachable", message: `the undercloud: ${facts.message}` }],
    };
  const steps = handoff.plan(content, facts).map(awaited);
  const there = facts.instackenv === content ? { status: { instackenv: handoff.paths.instackenv } } : {};
  if (steps.length > 0)
    return {
      steps,
      ...there,
      conditions: [
        { type, ok: false, reason: "Progressing", message: steps.map((s) => s.description).join("; ") },
      ],
    };
  const message = `instackenv.json is in ${handoff.paths.instackenv}`;
  return { steps, ...there, conditions: [{ type, ok: true, reason: "Converged", message }] };
}

/** The libvirt name of every network a role's NICs name; each must be on the set's own Manager. */
function networkNamesOf({ object: set, dependencies }: KindInput<OvercloudNodeSet>): Record<string, string> {
  const names: Record<string, string> = {};
  for (const key of referencesOf(set).filter((k) => k.kind === "LibvirtNetwork")) {
    const net = dependencies.get(keyString(key)) as LibvirtNetwork;
    if (net.spec.managerRef.name !== set.spec.managerRef.name)
      throw new DependencyUnusable(
        `LibvirtNetwork ${key.name} is on LabManager ${net.spec.managerRef.name}, not ${set.spec.managerRef.name}`,
      );
    names[key.name] = libvirtNetworkName(net);
  }
  return names;
}

/** Deleting needs only whose domains and files are whose: no passwords, no network names. */
function cleanupDesired(set: OvercloudNodeSet, manager: LabManager): NodeSetDesired {
  return desiredNodeSet(set, {
    networkNames: {},
    passwords: {},
    vbmcConfigDir: manager.spec.virtualBMC.configDir,
  });
}
