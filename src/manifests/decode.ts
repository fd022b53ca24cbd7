import { z } from "zod";
import {
  API_KINDS,
  API_VERSION,
  GROUP,
  KIND_INFO,
  KINDS,
  type ApiKind,
  type Kind,
  type LabObject,
  type PreviewObject,
} from "../api/index.js";
import { formatPath, type ManifestError, type Source } from "./errors.js";

/** A valid object and where it was declared. */
export interface LoadedObject {
  object: LabObject;
  source: Source;
}

/** A valid object of a kind nothing reconciles yet (PREVIEW_KINDS): validated only. */
export interface LoadedPreview {
  object: PreviewObject;
  source: Source;
}

export type DecodeResult =
  | { ok: true; loaded: LoadedObject }
  | { ok: "preview"; loaded: LoadedPreview }
  | { ok: false; errors: ManifestError[] }
  | { ok: "foreign"; apiVersion: string };

/**
 * Documents of other APIs (apps/v1, v1, ...) may share a directory with ours, e.g. the
 * operator's own Deployment; they are skipped. Anything that looks like our group is checked,
 * so a typo in our group (case, a hyphen, a letter off), version or kind is an error: skipped,
 * the object would look deleted.
 */
export function isForeignApiVersion(apiVersion: unknown): apiVersion is string {
  if (typeof apiVersion !== "string" || apiVersion.length === 0) return false;
  const group = (apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.lastIndexOf("/")) : apiVersion)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");
  return !group.includes(OUR_GROUP.slice(0, -"io".length)) && editDistance(group, OUR_GROUP) > 2;
}

/** A kubectl List (`kubectl get -o yaml`) with any of our objects: skipped, they would look deleted. */
function holdsOurs(doc: object): boolean {
  const { kind, items } = doc as { kind?: unknown; items?: unknown };
  return (
    typeof kind === "string" &&
    kind.endsWith("List") &&
    Array.isArray(items) &&
    items.some(
      (i) =>
        typeof i === "object" &&
        i !== null &&
        !isForeignApiVersion((i as { apiVersion?: unknown }).apiVersion),
    )
  );
}

/** Our group as compared: lower case, letters and digits only ("openstacklabio"). */
const OUR_GROUP = GROUP.toLowerCase().replace(/[^a-z0-9]/g, "");

/** Levenshtein distance (short strings only: group names). */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}

function isApiKind(k: unknown): k is ApiKind {
  return typeof k === "string" && (API_KINDS as readonly string[]).includes(k);
}

function isKind(k: ApiKind): k is Kind {
  return (KINDS as readonly string[]).includes(k);
}

/** What a document says about itself, read leniently so errors can name the object. */
function identify(doc: unknown): { kind?: string; name?: string; namespace?: string } {
  if (typeof doc !== "object" || doc === null) return {};
  const d = doc as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  return { kind: str(d.kind), name: str(d.metadata?.name), namespace: str(d.metadata?.namespace) };
}

/** Validate one parsed YAML document against its kind's schema. */
export function decodeDocument(doc: unknown, source: Source): DecodeResult {
  const id = identify(doc);
  const base = {
    source,
    kind: id.kind,
    name: id.name,
    ...(id.name ? { namespace: id.namespace ?? "default" } : {}),
  };
  const fail = (path: string, message: string): DecodeResult => ({
    ok: false,
    errors: [{ ...base, path, message }],
  });
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    return fail("", "document must be a mapping with apiVersion, kind, metadata and spec");
  }
  const apiVersion = (doc as { apiVersion?: unknown }).apiVersion;
  if (holdsOurs(doc)) {
    return fail("items", "a List holding objects of our group: write each object as a document of its own");
  }
  if (isForeignApiVersion(apiVersion)) return { ok: "foreign", apiVersion };
  const key =
    id.name && isApiKind(id.kind) && isKind(id.kind)
      ? { kind: id.kind, namespace: id.namespace ?? "default", name: id.name }
      : undefined;
  if (apiVersion !== API_VERSION) {
    // Named: the object this document declares keeps its last good spec and says why.
    const message = `unknown apiVersion ${JSON.stringify(apiVersion)}, expected "${API_VERSION}"`;
    return { ok: false, errors: [{ ...base, ...(key ? { key } : {}), path: "apiVersion", message }] };
  }
  if (!isApiKind(id.kind)) {
    return fail("kind", `unknown kind ${JSON.stringify(id.kind)}, expected one of ${API_KINDS.join(", ")}`);
  }
  const parsed = KIND_INFO[id.kind].schema.safeParse(doc);
  if (parsed.success && isKind(id.kind))
    return { ok: true, loaded: { object: parsed.data as LabObject, source } };
  if (parsed.success) return { ok: "preview", loaded: { object: parsed.data as PreviewObject, source } };
  return { ok: false, errors: parsed.error.issues.map((i) => ({ ...base, key, ...describeIssue(i, doc) })) };
}

function valueAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let value = doc;
  for (const part of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function describeIssue(issue: z.core.$ZodIssue, doc: unknown): { path: string; message: string } {
  const path = formatPath(issue.path);
  const missing = issue.code === "invalid_type" || issue.code === "invalid_value";
  if (missing && valueAt(doc, issue.path) === undefined) return { path, message: "is required" };
  if (issue.code === "unrecognized_keys") {
    return { path, message: `unknown field(s): ${issue.keys.join(", ")}` };
  }
  return { path, message: issue.message };
}
