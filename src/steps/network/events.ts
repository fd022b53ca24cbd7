import type { LibvirtNetwork, ObjectKey } from "../../api/index.js";
import type { LineWatch } from "../../remote/event-watcher.js";
import { libvirtNetworkName } from "../../render/libvirt-network.js";

/**
 * libvirt's own events: one long-lived `virsh net-event` per Manager turns a network
 * started, stopped, defined or undefined by hand into a re-queue of the LibvirtNetwork
 * objects using it, within about a second instead of the next resync.
 */

/** libvirt 9.0 refuses `--all` on net-event and needs `--event`; one event type exists: lifecycle. */
export const NET_EVENT_ARGV = [
  "virsh",
  "-q",
  "-c",
  "qemu:///system",
  "net-event",
  "--event",
  "lifecycle",
  "--loop",
  "--timestamp",
] as const;
/** The domain equivalent, for the undercloud later: `virsh event --all --loop`. */
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

/** The LibvirtNetworks of a Manager that a `virsh net-event` line names (all of them on reconnect). */
export const networkEvents: LineWatch<LibvirtNetwork> = {
  argv: NET_EVENT_ARGV,
  purpose: "watch libvirt network events",
  affected(line, networks) {
    const event = line === undefined ? undefined : parseLibvirtEvent(line);
    if (line !== undefined && event?.object !== "network") return [];
    return networks
      .filter((n) => !event || libvirtNetworkName(n) === event.name)
      .map((n): ObjectKey => ({
        kind: "LibvirtNetwork",
        namespace: n.metadata.namespace,
        name: n.metadata.name,
      }));
  },
  describe(line) {
    const event = parseLibvirtEvent(line);
    return { msg: "libvirt network event", fields: { network: event?.name, detail: event?.detail } };
  },
};
