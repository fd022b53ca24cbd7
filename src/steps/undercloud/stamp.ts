import { element } from "../../render/xml.js";
import { OWNERSHIP_KEY, OWNERSHIP_NS } from "./paths.js";

/**
 * The phases of a VM's life, in order. Each is journaled in the domain's <metadata> once
 * done, with the hash of its input, so a crash midway resumes after the last recorded phase;
 * a journaled phase runs again only when its input changed (planGuest), and so do the later
 * ones. postInstalled holds the post-install steps (spec.tripleo.postInstall, the profile's).
 */
export const PHASES = [
  "created",
  "booted",
  "keyed",
  "packages",
  "configured",
  "installed",
  "postInstalled",
] as const;
export type Phase = (typeof PHASES)[number];

/** Who made the domain; the same attributes as the LibvirtNetwork stamp (<lab:owner>). */
export interface Owner {
  kind: string;
  namespace: string;
  name: string;
}

/** What an OvercloudNodeSet records in each node's stamp: which node it is, its BMC port. */
export interface NodeRecord {
  role: string;
  index: number;
  /** Allocated once from the set's range; kept here so it survives restarts and workspaces. */
  bmcPort?: number;
}

export interface Stamp {
  owner: Owner;
  /** Completed phases, in the order they were recorded. */
  journal: Phase[];
  /**
   * The input hash ("sha256:<hex>") each journaled phase ran with (input="..." on its
   * <lab:phase>). A phase journaled by an older version has none: it counts as done as it
   * is, so an upgrade of the operator re-runs nothing by surprise.
   */
  inputs?: Partial<Record<Phase, string>>;
  node?: NodeRecord;
}

export function undercloudOwner(namespace: string, name: string): Owner {
  return { kind: "TripleOUndercloud", namespace, name };
}

export function sameOwner(a: Owner, b: Owner): boolean {
  return a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}

export function describeOwner(o: Owner): string {
  return `${o.kind} ${o.namespace}/${o.name}`;
}

/**
 * The stamp element. "domain": prefixed and with its namespace, for the domain XML given
 * to `virsh define`. "set": unprefixed, as `virsh metadata --set` wants it (libvirt binds
 * it to OWNERSHIP_NS with the prefix given as --key). `at` is when each phase was recorded.
 */
export function renderStamp(
  stamp: Stamp,
  at: Record<string, string> = {},
  form: "domain" | "set" = "domain",
): string {
  const tag = (name: string): string => (form === "domain" ? `${OWNERSHIP_KEY}:${name}` : name);
  const phases = stamp.journal.map((p) =>
    element(tag("phase"), { name: p, at: at[p], input: stamp.inputs?.[p] }),
  );
  const node = stamp.node ? [element(tag("node"), { ...stamp.node })] : [];
  const ns = form === "domain" ? { [`xmlns:${OWNERSHIP_KEY}`]: OWNERSHIP_NS } : {};
  return element(tag("owner"), { ...ns, ...stamp.owner }, [...phases, ...node]);
}

function unescapeXml(value: string): string {
  return value
    .replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

/**
 * Our stamp from `virsh metadata --uri OWNERSHIP_NS` output (any prefix), or undefined when
 * the domain carries none: then it is not ours and must not be touched.
 */
export function parseStamp(xml: string): Stamp | undefined {
  const root = /<(?:[A-Za-z_][\w.-]*:)?owner\b([^>]*)>/.exec(xml);
  if (!root) return undefined;
  const attr = (name: string): string =>
    unescapeXml(new RegExp(`\\b${name}="([^"]*)"`).exec(root[1] ?? "")?.[1] ?? "");
  const journal: Phase[] = [];
  const inputs: Partial<Record<Phase, string>> = {};
  for (const m of xml.matchAll(/<(?:[A-Za-z_][\w.-]*:)?phase\b([^>]*)>/g)) {
    const attrs = m[1] ?? "";
    const phase = unescapeXml(/\bname="([^"]*)"/.exec(attrs)?.[1] ?? "");
    if (!isPhase(phase) || journal.includes(phase)) continue;
    journal.push(phase);
    const input = /\binput="(sha256:[0-9a-f]{64})"/.exec(attrs)?.[1];
    if (input) inputs[phase] = input;
  }
  const node = parseNodeRecord(xml);
  return {
    owner: { kind: attr("kind"), namespace: attr("namespace"), name: attr("name") },
    journal,
    ...(Object.keys(inputs).length ? { inputs } : {}),
    ...(node ? { node } : {}),
  };
}

function parseNodeRecord(xml: string): NodeRecord | undefined {
  const m = /<(?:[A-Za-z_][\w.-]*:)?node\b([^>]*)>/.exec(xml);
  if (!m) return undefined;
  const attr = (name: string): string | undefined => {
    const v = new RegExp(`\\b${name}="([^"]*)"`).exec(m[1] ?? "")?.[1];
    return v === undefined ? undefined : unescapeXml(v);
  };
  const index = Number(attr("index"));
  const port = Number(attr("bmcPort"));
  return {
    role: attr("role") ?? "",
    index: Number.isInteger(index) ? index : -1,
    ...(Number.isInteger(port) && port > 0 ? { bmcPort: port } : {}),
  };
}

/** The recorded `at` times of a stamp, so a rewrite keeps them. */
export function parseStampTimes(xml: string): Record<string, string> {
  const times: Record<string, string> = {};
  for (const m of xml.matchAll(/<(?:[A-Za-z_][\w.-]*:)?phase\b[^>]*\bname="([^"]*)"[^>]*\bat="([^"]*)"/g)) {
    times[unescapeXml(m[1] ?? "")] = unescapeXml(m[2] ?? "");
  }
  return times;
}

export function isPhase(value: string): value is Phase {
  return (PHASES as readonly string[]).includes(value);
}

/** The journal with `phase` added (idempotent). */
export function withPhase(journal: readonly Phase[], phase: Phase): Phase[] {
  return journal.includes(phase) ? [...journal] : [...journal, phase];
}

/** The stamp with `phase` journaled, and the input it ran with recorded (when known). */
export function journaled(stamp: Stamp, phase: Phase, input?: string): Stamp {
  const inputs = { ...stamp.inputs };
  if (input === undefined) delete inputs[phase];
  else inputs[phase] = input;
  const { inputs: _old, ...rest } = stamp;
  return {
    ...rest,
    journal: withPhase(stamp.journal, phase),
    ...(Object.keys(inputs).length ? { inputs } : {}),
  };
}

/**
 * The stamp with `phase` and every phase journaled after it dropped (with their inputs):
 * written before a changed phase runs again, so a crash midway resumes at that phase.
 */
export function withoutPhasesFrom(stamp: Stamp, phase: Phase): Stamp {
  const at = stamp.journal.indexOf(phase);
  if (at < 0) return stamp;
  const journal = stamp.journal.slice(0, at);
  const inputs = Object.fromEntries(
    Object.entries(stamp.inputs ?? {}).filter(([p]) => journal.includes(p as Phase)),
  );
  const { inputs: _old, ...rest } = stamp;
  return { ...rest, journal, ...(Object.keys(inputs).length ? { inputs } : {}) };
}
