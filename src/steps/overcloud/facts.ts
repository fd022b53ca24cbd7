import { z } from "zod";
import { bmcEntry, vbmcListEntry, type BmcEntry } from "../bmc/observe.js";
import { child, children, parseXml } from "../network/xml.js";
import { parseStamp, type Stamp } from "../undercloud/stamp.js";

/** The observe script's JSON, validated before anything trusts it. */
export const rawNodeSetFacts = z.object({
  kvm: z.boolean(),
  kvmDetail: z.string(),
  domains: z.array(
    z.object({
      name: z.string(),
      metadata: z.string(),
      state: z.string(),
      xml: z.string(),
      macs: z.array(z.string()),
    }),
  ),
  markers: z.array(z.object({ path: z.string(), content: z.string() })),
  existing: z.array(z.string()),
  vbmc: z.object({
    installed: z.boolean(),
    entries: z.array(vbmcListEntry),
    users: z.record(z.string(), z.string()),
    credentials: z.record(z.string(), z.boolean()),
  }),
  sushy: z.object({
    version: z.string(),
    templateSha: z.string(),
    instances: z.array(
      z.object({ domain: z.string(), conf: z.string(), active: z.string(), credentials: z.boolean() }),
    ),
  }),
  udpPorts: z.array(z.number()),
  tcpPorts: z.array(z.number()),
});
export type RawNodeSetFacts = z.infer<typeof rawNodeSetFacts>;

export interface NodeNic {
  mac: string;
  network: string;
  model: string;
}

/** A stamped domain as its saved (inactive) definition says. */
export interface NodeDomain {
  name: string;
  /** virsh's state words: "running", "shut off"... Power belongs to Ironic: reported, never planned. */
  state: string;
  stamp: Stamp;
  uuid: string;
  virtType: string;
  vcpus: number;
  memoryMiB: number;
  disks: string[];
  nics: NodeNic[];
  boot: string[];
}

export interface SushyInstance {
  domain: string;
  conf: string;
  active: string;
  credentials: boolean;
}

export interface NodeSetFacts {
  kvm: boolean;
  kvmDetail: string;
  /** Domains carrying an ownership stamp (anyone's: the plan checks whose). */
  stamped: NodeDomain[];
  /** Domains without a stamp: never touched. */
  unstamped: string[];
  /** Every MAC of every domain on the Manager: a new NIC takes none of them. */
  macsInUse: Set<string>;
  markers: { path: string; content: string }[];
  /** Which of the asked-for disk paths exist. */
  existing: Set<string>;
  vbmc: {
    installed: boolean;
    entries: BmcEntry[];
    users: Record<string, string>;
    credentials: Record<string, boolean>;
  };
  sushy: { version: string; templateSha: string; instances: SushyInstance[] };
  udpPorts: number[];
  tcpPorts: number[];
}

const int = (text: string | undefined): number => Number.parseInt(text ?? "", 10) || 0;

/** The facts the plan compares, from `virsh dumpxml --inactive`. */
export function parseNodeDomain(name: string, state: string, stamp: Stamp, xml: string): NodeDomain {
  const dom = parseXml(xml);
  const devices = child(dom, "devices");
  const memory = child(dom, "memory");
  const unit = (memory?.attrs.unit ?? "KiB").toLowerCase();
  const memoryKiB = int(memory?.text) * (unit === "mib" ? 1024 : unit === "gib" ? 1024 * 1024 : 1);
  return {
    name,
    state,
    stamp,
    uuid: child(dom, "uuid")?.text.trim() ?? "",
    virtType: dom.attrs.type ?? "",
    vcpus: int(child(dom, "vcpu")?.text),
    memoryMiB: Math.round(memoryKiB / 1024),
    disks: children(devices, "disk")
      .filter((d) => d.attrs.device === "disk")
      .map((d) => child(d, "source")?.attrs.file ?? ""),
    nics: children(devices, "interface").map((i) => ({
      mac: (child(i, "mac")?.attrs.address ?? "").toLowerCase(),
      network: child(i, "source")?.attrs.network ?? "",
      model: child(i, "model")?.attrs.type ?? "",
    })),
    boot: children(child(dom, "os"), "boot").map((b) => b.attrs.dev ?? ""),
  };
}

export function nodeSetFacts(raw: RawNodeSetFacts): NodeSetFacts {
  const stamped: NodeDomain[] = [];
  const unstamped: string[] = [];
  const macsInUse = new Set<string>();
  for (const d of raw.domains) {
    const stamp = d.metadata ? parseStamp(d.metadata) : undefined;
    if (!stamp) {
      unstamped.push(d.name);
      d.macs.forEach((m) => macsInUse.add(m.toLowerCase()));
      continue;
    }
    const node = parseNodeDomain(d.name, d.state, stamp, d.xml);
    node.nics.forEach((n) => macsInUse.add(n.mac));
    stamped.push(node);
  }
  return {
    kvm: raw.kvm,
    kvmDetail: raw.kvmDetail,
    stamped,
    unstamped,
    macsInUse,
    markers: raw.markers,
    existing: new Set(raw.existing),
    vbmc: {
      installed: raw.vbmc.installed,
      entries: raw.vbmc.entries.map(bmcEntry),
      users: raw.vbmc.users,
      credentials: raw.vbmc.credentials,
    },
    sushy: raw.sushy,
    udpPorts: raw.udpPorts,
    tcpPorts: raw.tcpPorts,
  };
}
