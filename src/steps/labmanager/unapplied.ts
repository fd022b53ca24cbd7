import type { LabManagerSpec } from "../../api/labmanager.js";
import type { OwnedResource } from "../types.js";
import type { ManagerFacts } from "./facts.js";

/** The LabManager's condition saying whether every spec field is in effect on the host. */
export const EDITS_APPLIED = "EditsApplied";

/**
 * Spec values the plan does not carry out on the host (yet), one sentence each naming the
 * field and what is left, so an edit that does not fully land is never silent (issue 16).
 * Pure: from the spec, the facts and what this object recorded as created.
 */
export function unappliedEdits(
  spec: LabManagerSpec,
  facts: ManagerFacts,
  owned: readonly OwnedResource[],
  networkBridges: readonly string[] = [],
  vmObjects: readonly string[] = [],
): string[] {
  const out: string[] = [];
  const { user } = spec;

  // vbmcd of ours, with no VM left on the Manager, is being removed by the plan.
  const ours = owned.some((o) => o.kind === "vbmcd");
  if (!spec.virtualBMC.enabled && facts.services.vbmcd.active === "active" && (vmObjects.length || !ours)) {
    const why = vmObjects.length
      ? `${vmObjects.join(", ")} still ha${vmObjects.length > 1 ? "ve" : "s"} VMs on this Manager`
      : "this LabManager did not install it";
    out.push(`spec.virtualBMC.enabled is false but vbmcd keeps running: ${why}`);
  }
  const u = facts.user;
  const clientsOurs = owned.some((o) => o.kind === "openstack-clients" && o.name === user.name);
  if (!user.openstackClients && (u.openstackClients.openstack || u.openstackClients.heat) && !clientsOurs)
    out.push(
      `spec.user.openstackClients is false but ~${user.name}'s OpenStack clients venv stays: this LabManager did not install it`,
    );
  if (!user.homeReadableByQemu && u.exists && (parseInt(u.homeMode || "0", 8) & 0o001) !== 0)
    out.push(
      `spec.user.homeReadableByQemu is false but ${u.home} keeps mode ${u.homeMode}: the mode it had before is not known, chmod o-x by hand`,
    );
  for (const o of owned)
    if (o.kind === "user" && o.name !== user.name)
      out.push(
        `spec.user.name is ${user.name}: user ${o.name}, created by this LabManager, stays until the LabManager is deleted`,
      );
  if (u.passwordCheck === "uncheckable")
    out.push(
      `the password of ${user.name} cannot be compared with the desired one on this Manager (crypt(3) needs perl or python3): a changed spec.user.passwordRef is not applied, set it by hand`,
    );
  const allowed = new Set(spec.qemuBridgeAllow ?? [...spec.bridges.map((b) => b.name), ...networkBridges]);
  const extra = facts.qemuBridgeAllows.filter((b) => !allowed.has(b));
  if (extra.length)
    out.push(
      `qemu's bridge.conf still allows ${extra.join(", ")}: allow lines are only added (spec.qemuBridgeAllow), remove them by hand`,
    );
  return out;
}

/** EditsApplied as a condition: True, or False naming every field that is not in effect. */
export function editsAppliedCondition(unapplied: readonly string[]): {
  type: string;
  ok: boolean;
  reason: string;
  message: string;
} {
  if (unapplied.length === 0)
    return {
      type: EDITS_APPLIED,
      ok: true,
      reason: "AllApplied",
      message: "every spec field is in effect on the host",
    };
  return { type: EDITS_APPLIED, ok: false, reason: "NotApplied", message: `${unapplied.join("; ")}.` };
}
