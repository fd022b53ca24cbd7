import { runScript } from "../run.js";
import { PlanBlocked, type Step } from "../types.js";
import type { DomainNic } from "./domain-xml.js";
import type { DomainFacts, UndercloudFacts } from "./facts.js";
import { LIBVIRT_URI, type UndercloudPaths } from "./paths.js";
import { describeOwner, sameOwner, withPhase, type Owner, type Phase, type Stamp } from "./stamp.js";
import {
  autostartStep,
  baseImageStep,
  defineStep,
  diskStep,
  ejectSeedStep,
  journalStep,
  ownerMarkerStep,
  seedStep,
  startStep,
  type SeedFiles,
} from "./steps.js";
import { chooseVirtType } from "./virt-type.js";
import { WAIT_FOR_ADDRESS } from "./vm-scripts.js";

/** Reasons of PlanBlocked raised here (PascalCase constants, as conditions want). */
export const Reasons = { Conflict: "Conflict" } as const;

/** The VM as the spec wants it, with references already resolved by the controller. */
export interface UndercloudDesired {
  domain: string;
  owner: Owner;
  paths: UndercloudPaths;
  baseImage: { url: string; checksum?: string };
  diskSize: string;
  virtType: "auto" | "kvm" | "qemu";
  vcpus: number;
  memoryMiB: number;
  /** libvirt network names per NIC, in order. */
  nics: DomainNic[];
  seed: SeedFiles;
  serialLog: string;
  /** How long the first boot may take until SSH answers (QEMU without KVM is slow). */
  bootTimeoutSeconds: number;
  /** Clock for journal times (a parameter so plans stay pure and testable). */
  now: () => string;
}

export function hasPhase(facts: UndercloudFacts, phase: Phase): boolean {
  return facts.domain?.stamp?.journal.includes(phase) ?? false;
}

/**
 * The steps from the observed VM to the desired one, as far as the Manager is concerned
 * (the guest's own work is planned by planGuest). A defined domain is never re-created,
 * whatever changed in the templates; a domain of the same name that is not ours blocks.
 */
export function planUndercloud(desired: UndercloudDesired, facts: UndercloudFacts): Step[] {
  return facts.domain ? planExisting(desired, facts.domain) : planFresh(desired, facts);
}

function planFresh(d: UndercloudDesired, facts: UndercloudFacts): Step[] {
  const steps: Step[] = [];
  if (!facts.ownerMarker) steps.push(ownerMarkerStep(d.paths, d.owner));
  if (!facts.disk) {
    const verified =
      facts.base.present && (!d.baseImage.checksum || facts.base.checksum === d.baseImage.checksum);
    if (!verified) steps.push(baseImageStep(d.baseImage.url, d.baseImage.checksum, d.paths));
    steps.push(diskStep(d.paths, d.diskSize));
  }
  if (!facts.seed) steps.push(seedStep(d.paths, d.seed));
  const { virtType } = chooseVirtType(d.virtType, { usable: facts.kvm, detail: facts.kvmDetail });
  const stamp: Stamp = { owner: d.owner, journal: ["created"] };
  const createdAt = d.now();
  steps.push(
    defineStep(
      {
        name: d.domain,
        virtType,
        vcpus: d.vcpus,
        memoryMiB: d.memoryMiB,
        disk: d.paths.disk,
        seed: d.paths.seed,
        nics: d.nics,
        stamp,
        serialLog: d.serialLog,
      },
      () => createdAt,
    ),
    startStep(d.domain),
    autostartStep(d.domain),
    bootedStep(d, stamp, { created: createdAt }),
  );
  return steps;
}

function planExisting(d: UndercloudDesired, dom: DomainFacts): Step[] {
  const stamp = dom.stamp;
  if (!stamp) {
    throw new PlanBlocked(
      Reasons.Conflict,
      `A domain named ${d.domain} exists on the Manager without our ownership stamp: remove it or choose another spec.domainName.`,
    );
  }
  if (!sameOwner(stamp.owner, d.owner)) {
    throw new PlanBlocked(
      Reasons.Conflict,
      `Domain ${d.domain} belongs to ${describeOwner(stamp.owner)}: choose another spec.domainName.`,
    );
  }
  const booted = stamp.journal.includes("booted");
  const steps: Step[] = [];
  if (dom.state !== "running")
    steps.push(startStep(d.domain, booted ? `domain ${d.domain} was ${dom.state}` : undefined));
  if (!dom.autostart)
    steps.push(autostartStep(d.domain, booted ? `autostart of ${d.domain} was off` : undefined));
  if (!booted) steps.push(bootedStep(d, stamp, dom.stampTimes));
  else if (dom.cdroms.includes(d.paths.seed))
    steps.push(ejectSeedStep(d.domain, d.paths.seed, "the seed ISO was attached again"));
  return steps;
}

/** First boot: wait for the lease and SSH, eject the seed from the saved definition, journal "booted". */
function bootedStep(d: UndercloudDesired, stamp: Stamp, times: Record<string, string>): Step {
  const eject = ejectSeedStep(d.domain, d.paths.seed);
  const journal = journalStep(
    d.domain,
    { ...stamp, journal: withPhase(stamp.journal, "booted") },
    times,
    d.now,
  );
  return {
    id: "vm/booted",
    description: `wait up to ${d.bootTimeoutSeconds} s for ${d.domain} to lease an address and answer SSH, then eject its seed`,
    async apply(ctx) {
      await runScript(ctx, WAIT_FOR_ADDRESS, [LIBVIRT_URI, d.domain, String(d.bootTimeoutSeconds)], {
        purpose: `wait for ${d.domain} to boot`,
        timeoutMs: (d.bootTimeoutSeconds + 30) * 1000,
      });
      await eject.apply(ctx);
      await journal.apply(ctx);
    },
  };
}
