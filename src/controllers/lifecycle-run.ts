import type { Kind } from "../api/index.js";
import { Lifecycle } from "../machines/lifecycle-actor.js";
import type { ReconcileContext, ReconcileResult } from "../runtime/reconciler.js";
import { failLifecycle } from "./failures.js";
import { reportLifecycle } from "./report.js";

/**
 * Run one reconcile of an object inside its lifecycle machine: restore the persisted
 * snapshot, converge or delete, turn a failure into the machine's event, and always report
 * the resulting phase and conditions and persist the snapshot again.
 */
export async function withLifecycle(
  ctx: ReconcileContext,
  kind: Kind,
  work: {
    converge(lifecycle: Lifecycle): Promise<ReconcileResult>;
    remove(lifecycle: Lifecycle): Promise<ReconcileResult>;
  },
): Promise<ReconcileResult> {
  const lifecycle = new Lifecycle(kind, ctx.state.machine);
  try {
    return ctx.entry.deleting ? await work.remove(lifecycle) : await work.converge(lifecycle);
  } catch (err) {
    failLifecycle(ctx, lifecycle, err as Error);
    throw err;
  } finally {
    reportLifecycle(ctx.state, lifecycle);
    ctx.state.machine = lifecycle.persist();
  }
}
