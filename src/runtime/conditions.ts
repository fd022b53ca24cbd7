import { ConditionType, type Condition } from "../api/index.js";

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
