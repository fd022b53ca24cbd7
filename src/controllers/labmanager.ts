import { durationMs, Reason, type LabManager, type LibvirtNetwork } from "../api/index.js";
import type { Lifecycle } from "../machines/lifecycle-actor.js";
import type { RemoteHost } from "../remote/types.js";
import { managerOf } from "../runtime/dependencies.js";
import { isTrue } from "../runtime/conditions.js";
import { done, type ReconcileContext, type ReconcileResult } from "../runtime/reconciler.js";
import { recordEvent } from "../runtime/state.js";
import { observeManager } from "../steps/labmanager/observe.js";
import { planManager, planManagerCleanup } from "../steps/labmanager/plan.js";
import type { Step } from "../steps/types.js";
import { applySteps } from "./applysteps.js";
import type { HostAccess } from "./hostaccess.js";
import { withLifecycle } from "./lifecycle-run.js";
import { setAspect } from "./report.js";

/** Per-aspect conditions, each satisfied when no planned step touches its aspect. */
const ASPECTS: Array<{ type: string; matches: RegExp; what: string }> = [
  { type: "PackagesInstalled", matches: /^(packages|upgrade)/, what: "packages" },
  { type: "LibvirtReady", matches: /^libvirt/, what: "libvirtd" },
  { type: "BridgesReady", matches: /^(bridge|qemu-bridge)/, what: "host bridges" },
  { type: "VirtualBMCReady", matches: /^(vbmc|virtualbmc)/, what: "VirtualBMC" },
  { type: "UserReady", matches: /^(user|sudoers|authorized|shell-rc)/, what: "the manager user" },
];

/**
 * LabManager: fetch → connect → observe (one round trip) → plan (pure) → apply → verify →
 * report. Deletion runs the cleanup plan for what this object created, then forgets it.
 */
export function labManagerReconciler(hosts: HostAccess) {
  return async function reconcileLabManager(ctx: ReconcileContext): Promise<ReconcileResult> {
    const manager = ctx.entry.object as LabManager;
    return withLifecycle(ctx, "LabManager", {
      converge: (lifecycle) => converge(ctx, hosts, manager, lifecycle),
      remove: (lifecycle) => deleteManager(ctx, hosts, manager, lifecycle),
    });
  };
}

async function converge(
  ctx: ReconcileContext,
  hosts: HostAccess,
  manager: LabManager,
  lifecycle: Lifecycle,
): Promise<ReconcileResult> {
  const wasConverged = isTrue(ctx.state.status.conditions, "Ready");
  lifecycle.send({ type: "RECONCILE" });
  const host = await connect(ctx, hosts, manager, lifecycle);
  const credentials = await hosts.credentials(manager);
  const inputs = { ...credentials, wasConverged, networkBridges: networkBridgesOn(ctx, manager) };

  let facts = await observeManager(host, manager.spec);
  ctx.state.status.osFamily = facts.osFamily;
  let steps = planManager(manager.spec, facts, inputs);
  reportAspects(ctx, steps);
  const drift = steps.flatMap((s) => (s.drift ? [s.drift] : []));
  lifecycle.send({ type: "OBSERVED", steps: steps.length, drift, driftPolicy: manager.spec.driftPolicy });
  ctx.state.status.plannedSteps = steps.map((s) => s.description);
  if (!ctx.mutate || steps.length === 0) return done(resync(manager));
  if (lifecycle.phase === "degraded") {
    for (const d of drift)
      recordEvent(ctx.state, "Warning", Reason.DriftDetected, `drift detected, not repaired: ${d}`);
    return done(resync(manager));
  }

  await applySteps(ctx, lifecycle, host, steps, managerOf(manager));
  lifecycle.send({ type: "APPLIED" });
  facts = await observeManager(host, manager.spec);
  steps = planManager(manager.spec, facts, { ...inputs, wasConverged: false });
  reportAspects(ctx, steps);
  lifecycle.send({ type: "OBSERVED", steps: steps.length, drift: [], driftPolicy: manager.spec.driftPolicy });
  ctx.state.status.plannedSteps = steps.map((s) => s.description);
  if (steps.length > 0) {
    throw new Error(`still not converged after applying: ${steps.map((s) => s.id).join(", ")}`);
  }
  recordEvent(ctx.state, "Normal", Reason.Converged, "Manager converged to the spec");
  return done(resync(manager));
}

async function connect(
  ctx: ReconcileContext,
  hosts: HostAccess,
  manager: LabManager,
  lifecycle: Lifecycle,
): Promise<RemoteHost> {
  const host = await hosts.manager(manager);
  lifecycle.send({ type: "CONNECTED" });
  setAspect(ctx.state, "Reachable", true, "Connected", `connected to ${host.id}`);
  const fingerprint = hosts.fingerprint(manager);
  if (fingerprint) ctx.state.status.hostKeyFingerprint = fingerprint;
  return host;
}

async function deleteManager(
  ctx: ReconcileContext,
  hosts: HostAccess,
  manager: LabManager,
  lifecycle: Lifecycle,
): Promise<ReconcileResult> {
  lifecycle.send({ type: "DELETE" });
  if (manager.spec.deletionPolicy === "Orphan" || ctx.state.owned.length === 0) {
    lifecycle.send({ type: "CLEANED" });
    return { deleted: true };
  }
  const host = await hosts.manager(manager);
  const facts = await observeManager(host, manager.spec);
  const steps: Step[] = planManagerCleanup(manager.spec, facts, ctx.state.owned as never);
  if (!ctx.mutate) return done();
  await applySteps(ctx, lifecycle, host, steps, managerOf(manager));
  lifecycle.send({ type: "CLEANED" });
  return { deleted: true };
}

function reportAspects(ctx: ReconcileContext, steps: Step[]): void {
  for (const aspect of ASPECTS) {
    const pending = steps.filter((s) => aspect.matches.test(s.id));
    if (pending.length === 0)
      setAspect(ctx.state, aspect.type, true, Reason.Converged, `${aspect.what} as specified`);
    else
      setAspect(
        ctx.state,
        aspect.type,
        false,
        Reason.Progressing,
        pending.map((s) => s.description).join("; "),
      );
  }
}

/** Bridges of the LibvirtNetworks on this Manager: qemu's bridge helper may use them. */
function networkBridgesOn(ctx: ReconcileContext, manager: LabManager): string[] {
  return ctx.cache
    .list("LibvirtNetwork")
    .map((e) => e.object as LibvirtNetwork)
    .filter((n) => managerOf(n) === managerOf(manager))
    .map((n) => n.spec.bridge);
}

function resync(manager: LabManager): number {
  return durationMs(manager.spec.resyncInterval);
}
