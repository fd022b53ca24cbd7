import { z } from "zod";
import { parseStamp, parseStampTimes, type Stamp } from "./stamp.js";

/** The observe script's JSON, validated before anything trusts it. */
export const rawUndercloudFacts = z.object({
  kvm: z.boolean(),
  kvmDetail: z.string().default(""),
  domain: z.object({
    exists: z.boolean(),
    state: z.string(),
    autostart: z.boolean(),
    persistent: z.boolean(),
    metadata: z.string(),
    macs: z.array(z.string()),
    cdroms: z.array(z.string()),
    address: z.string(),
  }),
  files: z.object({
    disk: z.boolean(),
    seed: z.boolean(),
    base: z.boolean(),
    baseChecksum: z.string(),
    ownerMarker: z.boolean(),
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
}

export interface UndercloudFacts {
  /** KVM usable by libvirt on the Manager (decides virtType "auto"). */
  kvm: boolean;
  /** Why KVM is (not) usable, for the VirtualizationChosen message. */
  kvmDetail: string;
  domain?: DomainFacts;
  disk: boolean;
  seed: boolean;
  base: { present: boolean; checksum?: string };
  ownerMarker: boolean;
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
      }
    : undefined;
  return {
    kvm: raw.kvm,
    kvmDetail: raw.kvmDetail,
    ...(domain ? { domain } : {}),
    disk: raw.files.disk,
    seed: raw.files.seed,
    base: {
      present: raw.files.base,
      ...(raw.files.baseChecksum ? { checksum: `sha256:${raw.files.baseChecksum}` } : {}),
    },
    ownerMarker: raw.files.ownerMarker,
  };
}
