import type { Kind } from "../api/index.js";
import type { QueueObserver } from "./workqueue.js";
import type { Reconciled } from "./reconcile-once.js";

/** controller-runtime's reconcile results. */
export type ReconcileOutcome = "success" | "error" | "requeue" | "requeue_after";

/** A controller's reconcile metrics (observability/recorders.ts ReconcileRecorder). */
export interface ReconcileInstrument {
  setMaxConcurrentReconciles(workers: number): void;
  started(): (result: ReconcileOutcome, opts?: { terminal?: boolean }) => void;
}

/** A controller's queue metrics (observability/recorders.ts WorkqueueRecorder). */
export interface QueueInstrument extends QueueObserver {
  retried(): void;
  sample(): void;
}

/** What the runtime reports to, per kind (observability/metrics.ts OperatorMetrics). */
export interface Instruments {
  reconciles(kind: Kind): ReconcileInstrument;
  queue(kind: Kind): QueueInstrument;
}

/** How controller-runtime would count a reconcile: a resync scheduled is requeue_after. */
export function resultOf(done: Reconciled | undefined): ReconcileOutcome {
  if (!done) return "success";
  if (done.outcome === "error") return "error";
  return done.next.retry === "after" ? "requeue_after" : "success";
}
