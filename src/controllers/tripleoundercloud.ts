import { durationMs, Reason, type TripleOUndercloud } from "../api/index.js";
import type { Lifecycle } from "../machines/lifecycle-actor.js";
import { fingerprintOf, parsePublicKeyLine } from "../remote/hostkeys.js";
import type { RemoteHost } from "../remote/types.js";
import { managerOf } from "../runtime/dependencies.js";
import { done, type ReconcileContext, type ReconcileResult } from "../runtime/reconciler.js";
import { recordEvent } from "../runtime/state.js";
import { planUndercloudDeletion } from "../steps/undercloud/cleanup.js";
import type { UndercloudFacts } from "../steps/undercloud/facts.js";
import { planGuest } from "../steps/undercloud/guest.js";
import { observeUndercloud } from "../steps/undercloud/observe.js";
import { undercloudPaths } from "../steps/undercloud/paths.js";
import { planUndercloud } from "../steps/undercloud/plan.js";
import { undercloudOwner } from "../steps/undercloud/stamp.js";
import { chooseVirtType } from "../steps/undercloud/virt-type.js";
import { applySteps } from "./applysteps.js";
import type { HostAccess } from "./hostaccess.js";
import { withLifecycle } from "./lifecycle-run.js";
import { setAspect } from "./report.js";
import { bmcCleanup, bmcSteps } from "./undercloud-bmc.js";
import { managerForCleanup } from "./cleanup-manager.js";
import { undercloudDependencies } from "./undercloud-deps.js";
import { desiredGuest, desiredVm, domainName } from "./undercloud-desired.js";
import { runGuestPhases } from "./undercloud-guest.js";

/** How soon to look again while the Manager or a network is not Ready. */
const DEPENDENCY_REQUEUE_MS = 10_000;

/**
 * TripleOUndercloud: fetch → wait for its Manager and networks → observe the VM (one round
 * trip) → plan the Manager's side (pure) and the guest phases not journaled yet → apply →
 * verify → report. A defined domain is never re-created; deletion removes the domain, its
 * disk and seed only when our stamp says they are ours.
 */
export function tripleoUndercloudReconciler(hosts: HostAccess) {
  return async function reconcileTripleOUndercloud(ctx: ReconcileContext): Promise<ReconcileResult> {
    const uc = ctx.entry.object as TripleOUndercloud;
    return withLifecycle(ctx, "TripleOUndercloud", {
      converge: (lifecycle) => converge(ctx, hosts, uc, lifecycle),
      remove: (lifecycle) => deleteUndercloud(ctx, hosts, uc, lifecycle),
    });
  };
}

async function converge(
  ctx: ReconcileContext,
  hosts: HostAccess,
  uc: TripleOUndercloud,
  lifecycle: Lifecycle,
): Promise<ReconcileResult> {
  lifecycle.send({ type: "RECONCILE" });
  const access = hosts.undercloud;
  const deps = await undercloudDependencies(ctx, uc);
  if (!deps.ready) {
    lifecycle.send({ type: "DEPENDENCY_NOT_READY", message: deps.message });
    return done(DEPENDENCY_REQUEUE_MS);
  }
  const host = await hosts.manager(deps.manager);
  lifecycle.send({ type: "CONNECTED" });
  setAspect(ctx.state, "Reachable", true, "Connected", `connected to ${host.id}`);
  const creds = await access.credentials(uc);
  const vm = desiredVm(uc, creds, deps.nics);
  const guest = desiredGuest(uc);
  ctx.state.status.hostKeyFingerprints = [fingerprintOf(parsePublicKeyLine(creds.hostKey.publicKey).keyBlob)];

  let facts = await observeUndercloud(host, vm.domain, vm.paths);
  const vmSteps = planUndercloud(vm, facts);
  const phases = planGuest(guest.rendered, facts.domain?.stamp?.journal ?? [], guest.files);
  const bmc = await bmcSteps(ctx.state, uc, creds, host);
  reportFacts(ctx, uc, facts);
  const drift = [...vmSteps, ...bmc].flatMap((s) => (s.drift ? [s.drift] : []));
  const pending = vmSteps.length + phases.length + bmc.length;
  lifecycle.send({ type: "OBSERVED", steps: pending, drift, driftPolicy: uc.spec.driftPolicy });
  ctx.state.status.plannedSteps = [
    ...vmSteps.map((s) => s.description),
    ...phases.map((p) => `guest phase ${p.phase}: ${p.steps.map((s) => s.description).join("; ")}`),
    ...bmc.map((s) => s.description),
  ];
  if (!ctx.mutate || pending === 0) return done(resync(uc));
  if (lifecycle.phase === "degraded") {
    for (const d of drift)
      recordEvent(ctx.state, "Warning", Reason.DriftDetected, `drift detected, not repaired: ${d}`);
    return done(resync(uc));
  }

  await applySteps(ctx, lifecycle, host, vmSteps, managerOf(uc));
  if (phases.length > 0)
    await runGuestPhases({
      ctx,
      lifecycle,
      access,
      manager: deps.manager,
      managerHost: host,
      uc,
      creds,
      vm,
      guest,
    });
  await applySteps(ctx, lifecycle, host, await bmcSteps(ctx.state, uc, creds, host), managerOf(uc));
  lifecycle.send({ type: "APPLIED" });

  facts = await observeUndercloud(host, vm.domain, vm.paths);
  reportFacts(ctx, uc, facts);
  const left = [
    ...planUndercloud(vm, facts).map((s) => s.id),
    ...planGuest(guest.rendered, facts.domain?.stamp?.journal ?? [], guest.files).map(
      (p) => `guest/${p.phase}`,
    ),
    ...(await bmcSteps(ctx.state, uc, creds, host)).map((s) => s.id),
  ];
  lifecycle.send({ type: "OBSERVED", steps: left.length, drift: [], driftPolicy: uc.spec.driftPolicy });
  ctx.state.status.plannedSteps = left;
  if (left.length > 0) throw new Error(`still not converged after applying: ${left.join(", ")}`);
  recordEvent(
    ctx.state,
    "Normal",
    Reason.Converged,
    `VM ${vm.domain} converged: ${facts.domain?.stamp?.journal.join(", ")}`,
  );
  return done(resync(uc));
}

function reportFacts(ctx: ReconcileContext, uc: TripleOUndercloud, facts: UndercloudFacts): void {
  const status = ctx.state.status;
  const dom = facts.domain;
  status.domainState = dom?.state ?? "absent";
  status.autostart = dom?.autostart ?? false;
  status.journal = dom?.stamp?.journal ?? [];
  if (dom?.address) status.ipAddress = dom.address;
  if (!dom) {
    const choice = chooseVirtType(uc.spec.virtType, { usable: facts.kvm, detail: facts.kvmDetail });
    status.virtType = choice.virtType;
    setAspect(
      ctx.state,
      "VirtualizationChosen",
      true,
      choice.virtType === "kvm" ? "KVM" : "QEMU",
      choice.why,
    );
  }
}

async function deleteUndercloud(
  ctx: ReconcileContext,
  hosts: HostAccess,
  uc: TripleOUndercloud,
  lifecycle: Lifecycle,
): Promise<ReconcileResult> {
  lifecycle.send({ type: "DELETE" });
  const domain = domainName(uc);
  const manager = uc.spec.deletionPolicy === "Orphan" ? undefined : await managerForCleanup(ctx, uc);
  if (!manager) {
    if (uc.spec.deletionPolicy !== "Orphan")
      recordEvent(
        ctx.state,
        "Warning",
        "ManagerGone",
        `LabManager ${uc.spec.managerRef.name} is unknown: VM ${domain} left in place`,
      );
    lifecycle.send({ type: "CLEANED" });
    return { deleted: true };
  }
  const host: RemoteHost = await hosts.manager(manager);
  const paths = undercloudPaths(uc.spec.imagesDir, domain, uc.spec.baseImage.url);
  const facts = await observeUndercloud(host, domain, paths);
  const owner = undercloudOwner(uc.metadata.namespace, uc.metadata.name);
  const plan = planUndercloudDeletion(domain, owner, paths, facts);
  if (plan.leftAlone) recordEvent(ctx.state, "Warning", Reason.Conflict, plan.leftAlone);
  const steps = [...(plan.leftAlone ? [] : bmcCleanup(ctx.state, uc)), ...plan.steps];
  ctx.state.status.plannedSteps = steps.map((s) => s.description);
  if (!ctx.mutate) return done();
  await applySteps(ctx, lifecycle, host, steps, managerOf(uc));
  lifecycle.send({ type: "CLEANED" });
  return { deleted: true };
}

function resync(uc: TripleOUndercloud): number {
  return durationMs(uc.spec.resyncInterval);
}
