import {
  keyString,
  managerOf,
  managerRefOf,
  referencesOf,
  type LabManager,
  type LibvirtNetwork,
  type TripleOUndercloud,
} from "../../api/index.js";
import { fingerprintOf, parsePublicKeyLine } from "../../remote/hostkeys.js";
import { libvirtNetworkName } from "../../render/libvirt-network.js";
import { planUndercloudDeletion } from "../../steps/undercloud/cleanup.js";
import { domainEvents } from "../../steps/domain-events.js";
import type { DomainNic } from "../../steps/undercloud/domain-xml.js";
import type { UndercloudFacts } from "../../steps/undercloud/facts.js";
import { observeUndercloud } from "../../steps/undercloud/observe.js";
import { undercloudPaths } from "../../steps/undercloud/paths.js";
import { awaitsImageProbe, planUndercloud } from "../../steps/undercloud/plan.js";
import { undercloudOwner, type Stamp } from "../../steps/undercloud/stamp.js";
import { chooseVirtType } from "../../steps/undercloud/virt-type.js";
import { DependencyUnusable } from "../errors.js";
import type { KindController, KindInput, Plan, PlannedStep, StepTarget } from "../kind.js";
import { bmcCleanup, bmcSteps } from "./bmc.js";
import { desiredGuest, desiredVm, domainName } from "./desired.js";
import { GuestRun } from "./guest.js";

/**
 * TripleOUndercloud: a VM on a Ready Manager, on Ready networks. The plan is the Manager's
 * side (disk, seed, stamped domain, boot), then the guest phases not journaled yet, then the
 * VirtualBMC entry. A defined domain is never re-created; deletion removes the domain, its
 * disk and seed only when our stamp says they are ours.
 */
export const tripleoUndercloudKind: KindController<TripleOUndercloud> = {
  kind: "TripleOUndercloud",
  dependsOn: (uc) => referencesOf(uc),
  noun: (uc) => `VM ${domainName(uc)}`,
  aspects: [],

  async converge(input) {
    const { object: uc, hosts, state } = input;
    const manager = input.dependencies.get(keyString(managerRefOf(uc))) as LabManager;
    const host = await hosts.manager(manager);
    const creds = await hosts.undercloud.credentials(uc);
    const vm = desiredVm(uc, creds, nicsOf(input));
    const guest = desiredGuest(uc);
    const run = new GuestRun({
      sink: { state, checkpoint: input.checkpoint },
      log: input.log,
      access: hosts.undercloud,
      manager,
      managerHost: host,
      uc,
      creds,
      vm,
      guest,
      lock: vmLock(uc),
    });
    state.status.hostKeyFingerprints = [fingerprintOf(parsePublicKeyLine(creds.hostKey.publicKey).keyBlob)];
    return {
      host,
      async plan({ current }) {
        const facts = await observeUndercloud(host, vm.domain, vm.paths, vm.osVariant);
        const journal = facts.domain?.stamp?.journal ?? [];
        const steps = [
          ...withOwnLock(planUndercloud(vm, facts), { host: async () => host, lock: vmLock(uc) }),
          ...run.steps(facts.domain?.stamp, facts.domain?.stampTimes),
          ...(await bmcSteps(state, uc, creds, { host, manager, current })),
        ];
        return {
          steps,
          ...report(uc, facts, vm.seedInput),
          converged: `VM ${vm.domain} converged: ${journal.join(", ")}`,
          staged: awaitsImageProbe(vm, facts),
        };
      },
      afterApply: () => run.fetchResults(),
    };
  },

  async cleanup({ object: uc, hosts, state }, manager) {
    const host = await hosts.manager(manager);
    const domain = domainName(uc);
    const paths = undercloudPaths(uc.spec.imagesDir, domain, uc.spec.baseImage.url);
    const owner = undercloudOwner(uc.metadata.namespace, uc.metadata.name);
    return {
      host,
      async plan() {
        const plan = planUndercloudDeletion(
          domain,
          owner,
          paths,
          await observeUndercloud(host, domain, paths),
        );
        const steps = [...(plan.foreignDomain ? [] : bmcCleanup(state, uc)), ...plan.steps];
        return { steps, ...(plan.leftAlone ? { leftAlone: plan.leftAlone } : {}) };
      },
    };
  },

  watches: [{ name: "domains", kinds: ["TripleOUndercloud", "OvercloudNodeSet"], ...domainEvents }],
};

/** The libvirt network of each NIC; each must be on the undercloud's own Manager. */
function nicsOf({ object: uc, dependencies }: KindInput<TripleOUndercloud>): DomainNic[] {
  return uc.spec.nics.map((nic) => {
    const key = {
      kind: "LibvirtNetwork" as const,
      namespace: uc.metadata.namespace,
      name: nic.networkRef.name,
    };
    const net = dependencies.get(keyString(key)) as LibvirtNetwork;
    if (net.spec.managerRef.name !== uc.spec.managerRef.name)
      throw new DependencyUnusable(
        `LibvirtNetwork ${nic.networkRef.name} is on LabManager ${net.spec.managerRef.name}, not ${uc.spec.managerRef.name}`,
      );
    return { network: libvirtNetworkName(net), model: nic.model };
  });
}

/**
 * The first boot takes up to 15 minutes under QEMU (a restart's boot as long): waiting for it
 * holds the VM's own lock, not the Manager's, so the Manager's drift repairs are not held up.
 */
function withOwnLock(steps: PlannedStep[], vm: StepTarget): PlannedStep[] {
  return steps.map((s) => (s.id === "vm/booted" || s.id === "vm/restart" ? { ...s, on: vm } : s));
}

/** The lock of one VM's own work (its boot, its guest phases). */
export function vmLock(uc: TripleOUndercloud): string {
  return `${managerOf(uc)}/vm/${domainName(uc)}`;
}

/** The VM's facts for status, and the virtualization choice while no domain exists yet. */
function report(
  uc: TripleOUndercloud,
  facts: UndercloudFacts,
  seedInput: string | undefined,
): Pick<Plan, "status" | "conditions"> {
  const dom = facts.domain;
  const status: Record<string, unknown> = {
    domainState: dom?.state ?? "absent",
    autostart: dom?.autostart ?? false,
    journal: dom?.stamp?.journal ?? [],
    ...(dom?.address ? { ipAddress: dom.address } : {}),
  };
  if (dom) return { status, conditions: cloudInitCondition(dom.stamp, seedInput) };
  const choice = chooseVirtType(uc.spec.virtType, { usable: facts.kvm, detail: facts.kvmDetail });
  return {
    status: { ...status, virtType: choice.virtType },
    conditions: [
      {
        type: "VirtualizationChosen",
        ok: true,
        reason: choice.virtType === "kvm" ? "KVM" : "QEMU",
        message: choice.why,
      },
    ],
  };
}

/** Reason of CloudInitApplied False: the seed acts only at the first boot. */
export const RecreateRequired = "RecreateRequired";

/**
 * Whether the VM booted with today's spec.cloudInit: its seed acted once, at the first boot,
 * and was ejected, so an edit since is not applied to this VM (not even the fields with a
 * live meaning such as timezone or groups: applying a few of them would leave the VM half
 * the old seed's, half the new one's). Ready is not affected; the message says what to do.
 * A VM made by an older version has no seed hash journaled: nothing can be compared.
 */
export function cloudInitCondition(
  stamp: Stamp | undefined,
  seedInput: string | undefined,
): NonNullable<Plan["conditions"]> {
  const booted = stamp?.inputs?.created;
  if (!stamp || !seedInput) return [];
  if (booted === undefined)
    return [
      {
        type: "CloudInitApplied",
        ok: true,
        reason: "NotRecorded",
        message:
          "the VM was made before seed hashes were journaled: a later spec.cloudInit edit cannot be told apart",
      },
    ];
  if (booted === seedInput)
    return [
      {
        type: "CloudInitApplied",
        ok: true,
        reason: "Converged",
        message: "the VM booted with spec.cloudInit as it is",
      },
    ];
  return [
    {
      type: "CloudInitApplied",
      ok: false,
      reason: RecreateRequired,
      message:
        "spec.cloudInit changed after the first boot: it is applied only to a new VM (labctl apply -f DIR --recreate)",
    },
  ];
}
