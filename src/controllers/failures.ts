import { Reason } from "../api/index.js";
import type { Lifecycle } from "../machines/lifecycle-actor.js";
import { RemoteError } from "../remote/errors.js";
import { errorReason } from "../runtime/manager.js";
import type { ReconcileContext } from "../runtime/reconciler.js";
import { setAspect } from "./report.js";

/** Turn a failure into the lifecycle event and aspect conditions a person can act on. */
export function failLifecycle(ctx: ReconcileContext, lifecycle: Lifecycle, err: Error): void {
  const reason =
    err.name === "PlanBlocked" ? ((err as { reason?: string }).reason ?? "PlanBlocked") : errorReason(err);
  const retryable = err instanceof RemoteError ? err.retryable : err.name !== "PlanBlocked";
  if (err.name === "Unreachable" || err.name === "HostKeyChanged" || err.name === "AuthFailed") {
    setAspect(
      ctx.state,
      "Reachable",
      false,
      err.name === "Unreachable" ? Reason.Unreachable : err.name,
      err.message,
    );
  }
  lifecycle.send({ type: "FAILED", reason, message: err.message, retryable });
}
