// spec.suspend (and a labctl suspend mark) stops reconciling and drift repair; resuming
// converges again; a reconcile request is echoed in status.lastHandledReconcileAt.
import assert from "node:assert/strict";
import { test } from "node:test";
import { RECONCILE_REQUESTED_AT, SUSPENDED_ANNOTATION } from "../../../src/api/index.js";
import { getCondition } from "../../../src/machines/conditions.js";
import { Harness, manager } from "./support.js";

test("a suspended object changes nothing on its host and says so; resumed, it repairs the drift", async () => {
  const h = new Harness();
  h.cache.upsert(manager("UTC", "repair"), {});
  await h.reconcile();
  h.host.timezone = "Asia/Tokyo";
  h.cache.upsert(manager("UTC", "repair", { suspend: true }), {});
  await h.reconcile();
  await h.reconcile();
  let state = (await h.state())!;
  assert.equal(h.host.timezone, "Asia/Tokyo", "drift is not repaired while suspended");
  assert.equal(state.status.phase, "suspended");
  assert.equal(getCondition(state.status.conditions, "Suspended")?.status, "True");
  assert.equal(
    getCondition(state.status.conditions, "Ready")?.status,
    "Unknown",
    "spec.suspend is a spec change: Ready=True of the old spec is not kept",
  );
  assert.equal(
    state.events.filter((e) => e.reason === "Suspended").length,
    1,
    "one event, not one per reconcile",
  );
  h.cache.upsert(manager("UTC", "repair"), {});
  await h.reconcile();
  state = (await h.state())!;
  assert.equal(h.host.timezone, "UTC");
  assert.equal(getCondition(state.status.conditions, "Suspended"), undefined);
  assert.equal(state.status.phase, "ready");
});

test("a labctl suspend mark (an annotation) suspends without a new generation; a request is echoed", async () => {
  const h = new Harness();
  const marked = (annotations: Record<string, string>) => {
    const m = manager("UTC", "repair");
    m.metadata.annotations = annotations;
    return m;
  };
  assert.equal(h.cache.upsert(marked({ [SUSPENDED_ANNOTATION]: "true" }), {}), true);
  await h.reconcile();
  assert.equal(h.host.timezone, undefined, "never reconciled while marked");
  let state = (await h.state())!;
  assert.equal(getCondition(state.status.conditions, "Ready")?.status, "Unknown", "nothing known yet");
  assert.equal(
    h.cache.upsert(marked({ [RECONCILE_REQUESTED_AT]: "2026-12-01T10:00:00Z" }), {}),
    true,
    "a mark change re-queues",
  );
  await h.reconcile();
  state = (await h.state())!;
  assert.equal(h.host.timezone, "UTC");
  assert.equal(state.generation, 1, "marks are not spec changes");
  assert.equal(state.status.lastHandledReconcileAt, "2026-12-01T10:00:00Z");
  h.cache.upsert(
    marked({ [SUSPENDED_ANNOTATION]: "true", [RECONCILE_REQUESTED_AT]: "2026-12-01T10:00:00Z" }),
    {},
  );
  await h.reconcile();
  state = (await h.state())!;
  assert.equal(
    getCondition(state.status.conditions, "Ready")?.status,
    "True",
    "a mark keeps the last Ready of this spec",
  );
  assert.equal(getCondition(state.status.conditions, "Suspended")?.status, "True");
  assert.equal(
    h.cache.upsert(
      marked({ [SUSPENDED_ANNOTATION]: "true", [RECONCILE_REQUESTED_AT]: "2026-12-01T10:00:00Z" }),
      {},
    ),
    false,
    "the same request is no change",
  );
});
