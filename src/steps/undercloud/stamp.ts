import { element } from "../../render/xml.js";
import { OWNERSHIP_KEY, OWNERSHIP_NS } from "./paths.js";

/**
 * The phases of a VM's life, in order. Each is journaled in the domain's <metadata> once
 * done, so a crash midway resumes after the last recorded phase and never redoes one.
 */
export const PHASES = ["created", "booted", "keyed", "packages", "configured", "installed"] as const;
export type Phase = (typeof PHASES)[number];

/** Who made the domain; the same attributes as the LibvirtNetwork stamp (<lab:owner>). */
export interface Owner {
  kind: string;
  namespace: string;
  name: string;
}

export interface Stamp {
  owner: Owner;
  /** Completed phases, in the order they were recorded. */
  journal: Phase[];
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
  const phases = stamp.journal.map((p) => element(tag("phase"), { name: p, at: at[p] }));
  const ns = form === "domain" ? { [`xmlns:${OWNERSHIP_KEY}`]: OWNERSHIP_NS } : {};
  return element(tag("owner"), { ...ns, ...stamp.owner }, phases);
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
  for (const m of xml.matchAll(/<(?:[A-Za-z_][\w.-]*:)?phase\b[^>]*\bname="([^"]*)"/g)) {
    const phase = unescapeXml(m[1] ?? "");
    if (isPhase(phase) && !journal.includes(phase)) journal.push(phase);
  }
  return { owner: { kind: attr("kind"), namespace: attr("namespace"), name: attr("name") }, journal };
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
