import { z } from "zod";
import { parseHardware, type DomainHardware } from "./hardware-facts.js";
import { parseStamp, parseStampTimes, type Stamp } from "./stamp.js";

/** The observe script's JSON, validated before anything trusts it. */
export const rawUndercloudFacts = z.object({
  kvm: z.boolean(),
  kvmDetail: z.string().default(""),
  kvmProbedImage: z.boolean().default(false),
  domain: z.object({
    exists: z.boolean(),
    state: z.string(),
    autostart: z.boolean(),
    persistent: z.boolean(),
    metadata: z.string(),
    macs: z.array(z.string()),
    cdroms: z.array(z.string()),
    address: z.string(),
    /** `virsh dumpxml --inactive`: the saved definition (vCPUs, memory, NICs, libosinfo id). */
    savedXml: z.string().optional(),
    /** `virsh dumpxml` of a running domain: what the running VM has ("" when not running). */
    liveXml: z.string().optional(),
    /** Virtual size of the disk in bytes (`virsh domblkinfo`), "" when unknown. */
    diskBytes: z.string().optional(),
  }),
  /** spec.osVariant resolved in the Manager's osinfo-db: whether it is there, and the id found. */
  osinfo: z.object({ db: z.boolean(), id: z.string() }).optional(),
  files: z.object({
    disk: z.boolean(),
    seed: z.boolean(),
    base: z.boolean(),
    baseChecksum: z.string(),
    ownerMarker: z.boolean(),
    /** The marker's first line: whose files they are ("TripleOUndercloud ns/name"). */
    markerOwner: z.string().default(""),
  }),
});
export type RawUndercloudFacts = z.infer<typeof rawUndercloudFacts>;

export interface DomainFacts {
  /** virsh's state words: "running", "shut off", "paused"... */
  state: string;
  autostart: boolean;
  persistent: boolean;
  /** Our stamp, or undefined when the domain carries none (not ours). */
  stamp?: Stamp;
  /** When each journaled phase was recorded (kept across journal rewrites). */
  stampTimes: Record<string, string>;
  /** MACs of the NICs, in definition order. */
  macs: string[];
  /** Sources of the cdroms in the saved definition ("-" for an empty drive). */
  cdroms: string[];
  /** DHCP lease address of the first NIC, when it has one. */
  address?: string;
  /** The saved definition's hardware; undefined when it could not be read. */
  saved?: DomainHardware;
  /** The running VM's hardware; undefined when the domain is not running. */
  live?: DomainHardware;
  /** Virtual size of the disk in bytes, when known. */
  diskBytes?: number;
}

export interface UndercloudFacts {
  /** KVM usable by libvirt on the Manager (decides virtType "auto"). */
  kvm: boolean;
  /** Why KVM is (not) usable, for the VirtualizationChosen message. */
  kvmDetail: string;
  /** The probe booted the base image itself (not only a guest without a disk). */
  kvmProbedImage: boolean;
  domain?: DomainFacts;
  disk: boolean;
  seed: boolean;
  base: { present: boolean; checksum?: string };
  /** Whose files the owner marker names (its first line); undefined when there is no marker. */
  ownerMarker?: string;
  /** The Manager has an osinfo-db; `id`: spec.osVariant's osinfo id in it, when found. */
  osinfo: { db: boolean; id?: string };
}

export function undercloudFacts(raw: RawUndercloudFacts): UndercloudFacts {
  const d = raw.domain;
  const stamp = d.exists ? parseStamp(d.metadata) : undefined;
  const domain: DomainFacts | undefined = d.exists
    ? {
        state: d.state,
        autostart: d.autostart,
        persistent: d.persistent,
        ...(stamp ? { stamp } : {}),
        stampTimes: parseStampTimes(d.metadata),
        macs: d.macs.map((m) => m.toLowerCase()),
        cdroms: d.cdroms,
        ...(d.address ? { address: d.address } : {}),
        ...(d.savedXml ? { saved: parseHardware(d.savedXml) } : {}),
        ...(d.liveXml ? { live: parseHardware(d.liveXml) } : {}),
        ...(/^\d+$/.test(d.diskBytes ?? "") ? { diskBytes: Number(d.diskBytes) } : {}),
      }
    : undefined;
  return {
    kvm: raw.kvm,
    kvmDetail: raw.kvmDetail,
    kvmProbedImage: raw.kvmProbedImage,
    ...(domain ? { domain } : {}),
    disk: raw.files.disk,
    seed: raw.files.seed,
    base: {
      present: raw.files.base,
      ...(raw.files.baseChecksum ? { checksum: `sha256:${raw.files.baseChecksum}` } : {}),
    },
    ...(raw.files.ownerMarker ? { ownerMarker: raw.files.markerOwner.trim() } : {}),
    osinfo: { db: raw.osinfo?.db ?? false, ...(raw.osinfo?.id ? { id: raw.osinfo.id } : {}) },
  };
}
