import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The operator's Prometheus metrics. Names follow controller-runtime's where one exists
 * (controller_runtime_reconcile_total, ..._time_seconds, workqueue_depth) so existing
 * dashboards read them; the rest are prefixed labop_.
 */
export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal = new Counter({
    name: "controller_runtime_reconcile_total",
    help: "Reconciles per kind and result (ok, error).",
    labelNames: ["controller", "result"] as const,
    registers: [this.registry],
  });
  readonly reconcileSeconds = new Histogram({
    name: "controller_runtime_reconcile_time_seconds",
    help: "Duration of reconciles per kind.",
    labelNames: ["controller"] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: "workqueue_depth",
    help: "Keys waiting in the work queue.",
    registers: [this.registry],
  });
  readonly sshRoundTrips = new Gauge({
    name: "labop_ssh_round_trips_total",
    help: "SSH round trips (exec, observe, sftp, stream) per Manager since start.",
    labelNames: ["host", "kind"] as const,
    registers: [this.registry],
  });
  readonly sshOpenConnections = new Gauge({
    name: "labop_ssh_open_connections",
    help: "Open SSH connections per host.",
    labelNames: ["host"] as const,
    registers: [this.registry],
  });
  readonly driftRepaired = new Counter({
    name: "labop_drift_repaired_total",
    help: "Drift repaired, per kind.",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly stepFailures = new Counter({
    name: "labop_step_failures_total",
    help: "Failed steps per kind and reason.",
    labelNames: ["kind", "reason"] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
