import type { LabManager } from "../../api/index.js";
import type { LineWatch } from "../../remote/event-watcher.js";

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
 * A unit stopped, started or failed by hand re-queues its LabManager within a second instead
 * of at the next resync; the reconciler still observes and decides.
 */
export const unitEvents: LineWatch<LabManager> = {
  argv: unitEventArgv(),
  purpose: "watch the Manager's systemd units",
  affected: (_line, managers) =>
    managers.map((m) => ({
      kind: "LabManager" as const,
      namespace: m.metadata.namespace,
      name: m.metadata.name,
    })),
  describe: (line) => ({ msg: "systemd unit event", fields: { line } }),
};
