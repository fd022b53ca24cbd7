import type { LibvirtNetwork, ObjectKey } from "../api/index.js";
import { rootLogger, type Logger } from "../log.js";
import type { RemoteHost } from "../remote/types.js";
import { libvirtNetworkName } from "../render/libvirt-network.js";
import { objectKey, type ObjectCache } from "../runtime/cache.js";
import { managerOf } from "../runtime/dependencies.js";
import { HostStreams, type HostStreamOptions } from "./host-streams.js";

/**
 * Event-driven drift detection, like an informer's watch: one long-lived `virsh net-event`
 * per Manager turns a network started, stopped, defined or undefined by hand into a re-queue
 * of the LibvirtNetwork objects using it, within about a second instead of the next resync.
 * Events only enqueue keys; the reconciler still observes and decides (level-triggered).
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

/** A LibvirtNetwork object on a Manager and the libvirt network it manages. */
export interface WatchedNetwork {
  key: ObjectKey;
  libvirtName: string;
}

export interface WatcherOptions extends HostStreamOptions {
  /** Every parsed event, ours or not (metrics, tests). */
  onEvent?: (managerKey: string, event: LibvirtEvent) => void;
}

/** One `virsh net-event` stream per Manager; its events re-queue the networks they name. */
export class LibvirtEventWatcher {
  private readonly streams: HostStreams;
  private readonly log: Logger;

  constructor(private readonly opts: WatcherOptions = {}) {
    this.streams = new HostStreams(opts, "libvirt-events");
    this.log = (opts.log ?? rootLogger()).child({ component: "libvirt-events" });
  }

  /** Watch a Manager's networks (no-op if already watched). host may be a connector, called per attempt. */
  start(
    managerKey: string,
    host: RemoteHost | (() => Promise<RemoteHost>),
    networksOf: () => WatchedNetwork[],
    enqueue: (key: ObjectKey) => void,
  ): void {
    this.streams.start(managerKey, host, {
      argv: NET_EVENT_ARGV,
      purpose: "watch libvirt network events",
      onLine: (line) => this.onLine(managerKey, line, networksOf, enqueue),
      onReconnect: () => networksOf().forEach((n) => enqueue(n.key)),
    });
  }

  watching(managerKey: string): boolean {
    return this.streams.watching(managerKey);
  }

  /** Stop one Manager's watch, or all of them; resolves when their streams have ended. */
  stop(managerKey?: string): Promise<void> {
    return this.streams.stop(managerKey);
  }

  private onLine(
    managerKey: string,
    line: string,
    networksOf: () => WatchedNetwork[],
    enqueue: (key: ObjectKey) => void,
  ): void {
    const event = parseLibvirtEvent(line);
    if (!event || event.object !== "network") return;
    this.opts.onEvent?.(managerKey, event);
    for (const n of networksOf()) {
      if (n.libvirtName !== event.name) continue;
      this.log.debug(
        { manager: managerKey, network: event.name, detail: event.detail },
        "libvirt network event",
      );
      enqueue(n.key);
    }
  }
}

/** The LibvirtNetwork objects of one Manager ("namespace/name", as managerOf says), from the cache. */
export function networksOnManager(cache: ObjectCache, managerKey: string): WatchedNetwork[] {
  return cache
    .list()
    .map((entry) => entry.object)
    .filter((o): o is LibvirtNetwork => o.kind === "LibvirtNetwork" && managerOf(o) === managerKey)
    .map((net) => ({ key: objectKey(net), libvirtName: libvirtNetworkName(net) }));
}
