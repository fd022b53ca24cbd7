import { domainNameOf, type ObjectKey, type TripleOUndercloud } from "../../api/index.js";
import type { LineWatch } from "../../remote/event-watcher.js";
import { DOMAIN_EVENT_ARGV, parseLibvirtEvent } from "../libvirt-events.js";

/**
 * The domain events that can mean drift: defined, undefined, started, stopped (lifecycle),
 * a device added or removed. Others (metadata-change, which our own journal writes cause;
 * rtc-change, agent-lifecycle, block jobs) change nothing a spec declares.
 */
const DRIFT_EVENTS = new Set(["lifecycle", "device-added", "device-removed"]);

/**
 * A VM stopped, undefined or changed by hand (`virsh destroy`, `virsh detach-interface`)
 * re-queues the TripleOUndercloud it belongs to at once instead of at the next resync; on
 * (re)connect, every one of the Manager's, since events may have been missed.
 */
export const domainEvents: LineWatch<TripleOUndercloud> = {
  argv: DOMAIN_EVENT_ARGV,
  purpose: "watch libvirt domain events",
  affected(line, undercloud) {
    const event = line === undefined ? undefined : parseLibvirtEvent(line);
    if (line !== undefined && (event?.object !== "domain" || !DRIFT_EVENTS.has(event.type))) return [];
    return undercloud
      .filter((uc) => !event || domainNameOf(uc) === event.name)
      .map((uc): ObjectKey => ({
        kind: "TripleOUndercloud",
        namespace: uc.metadata.namespace,
        name: uc.metadata.name,
      }));
  },
  describe(line) {
    const event = parseLibvirtEvent(line);
    return {
      msg: "libvirt domain event",
      fields: { domain: event?.name, event: event?.type, detail: event?.detail },
    };
  },
};
