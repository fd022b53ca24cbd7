import { child, children, localName, parseXml, type XmlElement } from "../network/xml.js";

/** The libosinfo metadata namespace virt-install writes (and tools read the OS from). */
export const LIBOSINFO_NS = "http://libosinfo.org/xmlns/libvirt/domain/1.0";

/** One NIC of a definition, in definition order. */
export interface ObservedNic {
  mac: string;
  /** The libvirt network of the NIC (also when running on a bridge-mode one); `bridge:NAME` and the like otherwise. */
  network: string;
  model: string;
  /** Its PCI address attributes, kept when the NIC is rewritten (the guest's NIC names stay). */
  address?: Record<string, string>;
}

/** The hardware of one domain definition (saved or running), as the spec speaks of it. */
export interface DomainHardware {
  vcpus: number;
  maxVcpus: number;
  memoryKiB: number;
  maxMemoryKiB: number;
  nics: ObservedNic[];
  /** The libosinfo os id in the metadata (http://centos.org/centos/7.0), when there is one. */
  osinfoId?: string;
}

const KIB_PER: Record<string, number> = {
  b: 1 / 1024,
  bytes: 1 / 1024,
  k: 1,
  kib: 1,
  kb: 1000 / 1024,
  m: 1024,
  mib: 1024,
  mb: 1e6 / 1024,
  g: 1024 ** 2,
  gib: 1024 ** 2,
  gb: 1e9 / 1024,
};

/** A libvirt memory element in KiB (its unit attribute, KiB by default). */
function kib(el: XmlElement | undefined): number {
  if (!el) return 0;
  const per = KIB_PER[(el.attrs.unit ?? "KiB").toLowerCase()] ?? 1;
  return Math.round(Number(el.text.trim()) * per);
}

function nicOf(el: XmlElement): ObservedNic {
  const source = child(el, "source")?.attrs ?? {};
  const type = el.attrs.type ?? "";
  // A running NIC on a bridge-mode network shows type="bridge" with the network still named
  // in its source (<source network="openstack-control-plane" bridge="openstack"/>).
  const network =
    type === "network" || source.network !== undefined
      ? (source.network ?? "")
      : `${type}:${source.bridge ?? source.dev ?? ""}`;
  const address = child(el, "address")?.attrs;
  return {
    mac: (child(el, "mac")?.attrs.address ?? "").toLowerCase(),
    network,
    model: child(el, "model")?.attrs.type ?? "",
    ...(address ? { address } : {}),
  };
}

function osinfoIdOf(domain: XmlElement): string | undefined {
  for (const el of child(domain, "metadata")?.children ?? []) {
    const prefix = el.name.includes(":") ? el.name.slice(0, el.name.indexOf(":")) : "";
    const ns = el.attrs[prefix ? `xmlns:${prefix}` : "xmlns"];
    if (ns !== LIBOSINFO_NS || localName(el.name) !== "libosinfo") continue;
    const os = el.children.find((c) => localName(c.name) === "os");
    if (os?.attrs.id) return os.attrs.id;
  }
  return undefined;
}

/** The hardware of a `virsh dumpxml` document. */
export function parseHardware(xml: string): DomainHardware {
  const domain = parseXml(xml);
  const vcpu = child(domain, "vcpu");
  const maxVcpus = Number(vcpu?.text.trim() ?? 0);
  const maxMemoryKiB = kib(child(domain, "memory"));
  const current = child(domain, "currentMemory");
  const osinfoId = osinfoIdOf(domain);
  return {
    maxVcpus,
    vcpus: vcpu?.attrs.current ? Number(vcpu.attrs.current) : maxVcpus,
    maxMemoryKiB,
    memoryKiB: current ? kib(current) : maxMemoryKiB,
    nics: children(child(domain, "devices"), "interface").map(nicOf),
    ...(osinfoId ? { osinfoId } : {}),
  };
}

const UNIT_BYTES: Record<string, number> = { M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** A spec size (80G: M, G or T, binary as qemu-img reads them) in bytes. */
export function sizeBytes(size: string): number {
  const m = /^([1-9]\d*)([MGT])$/.exec(size);
  if (!m) throw new Error(`not a size with unit M, G or T: ${size}`);
  return Number(m[1]) * (UNIT_BYTES[m[2] as string] as number);
}

/** Bytes in the largest unit that divides them (2G, 1536M), else in bytes. */
export function formatBytes(bytes: number): string {
  for (const unit of ["T", "G", "M"]) {
    const per = UNIT_BYTES[unit] as number;
    if (bytes % per === 0) return `${bytes / per}${unit}`;
  }
  return `${bytes} bytes`;
}
