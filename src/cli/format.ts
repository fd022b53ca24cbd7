import type { Condition } from "../api/index.js";
import type { ObjectState } from "../controllers/state.js";
import { oneLine } from "../util/terminal.js";

/**
 * kubectl-style column table: left-aligned, three spaces between columns. Cells hold host
 * text and file names: control characters and escape sequences are dropped, each cell one line.
 */
export function table(header: string[], cells: string[][]): string {
  const rows = cells.map((r) => r.map(oneLine));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("   ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** kubectl's AGE: 45s, 12m, 3h, 2d. */
export function age(since: string | undefined, now = Date.now()): string {
  if (!since) return "<unknown>";
  const s = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function readyOf(conditions: Condition[]): { ready: string; reason: string; message: string } {
  const c = conditions.find((x) => x.type === "Ready");
  return { ready: c?.status ?? "Unknown", reason: c?.reason ?? "", message: c?.message ?? "" };
}

export function managerNameOf(state: ObjectState): string {
  const o = state.lastGoodObject;
  if (!o) return "";
  return o.kind === "LabManager" ? o.metadata.name : o.spec.managerRef.name;
}
