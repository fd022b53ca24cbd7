import { runScript } from "../run.js";
import { PlanBlocked, withFields, type Step } from "../types.js";
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
import { osinfoIdFor, planHardware, restartRequiredMessage, HardwareReasons } from "./hardware.js";
import { restartStep } from "./hardware-steps.js";
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
  /** spec.osVariant: an osinfo short id, looked up on the Manager (generic: none). */
  osVariant: string;
  /** spec.updatePolicy: whether changes that need the VM shut down and started restart it. */
  updatePolicy: "Restart" | "Manual";
  /** libvirt network names per NIC, in order. */
  nics: DomainNic[];
  seed: SeedFiles;
  /** The seed's input hash (inputs.ts), journaled with "created": a later cloudInit edit is told. */
  seedInput?: string;
  serialLog: string;
  /** spec.adopt: take over an unstamped disk, seed or domain of these names (stamping it ours). */
  adopt: boolean;
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
  if (!facts.domain) return [...checkFiles(desired, facts), ...planFresh(desired, facts)];
  return planExisting(desired, facts, facts.domain);
}

/** Whether the owner marker names this very object (it is written before any file is made). */
export function markerIsOurs(facts: UndercloudFacts, owner: Owner): boolean {
  return facts.ownerMarker === describeOwner(owner);
}

/**
 * The disk and seed are ours only under our owner marker. A marker of another object is a
 * Conflict; a disk or seed without any marker is someone else's, a Conflict unless
 * spec.adopt takes it (writing our marker). Returns the marker step when one is needed.
 */
function checkFiles(d: UndercloudDesired, facts: UndercloudFacts): Step[] {
  if (markerIsOurs(facts, d.owner)) return [];
  if (facts.ownerMarker !== undefined) {
    throw new PlanBlocked(
      Reasons.Conflict,
      `${d.paths.ownerMarker} says the files of ${d.domain} belong to ${facts.ownerMarker || "someone else"}: choose another spec.domainName or spec.imagesDir.`,
    );
  }
  const foreign = [facts.disk ? d.paths.disk : "", facts.seed ? d.paths.seed : ""].filter(Boolean);
  if (foreign.length && !d.adopt) {
    throw new PlanBlocked(
      Reasons.Conflict,
      `${foreign.join(" and ")} already exist${foreign.length === 1 ? "s" : ""} on the Manager without our owner marker: remove ${foreign.length === 1 ? "it" : "them"}, choose another spec.domainName, or set spec.adopt: true to take ${foreign.length === 1 ? "it" : "them"} over.`,
    );
  }
  const why = foreign.length ? ` (adopting ${foreign.join(" and ")})` : "";
  return [ownerMarkerStep(d.paths, d.owner, why)];
}

/**
 * virtType auto, no domain yet, and KVM judged only by a guest without the base image (it
 * was not on the Manager when observed): define nothing before the image itself was booted
 * under KVM. The plan is then staged: re-observed and continued once these steps ran.
 */
export function awaitsImageProbe(d: Pick<UndercloudDesired, "virtType">, facts: UndercloudFacts): boolean {
  return !facts.domain && d.virtType === "auto" && facts.kvm && !facts.kvmProbedImage;
}

function planFresh(d: UndercloudDesired, facts: UndercloudFacts): Step[] {
  const osinfoId = osinfoIdFor(d.osVariant, facts);
  const steps: Step[] = [];
  if (!facts.disk) {
    const verified =
      facts.base.present && (!d.baseImage.checksum || facts.base.checksum === d.baseImage.checksum);
    if (!verified) steps.push(baseImageStep(d.baseImage.url, d.baseImage.checksum, d.paths));
    steps.push(diskStep(d.paths, d.diskSize));
  }
  if (!facts.seed) steps.push(seedStep(d.paths, d.seed));
  if (awaitsImageProbe(d, facts)) return steps;
  const { virtType } = chooseVirtType(d.virtType, { usable: facts.kvm, detail: facts.kvmDetail });
  const stamp: Stamp = {
    owner: d.owner,
    journal: ["created"],
    ...(d.seedInput ? { inputs: { created: d.seedInput } } : {}),
  };
  const createdAt = d.now();
  const vm = { path: "spec", host: `no domain ${d.domain}`, wanted: `VM ${d.domain} defined and running` };
  steps.push(
    withFields(
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
          ...(osinfoId ? { osinfoId } : {}),
        },
        () => createdAt,
      ),
      vm,
    ),
    startStep(d.domain),
    autostartStep(d.domain),
    bootedStep(d, stamp, { created: createdAt }),
  );
  return steps;
}

function planExisting(d: UndercloudDesired, facts: UndercloudFacts, dom: DomainFacts): Step[] {
  let stamp = dom.stamp;
  if (stamp && !sameOwner(stamp.owner, d.owner)) {
    throw new PlanBlocked(
      Reasons.Conflict,
      `Domain ${d.domain} belongs to ${describeOwner(stamp.owner)}: choose another spec.domainName.`,
    );
  }
  if (!stamp && !d.adopt) {
    throw new PlanBlocked(
      Reasons.Conflict,
      `A domain named ${d.domain} exists on the Manager without our ownership stamp: remove it, choose another spec.domainName, or set spec.adopt: true to take it over.`,
    );
  }
  // Our domain without a marker (removed by hand): its files stay unmarked, so deletion keeps them.
  const steps: Step[] = stamp && facts.ownerMarker === undefined ? [] : checkFiles(d, facts);
  if (!stamp) {
    // Adopted: stamped ours with only "created" journaled, so the first boot is awaited.
    stamp = { owner: d.owner, journal: ["created"] };
    steps.push({
      ...journalStep(d.domain, stamp, {}, d.now),
      id: "vm/adopt",
      description: `take over domain ${d.domain} (spec.adopt): stamp it ours`,
    });
  }
  const booted = stamp.journal.includes("booted");
  const hardware = planHardware({ ...d, disk: d.paths.disk }, facts, dom);
  steps.push(...hardware.steps);
  const restart = hardware.restartFor.length > 0 && d.updatePolicy === "Restart";
  if (restart) steps.push(restartStep(d.domain, hardware.restartFor, d.bootTimeoutSeconds));
  const vm = { path: "spec", wanted: `VM ${d.domain} running, started at boot` };
  if (dom.state !== "running")
    steps.push(
      withFields(startStep(d.domain, booted ? `domain ${d.domain} was ${dom.state}` : undefined), {
        ...vm,
        host: `domain ${d.domain} ${dom.state}`,
      }),
    );
  if (!dom.autostart)
    steps.push(
      withFields(autostartStep(d.domain, booted ? `autostart of ${d.domain} was off` : undefined), {
        ...vm,
        host: `autostart of ${d.domain} off`,
      }),
    );
  if (!booted) steps.push(bootedStep(d, stamp, dom.stampTimes));
  else if (dom.cdroms.includes(d.paths.seed))
    steps.push(ejectSeedStep(d.domain, d.paths.seed, "the seed ISO was attached again"));
  // Manual: the saved definition is changed first; once nothing else is left, a person decides.
  if (hardware.restartFor.length > 0 && !restart && steps.length === 0)
    throw new PlanBlocked(HardwareReasons.RestartRequired, restartRequiredMessage(d.domain, hardware));
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
