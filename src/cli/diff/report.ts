import type { LabObject } from "../../api/index.js";
import type { ObjectState } from "../../controllers/state.js";
import type { HostField } from "../../steps/types.js";
import { fieldChanges, type FieldChange } from "./fields.js";

/** What `labctl diff` says about one object. */
export interface ObjectDiff {
  object: string;
  namespace: string;
  /**
   * new: never applied; changed: the host differs from the spec (host steps) or the spec
   * changed since the last apply; unchanged; waiting: depends on an object that changes;
   * error: observing or planning failed (the message says why); deleted: gone from the
   * manifests, its cleanup is planned.
   */
  result: "new" | "changed" | "unchanged" | "waiting" | "error" | "deleted";
  /** Spec fields: the last applied value (saved state) against the manifests'. */
  fields: FieldChange[];
  /** Spec fields: what the host has against what the manifests want (from the host steps). */
  hostFields: HostField[];
  /** What apply would do on the host, in order: each step names what it finds and wants. */
  hostSteps: string[];
  message?: string;
  /** With --kubernetes: the custom resource in the cluster against a server-side dry run. */
  cluster?: ClusterDiff;
}

export interface ClusterDiff {
  result: "new" | "changed" | "unchanged" | "error";
  /** Spec fields: the live resource's value against what the server would store. */
  fields: FieldChange[];
  message?: string;
}

export interface DiffReport {
  objects: ObjectDiff[];
  /** Input errors (a manifest that does not load). */
  errors: string[];
  /** Flux's convention: 0 no changes, 1 changes, 2 an error. */
  exitCode: 0 | 1 | 2;
}

const id = (s: { kind: string; namespace: string; name: string }) => `${s.kind}/${s.namespace}/${s.name}`;

/**
 * Compare, per object: the saved state before the plan (what was applied), the manifests
 * (what is wanted) and the plan's states (what the host needs). Pure.
 */
export function diffReport(
  applied: readonly ObjectState[],
  wanted: readonly LabObject[],
  planned: readonly ObjectState[],
  errors: readonly string[],
  cluster?: ReadonlyMap<string, ClusterDiff>,
): DiffReport {
  const before = new Map(applied.map((s) => [id(s), s]));
  const want = new Map(wanted.map((o) => [id({ kind: o.kind, ...o.metadata }), o]));
  const objects: ObjectDiff[] = [];
  for (const s of [...planned].sort((a, b) => id(a).localeCompare(id(b)))) {
    const key = id(s);
    const hostSteps = (s.status.plannedSteps as string[] | undefined) ?? [];
    const hostFields = (s.status.plannedFields as HostField[] | undefined) ?? [];
    const last = before.get(key)?.lastGoodObject;
    const desired = want.get(key);
    const fields = desired && last ? fieldChanges(last.spec, desired.spec, "spec") : [];
    const ready = s.status.conditions.find((c) => c.type === "Ready");
    const inCluster = cluster?.get(`${s.kind}/${s.namespace}/${s.name}`);
    const base = {
      object: `${s.kind}/${s.name}`,
      namespace: s.namespace,
      fields,
      hostFields,
      hostSteps,
      ...(inCluster ? { cluster: inCluster } : {}),
    };
    if (!desired) objects.push({ ...base, result: hostSteps.length ? "deleted" : "unchanged" });
    else if (ready?.reason === "WaitingForDependency")
      objects.push({ ...base, result: "waiting", message: ready.message });
    else if (ready?.status === "False" && hostSteps.length === 0)
      objects.push({ ...base, result: "error", message: `${ready.reason}: ${ready.message}` });
    else if (!last) objects.push({ ...base, result: "new" });
    else objects.push({ ...base, result: hostSteps.length || fields.length ? "changed" : "unchanged" });
  }
  const failed =
    errors.length > 0 || objects.some((o) => o.result === "error" || o.cluster?.result === "error");
  const changed = objects.some(
    (o) => o.result !== "unchanged" || (o.cluster !== undefined && o.cluster.result !== "unchanged"),
  );
  return { objects, errors: [...errors], exitCode: failed ? 2 : changed ? 1 : 0 };
}

/**
 * The report for a pull-request log: stable order, one line per field (applied -> wanted),
 * per field the host differs in (has, wants) and per host step.
 */
export function formatDiff(report: DiffReport): string {
  const out: string[] = [...report.errors];
  for (const o of report.objects) {
    const ns = o.namespace === "default" ? "" : ` (namespace ${o.namespace})`;
    out.push(`${o.object}${ns}: ${o.result}${o.message ? `: ${o.message}` : ""}`);
    for (const f of o.fields) out.push(`  ${f.path}: ${f.applied ?? "(unset)"} -> ${f.wanted ?? "(unset)"}`);
    for (const f of o.hostFields) out.push(`  host ${f.path}: has ${f.host}, wants ${f.wanted}`);
    for (const step of o.hostSteps) out.push(`  host: ${step}`);
    if (o.cluster) {
      const c = o.cluster;
      out.push(`  cluster: ${c.result}${c.message ? `: ${c.message}` : ""}`);
      for (const f of c.fields)
        out.push(`  cluster ${f.path}: ${f.applied ?? "(unset)"} -> ${f.wanted ?? "(unset)"}`);
    }
  }
  const counts = ["changed", "new", "deleted", "waiting", "error"]
    .map((r) => [r, report.objects.filter((o) => o.result === r).length] as const)
    .filter(([, n]) => n > 0)
    .map(([r, n]) => `${n} ${r}`);
  for (const r of ["changed", "new", "error"]) {
    const n = report.objects.filter((o) => o.cluster?.result === r).length;
    if (n > 0) counts.push(`${n} ${r} in the cluster`);
  }
  if (report.errors.length) counts.push(`${report.errors.length} input error(s)`);
  out.push(counts.length ? counts.join(", ") : "no changes");
  return out.join("\n") + "\n";
}
