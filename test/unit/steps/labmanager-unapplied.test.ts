import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { editsAppliedCondition, unappliedEdits } from "../../../src/steps/labmanager/unapplied.js";
import { converged, SEED_OWNED, seedSpec } from "./manager-fixtures.js";

describe("LabManager EditsApplied: an edit the plan does not carry out says so", () => {
  const spec = seedSpec();

  it("is True when every field is in effect", () => {
    assert.deepEqual(unappliedEdits(spec, converged(spec), SEED_OWNED), []);
    assert.equal(editsAppliedCondition([]).ok, true);
  });

  it("names each field whose edit is left undone, and what is left", () => {
    const edited = seedSpec({
      virtualBMC: { ...spec.virtualBMC, enabled: false },
      user: { ...spec.user, name: "operator", homeReadableByQemu: false, openstackClients: false },
      qemuBridgeAllow: ["public"],
    });
    const facts = converged(spec);
    facts.user.exists = true;
    facts.user.openstackClients = { openstack: "7.1.0", heat: "4.0.0" }; // installed by someone else
    const found = unappliedEdits(edited, facts, SEED_OWNED);
    for (const field of [
      /^spec\.user\.openstackClients is false but ~operator's OpenStack clients venv stays: this LabManager did not install it/,
      /^spec\.virtualBMC\.enabled is false but vbmcd keeps running/,
      /^spec\.user\.homeReadableByQemu is false but \/home\/manager keeps mode 711/,
      /^spec\.user\.name is operator: user manager, created by this LabManager, stays/,
      /bridge\.conf still allows openstack/,
    ])
      assert.ok(
        found.some((m) => field.test(m)),
        `${field}:\n${found.join("\n")}`,
      );
    const condition = editsAppliedCondition(found);
    assert.deepEqual([condition.type, condition.ok, condition.reason], ["EditsApplied", false, "NotApplied"]);
  });

  it("allows the bridges of the Manager's networks without an explicit list", () => {
    const facts = converged(spec);
    facts.qemuBridgeAllows = [...facts.qemuBridgeAllows, "hypervisor"];
    assert.deepEqual(unappliedEdits(spec, facts, SEED_OWNED, ["hypervisor"]), []);
  });
});
