import { Reason } from "../api/index.js";
import { lifecycleConditions, setCondition } from "../machines/conditions.js";
import type { LifecycleRecord } from "../machines/lifecycle.js";
import type { Aspect, Plan } from "./kind.js";
import type { Step } from "../steps/types.js";
import type { ObjectState } from "./state.js";

/** The plan's facts, planned steps and per-aspect conditions, into the status. */
export function reportPlan(state: ObjectState, aspects: readonly Aspect[], plan: Plan): void {
  const status = state.status;
  Object.assign(status, plan.status ?? {});
  for (const field of plan.clearStatus ?? []) delete status[field];
  reportPlannedSteps(state, plan.steps);
  for (const c of plan.conditions ?? []) setAspect(state, c.type, c.ok, c.reason, c.message);
  for (const aspect of aspects) {
    const pending = plan.steps.filter((s) => aspect.matches.test(s.id));
    if (pending.length === 0)
      setAspect(state, aspect.type, true, Reason.Converged, `${aspect.what} as specified`);
    else
      setAspect(state, aspect.type, false, Reason.Progressing, pending.map((s) => s.description).join("; "));
  }
}

/**
 * What applying would do, into the status: each step's sentence, and the spec fields the
 * steps bring the host to with what the host has now (`labctl diff`). Fields only while any.
 */
export function reportPlannedSteps(state: ObjectState, steps: readonly Step[]): void {
  state.status.plannedSteps = steps.map((s) => s.description);
  const fields = steps.flatMap((s) => s.fields ?? []);
  if (fields.length) state.status.plannedFields = fields;
  else delete state.status.plannedFields;
}

/**
 * The one place a reconcile's outcome becomes status: kstatus conditions from the lifecycle
 * record, the phase and the generation observed (InputValid is the runtime's, set from the
 * source before the reconcile starts).
 */
export function reportLifecycle(state: ObjectState, record: LifecycleRecord): void {
  state.status.conditions = lifecycleConditions(state.status.conditions, record, state.generation);
  state.status.phase = record.phase;
  state.status.observedGeneration = state.generation;
  state.lifecycle = record;
  delete state.machine;
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
