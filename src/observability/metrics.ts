import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { Kind } from "../api/index.js";
import { reconcileMetrics, workqueueMetrics } from "./controller-runtime.js";
import { objectConditionGauge, type ConditionSource } from "./object-conditions.js";
import { ReconcileRecorder, WorkqueueRecorder, type Clock } from "./recorders.js";

/**
 * The operator's Prometheus metrics: controller-runtime's (controller_runtime_*, workqueue_*)
 * with their names, labels and buckets where they mean the same, so existing dashboards and
 * alerts read them; the rest are prefixed labop_. manifests/deploy/grafana-dashboard.json and
 * the chart's alert rules may use only what is registered here (unit tests check both).
 */
export class OperatorMetrics {
  readonly registry = new Registry();
  readonly controllerRuntime = reconcileMetrics(this.registry);
  readonly workqueue = workqueueMetrics(this.registry);
  private readonly conditions = objectConditionGauge(this.registry);

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

  /** The recorder a controller's workers report reconciles to (controller = the kind). */
  reconciles(controller: Kind, clock?: Clock): ReconcileRecorder {
    return new ReconcileRecorder(this.controllerRuntime, controller, clock);
  }

  /** The recorder a controller's work queue reports adds, gets and retries to. */
  queue(controller: Kind, clock?: Clock): WorkqueueRecorder {
    return new WorkqueueRecorder(this.workqueue, controller, clock);
  }

  /** labop_object_condition reads every object's conditions from here at scrape time. */
  readConditionsFrom(source: ConditionSource): void {
    this.conditions.readFrom(source);
  }
}
