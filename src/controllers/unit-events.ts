import type { ObjectKey } from "../api/index.js";
import { rootLogger, type Logger } from "../log.js";
import type { RemoteHost } from "../remote/types.js";
import { HostStreams, type HostStreamOptions } from "./host-streams.js";

/** The systemd units a LabManager keeps enabled and running. */
export const MANAGER_UNITS = [
  "libvirtd.service",
  "libvirtd.socket",
  "virtlogd.socket",
  "virtlogd.service",
  "vbmcd.service",
  "systemd-networkd.service",
] as const;

/**
 * PID 1's own journal lines about these units (started, stopped, failed), not the daemons'
 * logs: journalctl ANDs different fields and ORs matches of the same field.
 */
export function unitEventArgv(units: readonly string[] = MANAGER_UNITS): string[] {
  return [
    "journalctl",
    "--follow",
    "--lines=0",
    "--output=cat",
    "--no-pager",
    "_PID=1",
    ...units.map((u) => `UNIT=${u}`),
  ];
}

/**
 * Event-driven drift for a Manager's services: a unit stopped, started or failed by hand
 * re-queues its LabManager within a second instead of at the next resync. Events only
 * enqueue; the reconciler still observes and decides.
 */
export class UnitEventWatcher {
  private readonly streams: HostStreams;
  private readonly log: Logger;

  constructor(opts: HostStreamOptions = {}) {
    this.streams = new HostStreams(opts, "unit-events");
    this.log = (opts.log ?? rootLogger()).child({ component: "unit-events" });
  }

  /** Watch a Manager's units (no-op if already watched). host may be a connector, called per attempt. */
  start(
    managerKey: string,
    host: RemoteHost | (() => Promise<RemoteHost>),
    labManager: ObjectKey,
    enqueue: (key: ObjectKey) => void,
  ): void {
    this.streams.start(managerKey, host, {
      argv: unitEventArgv(),
      purpose: "watch the Manager's systemd units",
      onLine: (line) => {
        this.log.debug({ manager: managerKey, line }, "systemd unit event");
        enqueue(labManager);
      },
      onReconnect: () => enqueue(labManager),
    });
  }

  watching(managerKey: string): boolean {
    return this.streams.watching(managerKey);
  }

  stop(managerKey?: string): Promise<void> {
    return this.streams.stop(managerKey);
  }
}
