import { test } from "node:test";
import assert from "node:assert/strict";
import { Lifecycle } from "../../../src/machines/lifecycle-actor.js";

const observed = (
  steps: number,
  drift: string[] = [],
  driftPolicy: "repair" | "detect" | "ignore" = "repair",
) => ({ type: "OBSERVED", steps, drift, driftPolicy }) as const;

test("an object with nothing to do goes from pending to ready", () => {
  const l = new Lifecycle("LabManager");
  assert.equal(l.phase, "pending");
  l.send({ type: "RECONCILE" });
  l.send({ type: "CONNECTED" });
  l.send(observed(0));
  assert.equal(l.phase, "ready");
  assert.equal(l.context.reason, "Converged");
});

test("applying counts steps, then re-observes before ready", () => {
  const l = new Lifecycle("LabManager");
  l.send({ type: "RECONCILE" });
  l.send({ type: "CONNECTED" });
  l.send(observed(2));
  assert.equal(l.phase, "applying");
  l.send({ type: "STEP_STARTED", step: "packages", description: "install 3 packages" });
  assert.equal(l.context.message, "install 3 packages");
  l.send({ type: "STEP_DONE", step: "packages" });
  l.send({ type: "APPLIED" });
  assert.equal(l.phase, "observing");
  assert.equal(l.context.stepsDone, 1);
  l.send(observed(0));
  assert.equal(l.phase, "ready");
});

test("retryable failures go to failed, others stall", () => {
  const a = new Lifecycle("LibvirtNetwork");
  a.send({ type: "RECONCILE" });
  a.send({ type: "FAILED", reason: "Unreachable", message: "timed out", retryable: true });
  assert.equal(a.phase, "failed");
  const b = new Lifecycle("LibvirtNetwork");
  b.send({ type: "RECONCILE" });
  b.send({ type: "FAILED", reason: "HostKeyChanged", message: "key changed", retryable: false });
  assert.equal(b.phase, "stalled");
  assert.equal(b.context.reason, "HostKeyChanged");
});

test("drift under driftPolicy detect is reported, not applied", () => {
  const l = new Lifecycle("LabManager");
  l.send({ type: "RECONCILE" });
  l.send({ type: "CONNECTED" });
  l.send(observed(1, ["libvirtd stopped"], "detect"));
  assert.equal(l.phase, "degraded");
  assert.match(l.context.message, /libvirtd stopped/);
});

test("a persisted snapshot resumes where it was", () => {
  const l = new Lifecycle("TripleOUndercloud");
  l.send({ type: "RECONCILE" });
  l.send({ type: "CONNECTED" });
  l.send(observed(3));
  l.send({ type: "STEP_STARTED", step: "install", description: "openstack undercloud install" });
  const saved = JSON.parse(JSON.stringify(l.persist()));
  const resumed = new Lifecycle("TripleOUndercloud", saved);
  assert.equal(resumed.phase, "applying");
  assert.equal(resumed.context.step, "install");
  resumed.send({ type: "DELETE" });
  assert.equal(resumed.phase, "deleting");
  resumed.send({ type: "CLEANED" });
  assert.equal(resumed.phase, "deleted");
});
