import {
  domainNameOf,
  keyOf,
  nodeSetPrefix,
  overcloudNodeName,
  type LabObject,
  type OvercloudNodeSet,
} from "../api/index.js";
import type { LineWatch } from "../remote/event-watcher.js";
import { DOMAIN_EVENT_ARGV, parseLibvirtEvent } from "./libvirt-events.js";

/**
 * The domain events that can mean drift: defined, undefined, started, stopped (lifecycle),
 * a device added or removed. Others (metadata-change, which our own journal writes cause;
 * rtc-change, agent-lifecycle, block jobs) change nothing a spec declares.
 */
const DRIFT_EVENTS = new Set(["lifecycle", "device-added", "device-removed"]);

/** The libvirt domains an object keeps: the undercloud's VM, a node set's nodes. */
function domainsOf(object: LabObject): string[] {
  if (object.kind === "TripleOUndercloud") return [domainNameOf(object)];
  if (object.kind === "OvercloudNodeSet") return nodeDomains(object);
  return [];
}

function nodeDomains(set: OvercloudNodeSet): string[] {
  const prefix = nodeSetPrefix(set);
  return set.spec.roles.flatMap((role) =>
    Array.from({ length: role.count }, (_, index) => overcloudNodeName(prefix, role.name, index)),
  );
}

/**
 * A VM stopped, undefined or changed by hand (`virsh destroy`, `virsh detach-interface`)
 * re-queues the TripleOUndercloud or OvercloudNodeSet it belongs to at once instead of at
 * the next resync; on (re)connect, every one of the Manager's, since events may have been
 * missed. One stream per Manager serves both kinds (the watch's `kinds`).
 */
export const domainEvents: LineWatch<LabObject> = {
  argv: DOMAIN_EVENT_ARGV,
  purpose: "watch libvirt domain events",
  affected(line, objects) {
    const event = line === undefined ? undefined : parseLibvirtEvent(line);
    if (line !== undefined && (event?.object !== "domain" || !DRIFT_EVENTS.has(event.type))) return [];
    return objects.filter((o) => !event || domainsOf(o).includes(event.name)).map(keyOf);
  },
  describe(line) {
    const event = parseLibvirtEvent(line);
    return {
      msg: "libvirt domain event",
      fields: { domain: event?.name, event: event?.type, detail: event?.detail },
    };
  },
};
