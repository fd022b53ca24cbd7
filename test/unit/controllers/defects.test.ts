/**
 * The two lifecycle defects of issue 14, through the real driver and the runtime's per-key
 * reconcile (test/unit/controllers/support.ts): an edit of a Ready object is applied under
 * every drift policy and is not drift; an object whose cleanup failed converges again when
 * its manifest comes back.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getCondition } from "../../../src/machines/conditions.js";
import { Harness, KEY, manager } from "./support.js";

describe("a spec edit on a Ready object", () => {
  for (const policy of ["repair", "detect", "ignore"] as const) {
    it(`is applied under driftPolicy ${policy}, and not reported as drift`, async () => {
      const h = new Harness();
      h.cache.upsert(manager("UTC", policy), {});
      await h.reconcile();
      assert.equal(getCondition((await h.state())!.status.conditions, "Ready")?.status, "True");
      h.cache.upsert(manager("Europe/Paris", policy), {});
      await h.reconcile();
      const state = (await h.state())!;
      assert.equal(h.host.timezone, "Europe/Paris", "the edit landed on the host");
      assert.equal(getCondition(state.status.conditions, "Ready")?.status, "True");
      assert.equal(state.status.observedGeneration, 2);
      assert.equal(getCondition(state.status.conditions, "Drifted"), undefined);
      assert.deepEqual(
        state.events.filter((e) => e.reason === "DriftRepaired" || e.reason === "DriftDetected"),
        [],
      );
      assert.ok(
        state.steps.every((s) => !s.drift),
        JSON.stringify(state.steps),
      );
    });
  }
});

describe("drift, with the spec unchanged", () => {
  it("detect reports it and changes nothing; ignore neither reports nor repairs; repair repairs it", async () => {
    for (const [policy, expectHost, reason] of [
      ["detect", "Asia/Tokyo", "DriftDetected"],
      ["ignore", "Asia/Tokyo", undefined],
      ["repair", "UTC", "DriftRepaired"],
    ] as const) {
      const h = new Harness();
      h.cache.upsert(manager("UTC", policy), {});
      await h.reconcile();
      h.host.timezone = "Asia/Tokyo";
      await h.reconcile();
      const state = (await h.state())!;
      assert.equal(h.host.timezone, expectHost, policy);
      const reasons = state.events.map((e) => e.reason).filter((r) => r.startsWith("Drift"));
      assert.deepEqual(reasons, reason ? [reason] : [], policy);
      assert.equal(getCondition(state.status.conditions, "Drifted")?.status === "True", policy === "detect");
    }
  });
});

describe("a manifest removed, its cleanup failing halfway, the manifest back", () => {
  for (const policy of ["repair", "detect", "ignore"] as const) {
    it(`converges again (driftPolicy ${policy}) instead of staying in deleting`, async () => {
      const h = new Harness();
      h.cache.upsert(manager("UTC", policy), {});
      await h.reconcile();
      h.cache.markDeleting(KEY);
      h.host.fault = { at: "cleanup", terminal: false };
      await h.reconcile();
      assert.equal((await h.state())?.status.phase, "failed");
      assert.equal(h.host.timezone, undefined, "the cleanup got halfway");
      h.cache.upsert(manager("UTC", policy), {});
      await h.reconcile();
      const state = (await h.state())!;
      assert.equal(getCondition(state.status.conditions, "Ready")?.status, "True");
      assert.equal(state.status.phase, "ready");
      assert.equal(h.host.timezone, "UTC", "what the cleanup removed is back");
    });
  }
});

describe("a terminal failure", () => {
  it("is not retried with backoff: it waits for the resync, an event or an edit", async () => {
    const h = new Harness();
    h.cache.upsert(manager("UTC", "repair"), {});
    h.host.fault = { at: "connect", terminal: true };
    const done = (await h.reconcile())!;
    assert.deepEqual(done.next, { retry: "after", ms: 5 * 60_000 });
    const state = (await h.state())!;
    assert.equal(getCondition(state.status.conditions, "Stalled")?.reason, "HostKeyChanged");
    h.host.fault = { at: "connect", terminal: false };
    assert.deepEqual((await h.reconcile())!.next, { retry: "backoff" }, "a retryable one backs off");
  });
});

it("a staged plan continues in the same reconcile once its first stage ran (no NotConverged retry)", async () => {
  const h = new Harness();
  h.host.stage = "pending";
  h.cache.upsert(manager("UTC", "repair"), {});
  await h.reconcile();
  const state = (await h.state())!;
  assert.equal(h.host.stage, "done");
  assert.equal(h.host.timezone, "UTC", "the second stage ran too");
  assert.equal(getCondition(state.status.conditions, "Ready")?.status, "True");
  assert.deepEqual(
    state.events.filter((e) => e.type === "Warning").map((e) => e.reason),
    [],
    "no failure on the way",
  );
});
