import type { LibvirtNetwork, ObjectKey } from "../../api/index.js";
import type { LineWatch } from "../../remote/event-watcher.js";
import { libvirtNetworkName } from "../../render/libvirt-network.js";
import { parseLibvirtEvent } from "../libvirt-events.js";

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
