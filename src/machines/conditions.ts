import { ConditionType, Reason, type Condition } from "../api/index.js";
import type { LifecycleRecord } from "./lifecycle.js";

export type ConditionStatus = Condition["status"];

/**
 * Set a condition, keeping lastTransitionTime when the status did not change
 * (as apimachinery's meta.SetStatusCondition does).
 */
export function setCondition(
  conditions: Condition[],
  next: { type: string; status: ConditionStatus; reason: string; message: string },
  generation: number | undefined,
  now: Date = new Date(),
): Condition[] {
  const existing = conditions.find((c) => c.type === next.type);
  const lastTransitionTime =
    existing && existing.status === next.status ? existing.lastTransitionTime : now.toISOString();
  const updated: Condition = { ...next, lastTransitionTime, observedGeneration: generation };
  return [...conditions.filter((c) => c.type !== next.type), updated].sort(byType);
}

export function removeCondition(conditions: Condition[], type: string): Condition[] {
  return conditions.filter((c) => c.type !== type);
}

export function getCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === "True";
}

/** Ready=True and no longer reconciling: the kstatus "Current" state. */
export function markReady(
  conditions: Condition[],
  reason: string,
  message: string,
  gen?: number,
): Condition[] {
  let next = setCondition(conditions, { type: ConditionType.Ready, status: "True", reason, message }, gen);
  next = removeCondition(next, ConditionType.Reconciling);
  return removeCondition(next, ConditionType.Stalled);
}

/** Work in progress: Reconciling=True, Ready=False with the same reason. */
export function markReconciling(
  conditions: Condition[],
  reason: string,
  message: string,
  gen?: number,
): Condition[] {
  let next = setCondition(
    conditions,
    { type: ConditionType.Reconciling, status: "True", reason, message },
    gen,
  );
  next = setCondition(next, { type: ConditionType.Ready, status: "False", reason, message }, gen);
  return removeCondition(next, ConditionType.Stalled);
}

/** Cannot progress without a person acting: Stalled=True, Ready=False. */
export function markStalled(
  conditions: Condition[],
  reason: string,
  message: string,
  gen?: number,
): Condition[] {
  let next = setCondition(conditions, { type: ConditionType.Stalled, status: "True", reason, message }, gen);
  next = setCondition(next, { type: ConditionType.Ready, status: "False", reason, message }, gen);
  return removeCondition(next, ConditionType.Reconciling);
}

function byType(a: Condition, b: Condition): number {
  const order = (t: string) => (t === "Ready" ? 0 : t === "Reconciling" ? 1 : t === "Stalled" ? 2 : 3);
  return order(a.type) - order(b.type) || a.type.localeCompare(b.type);
}

/**
 * The kstatus conditions of a lifecycle record at a generation: Ready=True only when the
 * host matched the spec at this very generation; work in progress or a retry is
 * Reconciling; a failure that needs a person is Stalled. Drifted says what detect saw.
 */
export function lifecycleConditions(
  conditions: Condition[],
  record: LifecycleRecord,
  generation: number,
): Condition[] {
  const current = record.convergedGeneration === generation;
  if (record.phase === "suspended") return suspendedConditions(conditions, record, generation);
  let next = removeCondition(conditions, "Suspended");
  if ((record.phase === "ready" || record.phase === "degraded") && current) {
    const message =
      record.phase === "ready" ? "host matches the spec" : "converged; drift detected and not repaired";
    next = markReady(next, Reason.Converged, message, generation);
  } else if (record.phase === "ready" || record.phase === "degraded") {
    next = markReconciling(next, Reason.Progressing, "the spec changed; not applied yet", generation);
  } else if (record.phase === "stalled") {
    next = markStalled(next, record.reason, record.message, generation);
  } else {
    next = markReconciling(next, record.reason, record.message, generation);
  }
  if (record.phase === "degraded" && current)
    return setCondition(
      next,
      { type: "Drifted", status: "True", reason: Reason.DriftDetected, message: record.message },
      generation,
    );
  return removeCondition(next, "Drifted");
}

/**
 * Suspended: what was last known stays as it was (as Flux does), with Suspended=True beside
 * it; an object never reconciled says Ready=Unknown, not a guess.
 */
function suspendedConditions(
  conditions: Condition[],
  record: LifecycleRecord,
  generation: number,
): Condition[] {
  const suspended = {
    type: "Suspended",
    status: "True" as const,
    reason: "Suspended",
    message: record.message,
  };
  let next = setCondition(conditions, suspended, generation);
  // Ready (and Reconciling, Stalled, Drifted) only ever speak of the current spec: of an
  // earlier generation (the spec changed while suspended), or none at all, Ready is Unknown.
  const ready = getCondition(next, ConditionType.Ready);
  if (ready && ready.observedGeneration === generation) return next;
  for (const stale of [ConditionType.Reconciling, ConditionType.Stalled, "Drifted"])
    next = removeCondition(next, stale);
  return setCondition(
    next,
    { type: ConditionType.Ready, status: "Unknown", reason: "Suspended", message: record.message },
    generation,
  );
}
