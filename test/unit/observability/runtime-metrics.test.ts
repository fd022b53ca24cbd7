// The runtime reports to controller-runtime's metrics as a Go operator would: reconcile
// results (success, requeue_after, error, terminal errors), active and maximum workers per
// kind, the work queue's adds, retries and durations, and every object's conditions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import { labManager, type Kind } from "../../../src/api/index.js";
import type { Reconciler } from "../../../src/controllers/contract.js";
import { markReady } from "../../../src/machines/conditions.js";
import { OperatorMetrics } from "../../../src/observability/metrics.js";
import { Unreachable, HostKeyChanged } from "../../../src/remote/errors.js";
import { ControllerManager } from "../../../src/runtime/manager.js";
import { MemoryStates } from "../controllers/support.js";

const lm = (name: string) =>
  labManager.parse({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "LabManager",
    metadata: { name },
    spec: { address: "10.0.0.1" },
  });

const value = (text: string, series: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test("reconciles, queues and conditions are counted under controller-runtime's names", async () => {
  let flaky = 0;
  const reconcile: Reconciler = async (ctx) => {
    if (ctx.key.name === "unreachable" && flaky++ === 0) throw new Unreachable("h", "reset");
    if (ctx.key.name === "stalled") throw new HostKeyChanged("h", "SHA256:a", "SHA256:b");
    ctx.state.status.conditions = markReady(
      ctx.state.status.conditions,
      "Converged",
      "ok",
      ctx.state.generation,
    );
    return { requeueAfterMs: 60_000 };
  };
  const reconcilers = {
    LabManager: reconcile,
    LibvirtNetwork: reconcile,
    TripleOUndercloud: reconcile,
    OvercloudNodeSet: reconcile,
  } as Record<Kind, Reconciler>;
  const m = new ControllerManager({
    reconcilers,
    states: new MemoryStates(),
    log: pino({ level: "silent" }),
    workers: 3,
  });
  const metrics = new OperatorMetrics();
  m.instrument(metrics);
  metrics.readConditionsFrom(() => m.objectConditions());
  m.start();
  for (const name of ["ok", "unreachable", "stalled"]) m.upsert(lm(name), {});
  const deadline = Date.now() + 10_000;
  let text = "";
  for (;;) {
    m.sampleInstruments();
    text = await metrics.registry.metrics();
    if (
      (value(text, 'controller_runtime_reconcile_total{controller="LabManager",result="requeue_after"}') ??
        0) >= 2
    )
      break;
    assert.ok(Date.now() < deadline, text);
    await new Promise((r) => setTimeout(r, 50));
  }
  await m.stop();
  const lab = (s: string) => value(text, s.replace("$", 'controller="LabManager"'));
  assert.equal(lab('controller_runtime_reconcile_total{$,result="error"}'), 2, "one retryable, one terminal");
  assert.equal(lab("controller_runtime_reconcile_errors_total{$}"), 2);
  assert.equal(lab("controller_runtime_terminal_reconcile_errors_total{$}"), 1, "HostKeyChanged is terminal");
  assert.equal(lab("controller_runtime_max_concurrent_reconciles{$}"), 3);
  assert.equal(
    value(text, 'workqueue_adds_total{name="LabManager",controller="LabManager"}'),
    4,
    "3 upserts + 1 retry",
  );
  assert.equal(
    value(text, 'workqueue_retries_total{name="LabManager",controller="LabManager"}'),
    1,
    "only the retryable one backs off",
  );
  assert.ok((lab("controller_runtime_reconcile_time_seconds_count{$}") ?? 0) >= 4);
  assert.equal(
    value(
      text,
      'labop_object_condition{kind="LabManager",namespace="default",name="stalled",type="Ready",status="False"}',
    ),
    1,
  );
  assert.equal(
    value(
      text,
      'labop_object_condition{kind="LabManager",namespace="default",name="ok",type="Ready",status="True"}',
    ),
    1,
  );
});
