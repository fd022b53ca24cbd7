import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chooseVirtType } from "../../../../src/steps/undercloud/virt-type.js";

describe("virtType auto", () => {
  it("takes KVM only when the Manager proved a KVM guest with the host CPU starts", () => {
    const usable = chooseVirtType("auto", {
      usable: true,
      detail: "a paused KVM guest with the host CPU starts",
    });
    assert.equal(usable.virtType, "kvm");
    assert.match(usable.why, /paused KVM guest/);
  });

  it("falls back to QEMU when /dev/kvm is there but the guest fails (nested MSR writes), and says why", () => {
    const detail =
      "a KVM guest with the host CPU fails to start: kvm_buf_set_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs' failed.";
    const choice = chooseVirtType("auto", { usable: false, detail });
    assert.equal(choice.virtType, "qemu");
    assert.ok(choice.why.includes(detail));
  });

  it("keeps an explicit choice whatever the probe found", () => {
    assert.equal(
      chooseVirtType("kvm", { usable: false, detail: "no /dev/kvm on the Manager" }).virtType,
      "kvm",
    );
    assert.equal(chooseVirtType("qemu", { usable: true, detail: "" }).virtType, "qemu");
  });
});
