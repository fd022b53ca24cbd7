import type { Kind, ObjectKey } from "../api/index.js";
import { quotedIfControl, stripControls } from "../util/terminal.js";

/** Where an object came from: its file and 1-based document index in that file. */
export interface Source {
  file: string;
  doc: number;
}

/** One problem in the manifests; formats as one line a person can act on. */
export interface ManifestError {
  source: Source;
  /** Set when the document says which object it is (even if the rest is invalid). */
  key?: ObjectKey;
  /** Kind as written, when known (it may be a kind we do not serve). */
  kind?: string;
  name?: string;
  /** Set with name: which object, also for kinds `key` cannot name (PREVIEW_KINDS). */
  namespace?: string;
  /** Field path like spec.bridges[0].name; empty for the whole document. */
  path: string;
  message: string;
}

/** `FILE:DOC Kind/name FIELD.PATH: reason`, parts left out when unknown. */
export function formatError(e: ManifestError): string {
  let line = `${printable(e.source.file)}:${e.source.doc}`;
  if (e.kind) line += ` ${printable(e.kind)}/${e.name === undefined ? "?" : printable(e.name)}`;
  if (e.path) line += ` ${printable(e.path)}`;
  return `${line}: ${stripControls(e.message)}`;
}

/** Names as written may hold line breaks or control characters: quote those, so an error stays one line. */
export function printable(text: string): string {
  return quotedIfControl(text);
}

/** spec.bridges[0].name from ["spec", "bridges", 0, "name"]. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${printable(String(part))}` : printable(String(part));
  }
  return out;
}

export function objectKey(kind: Kind, namespace: string, name: string): ObjectKey {
  return { kind, namespace, name };
}
