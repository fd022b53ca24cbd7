import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planNetworkCleanup } from "../../../../src/steps/network/cleanup.js";
import { applyAll, factsOf, fixture, missing, seed, verbs } from "./support.js";

const HOOK = { configFile: "/etc/lab-operator/network-hook.conf" };

describe("planNetworkCleanup", () => {
  it("stops a running network before undefining it (undefine first would leave it transient)", async () => {
    const { steps, conflict } = planNetworkCleanup(
      seed.hypervisor(),
      factsOf("hypervisor-control-plane", fixture("hypervisor-control-plane")),
      HOOK,
    );
    assert.equal(conflict, undefined);
    assert.deepEqual(
      steps.map((s) => s.id.split("/").pop()),
      ["destroy", "undefine"],
    );
    const host = await applyAll(steps);
    assert.deepEqual(verbs(host), [
      "qemu:///system destroy hypervisor-control-plane LibvirtNetwork default hypervisor-control-plane ",
      "qemu:///system undefine hypervisor-control-plane LibvirtNetwork default hypervisor-control-plane ",
    ]);
  });

  it("undefines an inactive network without destroying it, and drops its hook entry after the stop", () => {
    const facts = factsOf("public", fixture("public"), { active: false, hookConfig: "public 10.0.2.0/24\n" });
    const { steps } = planNetworkCleanup(seed.public(), facts, HOOK);
    assert.deepEqual(
      steps.map((s) => s.id.split("/").pop()),
      ["masquerade", "undefine"],
    );
    const running = factsOf("public", fixture("public"), { hookConfig: "public 10.0.2.0/24\n" });
    assert.deepEqual(
      planNetworkCleanup(seed.public(), running, HOOK).steps.map((s) => s.id.split("/").pop()),
      ["destroy", "masquerade", "undefine"],
    );
  });

  it("leaves a network it did not create in place, with a conflict note", () => {
    const foreign = fixture("hypervisor-control-plane").replace(/\s*<metadata>[\s\S]*<\/metadata>/, "");
    const { steps, conflict } = planNetworkCleanup(
      seed.hypervisor(),
      factsOf("hypervisor-control-plane", foreign),
      HOOK,
    );
    assert.deepEqual(steps, []);
    assert.match(conflict ?? "", /was not created by lab-operator: left in place/);
  });

  it("removes an unstamped network it was told to adopt", () => {
    const foreign = fixture("hypervisor-control-plane").replace(/\s*<metadata>[\s\S]*<\/metadata>/, "");
    const net = seed.hypervisor();
    net.spec.adopt = true;
    assert.equal(planNetworkCleanup(net, factsOf("hypervisor-control-plane", foreign), HOOK).steps.length, 2);
  });

  it("has nothing to do for a network that is already gone", () => {
    assert.deepEqual(planNetworkCleanup(seed.hypervisor(), missing("hypervisor-control-plane"), HOOK), {
      steps: [],
    });
  });
});
