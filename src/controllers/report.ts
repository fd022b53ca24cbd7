import { Reason } from "../api/index.js";
import type { Lifecycle } from "../machines/lifecycle-actor.js";
import {
  markReady,
  markReconciling,
  markStalled,
  removeCondition,
  setCondition,
} from "../runtime/conditions.js";
import type { ObjectState } from "../runtime/state.js";

/** Write the lifecycle's phase and the kstatus conditions it implies into the object's status. */
export function reportLifecycle(state: ObjectState, lifecycle: Lifecycle): void {
  const gen = state.generation;
  const { reason, message } = lifecycle.context;
  let conditions = state.status.conditions;
  switch (lifecycle.phase) {
    case "ready":
      conditions = markReady(conditions, Reason.Converged, "host matches the spec", gen);
      conditions = removeCondition(conditions, "Drifted");
      break;
    case "degraded":
      // driftPolicy detect: the object converged once; the drift is reported, not repaired.
      conditions = markReady(conditions, Reason.Converged, "converged; drift detected and not repaired", gen);
      conditions = setCondition(
        conditions,
        { type: "Drifted", status: "True", reason: Reason.DriftDetected, message },
        gen,
      );
      break;
    case "stalled":
      conditions = markStalled(conditions, reason, message, gen);
      break;
    case "deleting":
      conditions = markReconciling(conditions, Reason.Deleting, message, gen);
      break;
    default:
      conditions = markReconciling(conditions, reason, message, gen);
  }
  state.status.conditions = conditions;
  state.status.phase = lifecycle.phase;
  if (lifecycle.phase === "ready" || lifecycle.phase === "degraded" || lifecycle.phase === "stalled") {
    state.status.observedGeneration = gen;
  }
}

/** Set one per-aspect condition (Reachable, PackagesInstalled, ...). */
export function setAspect(
  state: ObjectState,
  type: string,
  ok: boolean,
  reason: string,
  message: string,
): void {
  state.status.conditions = setCondition(
    state.status.conditions,
    { type, status: ok ? "True" : "False", reason, message },
    state.generation,
  );
}
