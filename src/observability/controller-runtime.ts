import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/*
 * controller-runtime's metrics, with its names, help texts, labels and buckets
 * (sigs.k8s.io/controller-runtime pkg/internal/controller/metrics and pkg/metrics/workqueue.go,
 * the latter copied from client-go's workqueue metrics), so the dashboards and alerts people
 * already run against Go operators read ours unchanged.
 */

/** The reconcile results controller-runtime counts. */
export type ReconcileResult = "success" | "error" | "requeue" | "requeue_after";

/** controller-runtime's ReconcileTime buckets (seconds). */
export const RECONCILE_TIME_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
  1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/** client-go's workqueue buckets: prometheus.ExponentialBuckets(10e-9, 10, 12), 10 ns to 1000 s. */
export const WORKQUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) =>
  Number((10e-9 * 10 ** i).toPrecision(6)),
);

export function reconcileMetrics(registry: Registry) {
  const registers = [registry];
  return {
    reconcileTotal: new Counter({
      name: "controller_runtime_reconcile_total",
      help: "Total number of reconciliations per controller",
      labelNames: ["controller", "result"] as const,
      registers,
    }),
    reconcileErrors: new Counter({
      name: "controller_runtime_reconcile_errors_total",
      help: "Total number of reconciliation errors per controller",
      labelNames: ["controller"] as const,
      registers,
    }),
    terminalReconcileErrors: new Counter({
      name: "controller_runtime_terminal_reconcile_errors_total",
      help: "Total number of terminal reconciliation errors per controller",
      labelNames: ["controller"] as const,
      registers,
    }),
    reconcileTime: new Histogram({
      name: "controller_runtime_reconcile_time_seconds",
      help: "Length of time per reconciliation per controller",
      labelNames: ["controller"] as const,
      buckets: RECONCILE_TIME_BUCKETS,
      registers,
    }),
    maxConcurrentReconciles: new Gauge({
      name: "controller_runtime_max_concurrent_reconciles",
      help: "Maximum number of concurrent reconciles per controller",
      labelNames: ["controller"] as const,
      registers,
    }),
    activeWorkers: new Gauge({
      name: "controller_runtime_active_workers",
      help: "Number of currently used workers per controller",
      labelNames: ["controller"] as const,
      registers,
    }),
  };
}
export type ReconcileMetrics = ReturnType<typeof reconcileMetrics>;

export function workqueueMetrics(registry: Registry) {
  const registers = [registry];
  const labelNames = ["name", "controller"] as const;
  return {
    depth: new Gauge({
      name: "workqueue_depth",
      help: "Current depth of workqueue by workqueue and priority",
      labelNames: ["name", "controller", "priority"] as const,
      registers,
    }),
    adds: new Counter({
      name: "workqueue_adds_total",
      help: "Total number of adds handled by workqueue",
      labelNames,
      registers,
    }),
    queueDuration: new Histogram({
      name: "workqueue_queue_duration_seconds",
      help: "How long in seconds an item stays in workqueue before being requested",
      labelNames,
      buckets: WORKQUEUE_BUCKETS,
      registers,
    }),
    workDuration: new Histogram({
      name: "workqueue_work_duration_seconds",
      help: "How long in seconds processing an item from workqueue takes.",
      labelNames,
      buckets: WORKQUEUE_BUCKETS,
      registers,
    }),
    unfinishedWork: new Gauge({
      name: "workqueue_unfinished_work_seconds",
      help:
        "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. " +
        "Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.",
      labelNames,
      registers,
    }),
    longestRunningProcessor: new Gauge({
      name: "workqueue_longest_running_processor_seconds",
      help: "How many seconds has the longest running processor for workqueue been running.",
      labelNames,
      registers,
    }),
    retries: new Counter({
      name: "workqueue_retries_total",
      help: "Total number of retries handled by workqueue",
      labelNames,
      registers,
    }),
  };
}
export type WorkqueueMetrics = ReturnType<typeof workqueueMetrics>;
