import { z } from "zod";
import { API_VERSION, KIND_INFO, KINDS, type Kind, type LabObject } from "../api/index.js";
import { formatPath, type ManifestError, type Source } from "./errors.js";

/** A valid object and where it was declared. */
export interface LoadedObject {
  object: LabObject;
  source: Source;
}

export type DecodeResult =
  | { ok: true; loaded: LoadedObject }
  | { ok: false; errors: ManifestError[] }
  | { ok: "foreign"; apiVersion: string };

/**
 * Documents of other APIs (apps/v1, v1, ...) may share a directory with ours, e.g. the
 * operator's own Deployment; they are skipped. Anything naming our group is checked, so a
 * typo in our version or kind is an error.
 */
function isForeignApiVersion(apiVersion: unknown): apiVersion is string {
  return typeof apiVersion === "string" && apiVersion.length > 0 && !apiVersion.includes("openstacklab");
}

function isKind(k: unknown): k is Kind {
  return typeof k === "string" && (KINDS as readonly string[]).includes(k);
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
  const base = { source, kind: id.kind, name: id.name };
  const fail = (path: string, message: string): DecodeResult => ({
    ok: false,
    errors: [{ ...base, path, message }],
  });
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    return fail("", "document must be a mapping with apiVersion, kind, metadata and spec");
  }
  const apiVersion = (doc as { apiVersion?: unknown }).apiVersion;
  if (isForeignApiVersion(apiVersion)) return { ok: "foreign", apiVersion };
  if (apiVersion !== API_VERSION) {
    return fail("apiVersion", `unknown apiVersion ${JSON.stringify(apiVersion)}, expected "${API_VERSION}"`);
  }
  if (!isKind(id.kind)) {
    return fail("kind", `unknown kind ${JSON.stringify(id.kind)}, expected one of ${KINDS.join(", ")}`);
  }
  const parsed = KIND_INFO[id.kind].schema.safeParse(doc);
  if (parsed.success) return { ok: true, loaded: { object: parsed.data as LabObject, source } };
  const key = id.name ? { kind: id.kind, namespace: id.namespace ?? "default", name: id.name } : undefined;
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
