import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MetricObjectWithValues, MetricValue } from "prom-client";
import { RECONCILE_TIME_BUCKETS, WORKQUEUE_BUCKETS } from "../../../src/observability/controller-runtime.js";
import { OperatorMetrics } from "../../../src/observability/metrics.js";

/** controller-runtime's definitions as its Go source states them (name, type, labels). */
const CONTROLLER_RUNTIME = [
  ["controller_runtime_reconcile_total", "counter", ["controller", "result"]],
  ["controller_runtime_reconcile_errors_total", "counter", ["controller"]],
  ["controller_runtime_terminal_reconcile_errors_total", "counter", ["controller"]],
  ["controller_runtime_reconcile_time_seconds", "histogram", ["controller"]],
  ["controller_runtime_max_concurrent_reconciles", "gauge", ["controller"]],
  ["controller_runtime_active_workers", "gauge", ["controller"]],
  ["workqueue_depth", "gauge", ["name", "controller", "priority"]],
  ["workqueue_adds_total", "counter", ["name", "controller"]],
  ["workqueue_queue_duration_seconds", "histogram", ["name", "controller"]],
  ["workqueue_work_duration_seconds", "histogram", ["name", "controller"]],
  ["workqueue_unfinished_work_seconds", "gauge", ["name", "controller"]],
  ["workqueue_longest_running_processor_seconds", "gauge", ["name", "controller"]],
  ["workqueue_retries_total", "counter", ["name", "controller"]],
] as const;

/** A clock the test moves by hand. */
function manualClock() {
  let now = 1000;
  return { clock: () => now, advance: (s: number) => void (now += s) };
}

async function metric(
  m: OperatorMetrics,
  name: string,
): Promise<MetricObjectWithValues<MetricValue<string>>> {
  const found = m.registry.getSingleMetric(name);
  assert.ok(found, `${name} is registered`);
  return found.get();
}

/** A counter or gauge value by labels (histograms are checked in the text format). */
async function value(m: OperatorMetrics, name: string, labels: Record<string, string>): Promise<number> {
  const values = (await metric(m, name)).values;
  const match = values.find((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want));
  assert.ok(match, `${name}${JSON.stringify(labels)} has a value`);
  return match.value;
}

describe("controller-runtime metrics", () => {
  it("have controller-runtime's names, types, labels and buckets", async () => {
    const m = new OperatorMetrics();
    for (const [name, type, labels] of CONTROLLER_RUNTIME) {
      const registered = m.registry.getSingleMetric(name) as unknown as { labelNames: string[] } | undefined;
      assert.ok(registered, `${name} is registered`);
      assert.equal(String((await metric(m, name)).type), type, name);
      assert.deepEqual(registered.labelNames, [...labels], `${name} labels`);
    }
    assert.equal(RECONCILE_TIME_BUCKETS.length, 40);
    assert.deepEqual([RECONCILE_TIME_BUCKETS[0], RECONCILE_TIME_BUCKETS.at(-1)], [0.005, 60]);
    assert.deepEqual(WORKQUEUE_BUCKETS, [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100, 1000]);
  });

  it("a reconcile counts its result, its time and its worker; errors and terminal errors apart", async () => {
    const m = new OperatorMetrics();
    const { clock, advance } = manualClock();
    const rec = m.reconciles("LabManager", clock);
    rec.setMaxConcurrentReconciles(3);
    assert.equal(await value(m, "controller_runtime_reconcile_total", { result: "error" }), 0, "starts at 0");
    const first = rec.started();
    const second = rec.started();
    assert.equal(await value(m, "controller_runtime_active_workers", { controller: "LabManager" }), 2);
    advance(2);
    first("success");
    first("error"); // a second call is ignored: one reconcile is counted once
    second("error", { terminal: true });
    const c = { controller: "LabManager" };
    assert.equal(await value(m, "controller_runtime_active_workers", c), 0);
    assert.equal(await value(m, "controller_runtime_max_concurrent_reconciles", c), 3);
    assert.equal(await value(m, "controller_runtime_reconcile_total", { ...c, result: "success" }), 1);
    assert.equal(await value(m, "controller_runtime_reconcile_total", { ...c, result: "error" }), 1);
    assert.equal(await value(m, "controller_runtime_reconcile_errors_total", c), 1);
    assert.equal(await value(m, "controller_runtime_terminal_reconcile_errors_total", c), 1);
    const text = await m.registry.metrics();
    assert.match(text, /^controller_runtime_reconcile_time_seconds_sum\{controller="LabManager"\} 4$/m);
    assert.match(
      text,
      /^controller_runtime_reconcile_time_seconds_bucket\{le="2",controller="LabManager"\} 2$/m,
    );
  });

  it("a work queue reports adds, depth, time waiting, time in progress and retries like client-go's", async () => {
    const m = new OperatorMetrics();
    const { clock, advance } = manualClock();
    const q = m.queue("LibvirtNetwork", clock);
    const labels = { name: "LibvirtNetwork", controller: "LibvirtNetwork" };
    q.added("LibvirtNetwork/default/public");
    advance(1);
    q.added("LibvirtNetwork/default/openstack");
    assert.equal(await value(m, "workqueue_depth", { ...labels, priority: "" }), 2);
    advance(2);
    q.taken("LibvirtNetwork/default/public"); // waited 3 s
    advance(5);
    q.sample();
    assert.equal(await value(m, "workqueue_unfinished_work_seconds", labels), 5);
    assert.equal(await value(m, "workqueue_longest_running_processor_seconds", labels), 5);
    q.done("LibvirtNetwork/default/public");
    q.retried();
    q.sample();
    assert.equal(await value(m, "workqueue_unfinished_work_seconds", labels), 0);
    assert.equal(await value(m, "workqueue_adds_total", labels), 2);
    assert.equal(await value(m, "workqueue_retries_total", labels), 1);
    assert.equal(await value(m, "workqueue_depth", { ...labels, priority: "" }), 1);
    const text = await m.registry.metrics();
    assert.match(
      text,
      /^workqueue_queue_duration_seconds_sum\{name="LibvirtNetwork",controller="LibvirtNetwork"\} 3$/m,
    );
    assert.match(
      text,
      /^workqueue_work_duration_seconds_sum\{name="LibvirtNetwork",controller="LibvirtNetwork"\} 5$/m,
    );
  });

  it("labop_object_condition shows each object's conditions, one series per status, gone objects dropped", async () => {
    const m = new OperatorMetrics();
    let objects = [
      {
        kind: "LabManager",
        namespace: "default",
        name: "lab",
        status: {
          conditions: [
            {
              type: "Ready",
              status: "False" as const,
              reason: "Unreachable",
              message: "",
              lastTransitionTime: "",
            },
            {
              type: "Reachable",
              status: "False" as const,
              reason: "Unreachable",
              message: "",
              lastTransitionTime: "",
            },
          ],
        },
      },
    ];
    m.readConditionsFrom(async () => objects);
    const text = await m.registry.metrics();
    const ready = (status: string) =>
      `labop_object_condition{kind="LabManager",namespace="default",name="lab",type="Ready",status="${status}"}`;
    assert.ok(text.includes(`${ready("True")} 0`));
    assert.ok(text.includes(`${ready("False")} 1`));
    assert.ok(text.includes(`${ready("Unknown")} 0`));
    objects = [];
    assert.ok(
      !(await m.registry.metrics()).includes("labop_object_condition{"),
      "a deleted object leaves no series",
    );
  });
});
