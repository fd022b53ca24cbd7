/** How libvirt should run the VM, and why (for the status and the plan output). */
export interface VirtChoice {
  virtType: "kvm" | "qemu";
  why: string;
}

/**
 * `auto` takes KVM only when the Manager proved it usable (a paused guest with the host CPU
 * started: see the observe script), else QEMU's software emulation. An explicit choice is
 * kept, even when KVM looks unusable: the person asked for it.
 */
export function chooseVirtType(
  requested: "auto" | "kvm" | "qemu",
  kvm: { usable: boolean; detail: string },
): VirtChoice {
  if (requested !== "auto") return { virtType: requested, why: `spec.virtType is ${requested}` };
  return kvm.usable
    ? { virtType: "kvm", why: `KVM is usable: ${kvm.detail}` }
    : { virtType: "qemu", why: `KVM is not usable (${kvm.detail || "unknown"}): software emulation` };
}
