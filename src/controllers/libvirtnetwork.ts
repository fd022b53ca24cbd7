import { durationMs, Reason, type LabManager, type LibvirtNetwork } from "../api/index.js";
import type { Lifecycle } from "../machines/lifecycle-actor.js";
import type { RemoteHost } from "../remote/types.js";
import { libvirtNetworkName } from "../render/libvirt-network.js";
import { isTrue } from "../runtime/conditions.js";
import { managerOf } from "../runtime/dependencies.js";
import { dependency, done, type ReconcileContext, type ReconcileResult } from "../runtime/reconciler.js";
import { recordEvent } from "../runtime/state.js";
import { planNetworkCleanup } from "../steps/network/cleanup.js";
import type { NetworkFacts } from "../steps/network/facts.js";
import type { HookOptions } from "../steps/network/hook.js";
import { observeNetwork } from "../steps/network/observe.js";
import { planNetwork } from "../steps/network/plan.js";
import { applySteps } from "./applysteps.js";
import type { HostAccess } from "./hostaccess.js";
import { managerForCleanup } from "./cleanup-manager.js";
import { withLifecycle } from "./lifecycle-run.js";
import { setAspect } from "./report.js";

/** How soon to look again while the Manager is not Ready. */
const DEPENDENCY_REQUEUE_MS = 10_000;

/**
 * LibvirtNetwork: fetch → wait for its Manager → observe (one round trip) → plan (pure) →
 * apply → verify → report. Deletion removes the network only when our stamp says it is ours.
 */
export function libvirtNetworkReconciler(hosts: HostAccess) {
  return async function reconcileLibvirtNetwork(ctx: ReconcileContext): Promise<ReconcileResult> {
    const net = ctx.entry.object as LibvirtNetwork;
    return withLifecycle(ctx, "LibvirtNetwork", {
      converge: (lifecycle) => converge(ctx, hosts, net, lifecycle),
      remove: (lifecycle) => deleteNetwork(ctx, hosts, net, lifecycle),
    });
  };
}

async function converge(
  ctx: ReconcileContext,
  hosts: HostAccess,
  net: LibvirtNetwork,
  lifecycle: Lifecycle,
): Promise<ReconcileResult> {
  const wasConverged = isTrue(ctx.state.status.conditions, "Ready");
  lifecycle.send({ type: "RECONCILE" });
  const manager = await readyManager(ctx, net);
  if (!manager) {
    const message = `waiting for LabManager ${net.spec.managerRef.name} to be Ready`;
    lifecycle.send({ type: "DEPENDENCY_NOT_READY", message });
    return done(DEPENDENCY_REQUEUE_MS);
  }
  const host = await hosts.manager(manager);
  lifecycle.send({ type: "CONNECTED" });
  setAspect(ctx.state, "Reachable", true, "Connected", `connected to ${host.id}`);
  const name = libvirtNetworkName(net);
  const hook = hookOptions(manager);

  let facts = await observeNetwork(host, name, hook?.configFile);
  reportFacts(ctx, facts);
  let steps = planNetwork(net, facts, { wasConverged, ...(hook ? { hook } : {}) });
  const drift = steps.flatMap((s) => (s.drift ? [s.drift] : []));
  lifecycle.send({ type: "OBSERVED", steps: steps.length, drift, driftPolicy: net.spec.driftPolicy });
  ctx.state.status.plannedSteps = steps.map((s) => s.description);
  if (!ctx.mutate || steps.length === 0) return done(resync(net));
  if (lifecycle.phase === "degraded") {
    for (const d of drift)
      recordEvent(ctx.state, "Warning", Reason.DriftDetected, `drift detected, not repaired: ${d}`);
    return done(resync(net));
  }

  await applySteps(ctx, lifecycle, host, steps, managerOf(net));
  lifecycle.send({ type: "APPLIED" });
  facts = await observeNetwork(host, name, hook?.configFile);
  reportFacts(ctx, facts);
  steps = planNetwork(net, facts, { ...(hook ? { hook } : {}) });
  lifecycle.send({ type: "OBSERVED", steps: steps.length, drift: [], driftPolicy: net.spec.driftPolicy });
  ctx.state.status.plannedSteps = steps.map((s) => s.description);
  if (steps.length > 0)
    throw new Error(`still not converged after applying: ${steps.map((s) => s.id).join(", ")}`);
  recordEvent(ctx.state, "Normal", Reason.Converged, `libvirt network ${name} converged to the spec`);
  return done(resync(net));
}

/** The network's LabManager when it is Ready; undefined while it is missing or converging. */
async function readyManager(ctx: ReconcileContext, net: LibvirtNetwork): Promise<LabManager | undefined> {
  const dep = await dependency(ctx, {
    kind: "LabManager",
    namespace: net.metadata.namespace,
    name: net.spec.managerRef.name,
  });
  if (!dep || !isTrue(dep.state?.status.conditions, "Ready")) return undefined;
  return dep.object as LabManager;
}

function hookOptions(manager: LabManager): HookOptions | undefined {
  return manager.spec.networkHook.enabled ? { configFile: manager.spec.networkHook.configFile } : undefined;
}

function reportFacts(ctx: ReconcileContext, facts: NetworkFacts): void {
  const status = ctx.state.status;
  status.active = facts.active;
  status.autostart = facts.autostart;
  if (facts.uuid) status.uuid = facts.uuid;
  else delete status.uuid;
  status.affectedDomains = facts.domains;
}

async function deleteNetwork(
  ctx: ReconcileContext,
  hosts: HostAccess,
  net: LibvirtNetwork,
  lifecycle: Lifecycle,
): Promise<ReconcileResult> {
  lifecycle.send({ type: "DELETE" });
  const name = libvirtNetworkName(net);
  const manager = net.spec.deletionPolicy === "Orphan" ? undefined : await managerForCleanup(ctx, net);
  if (!manager) {
    if (net.spec.deletionPolicy !== "Orphan") {
      recordEvent(
        ctx.state,
        "Warning",
        "ManagerGone",
        `LabManager ${net.spec.managerRef.name} is unknown: libvirt network ${name} left in place`,
      );
    }
    lifecycle.send({ type: "CLEANED" });
    return { deleted: true };
  }
  const host: RemoteHost = await hosts.manager(manager);
  const hook = hookOptions(manager);
  const facts = await observeNetwork(host, name, hook?.configFile);
  const cleanup = planNetworkCleanup(net, facts, hook);
  if (cleanup.conflict) recordEvent(ctx.state, "Warning", Reason.Conflict, cleanup.conflict);
  ctx.state.status.plannedSteps = cleanup.steps.map((s) => s.description);
  if (!ctx.mutate) return done();
  await applySteps(ctx, lifecycle, host, cleanup.steps, managerOf(net));
  lifecycle.send({ type: "CLEANED" });
  return { deleted: true };
}

function resync(net: LibvirtNetwork): number {
  return durationMs(net.spec.resyncInterval);
}
