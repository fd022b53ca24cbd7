/**
 * The lifecycle of an object, as pure functions: what to do after observing the host
 * (`decide`), where the object stands after a reconcile (`advance`), and when to look again
 * (`retry`). The driver does the I/O and asks these; conditions.ts turns the result into
 * kstatus conditions.
 *
 * Why pure functions and not an XState machine: the operator is level-triggered. Every
 * reconcile starts by observing the host, and what survives a crash is what cannot be
 * observed (ownership, the generation the host last matched, the guest journal), so a
 * persisted "resume here" snapshot would only repeat what the next observation finds. What
 * needs deciding is small and total: a function of (record, outcome) has no state that can
 * be a dead end, and a model-based test can try every sequence.
 */

export type DriftPolicy = "repair" | "detect" | "ignore";

export type Phase =
  | "pending"
  | "waiting"
  | "applying"
  | "ready"
  | "degraded"
  | "failed"
  | "stalled"
  | "deleting"
  | "deleted"
  | "suspended";

/** What the operator keeps about an object's lifecycle between reconciles. */
export interface LifecycleRecord {
  phase: Phase;
  reason: string;
  message: string;
  /** The spec generation the host last matched: differences at that generation are drift. */
  convergedGeneration?: number;
  /** Failures since the last success. */
  failures: number;
  /** Drift seen and, by policy, not repaired. */
  drift: string[];
  /** The step running, while applying. */
  step?: string;
}

export const initialLifecycle: LifecycleRecord = {
  phase: "pending",
  reason: "Pending",
  message: "not reconciled yet",
  failures: 0,
  drift: [],
};

/** A planned change, as the decision sees it. */
export interface PlannedChange {
  id: string;
  description: string;
  /** What differs on the host, in the plan's words ("libvirtd stopped"). */
  drift?: string;
  /** Work that waited for another object: never drift (see Step.awaited). */
  awaited?: boolean;
}

export type Decision =
  /** The host matches the spec. */
  | { action: "none" }
  /** Apply the steps: a new generation (never drift), or drift repaired under `repair`. */
  | { action: "apply"; repairs: string[] }
  /** driftPolicy detect: report the drift, change nothing. */
  | { action: "report"; drift: string[] }
  /** driftPolicy ignore: neither report nor repair. */
  | { action: "ignore" }
  /** `labctl plan`: show the steps, change nothing. */
  | { action: "show" };

/**
 * What to do with the steps a plan found. Drift is what changed on the host while the spec
 * did not: only at the generation the host last matched (`current`) are steps drift, and
 * only drift is subject to the drift policy; a spec edit, or work that only waited for
 * another object, is applied under every policy (waited-for work alongside drift that the
 * policy leaves alone waits with it: a plan is applied whole or not at all).
 */
export function decide(input: {
  steps: PlannedChange[];
  current: boolean;
  driftPolicy: DriftPolicy;
  mutate: boolean;
}): Decision {
  if (input.steps.length === 0) return { action: "none" };
  if (!input.mutate) return { action: "show" };
  if (!input.current) return { action: "apply", repairs: [] };
  const drift = input.steps.filter((s) => !s.awaited).map((s) => s.drift ?? s.description);
  if (drift.length === 0) return { action: "apply", repairs: [] };
  switch (input.driftPolicy) {
    case "repair":
      return { action: "apply", repairs: drift };
    case "detect":
      return { action: "report", drift };
    case "ignore":
      return { action: "ignore" };
  }
}

/** How a reconcile (or a part of it) turned out. */
export type Outcome =
  | { type: "Waiting"; message: string }
  | { type: "StepStarted"; step: string; description: string }
  /** The host matches the spec at this generation (or drift is ignored by policy). */
  | { type: "Converged"; generation: number }
  /** Drift found at this generation and left alone (driftPolicy detect). */
  | { type: "Drifted"; generation: number; drift: string[] }
  /** `labctl plan` observed; nothing was meant to change. */
  | { type: "Planned"; steps: number }
  | { type: "Failed"; reason: string; message: string; retryable: boolean }
  | { type: "Deleting"; message: string; reason?: string }
  /** spec.suspend (or `labctl suspend`): not reconciled, drift not repaired. */
  | { type: "Suspended"; message: string }
  | { type: "Cleaned" };

/** The record after an outcome. Total: every outcome is accepted in every phase. */
export function advance(record: LifecycleRecord, outcome: Outcome): LifecycleRecord {
  const base = { ...record, step: undefined };
  switch (outcome.type) {
    case "Waiting":
      return { ...base, phase: "waiting", reason: "WaitingForDependency", message: outcome.message };
    case "StepStarted":
      return {
        ...record,
        phase: record.phase === "deleting" ? "deleting" : "applying",
        step: outcome.step,
        message: outcome.description,
        reason: record.phase === "deleting" ? "Deleting" : "Progressing",
      };
    case "Converged":
      return {
        ...base,
        phase: "ready",
        reason: "Converged",
        message: "host matches the spec",
        convergedGeneration: outcome.generation,
        failures: 0,
        drift: [],
      };
    case "Drifted":
      return {
        ...base,
        phase: "degraded",
        reason: "DriftDetected",
        message: `drift not repaired (driftPolicy): ${outcome.drift.join("; ")}`,
        convergedGeneration: outcome.generation,
        failures: 0,
        drift: outcome.drift,
      };
    case "Planned":
      return { ...base, reason: "Progressing", message: `${outcome.steps} step(s) to apply` };
    case "Failed":
      return {
        ...base,
        phase: outcome.retryable ? "failed" : "stalled",
        reason: outcome.reason,
        message: outcome.message,
        failures: record.failures + 1,
      };
    case "Deleting":
      // Cleanup may remove things at once: should the object come back, nothing counts as converged.
      return {
        ...base,
        phase: "deleting",
        reason: outcome.reason ?? "Deleting",
        message: outcome.message,
        convergedGeneration: undefined,
      };
    case "Suspended":
      return { ...base, phase: "suspended", reason: "Suspended", message: outcome.message };
    case "Cleaned":
      return { ...base, phase: "deleted", reason: "Deleted", message: "cleaned up" };
  }
}

/** After a reconcile: back off (a retryable failure), or look again at the resync. */
export function retry(record: LifecycleRecord): "backoff" | "resync" {
  // A terminal failure waits for the spec or the host to change: the resync re-observes,
  // events and spec edits re-queue at once; retrying sooner would only repeat the refusal.
  return record.phase === "failed" ? "backoff" : "resync";
}

/**
 * The record kept for an object. States saved before this record existed kept an XState
 * snapshot: one that was ready at its observed generation still counts as converged there,
 * so drift found after an upgrade is not mistaken for a spec edit.
 */
export function restoreLifecycle(saved: unknown, observedGeneration?: number): LifecycleRecord {
  if (!saved || typeof saved !== "object") return initialLifecycle;
  if ("phase" in saved && "failures" in saved) return { ...initialLifecycle, ...(saved as LifecycleRecord) };
  const legacy = (saved as { value?: unknown }).value;
  if ((legacy === "ready" || legacy === "degraded") && observedGeneration !== undefined)
    return { ...initialLifecycle, phase: "ready", convergedGeneration: observedGeneration };
  return initialLifecycle;
}
