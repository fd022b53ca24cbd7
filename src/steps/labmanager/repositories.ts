import type { LabManagerSpec } from "../../api/labmanager.js";
import type { ManagerFacts } from "./facts.js";

/**
 * EL package repositories set up before the hypervisor packages, each by its release
 * package: EPEL (cloud-utils, and python36-libvirt on CentOS 7) and a newer qemu. The
 * newer qemu is a different repository per major release: CentOS 7's Virtualization SIG
 * qemu-ev (the seed's), EL 8's Advanced Virtualization. From EL 9 on, AppStream's qemu-kvm
 * follows upstream and no such repository exists, so `newerQemu` asks for nothing there.
 */
const NEWER_QEMU: Readonly<Record<number, string>> = {
  7: "centos-release-qemu-ev",
  8: "centos-release-advanced-virtualization",
};

/** Every repository package the plan may install, for observe to look up. */
export const REPOSITORY_PACKAGES = ["epel-release", ...Object.values(NEWER_QEMU)];

/** The major release of an EL host from os-release VERSION_ID ("9.4" → 9); 0 when unknown. */
export function elMajor(facts: Pick<ManagerFacts, "os">): number {
  const major = Number.parseInt(facts.os.versionId, 10);
  return Number.isFinite(major) ? major : 0;
}

export function newerQemuPackage(major: number): string | undefined {
  return NEWER_QEMU[major];
}

/** The release packages the spec asks for on this EL host, in install order. */
export function repositoryPackages(spec: LabManagerSpec, major: number): string[] {
  const out: string[] = [];
  if (spec.repositories.epel) out.push("epel-release");
  const qemu = spec.repositories.newerQemu ? newerQemuPackage(major) : undefined;
  if (qemu) out.push(qemu);
  return out;
}

/** CentOS 7's qemu-ev ships qemu-kvm-ev (it obsoletes qemu-kvm); EL 8's keeps the name. */
export function qemuPackage(spec: LabManagerSpec, major: number): string {
  return major === 7 && spec.repositories.newerQemu ? "qemu-kvm-ev" : "qemu-kvm";
}
