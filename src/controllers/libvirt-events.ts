import type { LibvirtNetwork, ObjectKey } from "../api/index.js";
import { rootLogger, type Logger } from "../log.js";
import { backoffDelay, type BackoffOptions } from "../remote/backoff.js";
import type { RemoteHost } from "../remote/types.js";
import { libvirtNetworkName } from "../render/libvirt-network.js";
import { objectKey, type ObjectCache } from "../runtime/cache.js";
import { managerOf } from "../runtime/dependencies.js";

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

export interface WatcherOptions {
  log?: Logger;
  backoff?: BackoffOptions;
  /** A stream that lived this long counts as healthy: the next break starts backoff over. */
  healthyAfterMs?: number;
  /** Every parsed event, ours or not (metrics, tests). */
  onEvent?: (managerKey: string, event: LibvirtEvent) => void;
}

interface Session {
  managerKey: string;
  host: () => Promise<RemoteHost>;
  networksOf: () => WatchedNetwork[];
  enqueue: (key: ObjectKey) => void;
  stopped: boolean;
  close?: () => void;
  wake?: () => void;
  loop?: Promise<void>;
}

export class LibvirtEventWatcher {
  private readonly sessions = new Map<string, Session>();
  private readonly log: Logger;

  constructor(private readonly opts: WatcherOptions = {}) {
    this.log = (opts.log ?? rootLogger()).child({ component: "libvirt-events" });
  }

  /** Watch a Manager's networks (no-op if already watched). host may be a connector, called per attempt. */
  start(
    managerKey: string,
    host: RemoteHost | (() => Promise<RemoteHost>),
    networksOf: () => WatchedNetwork[],
    enqueue: (key: ObjectKey) => void,
  ): void {
    if (this.sessions.has(managerKey)) return;
    const connect = typeof host === "function" ? host : () => Promise.resolve(host);
    const session: Session = { managerKey, host: connect, networksOf, enqueue, stopped: false };
    this.sessions.set(managerKey, session);
    session.loop = this.run(session);
  }

  watching(managerKey: string): boolean {
    return this.sessions.has(managerKey);
  }

  /** Stop one Manager's watch, or all of them; resolves when their streams have ended. */
  async stop(managerKey?: string): Promise<void> {
    const targets = managerKey
      ? [this.sessions.get(managerKey)].filter((s): s is Session => !!s)
      : [...this.sessions.values()];
    for (const s of targets) {
      s.stopped = true;
      s.close?.();
      s.wake?.();
      this.sessions.delete(s.managerKey);
    }
    await Promise.all(targets.map((s) => s.loop));
  }

  private async run(s: Session): Promise<void> {
    let failures = 0;
    for (let connected = 0; !s.stopped; connected++) {
      const startedAt = Date.now();
      const outcome = await this.watchOnce(s, connected > 0);
      if (s.stopped) break;
      if (Date.now() - startedAt >= (this.opts.healthyAfterMs ?? 30_000)) failures = 0;
      const wait = backoffDelay(failures++, this.opts.backoff);
      this.log.warn(
        { manager: s.managerKey, reason: outcome, retryInMs: wait },
        "libvirt event stream ended; reconnecting",
      );
      await this.pause(s, wait);
    }
  }

  /** One stream's life; after a reconnect every network is re-queued (events may have been missed). */
  private async watchOnce(s: Session, resync: boolean): Promise<string> {
    let host: RemoteHost;
    try {
      host = await s.host();
    } catch (err) {
      return `connect failed: ${(err as Error).message}`;
    }
    if (s.stopped) return "stopped";
    const stream = host.stream(NET_EVENT_ARGV, (line) => this.onLine(s, line), {
      purpose: "watch libvirt network events",
      sudo: true,
    });
    s.close = () => stream.close();
    if (resync) for (const n of s.networksOf()) s.enqueue(n.key);
    const done = await stream.done;
    s.close = undefined;
    return done.error ? `${done.reason}: ${done.error.message}` : done.reason;
  }

  private onLine(s: Session, line: string): void {
    const event = parseLibvirtEvent(line);
    if (!event || event.object !== "network") return;
    this.opts.onEvent?.(s.managerKey, event);
    for (const n of s.networksOf()) {
      if (n.libvirtName !== event.name) continue;
      this.log.debug(
        { manager: s.managerKey, network: event.name, detail: event.detail },
        "libvirt network event",
      );
      s.enqueue(n.key);
    }
  }

  /** Backoff that stop() cuts short. */
  private pause(s: Session, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      s.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
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
