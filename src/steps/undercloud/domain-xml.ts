import { element } from "../../render/xml.js";
import { LIBOSINFO_NS } from "./hardware-facts.js";
import { renderStamp, type Stamp } from "./stamp.js";

export interface DomainNic {
  /** libvirt network name (resolved from the NIC's networkRef). */
  network: string;
  model: "virtio" | "e1000";
  /** Fixed MAC address; libvirt picks one when absent. */
  mac?: string;
}

export interface DomainInput {
  name: string;
  virtType: "kvm" | "qemu";
  vcpus: number;
  memoryMiB: number;
  disk: string;
  /** Further qcow2 disks after the first (vdb, vdc, ...). */
  extraDisks?: string[];
  /** Boot order; default disk only. Overcloud nodes boot from the network first (PXE). */
  boot?: ("network" | "hd")[];
  /** Kept when a definition is rewritten: libvirt refuses a new UUID for an existing name. */
  uuid?: string;
  /** The NoCloud seed, attached as an IDE cdrom (found by every guest kernel). */
  seed?: string;
  nics: DomainNic[];
  stamp: Stamp;
  /** When the stamp's phases were recorded (phase → ISO time). */
  stampTimes?: Record<string, string>;
  /** Serial console log on the Manager (fetched into results/ for diagnosis). */
  serialLog: string;
  /** The libosinfo id of the guest OS (spec.osVariant resolved); none for generic. */
  osinfoId?: string;
}

/** The OS in the libosinfo metadata, as virt-install writes it (prefix "libosinfo"). */
export function libosinfoXml(id: string): string {
  return element("libosinfo:libosinfo", { "xmlns:libosinfo": LIBOSINFO_NS }, [
    element("libosinfo:os", { id }),
  ]);
}

function qcow2Disk(file: string, index: number): string {
  return element("disk", { type: "file", device: "disk" }, [
    element("driver", { name: "qemu", type: "qcow2" }),
    element("source", { file }),
    element("target", { dev: `vd${String.fromCharCode(97 + index)}`, bus: "virtio" }),
  ]);
}

function devices(input: DomainInput): string[] {
  const disks = [input.disk, ...(input.extraDisks ?? [])].map(qcow2Disk);
  const seed = input.seed
    ? [
        element("disk", { type: "file", device: "cdrom" }, [
          element("driver", { name: "qemu", type: "raw" }),
          element("source", { file: input.seed }),
          element("target", { dev: "hdc", bus: "ide" }),
          element("readonly"),
        ]),
      ]
    : [];
  const nics = input.nics.map((nic) =>
    element("interface", { type: "network" }, [
      ...(nic.mac ? [element("mac", { address: nic.mac })] : []),
      element("source", { network: nic.network }),
      element("model", { type: nic.model }),
    ]),
  );
  return [
    ...disks,
    ...seed,
    ...nics,
    element("serial", { type: "pty" }, [
      element("log", { file: input.serialLog, append: "on" }),
      element("target", { port: 0 }),
    ]),
    element("console", { type: "pty" }, [element("target", { type: "serial", port: 0 })]),
    element("channel", { type: "unix" }, [
      element("target", { type: "virtio", name: "org.qemu.guest_agent.0" }),
    ]),
    element("rng", { model: "virtio" }, [element("backend", { model: "random" }, [], "/dev/urandom")]),
  ];
}

/**
 * The full domain definition, ownership stamp included, so that "the domain exists" and
 * "the domain is stamped ours" become true in the same `virsh define`. Machine type `pc`
 * keeps the seed cdrom on IDE, which the minimal guest kernels support.
 */
export function renderDomainXml(input: DomainInput): string {
  return element("domain", { type: input.virtType }, [
    element("name", {}, [], input.name),
    ...(input.uuid ? [element("uuid", {}, [], input.uuid)] : []),
    element("metadata", {}, [
      renderStamp(input.stamp, input.stampTimes ?? {}, "domain"),
      ...(input.osinfoId ? [libosinfoXml(input.osinfoId)] : []),
    ]),
    element("memory", { unit: "MiB" }, [], String(input.memoryMiB)),
    element("vcpu", {}, [], String(input.vcpus)),
    element("os", {}, [
      element("type", { arch: "x86_64", machine: "pc" }, [], "hvm"),
      ...(input.boot ?? ["hd"]).map((dev) => element("boot", { dev })),
    ]),
    element("features", {}, [element("acpi"), element("apic")]),
    ...(input.virtType === "kvm" ? [element("cpu", { mode: "host-passthrough" })] : []),
    element("clock", { offset: "utc" }),
    element("on_poweroff", {}, [], "destroy"),
    element("on_reboot", {}, [], "restart"),
    element("on_crash", {}, [], "destroy"),
    element("devices", {}, devices(input)),
  ]);
}
