import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkBmcOwnership, planBmc, type BmcDesired } from "../../../../src/steps/bmc/plan.js";
import type { BmcFacts } from "../../../../src/steps/bmc/observe.js";
import { PlanBlocked } from "../../../../src/steps/types.js";

const want: BmcDesired = {
  domain: "tripleo",
  address: "192.168.122.1",
  port: 6230,
  username: "admin",
  password: "pw",
};
const none: BmcFacts = { entries: [], username: "", udpPorts: [] };
const ours = (over: Partial<BmcFacts["entries"][number]> = {}, facts: Partial<BmcFacts> = {}): BmcFacts => ({
  entries: [{ domain: "tripleo", status: "running", address: "192.168.122.1", port: 6230, ...over }],
  username: "admin",
  udpPorts: [6230],
  answers: true,
  ...facts,
});
const ids = (facts: BmcFacts) => planBmc(want, facts).map((s) => s.id);

describe("the VirtualBMC entry of an undercloud VM", () => {
  it("adds and starts (then verifies) a missing entry", () => {
    assert.deepEqual(ids(none), ["bmc/add", "bmc/start"]);
  });

  it("has nothing to do for a running entry that answers IPMI", () => {
    assert.deepEqual(ids(ours()), []);
  });

  it("starts a stopped entry, as drift", () => {
    const steps = planBmc(want, ours({ status: "down" }, { udpPorts: [] }));
    assert.deepEqual(
      steps.map((s) => s.id),
      ["bmc/start"],
    );
    assert.match(steps[0]!.drift ?? "", /was down/);
  });

  it("re-creates an entry with another port or user, or one that refuses our password", () => {
    assert.deepEqual(ids(ours({ port: 6231 }, { udpPorts: [6231] })), ["bmc/delete", "bmc/add", "bmc/start"]);
    assert.deepEqual(ids(ours({}, { username: "root" })), ["bmc/delete", "bmc/add", "bmc/start"]);
    assert.deepEqual(ids(ours({}, { answers: false })), ["bmc/delete", "bmc/add", "bmc/start"]);
  });

  it("stops with PortConflict when another entry has the port", () => {
    const facts: BmcFacts = {
      ...none,
      entries: [{ domain: "other", status: "running", address: "::", port: 6230 }],
    };
    assert.throws(
      () => planBmc(want, facts),
      (e: unknown) =>
        e instanceof PlanBlocked && e.reason === "PortConflict" && /domain other/.test(e.message),
    );
  });

  it("stops with PortConflict when something else listens on the UDP port", () => {
    assert.throws(
      () => planBmc(want, { ...none, udpPorts: [623, 6230] }),
      (e: unknown) => e instanceof PlanBlocked && /UDP port 6230 is already in use/.test(e.message),
    );
  });

  it("never puts the password into a step description", () => {
    for (const s of planBmc({ ...want, password: "Sup3rSecretPw" }, none))
      assert.ok(!s.description.includes("Sup3rSecretPw"));
  });
});

describe("a VirtualBMC entry of the VM's domain that this object did not add", () => {
  it("is a Conflict, untouched, unless spec.adopt takes it over", () => {
    assert.throws(
      () => checkBmcOwnership("tripleo", ours(), false, false),
      (e: unknown) =>
        e instanceof PlanBlocked && e.reason === "Conflict" && /vbmc delete tripleo/.test(e.message),
    );
    assert.equal(checkBmcOwnership("tripleo", ours(), false, true), true, "adopted: recorded first");
  });

  it("needs no check when recorded as ours or when there is none", () => {
    assert.equal(checkBmcOwnership("tripleo", ours(), true, false), false);
    assert.equal(checkBmcOwnership("tripleo", none, false, false), false);
    const another = ours({ domain: "other", port: 6231 });
    assert.equal(checkBmcOwnership("tripleo", another, false, false), false);
  });
});
