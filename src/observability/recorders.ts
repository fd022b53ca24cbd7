import type { ReconcileMetrics, ReconcileResult, WorkqueueMetrics } from "./controller-runtime.js";

/** Seconds since an arbitrary origin; injected so tests need no fixed sleeps. */
export type Clock = () => number;
const wallClock: Clock = () => performance.now() / 1000;

/**
 * What one controller's workers report, in controller-runtime's terms
 * (pkg/internal/controller/controller.go reconcileHandler).
 *
 * The runtime calls, per reconcile of a key of this controller:
 *   const done = recorder.started();   // a worker took the key
 *   ... reconcile ...
 *   done("success" | "requeue" | "requeue_after" | "error", { terminal })
 * and once at start `setMaxConcurrentReconciles(n)` with the controller's worker limit.
 */
export class ReconcileRecorder {
  constructor(
    private readonly metrics: ReconcileMetrics,
    readonly controller: string,
    private readonly clock: Clock = wallClock,
  ) {
    // controller-runtime initialises every series at 0 so rate() sees the first error.
    for (const result of ["success", "error", "requeue", "requeue_after"] as const)
      metrics.reconcileTotal.inc({ controller, result }, 0);
    metrics.reconcileErrors.inc({ controller }, 0);
    metrics.terminalReconcileErrors.inc({ controller }, 0);
    metrics.activeWorkers.set({ controller }, 0);
  }

  setMaxConcurrentReconciles(workers: number): void {
    this.metrics.maxConcurrentReconciles.set({ controller: this.controller }, workers);
  }

  /** A worker starts reconciling; call the result with how it ended. */
  started(): (result: ReconcileResult, opts?: { terminal?: boolean }) => void {
    const { controller } = this;
    const begin = this.clock();
    this.metrics.activeWorkers.inc({ controller });
    let finished = false;
    return (result, opts = {}) => {
      if (finished) return;
      finished = true;
      this.metrics.activeWorkers.dec({ controller });
      this.metrics.reconcileTime.observe({ controller }, this.clock() - begin);
      this.metrics.reconcileTotal.inc({ controller, result });
      if (result === "error") {
        this.metrics.reconcileErrors.inc({ controller });
        if (opts.terminal) this.metrics.terminalReconcileErrors.inc({ controller });
      }
    };
  }
}

/**
 * client-go's workqueue metrics (util/workqueue/metrics.go defaultQueueMetrics) for one
 * controller's queue; name and controller labels are both the controller's name, as
 * controller-runtime sets them.
 *
 * The runtime calls `added(key)` when a key really enters the queue (not when a duplicate
 * add is absorbed), `taken(key)` when a worker gets it, `done(key)` when the worker is done
 * with it, `retried()` when a failed key is re-added with backoff, and `sample()` at scrape
 * time for the two in-progress gauges.
 */
export class WorkqueueRecorder {
  private readonly addedAt = new Map<string, number>();
  private readonly takenAt = new Map<string, number>();
  private readonly labels: { name: string; controller: string };

  constructor(
    private readonly metrics: WorkqueueMetrics,
    controller: string,
    private readonly clock: Clock = wallClock,
  ) {
    this.labels = { name: controller, controller };
    metrics.depth.set({ ...this.labels, priority: "" }, 0);
    metrics.adds.inc(this.labels, 0);
    metrics.retries.inc(this.labels, 0);
    this.sample();
  }

  added(key: string): void {
    this.metrics.adds.inc(this.labels);
    this.metrics.depth.inc({ ...this.labels, priority: "" });
    if (!this.addedAt.has(key)) this.addedAt.set(key, this.clock());
  }

  taken(key: string): void {
    this.metrics.depth.dec({ ...this.labels, priority: "" });
    const now = this.clock();
    this.takenAt.set(key, now);
    const since = this.addedAt.get(key);
    if (since !== undefined) {
      this.metrics.queueDuration.observe(this.labels, now - since);
      this.addedAt.delete(key);
    }
  }

  done(key: string): void {
    const since = this.takenAt.get(key);
    if (since === undefined) return;
    this.metrics.workDuration.observe(this.labels, this.clock() - since);
    this.takenAt.delete(key);
  }

  retried(): void {
    this.metrics.retries.inc(this.labels);
  }

  /** unfinished_work_seconds (sum over keys in progress) and longest_running_processor_seconds. */
  sample(): void {
    const now = this.clock();
    let total = 0;
    let longest = 0;
    for (const since of this.takenAt.values()) {
      total += now - since;
      longest = Math.max(longest, now - since);
    }
    this.metrics.unfinishedWork.set(this.labels, total);
    this.metrics.longestRunningProcessor.set(this.labels, longest);
  }
}
