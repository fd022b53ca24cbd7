import { element } from "../../render/xml.js";
import { renderStamp, type Stamp } from "./stamp.js";

export interface DomainNic {
  /** libvirt network name (resolved from the NIC's networkRef). */
  network: string;
  model: "virtio" | "e1000";
}

export interface DomainInput {
  name: string;
  virtType: "kvm" | "qemu";
  vcpus: number;
  memoryMiB: number;
  disk: string;
  /** The NoCloud seed, attached as an IDE cdrom (found by every guest kernel). */
  seed?: string;
  nics: DomainNic[];
  stamp: Stamp;
  /** When the stamp's phases were recorded (phase → ISO time). */
  stampTimes?: Record<string, string>;
  /** Serial console log on the Manager (fetched into results/ for diagnosis). */
  serialLog: string;
}

function devices(input: DomainInput): string[] {
  const disk = element("disk", { type: "file", device: "disk" }, [
    element("driver", { name: "qemu", type: "qcow2" }),
    element("source", { file: input.disk }),
    element("target", { dev: "vda", bus: "virtio" }),
  ]);
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
      element("source", { network: nic.network }),
      element("model", { type: nic.model }),
    ]),
  );
  return [
    disk,
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
    element("metadata", {}, [renderStamp(input.stamp, input.stampTimes ?? {}, "domain")]),
    element("memory", { unit: "MiB" }, [], String(input.memoryMiB)),
    element("vcpu", {}, [], String(input.vcpus)),
    element("os", {}, [
      element("type", { arch: "x86_64", machine: "pc" }, [], "hvm"),
      element("boot", { dev: "hd" }),
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
