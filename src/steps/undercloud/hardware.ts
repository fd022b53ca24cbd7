import { PlanBlocked, withFields, type Step } from "../types.js";
import type { DomainNic } from "./domain-xml.js";
import type { DomainFacts, UndercloudFacts } from "./facts.js";
import { formatBytes, sizeBytes, type DomainHardware } from "./hardware-facts.js";
import {
  growDiskStep,
  memoryStep,
  nicAttachStep,
  nicDetachStep,
  nicUpdateStep,
  osinfoStep,
  vcpusStep,
} from "./hardware-steps.js";

/** Reasons of PlanBlocked raised here. */
export const HardwareReasons = {
  RestartRequired: "RestartRequired",
  DiskShrinkRefused: "DiskShrinkRefused",
  UnknownOsVariant: "UnknownOsVariant",
} as const;

/** What of the spec the hardware plan compares, from UndercloudDesired. */
export interface HardwareDesired {
  domain: string;
  vcpus: number;
  memoryMiB: number;
  nics: DomainNic[];
  diskSize: string;
  disk: string;
  osVariant: string;
}

export interface HardwarePlan {
  steps: Step[];
  /** Spec fields in the saved definition (now or once `steps` ran) that the running VM lacks. */
  restartFor: string[];
  /** Why, per field, for a RestartRequired message: "spec.vcpus (running 1, saved 2)". */
  pending: string[];
}

/**
 * The libosinfo id spec.osVariant stands for: undefined for generic (no OS-specific tuning:
 * no metadata). A short id the Manager's osinfo-db does not know stops the plan rather than
 * defining a VM without the OS it asked for.
 */
export function osinfoIdFor(osVariant: string, facts: Pick<UndercloudFacts, "osinfo">): string | undefined {
  if (osVariant === "generic") return undefined;
  if (facts.osinfo.id) return facts.osinfo.id;
  throw new PlanBlocked(
    HardwareReasons.UnknownOsVariant,
    facts.osinfo.db
      ? `spec.osVariant ${osVariant} is not a short id of the Manager's osinfo-db: choose one \`osinfo-query os\` lists there, or generic`
      : `spec.osVariant ${osVariant} cannot be looked up: the Manager has no osinfo-db (/usr/share/osinfo/os; the LabManager's packages install it): reconcile the LabManager, or set spec.osVariant: generic`,
  );
}

const mib = (kib: number): string => `${Math.round(kib / 1024)} MiB`;

function vcpuText(h: DomainHardware): string {
  return h.vcpus === h.maxVcpus ? String(h.vcpus) : `${h.vcpus} of max ${h.maxVcpus}`;
}

function memoryText(h: DomainHardware): string {
  return h.memoryKiB === h.maxMemoryKiB
    ? mib(h.memoryKiB)
    : `${mib(h.memoryKiB)} of max ${mib(h.maxMemoryKiB)}`;
}

const nicsText = (h: DomainHardware): string =>
  h.nics.map((n) => `${n.network}/${n.model}`).join(", ") || "none";

function planNics(d: HardwareDesired, saved: DomainHardware): Step[] {
  const steps = nicSteps(d, saved);
  const wanted = d.nics.map((n) => `${n.network}/${n.model}`).join(", ") || "none";
  const [first, ...rest] = steps;
  return first ? [withFields(first, { path: "spec.nics", host: nicsText(saved), wanted }), ...rest] : [];
}

function nicSteps(d: HardwareDesired, saved: DomainHardware): Step[] {
  const steps: Step[] = [];
  const have = saved.nics;
  d.nics.forEach((want, i) => {
    const nic = have[i];
    if (!nic) steps.push(nicAttachStep(d.domain, i, want.network, want.model));
    else if (nic.network !== want.network || nic.model !== want.model)
      steps.push(nicUpdateStep(d.domain, i, nic, want.network, want.model));
  });
  for (let i = have.length - 1; i >= d.nics.length; i--) steps.push(nicDetachStep(d.domain, i, have[i]!));
  return steps;
}

function planDisk(d: HardwareDesired, dom: DomainFacts): Step[] {
  if (dom.diskBytes === undefined) return [];
  const want = sizeBytes(d.diskSize);
  const have = formatBytes(dom.diskBytes);
  if (want > dom.diskBytes)
    return [
      withFields(growDiskStep(d.domain, d.disk, want, d.diskSize, have, dom.state === "running"), {
        path: "spec.diskSize",
        host: have,
        wanted: d.diskSize,
      }),
    ];
  if (want < dom.diskBytes)
    throw new PlanBlocked(
      HardwareReasons.DiskShrinkRefused,
      `spec.diskSize ${d.diskSize} is smaller than the disk (${have}): a disk is never shrunk; set spec.diskSize to ${have} or more`,
    );
  return [];
}

/** Fields where the running VM differs from its saved definition (a restart applies them). */
function pendingFields(saved: DomainHardware, live: DomainHardware | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!live) return out;
  if (live.vcpus !== saved.vcpus || live.maxVcpus !== saved.maxVcpus)
    out.set("spec.vcpus", `running ${vcpuText(live)}, saved ${vcpuText(saved)}`);
  if (live.maxMemoryKiB !== saved.maxMemoryKiB)
    out.set("spec.memoryMiB", `running ${mib(live.maxMemoryKiB)}, saved ${mib(saved.maxMemoryKiB)}`);
  const key = (h: DomainHardware) => h.nics.map((n) => `${n.mac} ${n.network} ${n.model}`).join(";");
  if (key(live) !== key(saved)) out.set("spec.nics", `running ${nicsText(live)}, saved ${nicsText(saved)}`);
  return out;
}

/**
 * Edits of vcpus, memoryMiB, nics, osVariant and diskSize of an existing domain: the saved
 * definition is changed (`--config`), the disk grown (never shrunk). What reaches only the
 * saved definition is listed in restartFor while the VM runs; the caller decides the restart.
 * Without a readable saved definition nothing is compared. Pure.
 */
export function planHardware(d: HardwareDesired, facts: UndercloudFacts, dom: DomainFacts): HardwarePlan {
  const saved = dom.saved;
  const osinfoId = osinfoIdFor(d.osVariant, facts);
  if (!saved) return { steps: planDisk(d, dom), restartFor: [], pending: [] };
  const restart: Step[] = [];
  const changed = new Set<string>();
  const memoryKiB = d.memoryMiB * 1024;
  if (saved.vcpus !== d.vcpus || saved.maxVcpus !== d.vcpus) {
    const field = { path: "spec.vcpus", host: vcpuText(saved), wanted: String(d.vcpus) };
    restart.push(withFields(vcpusStep(d.domain, d.vcpus, vcpuText(saved)), field));
    changed.add("spec.vcpus");
  }
  if (saved.memoryKiB !== memoryKiB || saved.maxMemoryKiB !== memoryKiB) {
    const field = { path: "spec.memoryMiB", host: memoryText(saved), wanted: `${d.memoryMiB} MiB` };
    restart.push(withFields(memoryStep(d.domain, d.memoryMiB, memoryText(saved)), field));
    changed.add("spec.memoryMiB");
  }
  const nics = planNics(d, saved);
  if (nics.length) changed.add("spec.nics");
  const steps = [...restart, ...nics];
  if (saved.osinfoId !== osinfoId)
    steps.push(
      withFields(osinfoStep(d.domain, osinfoId, saved.osinfoId ? `OS ${saved.osinfoId}` : "none"), {
        path: "spec.osVariant",
        host: saved.osinfoId ?? "none (generic)",
        wanted: osinfoId ?? "none (generic)",
      }),
    );
  steps.push(...planDisk(d, dom));
  if (dom.state !== "running") return { steps, restartFor: [], pending: [] };
  const pending = pendingFields(saved, dom.live);
  const restartFor = [...new Set([...changed, ...pending.keys()])].sort(byField);
  return { steps, restartFor, pending: [...pending].map(([f, why]) => `${f} (${why})`) };
}

const FIELD_ORDER = ["spec.vcpus", "spec.memoryMiB", "spec.nics"];
const byField = (a: string, b: string): number => FIELD_ORDER.indexOf(a) - FIELD_ORDER.indexOf(b);

/** The RestartRequired message of updatePolicy Manual: what differs, and the two ways on. */
export function restartRequiredMessage(domain: string, plan: HardwarePlan): string {
  return `VM ${domain} must be shut down and started again to apply ${plan.pending.join(", ")}: set spec.updatePolicy: Restart, or restart it by hand (virsh shutdown ${domain}, then virsh start ${domain})`;
}
