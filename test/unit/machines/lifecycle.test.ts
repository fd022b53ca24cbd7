import { test } from "node:test";
import assert from "node:assert/strict";
import {
  advance,
  decide,
  initialLifecycle,
  restoreLifecycle,
  type LifecycleRecord,
} from "../../../src/machines/lifecycle.js";

const steps = (n: number, drift?: string) =>
  Array.from({ length: n }, (_, i) => ({
    id: `s${i}`,
    description: `step ${i}`,
    ...(drift ? { drift } : {}),
  }));

test("an object with nothing to do goes from pending to ready", () => {
  const l = initialLifecycle;
  assert.equal(l.phase, "pending");
  assert.deepEqual(decide({ steps: [], current: false, driftPolicy: "repair", mutate: true }), {
    action: "none",
  });
  const ready = advance(l, { type: "Converged", generation: 1 });
  assert.equal(ready.phase, "ready");
  assert.equal(ready.reason, "Converged");
});

test("applying shows the step running, then the verified host is ready", () => {
  const decision = decide({ steps: steps(2), current: false, driftPolicy: "repair", mutate: true });
  assert.deepEqual(decision, { action: "apply", repairs: [] });
  let l = advance(initialLifecycle, {
    type: "StepStarted",
    step: "packages",
    description: "install 3 packages",
  });
  assert.equal(l.phase, "applying");
  assert.equal(l.message, "install 3 packages");
  assert.equal(l.step, "packages");
  l = advance(l, { type: "Converged", generation: 1 });
  assert.equal(l.phase, "ready");
  assert.equal(l.step, undefined);
});

test("retryable failures go to failed, others stall", () => {
  const a = advance(initialLifecycle, {
    type: "Failed",
    reason: "Unreachable",
    message: "timed out",
    retryable: true,
  });
  assert.equal(a.phase, "failed");
  const b = advance(initialLifecycle, {
    type: "Failed",
    reason: "HostKeyChanged",
    message: "key changed",
    retryable: false,
  });
  assert.equal(b.phase, "stalled");
  assert.equal(b.reason, "HostKeyChanged");
});

test("drift under driftPolicy detect is reported, not applied", () => {
  const decision = decide({
    steps: steps(1, "libvirtd stopped"),
    current: true,
    driftPolicy: "detect",
    mutate: true,
  });
  assert.deepEqual(decision, { action: "report", drift: ["libvirtd stopped"] });
  const l = advance(initialLifecycle, { type: "Drifted", generation: 3, drift: ["libvirtd stopped"] });
  assert.equal(l.phase, "degraded");
  assert.match(l.message, /libvirtd stopped/);
});

test("a saved record resumes where it was", () => {
  const l = advance(initialLifecycle, {
    type: "StepStarted",
    step: "install",
    description: "openstack undercloud install",
  });
  const saved = JSON.parse(JSON.stringify(l)) as LifecycleRecord;
  const resumed = restoreLifecycle(saved);
  assert.equal(resumed.phase, "applying");
  assert.equal(resumed.step, "install");
  const deleting = advance(resumed, { type: "Deleting", message: "cleaning up" });
  assert.equal(deleting.phase, "deleting");
  assert.equal(advance(deleting, { type: "Cleaned" }).phase, "deleted");
});

test("a spec edit is applied under every drift policy and never counts as drift", () => {
  for (const driftPolicy of ["repair", "detect", "ignore"] as const) {
    assert.deepEqual(decide({ steps: steps(1, "was 4 vCPUs"), current: false, driftPolicy, mutate: true }), {
      action: "apply",
      repairs: [],
    });
  }
  assert.deepEqual(decide({ steps: steps(1), current: true, driftPolicy: "ignore", mutate: true }), {
    action: "ignore",
  });
  assert.deepEqual(decide({ steps: steps(1), current: true, driftPolicy: "repair", mutate: true }), {
    action: "apply",
    repairs: ["step 0"],
  });
});

test("a state saved before the lifecycle record (an XState snapshot) keeps its converged generation", () => {
  assert.equal(restoreLifecycle({ value: "ready", context: {} }, 4).convergedGeneration, 4);
  assert.equal(restoreLifecycle({ value: "applying", context: {} }, 4).convergedGeneration, undefined);
  assert.equal(restoreLifecycle(undefined).phase, "pending");
});

test("work that waited for another object is applied under every policy; drift beside it follows the policy", () => {
  const awaited = { id: "undercloud/handoff", description: "upload instackenv.json", awaited: true };
  const drift = { id: "node/x/start", description: "start x", drift: "x was shut off" };
  for (const driftPolicy of ["repair", "detect", "ignore"] as const)
    assert.deepEqual(decide({ steps: [awaited], current: true, driftPolicy, mutate: true }), {
      action: "apply",
      repairs: [],
    });
  assert.deepEqual(decide({ steps: [awaited, drift], current: true, driftPolicy: "detect", mutate: true }), {
    action: "report",
    drift: ["x was shut off"],
  });
  assert.deepEqual(decide({ steps: [awaited, drift], current: true, driftPolicy: "repair", mutate: true }), {
    action: "apply",
    repairs: ["x was shut off"],
  });
  assert.deepEqual(decide({ steps: [awaited], current: true, driftPolicy: "detect", mutate: false }), {
    action: "show",
  });
});
