import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { planDefaultNetwork } from "../../../src/steps/labmanager/default-network.js";
import { planManagerCleanup } from "../../../src/steps/labmanager/plan.js";
import { PlanBlocked, type OwnedResource, type Step } from "../../../src/steps/types.js";
import { bareDebian, seedSpec } from "./manager-fixtures.js";
import type { ManagerFacts } from "../../../src/steps/labmanager/facts.js";

/** The seed's hypervisor-control-plane address on a host bridge: what libvirt's default takes. */
const clashing = {
  ...seedSpec().bridges[1]!,
  name: "hypervisor",
  interfaces: [],
  addresses: ["192.168.122.1/24"],
};

function factsWith(net: { defined?: boolean; active: boolean; autostart: boolean }): ManagerFacts {
  const f = bareDebian();
  f.libvirtDefaultNetwork = {
    defined: net.defined ?? true,
    active: net.active,
    autostart: net.autostart,
    address: "192.168.122.1",
    netmask: "255.255.255.0",
  };
  return f;
}

describe("libvirt's default network (spec.libvirtDefaultNetwork)", () => {
  it("keep: a running default network on one of our bridges' subnets is a Conflict naming the field", () => {
    const spec = seedSpec({ bridges: [...seedSpec().bridges, clashing] });
    assert.throws(
      () => planDefaultNetwork(spec, factsWith({ active: true, autostart: true }), []),
      (err: unknown) =>
        err instanceof PlanBlocked &&
        err.reason === "Conflict" &&
        /192\.168\.122\.0\/24.*bridge hypervisor.*spec\.libvirtDefaultNetwork: disabled/.test(err.message),
    );
    // Autostarted only (it comes up at the next boot) clashes too; undefined or off does not.
    assert.throws(
      () => planDefaultNetwork(spec, factsWith({ active: false, autostart: true }), []),
      PlanBlocked,
    );
    assert.deepEqual(planDefaultNetwork(spec, factsWith({ active: false, autostart: false }), []), []);
    assert.deepEqual(
      planDefaultNetwork(spec, factsWith({ defined: false, active: false, autostart: false }), []),
      [],
    );
  });

  it("keep without a clash touches nothing", () => {
    assert.deepEqual(planDefaultNetwork(seedSpec(), factsWith({ active: true, autostart: true }), []), []);
  });

  it("disabled: one step, recorded with what to give back; nothing once it is off", () => {
    const spec = seedSpec({ libvirtDefaultNetwork: "disabled" });
    const [step, ...rest] = planDefaultNetwork(spec, factsWith({ active: true, autostart: false }), []);
    assert.equal(rest.length, 0);
    assert.deepEqual(step!.owns, { kind: "libvirt-default-network", name: "default:active" });
    assert.deepEqual(planDefaultNetwork(spec, factsWith({ active: false, autostart: false }), []), []);
    // Turned on again by hand: off again, and the first record (what to give back) stays the only one.
    const again = planDefaultNetwork(spec, factsWith({ active: true, autostart: true }), [step!.owns!]);
    assert.deepEqual(
      again.map((s) => [s.id, s.owns]),
      [["libvirt-default-network", undefined]],
    );
  });

  it("deleting the LabManager gives back what was turned off, and only with a record", () => {
    const record: OwnedResource = { kind: "libvirt-default-network", name: "default:active,autostart" };
    const off = factsWith({ active: false, autostart: false });
    const steps = planManagerCleanup(seedSpec(), off, [record]);
    assert.deepEqual(
      steps.map((s) => [s.id, s.releases]),
      [["cleanup/libvirt-default-network", record]],
    );
    assert.deepEqual(planManagerCleanup(seedSpec(), off, []), []);
  });

  /**
   * Model: the host's default network starts in any state; the spec flips between keep and
   * disabled with a reconcile after each flip (steps simulated by what they declare), then the
   * object is deleted. Afterwards the network is exactly as it was, and while disabled it is off.
   */
  it("any sequence of edits, then deletion, leaves the default network as it was found", () => {
    fc.assert(
      fc.property(
        fc.record({ active: fc.boolean(), autostart: fc.boolean() }),
        fc.array(fc.constantFrom("keep" as const, "disabled" as const), { maxLength: 8 }),
        (initial, edits) => {
          const host = { ...initial };
          let owned: OwnedResource[] = [];
          const run = (steps: Step[]) => {
            for (const s of steps) {
              if (s.owns) {
                owned.push(s.owns);
                host.active = false;
                host.autostart = false;
              }
              if (s.releases) {
                const was = s.releases.name.split(":")[1]!.split(",");
                host.active ||= was.includes("active");
                host.autostart ||= was.includes("autostart");
                owned = owned.filter((o) => o !== s.releases);
              }
            }
          };
          for (const mode of edits) {
            const spec = seedSpec({ libvirtDefaultNetwork: mode });
            run(planDefaultNetwork(spec, factsWith(host), owned));
            if (mode === "disabled") assert.deepEqual(host, { active: false, autostart: false });
            // A second pass with nothing changed plans nothing.
            assert.deepEqual(planDefaultNetwork(spec, factsWith(host), owned), []);
          }
          run(planManagerCleanup(seedSpec(), factsWith(host), owned));
          assert.deepEqual(host, { ...initial });
          assert.deepEqual(owned, []);
        },
      ),
    );
  });
});
