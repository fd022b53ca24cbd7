import { test } from "node:test";
import assert from "node:assert/strict";
import {
  markReady,
  markReconciling,
  markStalled,
  setCondition,
  getCondition,
} from "../../../src/machines/conditions.js";

test("lastTransitionTime changes only when the status changes", () => {
  const t1 = new Date("2026-01-01T00:00:00Z");
  const t2 = new Date("2026-01-01T00:05:00Z");
  let c = setCondition([], { type: "Ready", status: "False", reason: "A", message: "a" }, 1, t1);
  c = setCondition(c, { type: "Ready", status: "False", reason: "B", message: "b" }, 2, t2);
  assert.equal(getCondition(c, "Ready")?.lastTransitionTime, t1.toISOString());
  assert.equal(getCondition(c, "Ready")?.reason, "B");
  assert.equal(getCondition(c, "Ready")?.observedGeneration, 2);
  c = setCondition(c, { type: "Ready", status: "True", reason: "C", message: "c" }, 2, t2);
  assert.equal(getCondition(c, "Ready")?.lastTransitionTime, t2.toISOString());
});

test("kstatus helpers keep Ready, Reconciling and Stalled consistent", () => {
  let c = markReconciling([], "Progressing", "installing", 1);
  assert.deepEqual(
    c.map((x) => `${x.type}=${x.status}`),
    ["Ready=False", "Reconciling=True"],
  );
  c = markStalled(c, "HostKeyChanged", "key changed", 1);
  assert.deepEqual(
    c.map((x) => `${x.type}=${x.status}`),
    ["Ready=False", "Stalled=True"],
  );
  c = markReady(c, "Converged", "ok", 1);
  assert.deepEqual(
    c.map((x) => `${x.type}=${x.status}`),
    ["Ready=True"],
  );
});
