/**
 * libvirt's event streams as virsh prints them: one long-lived `virsh net-event` or
 * `virsh event` per Manager, parsed line by line.
 */

/** Every domain event of the Manager's libvirt: `virsh event --all --loop`. */
export const DOMAIN_EVENT_ARGV = [
  "virsh",
  "-q",
  "-c",
  "qemu:///system",
  "event",
  "--all",
  "--loop",
  "--timestamp",
] as const;

export interface LibvirtEvent {
  object: "network" | "domain";
  /** The libvirt object's name. */
  name: string;
  /** "lifecycle", "reboot", ... */
  type: string;
  /** "Started", "Stopped", "Defined", "Undefined", or a domain's "Stopped Destroyed"... */
  detail: string;
  /** As virsh printed it with --timestamp ("2026-11-25 13:14:28.898+0000"). */
  timestamp?: string;
}

// e.g. "2026-11-25 13:14:28.898+0000: event 'lifecycle' for network hcp: Stopped"
//      "event 'lifecycle' for domain 'vm1': Stopped Destroyed"
const EVENT_LINE =
  /^(?:(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d{4}|Z)?): )?event '([^']+)' for (network|domain) (.+): ([^:]*)$/;

/** One line of `virsh net-event`/`virsh event` output; undefined for anything else. */
export function parseLibvirtEvent(line: string): LibvirtEvent | undefined {
  const m = EVENT_LINE.exec(line.trim());
  if (!m) return undefined;
  const [, timestamp, type, object, rawName, detail] = m as unknown as [
    string,
    string | undefined,
    string,
    "network" | "domain",
    string,
    string,
  ];
  const quoted = /^'(.*)'$/.exec(rawName);
  return {
    object,
    name: quoted ? (quoted[1] as string) : rawName,
    type,
    detail: detail.trim(),
    ...(timestamp ? { timestamp } : {}),
  };
}
