import { markStalled } from "../runtime/conditions.js";
import type { ReconcileContext, ReconcileResult } from "../runtime/reconciler.js";

/**
 * TripleOUndercloud is not reconciled yet: the VM steps exist (src/steps/undercloud) but no
 * controller drives them. Say so plainly, touch nothing, and let deletion forget the object
 * (nothing was created for it).
 */
export function tripleoUndercloudReconciler() {
  return async function reconcileTripleOUndercloud(ctx: ReconcileContext): Promise<ReconcileResult> {
    if (ctx.entry.deleting) return { deleted: true };
    ctx.state.status.conditions = markStalled(
      ctx.state.status.conditions,
      "NotImplemented",
      "this version of lab-operator does not reconcile TripleOUndercloud objects yet; nothing was changed",
      ctx.state.generation,
    );
    ctx.state.status.phase = "stalled";
    ctx.state.status.observedGeneration = ctx.state.generation;
    return {};
  };
}
